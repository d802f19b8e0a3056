"""What a fix is made of: a ``Fix`` is a list of byte ``Edit``s on the file as analysed
(UTF-8), which ``autofix.py`` maps back onto the file's own encoding and line endings;
and the helpers every language's fixer uses to write them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Position


@dataclass(frozen=True)
class Edit:
    """Replace bytes ``start:end`` of the analysed (UTF-8) text with ``text``.

    ``text`` is in the file's own line endings. ``region`` is the replaced span (empty
    for an insertion), for SARIF."""

    start: int
    end: int
    text: str
    region: Position


@dataclass(frozen=True)
class Fix:
    description: str
    edits: tuple = field(default_factory=tuple)
    safe: bool = True


def edit(src, start: int, end: int, text: str) -> Edit:
    """An ``Edit`` of ``src`` (a SourceFile): ``text`` written with "\\n" gets the
    file's line endings (CRLF stays CRLF), and the region is computed."""
    text = text.replace("\r\n", "\n")
    if newline_of(src.data) == "\r\n":
        text = text.replace("\n", "\r\n")
    return Edit(start, end, text, src.span(_point(src, start), _point(src, end)))


def newline_of(data: bytes) -> str:
    """The line ending most lines of ``data`` use."""
    crlf = data.count(b"\r\n")
    return "\r\n" if crlf and crlf * 2 >= data.count(b"\n") else "\n"


def _point(src, offset: int) -> tuple[int, int]:
    starts = src.line_starts()
    lo, hi = 0, len(starts) - 1
    while lo < hi:  # the last line start <= offset
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo, offset - starts[lo]


def line_start(src, offset: int) -> int:
    return src.line_starts()[_point(src, offset)[0]]


def line_end(src, offset: int) -> int:
    """The offset just after the line break ending the line of ``offset``."""
    nl = src.data.find(b"\n", offset)
    return len(src.data) if nl == -1 else nl + 1


def indentation(src, offset: int) -> str:
    """The leading whitespace of the line of ``offset``, as written (tabs stay tabs)."""
    start = line_start(src, offset)
    line = src.data[start:line_end(src, offset)]
    return line[:len(line) - len(line.lstrip(b" \t"))].decode("utf-8")
