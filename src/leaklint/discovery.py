"""Which files to scan.

Inside a git work tree the list is git's own: tracked files plus the untracked files no
ignore rule covers (.gitignore files, .git/info/exclude, the global excludes file), so a
tracked file is scanned even when a .gitignore pattern matches its name or it sits under
a directory such as node_modules. Outside git, directories are walked honouring the
.gitignore files at every level. Either way the built-in skips (DEFAULT_EXCLUDES, for
files git does not track) and the user's excludes apply, and what they leave out is
recorded for ``--show-skipped``. A path named on the command line is scanned even when
ignored or excluded, unless ``force_exclude``; a named path that yields no file says why."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import git
from .ignore_patterns import compiled
from .languages import language_of
from .safe_io import ReadRefused, link_on_the_way, read_regular, special_file_message

DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", "node_modules", "vendor", ".venv", "venv", "env", ".env",
    ".tox", ".nox", "dist", "build", "__pycache__", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".leaklint_cache", "bower_components", ".next", ".nuxt",
)

MAX_IGNORE_FILE = 4 * 1024 * 1024


SUPPORTED = "Go, TypeScript/JavaScript or Python"
LINK_NOT_FOLLOWED = "symbolic link, not followed (--follow-symlinks follows links)"


@dataclass
class Discovered:
    files: list = field(default_factory=list)  # paths to scan, in a stable order
    problems: list = field(default_factory=list)  # (path, message) for paths given that fail
    skipped: list = field(default_factory=list)  # (path, reason): built-in skips, excludes
    empty: list = field(default_factory=list)  # (path given, why it yields no file)


class PatternError(ValueError):
    """An exclude pattern that cannot be used; the message quotes it."""


@lru_cache(maxsize=4096)
def pattern_error(pattern: str) -> str | None:
    """Why a gitignore-style pattern is unusable, or None when it is fine."""
    return _patterns_error((pattern,))


def _patterns_error(lines: tuple) -> str | None:
    """Why a list of patterns cannot be used (the first unusable one's fault), or None."""
    try:
        compiled(lines).match_file("x")
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
    if _patterns_error(tuple(lines)) is None:
        return compiled(tuple(lines))  # all usable: compiled once, not line by line
    good = []
    for line in lines:
        if pattern_error(line) is None:
            good.append(line)
        else:  # a malformed pattern drops only itself
            problems.append((p, f"ignoring malformed pattern {line!r}"))
    return compiled(tuple(good))


def _ancestor_ignores(directory: str, problems: list) -> list:
    """.gitignore files from the repository root down to (not including) ``directory``."""
    above = []  # the directories from directory's parent up to the repository's root
    d = os.path.dirname(os.path.abspath(directory))
    while True:
        above.append(d)
        if os.path.exists(os.path.join(d, ".git")):
            break
        parent = os.path.dirname(d)
        if parent == d:
            # not in a repository: ignore files above the scanned path are not ours (and
            # are not read: compiling their patterns cost a hook more than its listings)
            return []
        d = parent
    chain = []
    for d in above:
        spec = _read_gitignore(d, problems)
        if spec is not None:
            chain.append((d, spec))
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
             follow_symlinks: bool = False, force_exclude: bool = False,
             recursive: bool = True) -> Discovered:
    """``recursive=False``: the files directly in each directory, from a walk (how one
    file's analysis finds the other files of its package, many times a scan)."""
    if recursive:
        git.forget()
        _repository_files.cache_clear()
    out = Discovered()
    root = os.path.abspath(root or os.getcwd())
    for pattern in excludes:
        problem = pattern_error(pattern)
        if problem is not None:
            raise PatternError(f"exclude pattern {pattern!r} is not valid: {problem}")
    user = compiled(tuple(excludes)) if excludes else None
    seen: set = set()
    tops: dict = {}  # directory -> git work tree root (or None)

    def git_top(directory: str):
        if not respect_gitignore:
            return None
        if directory not in tops:
            tops[directory] = git.toplevel(directory)
        return tops[directory]

    def user_excluded(abspath: str, is_dir: bool) -> bool:
        if user is None:
            return False
        rel = os.path.relpath(abspath, root).replace(os.sep, "/")
        return bool(user.match_file(rel + ("/" if is_dir else ""))
                    or user.match_file(os.path.basename(abspath)))

    def add(path: str) -> bool:
        key = os.path.abspath(path)
        if key in seen:
            return False
        seen.add(key)
        out.files.append(os.path.normpath(path))
        return True

    for given in paths:
        before = len(out.files)
        if not os.path.lexists(given):
            out.problems.append((given, "no such file or directory"))
            continue
        if os.path.isfile(given):
            if language_of(given) is None:
                out.empty.append((given, f"not a {SUPPORTED} file"))
                continue
            link = None if follow_symlinks else link_on_the_way(
                os.path.dirname(os.path.abspath(given)), [os.getcwd()])
            if link is not None:  # a committed directory link would lead out of the tree
                out.problems.append((given, f"is reached through the symbolic link "
                                            f"{os.path.relpath(link)}; links are not followed "
                                            "(--follow-symlinks follows them)"))
                continue
            reason = _named_exclusion(given, force_exclude, user_excluded, git_top,
                                      respect_gitignore, out.problems)
            if reason:
                out.skipped.append((os.path.normpath(given), reason))
                out.empty.append((given, f"{reason} (named with --force-exclude)"))
            else:
                add(given)
            continue
        if not os.path.isdir(given):
            out.problems.append((given, special_file_message(os.stat(given).st_mode)
                                 if os.path.exists(given) else "not a regular file or directory"))
            continue
        if force_exclude:
            reason = _named_exclusion(given, True, user_excluded, git_top, respect_gitignore,
                                      out.problems, is_dir=True)
            if reason:
                out.skipped.append((os.path.normpath(given), reason))
                out.empty.append((given, f"{reason} (named with --force-exclude)"))
                continue
        top = git_top(os.path.abspath(given)) if recursive else None
        skipped_before = len(out.skipped)
        if top is not None and not _git_ignores(top, given):
            _from_git(given, top, out, add, user_excluded, follow_symlinks)
        else:
            # outside git, or a directory git ignores that was named explicitly: walk it
            # (an ignored directory's own .gitignore files still count)
            chain = []
            if respect_gitignore and top is None:
                chain = _ancestor_ignores(os.path.abspath(given), out.problems)
            _walk(given, chain, out, add, user_excluded, respect_gitignore, follow_symlinks,
                  recursive)
        if len(out.files) == before:
            n = len(out.skipped) - skipped_before
            out.empty.append((given, f"no {SUPPORTED} files to scan" + (
                f" ({n} path{'s' if n != 1 else ''} skipped: see --show-skipped)" if n else "")))
    return out


