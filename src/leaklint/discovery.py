"""Which files to scan: walk the given paths, honour .gitignore files at every level,
the default excludes and the user's excludes. Files named explicitly are always
scanned when their language is supported."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import pathspec

from .languages import language_of
from .safe_io import ReadRefused, read_regular, special_file_message

DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", "node_modules", "vendor", ".venv", "venv", "env", ".env",
    ".tox", ".nox", "dist", "build", "__pycache__", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".leaklint_cache", "bower_components", ".next", ".nuxt",
)

MAX_IGNORE_FILE = 4 * 1024 * 1024


@dataclass
class Discovered:
    files: list = field(default_factory=list)  # paths to scan, in a stable order
    problems: list = field(default_factory=list)  # (path, message) for paths given that fail


def _spec(lines) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(lines)


class PatternError(ValueError):
    """An exclude pattern that cannot be used; the message quotes it."""


def pattern_error(pattern: str) -> str | None:
    """Why a gitignore-style pattern is unusable, or None when it is fine."""
    try:
        _spec([pattern]).match_file("x")
    except re.error as exc:  # its position is in the translated regex: not helpful
        return exc.msg
    except Exception as exc:  # pathspec's own errors
        return str(exc) or type(exc).__name__
    return None


def _read_gitignore(directory: str, problems: list):
    p = os.path.join(directory, ".gitignore")
    if not os.path.lexists(p):
        return None
    try:
        lines = read_regular(p, MAX_IGNORE_FILE).decode("utf-8", "replace").splitlines()
    except ReadRefused as exc:
        problems.append((p, f"cannot read .gitignore: {exc.message}"))
        return None
    good = []
    for line in lines:
        if pattern_error(line) is None:
            good.append(line)
        else:  # a malformed pattern drops only itself
            problems.append((p, f"ignoring malformed pattern {line!r}"))
    return _spec(good)


def _ancestor_ignores(directory: str, problems: list) -> list:
    """.gitignore files from the repository root down to (not including) ``directory``."""
    chain = []
    d = os.path.dirname(os.path.abspath(directory))
    while True:
        spec = _read_gitignore(d, problems)
        if spec is not None:
            chain.append((d, spec))
        if os.path.exists(os.path.join(d, ".git")):
            break
        parent = os.path.dirname(d)
        if parent == d:
            return []  # not in a repository: ignore files above the scanned path are not ours
        d = parent
    return list(reversed(chain))


def _ignored(abspath: str, is_dir: bool, chain) -> bool:
    for base, spec in chain:
        rel = os.path.relpath(abspath, base).replace(os.sep, "/")
        if is_dir:
            rel += "/"
        if spec.match_file(rel):
            return True
    return False


def directory_files(directory: str, excludes=(), root: str | None = None,
                    respect_gitignore: bool = True) -> list:
    """The source files directly in ``directory`` that a scan of it would analyse
    (excludes, .gitignore, regular files only, no links): how the analysis of one file
    finds the other files of its package."""
    return discover([directory], excludes, root, respect_gitignore, recursive=False).files


def discover(paths, excludes=(), root: str | None = None, respect_gitignore: bool = True,
             follow_symlinks: bool = False, recursive: bool = True) -> Discovered:
    out = Discovered()
    root = os.path.abspath(root or os.getcwd())
    for pattern in excludes:
        problem = pattern_error(pattern)
        if problem is not None:
            raise PatternError(f"exclude pattern {pattern!r} is not valid: {problem}")
    user = _spec(excludes) if excludes else None
    seen = set()

    def excluded(abspath: str, is_dir: bool) -> bool:
        if os.path.basename(abspath) in DEFAULT_EXCLUDES and is_dir:
            return True
        if user is not None:
            rel = os.path.relpath(abspath, root).replace(os.sep, "/")
            if user.match_file(rel + ("/" if is_dir else "")) or user.match_file(os.path.basename(abspath)):
                return True
        return False

    for given in paths:
        if not os.path.lexists(given):
            out.problems.append((given, "no such file or directory"))
            continue
        if os.path.isfile(given):
            if language_of(given) is not None:
                key = os.path.abspath(given)
                if key not in seen:
                    seen.add(key)
                    out.files.append(os.path.normpath(given))
            continue
        if not os.path.isdir(given):
            out.problems.append((given, special_file_message(os.stat(given).st_mode)
                                 if os.path.exists(given) else "not a regular file or directory"))
            continue
        top = os.path.abspath(given)
        chain = _ancestor_ignores(top, out.problems) if respect_gitignore else []
        stack = [(given, chain)]
        real_top = os.path.realpath(top)
        visited = {real_top}
        while stack:
            directory, chain = stack.pop()
            if respect_gitignore:
                spec = _read_gitignore(directory, out.problems)
                if spec is not None:
                    chain = chain + [(os.path.abspath(directory), spec)]
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as exc:
                out.problems.append((directory, f"cannot list directory: {exc.strerror or exc}"))
                continue
            subdirs = []
            for e in entries:
                try:
                    is_link = e.is_symlink()
                    is_dir = e.is_dir(follow_symlinks=follow_symlinks)
                    is_file = e.is_file(follow_symlinks=follow_symlinks)
                except OSError:
                    continue
                if is_link and not follow_symlinks:
                    continue  # never leave the scanned roots through a link
                abspath = os.path.abspath(e.path)
                if is_dir:
                    if excluded(abspath, True) or (chain and _ignored(abspath, True, chain)):
                        continue
                    if follow_symlinks:
                        real = os.path.realpath(abspath)
                        if real in visited:
                            continue  # a symlink loop
                        visited.add(real)
                    subdirs.append((e.path, chain))
                elif is_file and language_of(e.name) is not None:
                    if excluded(abspath, False) or (chain and _ignored(abspath, False, chain)):
                        continue
                    # without links followed, a file is reached by one path only
                    if abspath not in seen:
                        seen.add(abspath)
                        out.files.append(os.path.normpath(e.path))
                elif not is_file and language_of(e.name) is not None:
                    # a FIFO, device or socket with a source file's name: said, not skipped
                    if excluded(abspath, False) or (chain and _ignored(abspath, False, chain)):
                        continue
                    try:
                        mode = e.stat(follow_symlinks=follow_symlinks).st_mode
                    except OSError:
                        continue  # a dangling link being followed: nothing to read
                    out.problems.append((os.path.normpath(e.path), special_file_message(mode)))
            if recursive:
                stack.extend(reversed(subdirs))
    return out
