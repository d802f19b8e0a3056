"""Inline suppressions: ``leaklint: ignore``, ``leaklint: ignore[LL101, name]`` on the
reported line or the line above, and ``leaklint: ignore-file`` anywhere in a comment."""

from __future__ import annotations

import re

_COMMENT = r"(?://|#|/\*|\*|<!--)"
_IGNORE = re.compile(_COMMENT + r"[^\n]*?\bleaklint:\s*ignore(?!-)(?:\[([^\]]*)\])?")
_IGNORE_FILE = re.compile(rb"(?://|#|/\*)[^\n]*?\bleaklint:\s*ignore-file\b")


def file_ignored(data: bytes) -> bool:
    return b"leaklint:" in data and _IGNORE_FILE.search(data) is not None


def line_ignores(line: str) -> set[str] | None:
    """None: no suppression on this line; an empty set: all rules; else codes/names."""
    if "leaklint:" not in line:
        return None
    m = _IGNORE.search(line)
    if m is None:
        return None
    if m.group(1) is None:
        return set()
    return {p.strip().upper() for p in m.group(1).split(",") if p.strip()}


def is_suppressed(src, finding) -> bool:
    row = finding.position.line - 1
    for r in (row, row - 1):
        if r < 0:
            continue
        codes = line_ignores(src.line_text(r))
        if codes is None:
            continue
        if not codes or finding.code in codes or finding.name.upper() in codes:
            return True
    return False