@lru_cache(maxsize=8)
def _repository_files(top: str) -> tuple[frozenset, frozenset]:
    """git's whole file list of a work tree, and its tracked part: one listing for all the
    files a hook names, rather than a git call each."""
    names, tracked = git.list_files(top, ["."])
    return frozenset(names), frozenset(tracked)


def _git_ignores(top: str, given: str) -> bool:
    rel = os.path.relpath(os.path.abspath(given), top)
    return rel != "." and git.is_ignored(top, rel, directory=True)


def _builtin_skip(parts) -> str | None:
    for i, part in enumerate(parts):
        if part in DEFAULT_EXCLUDES:
            return "/".join(parts[:i + 1])
    return None


def _named_exclusion(given: str, force_exclude: bool, user_excluded, git_top,
                     respect_gitignore: bool, problems: list, is_dir: bool = False) -> str | None:
    """Why a path named on the command line is left out with --force-exclude, or None."""
    if not force_exclude:
        return None
    abspath = os.path.abspath(given)
    if user_excluded(abspath, is_dir):
        return "excluded by a pattern"
    top = git_top(os.path.dirname(abspath) if not is_dir else abspath)
    if top is not None:
        rel = os.path.relpath(abspath, top).replace(os.sep, "/")
        if is_dir:
            if rel != "." and git.is_ignored(top, rel, directory=True):
                return "ignored by git"
            skip = _builtin_skip(rel.split("/")) if rel != "." else None
            return f"built-in skip ({skip})" if skip else None
        listed, tracked = _repository_files(top)
        if rel not in listed:
            return "ignored by git"
        skip = _builtin_skip(rel.split("/")[:-1])
        if rel not in tracked and skip:
            return f"built-in skip ({skip})"
        return None
    if respect_gitignore:
        chain = _ancestor_ignores(abspath if is_dir else os.path.dirname(abspath) + os.sep + "x",
                                  problems)
        if chain and _ignored(abspath, is_dir, chain):
            return "ignored by a .gitignore file"
    return None


