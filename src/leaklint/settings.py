"""The settings of a run that decide each file's result (and so its cache key), and
reading a file as the run reads it. Apart from ``analyze`` so that a run served from the
result cache, and the configuration, do not load the analysis."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .context_policy import ContextSettings
from .model import Diagnostic
from .safe_io import ReadRefused, read_regular

DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024


@dataclass
class Settings:
    """Everything about a run that decides a file's result (and so the cache key)."""

    rules: tuple = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    severity: dict = field(default_factory=dict)  # code -> severity
    per_file_ignores: tuple = ()  # ((PathSpec-like matcher, frozenset of codes), ...)
    go_version: tuple | None = None  # (major, minor) from the nearest go.mod, if any
    line_hashes: bool = False  # compute GitHub's primaryLocationLineHash
    timeout: float | None = 10.0  # seconds per file (parse and rules), None: no limit
    fixes: bool = False  # compute the fixes of findings (--fix, --fix-diff, SARIF)
    # upper-cased codes and names of every rule the config defines, enabled or not (LL001)
    known_rules: frozenset = frozenset()
    follow_symlinks: bool = False  # read files through symbolic links (--follow-symlinks)
    debug: bool = False
    # [tool.leaklint.contexts]: what is reported in tests, scripts, examples, generated code
    contexts: ContextSettings = field(default_factory=ContextSettings)


def rules_for(settings: Settings, path: str, family: str) -> list:
    ignored = set()
    posix = path.replace(os.sep, "/")
    for matcher, codes in settings.per_file_ignores:
        if matcher(posix):
            ignored |= codes
    return [r for r in settings.rules if r.applies_to(family) and r.code not in ignored]


def read_source(path: str, settings: Settings) -> bytes | Diagnostic:
    """The file's bytes, or a diagnostic saying why they cannot be had (through the safe
    reader: regular files only, no links unless followed on purpose, the size limit)."""
    try:
        return read_regular(path, settings.max_file_size, settings.follow_symlinks)
    except ReadRefused as exc:
        return Diagnostic(path, exc.kind, exc.message)
