"""Gitignore-style patterns (ignore files, excludes, .gitattributes), each distinct list
compiled once per run. pathspec is imported on first use: a run that matches no pattern,
such as a pre-commit hook on a few named files, does not pay for its import."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1024)
def compiled(lines: tuple):
    """The ``pathspec.GitIgnoreSpec`` of ``lines``; raises what pathspec raises for an
    unusable pattern."""
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)
