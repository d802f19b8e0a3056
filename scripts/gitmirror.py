"""Reading a bare git mirror without a work tree: the one reader the scripts share
(``ecosystem.py prepare`` extracts pinned trees, ``leakfixes.py`` writes a fix's files
at a commit and its parent, the conformance builders read a peer's files).

A mirror is found under a directory of mirrors as ``<owner>+<name>/repo`` or
``<owner>/<name>.git``. Blobs some mirrors leave out (large files) are reported as
missing, never as an error. Every failure of git is raised as ``error(message)``, the
exception class the calling script reports to its user.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def find(mirrors: Path, slug: str) -> Path | None:
    """The git directory of the repository ``owner/name`` under ``mirrors``, or None."""
    owner, name = slug.split("/")
    for candidate in (mirrors / f"{owner}+{name}" / "repo", mirrors / owner / f"{name}.git"):
        if (candidate / "objects").is_dir():
            return candidate
    return None


def is_git_directory(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


class GitMirror:
    def __init__(self, gitdir: Path, error=RuntimeError):
        self.gitdir = Path(gitdir)
        self.error = error

    def git(self, *args: str, check: bool = True) -> bytes:
        done = subprocess.run(["git", "--git-dir", str(self.gitdir), *args], capture_output=True)
        if check and done.returncode:
            message = done.stderr.decode(errors="replace").strip().splitlines()
            raise self.error(f"{self.gitdir}: git {' '.join(args)}: {message[0] if message else 'failed'}")
        return done.stdout

    def is_commit(self, commit: str) -> bool:
        return self.git("cat-file", "-t", commit, check=False).strip() == b"commit"

    def parent(self, commit: str) -> str:
        if self.git("cat-file", "-t", commit).strip() != b"commit":
            raise self.error(f"{self.gitdir}: {commit} is not a commit")
        parents = self.git("rev-list", "--parents", "-n", "1", commit).split()[1:]
        if not parents:
            raise self.error(f"{self.gitdir}: {commit} has no parent")
        return parents[0].decode()

    def read(self, commit: str, name: str) -> bytes | None:
        """The file ``name`` at ``commit``; None when it is not there."""
        done = subprocess.run(["git", "--git-dir", str(self.gitdir), "cat-file", "blob", f"{commit}:{name}"],
                              capture_output=True)
        return done.stdout if done.returncode == 0 else None

    def names(self, commit: str, folder: str | None = None) -> list[str]:
        """The paths of the files at ``commit`` (under ``folder``), sorted."""
        listing = self.git("ls-tree", "-r", "-z", "--name-only", commit, *(["--", folder] if folder else []))
        return sorted(os.fsdecode(n) for n in listing.split(b"\0") if n)

    def regular_files(self, commit: str) -> list[tuple[str, str]]:
        """(blob id, path) of the regular files at ``commit`` (no links, submodules, or
        paths that would climb out of the tree they are written to)."""
        out = []
        for record in self.git("ls-tree", "-r", "-z", commit).split(b"\0"):
            if not record:
                continue
            meta, name = record.split(b"\t", 1)
            mode, kind, sha = meta.split()
            parts = name.split(b"/")
            if kind != b"blob" or mode not in (b"100644", b"100755") or b".." in parts or b"" in parts:
                continue
            out.append((sha.decode(), os.fsdecode(name)))
        return out

    def write(self, objects, dest: Path) -> int:
        """Write each (object, path) of ``objects`` under ``dest``, where an object is a
        blob id or `commit:path`; return how many the mirror lacks (left out)."""
        missing = 0
        with subprocess.Popen(["git", "--git-dir", str(self.gitdir), "cat-file", "--batch"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE) as batch:
            for obj, name in objects:
                batch.stdin.write(f"{obj}\n".encode())
                batch.stdin.flush()
                header = batch.stdout.readline()
                if header.endswith(b"missing\n"):
                    missing += 1
                    continue
                data = batch.stdout.read(int(header.split()[2]))
                batch.stdout.read(1)
                if header.split()[1] != b"blob":
                    continue
                target = dest / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            batch.stdin.close()
        return missing
