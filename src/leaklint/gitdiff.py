"""Lines changed since a git ref (``--changed-since REF``), from ``git diff -U0``.

Changed means: added or modified in the working tree compared with REF, plus every line
of untracked files. A deletion counts as a change to the lines on either side of it,
so that removing a ``Close()`` still shows the finding next to it.
"""

from __future__ import annotations

import codecs
import os
import re

from .git import GitError, forget, run

HIDDEN_REASON = "outside the diff"
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def _git(args: list[str], cwd: str) -> str:
    try:
        return run(args, cwd).decode("utf-8", errors="surrogateescape")
    except GitError as exc:
        if str(exc) == "git is not installed":
            raise GitError("--changed-since needs git, which is not installed") from None
        raise


def _unquote(path: str) -> str:
    """git's C-style quoting of unusual file names ("a\\tb", octal UTF-8 bytes)."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    raw, _ = codecs.escape_decode(path[1:-1].encode("utf-8"))
    return raw.decode("utf-8", errors="replace")


def parse_diff(text: str) -> dict[str, set[int]]:
    """Repository-relative path -> changed line numbers (in the new version)."""
    changed: dict[str, set[int]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            target = _unquote(line[4:].rstrip("\t"))
            current = None if target == "/dev/null" else target[2:]  # drop "b/"
            if current is not None:
                changed.setdefault(current, set())
        elif current is not None and line.startswith("@@"):
            m = _HUNK.match(line)
            if not m:
                continue
            start, count = int(m.group(1)), int(m.group(2) or 1)
            if count == 0:  # pure deletion after line `start`
                changed[current].update({start, start + 1})
            else:
                changed[current].update(range(start, start + count))
    return changed


class ChangedLines:
    """Which files and lines changed since ``ref``, for the repository holding ``cwd``."""

    def __init__(self, ref: str, cwd: str = "."):
        forget()
        try:
            top = _git(["rev-parse", "--show-toplevel"], cwd).strip()
        except GitError:
            raise GitError(f"--changed-since needs a git repository, and {os.path.abspath(cwd)} "
                           "is not in one") from None
        try:
            _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
        except GitError:
            raise GitError(f"--changed-since: unknown git ref '{ref}'") from None
        diff = _git(["diff", "-U0", "--no-color", "--no-ext-diff", "--no-textconv", "-M", "--src-prefix=a/",
                     "--dst-prefix=b/", ref, "--"], top)
        self.lines = {self._key(top, p): lines for p, lines in parse_diff(diff).items()}
        untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], top)
        self.whole = {self._key(top, p) for p in untracked.split("\0") if p}

    @staticmethod
    def _key(top: str, rel: str) -> str:
        return os.path.normcase(os.path.realpath(os.path.join(top, rel)))

    def has_file(self, path: str) -> bool:
        k = self._key("", os.path.abspath(path))
        return k in self.whole or k in self.lines

    def touches(self, path: str, first: int, last: int) -> bool:
        k = self._key("", os.path.abspath(path))
        if k in self.whole:
            return True
        lines = self.lines.get(k)
        return bool(lines) and any(n in lines for n in range(first, last + 1))

    def keeps(self, finding) -> bool:
        """A finding is on the diff when its span or one of its related locations is."""
        p = finding.position
        if self.touches(finding.path, p.line, p.end_line):
            return True
        return any(self.touches(r.path, r.position.line, r.position.end_line)
                   for r in finding.related)

    def apply(self, report) -> None:
        kept = [f for f in report.findings if self.keeps(f)]
        report.hidden[HIDDEN_REASON] = len(report.findings) - len(kept)
        report.findings = kept