def _from_git(given: str, top: str, out: Discovered, add, user_excluded, follow_symlinks) -> None:
    base = os.path.abspath(given)
    rel_dir = os.path.relpath(base, top)
    names, tracked = git.list_files(top, [rel_dir])
    skipped_dirs = set()
    for name in names:
        if language_of(name) is None:
            continue
        abspath = os.path.join(top, name)
        shown = os.path.normpath(os.path.join(given, os.path.relpath(abspath, base)))
        inside = os.path.relpath(abspath, base).replace(os.sep, "/").split("/")
        if name not in tracked:
            skip = _builtin_skip(inside[:-1])
            if skip:
                d = os.path.normpath(os.path.join(given, skip))
                if d not in skipped_dirs:
                    skipped_dirs.add(d)
                    out.skipped.append((d, f"built-in skip ({skip.rsplit('/', 1)[-1]}/, not tracked by git)"))
                continue
        if user_excluded(abspath, False):
            out.skipped.append((shown, "excluded by a pattern"))
            continue
        if os.path.islink(abspath) and not follow_symlinks:
            out.skipped.append((shown, LINK_NOT_FOLLOWED))  # never leave the roots through a link
            continue
        if not os.path.isfile(abspath):
            if os.path.lexists(abspath) and not os.path.isdir(abspath):
                out.problems.append((shown, special_file_message(os.stat(abspath).st_mode)))
            continue  # deleted from the work tree, or a submodule
        add(shown)


def _walk(given: str, chain: list, out: Discovered, add, user_excluded, respect_gitignore: bool,
          follow_symlinks: bool, recursive: bool = True) -> None:
    top = os.path.abspath(given)
    stack = [(given, chain)]
    visited = {os.path.realpath(top)}
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
                # never leave the scanned roots through a link; one that would be scanned is said
                if language_of(e.name) is not None or os.path.isdir(e.path):
                    out.skipped.append((os.path.normpath(e.path), LINK_NOT_FOLLOWED))
                continue
            abspath = os.path.abspath(e.path)
            if is_dir:
                if e.name in DEFAULT_EXCLUDES:
                    if e.name != ".git":
                        out.skipped.append((os.path.normpath(e.path), f"built-in skip ({e.name}/)"))
                    continue
                if chain and _ignored(abspath, True, chain):
                    continue
                if user_excluded(abspath, True):
                    out.skipped.append((os.path.normpath(e.path), "excluded by a pattern"))
                    continue
                if follow_symlinks:
                    real = os.path.realpath(abspath)
                    if real in visited:
                        continue  # a symlink loop
                    visited.add(real)
                subdirs.append((e.path, chain))
            elif language_of(e.name) is not None:
                if chain and _ignored(abspath, False, chain):
                    continue
                if user_excluded(abspath, False):
                    out.skipped.append((os.path.normpath(e.path), "excluded by a pattern"))
                    continue
                if is_file:
                    # without links followed, a file is reached by one path only
                    add(e.path)
                    continue
                # a FIFO, device or socket with a source file's name: said, not skipped
                try:
                    mode = e.stat(follow_symlinks=follow_symlinks).st_mode
                except OSError:
                    continue  # a dangling link being followed: nothing to read
                out.problems.append((os.path.normpath(e.path), special_file_message(mode)))
        if recursive:
            stack.extend(reversed(subdirs))
