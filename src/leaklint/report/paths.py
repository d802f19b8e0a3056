"""Paths as code hosts want them: relative to the root of the git work tree that holds
the file, with forward slashes, whatever directory leaklint runs from (a monorepo job
with ``working-directory:`` still uploads paths GitHub can place). Outside a work tree,
relative to the working directory."""

from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=4096)
def repository_root(directory: str) -> str | None:
    """The nearest directory at or above ``directory`` (absolute) that holds ``.git`` (a
    directory, or the file of a linked work tree), or None. Found on the file system, as
    git does, without running git."""
    d = directory
    while True:
        if os.path.lexists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _within(full: str, base: str) -> str | None:
    try:
        if full == base or os.path.commonpath([full, base]) != base:
            return None
    except ValueError:  # another drive on Windows
        return None
    return os.path.relpath(full, base).replace(os.sep, "/")


def source_relative(path: str) -> str | None:
    """``path`` relative to its repository's root (or, outside git, to the working
    directory) in POSIX form; None when it is outside that base."""
    full = os.path.abspath(path)
    root = repository_root(os.path.dirname(full))
    return _within(full, root if root is not None else os.getcwd())
