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
    """None: no suppression on this line; an empty set: all rules; else codes/names,
    upper-cased."""
    names = written_ignores(line)
    return None if names is None else {n.upper() for n in names}


def written_ignores(line: str) -> list[str] | None:
    """Like ``line_ignores``, with the codes and names as the comment spells them."""
    if "leaklint:" not in line:
        return None
    m = _IGNORE.search(line)
    if m is None:
        return None
    if m.group(1) is None:
        return []
    return [p.strip() for p in m.group(1).split(",") if p.strip()]


def is_suppressed(src, finding, bare_on_own_line: bool = True) -> bool:
    """``bare_on_own_line=False`` for findings about a suppression comment: a bare
    `leaklint: ignore` does not silence the finding that reports it."""
    row = finding.position.line - 1
    for r in (row, row - 1):
        if r < 0:
            continue
        codes = line_ignores(src.line_text(r))
        if codes is None or (r == row and not codes and not bare_on_own_line):
            continue
        if not codes or finding.code in codes or finding.name.upper() in codes:
            return True
    return False
