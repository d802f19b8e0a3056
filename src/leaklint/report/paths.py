"""Paths as code hosts want them: relative to the directory leaklint runs from (the
repository root in CI), with forward slashes."""

from __future__ import annotations

import os


def cwd_relative(path: str) -> str | None:
    """``path`` relative to the working directory in POSIX form, or None when the file
    is outside it (or on another drive)."""
    full = os.path.abspath(path)
    cwd = os.getcwd()
    try:
        if full == cwd or os.path.commonpath([full, cwd]) != cwd:
            return None
    except ValueError:  # another drive on Windows
        return None
    return os.path.relpath(full, cwd).replace(os.sep, "/")
