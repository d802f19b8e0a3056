"""Running git on a tree that may come from an attacker (a pull request in CI).

git reads the repository's own config (``.git/config`` and what it includes), which can
name programs for git to run: an fsmonitor hook, clean/smudge filters, textconv and
external diff drivers, a pager. Every command here runs with those keys overridden on
the command line, with no system config, no prompts, no optional locks and none of the
``GIT_DIR``-style variables a hook may have left, so reading a file list or a diff never
runs a program named by the tree. The user's global config is still read: it is theirs,
and it holds the global excludes file that discovery must honour.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess

# config keys whose value is a command (or enables one) for the commands leaklint runs
# (config --list follows includes, so keys from included files are found too)
_RISKY = re.compile(
    r"^(?:core\.(?:editor|askpass|sshcommand|gitproxy)"
    r"|filter\..+\.(?:clean|smudge|process)|diff\..+\.(?:textconv|command))$", re.I)
_FIXED = ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
          "-c", "core.quotepath=false", "-c", "core.untrackedCache=false",
          "-c", "diff.external=", "-c", "core.pager=cat"]
# variables that would point git at another repository, index or program
_DROP_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
             "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE",
             "GIT_EXTERNAL_DIFF", "GIT_PAGER", "GIT_ASKPASS", "GIT_SSH", "GIT_SSH_COMMAND",
             "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_EDITOR")


class GitError(RuntimeError):
    """git is missing, the directory is not in a repository, or a command failed."""


def _env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in _DROP_ENV and not k.startswith("GIT_CONFIG_KEY_")
           and not k.startswith("GIT_CONFIG_VALUE_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0",
               GIT_ATTR_NOSYSTEM="1", LC_ALL="C")
    return env


def _call(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    import subprocess  # here: a run that asks git nothing (files named outside a
    # repository, as a hook's are) does not load it

    try:
        return subprocess.run(["git", *args], cwd=cwd, env=_env(), capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=120)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git could not run: {exc}") from None


@lru_cache(maxsize=64)
def _overrides(cwd: str) -> list[str]:
    """``-c key=`` for every risky key the repository's config sets."""
    proc = _call([*_FIXED, "config", "--list", "--name-only", "-z"], cwd)
    keys = proc.stdout.decode("utf-8", "surrogateescape").split("\0") if proc.returncode == 0 else []
    out = []
    for key in sorted({k.strip() for k in keys if _RISKY.match(k.strip())}):
        out += ["-c", f"{key}="]
        if key.lower().startswith("filter."):
            out += ["-c", f"{key.rsplit('.', 1)[0]}.required=false"]
    return out


def forget() -> None:
    """Drop what was learnt of repositories' config (a long-lived process calls this before
    each scan, so a config changed since is read again)."""
    _overrides.cache_clear()


def run(args: list[str], cwd: str) -> bytes:
    """``git ARGS`` in ``cwd`` with the tree's command-running config neutralised; its
    standard output as bytes. GitError carries git's last line of error."""
    proc = _call([*_FIXED, *_overrides(cwd), *args], cwd)  # (one config read per directory)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise GitError(err.splitlines()[-1] if err else f"git {args[0]} failed")
    return proc.stdout


def toplevel(directory: str) -> str | None:
    """The root of the work tree holding ``directory``, or None (not in one, no git, or a
    repository git refuses to read, such as one owned by another user)."""
    try:
        out = run(["rev-parse", "--show-toplevel"], directory)
    except GitError:
        return None
    top = os.fsdecode(out.rstrip(b"\n"))
    return top or None


def list_files(top: str, pathspecs: list[str]) -> tuple[list[str], set[str]]:
    """git's file list under ``pathspecs`` (relative to ``top``): tracked files plus the
    untracked ones no ignore rule covers (.gitignore files, .git/info/exclude and the
    global excludes file). Returns (paths relative to top, the subset that is tracked)."""
    specs = [f":(literal){p}" if p not in ("", ".") else "." for p in pathspecs]
    tracked = run(["ls-files", "-c", "-z", "--", *specs], top)
    others = run(["ls-files", "-o", "--exclude-standard", "-z", "--", *specs], top)
    tracked_names = [os.fsdecode(p) for p in tracked.split(b"\0") if p]
    other_names = [os.fsdecode(p) for p in others.split(b"\0") if p]
    return sorted(set(tracked_names) | set(other_names)), set(tracked_names)


def is_ignored(top: str, rel: str, directory: bool = False) -> bool:
    """Whether git's ignore rules cover ``rel`` (a path relative to ``top``). A tracked
    file is never ignored; a directory is judged by the rules alone, whatever it holds."""
    index = ["--no-index"] if directory else []
    proc = _call([*_FIXED, *_overrides(top), "check-ignore", "-q", *index, "--", rel], top)
    return proc.returncode == 0
