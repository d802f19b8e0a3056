"""A source file's bytes and the conversion of tree-sitter byte points to columns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import Position


_LONE_CR = re.compile(rb"\r(?!\n)")
BOM = "\ufeff"


MINIFIED_MIN_SIZE = 20 * 1024
MINIFIED_AVG_LINE = 400


def is_binary(data: bytes) -> bool:
    """NUL bytes near the start (a UTF-16 file with its BOM is text)."""
    return b"\0" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff"))


def looks_minified(data: bytes) -> bool:
    """Very long lines on average: minified or generated code, not analysed."""
    if len(data) < MINIFIED_MIN_SIZE:
        return False
    lines = data.count(b"\n") + 1
    return len(data) / lines > MINIFIED_AVG_LINE


def decode(data: bytes) -> tuple[bytes, str | None]:
    """Return UTF-8 bytes for ``data`` and the name of the encoding it had.

    UTF-8 (with or without BOM) passes through; UTF-16 with a BOM is transcoded.
    Raises ``UnicodeDecodeError`` for anything else that is not valid UTF-8.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data[3:].decode("utf-8")
        return data, "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
        return text.encode("utf-8"), "utf-16"
    data.decode("utf-8")
    return data, "utf-8"


def mentions(data: bytes, names) -> bool:
    """Does the text of ``data`` hold any of ``names`` (str)? Else no tree of it can name
    them. Undecodable bytes answer True: whoever parses the file reports them."""
    try:
        text = decode(data)[0]
    except UnicodeDecodeError:
        return True
    return any(name.encode() in text for name in names)


# a run of name bytes (ASCII letters, digits, `_`, `$`, any non-ASCII byte) that starts a
# run and is followed by "(": the name a call spells, with whatever qualifies it glued on
_NAME_BYTES = rb"A-Za-z0-9_$\x80-\xff"
_CALLED_RUN = re.compile(rb"(?<![%s])[%s]++(?=\()" % (_NAME_BYTES, _NAME_BYTES))
_NAME_ONLY = re.compile(rb"[%s]+\Z" % _NAME_BYTES)


# up to this many names, each is searched for in the text: cheaper than the one scan that
# collects every called name's endings (most files are asked about a name or two)
FEW_NAMES = 16


class CallText:
    """Which of some names a file's text spells followed by "(" (``name + b"("`` in it),
    for many names and repeated questions: a search per name for a few names; for more,
    the names called in the text, collected once, each looked up by its endings of the
    names' lengths. The text itself is not kept but asked of ``read()`` when needed: a
    large run asks about thousands of files over several rounds."""

    def __init__(self, read):
        self._read = read
        self._runs: frozenset | None = None

    @staticmethod
    def names(names) -> tuple:
        """``names`` prepared for ``calls_any``: (plain names, others, plain names' lengths)."""
        plain = frozenset(n for n in names if _NAME_ONLY.match(n))
        return plain, [n for n in names if n not in plain], sorted({len(n) for n in plain})

    def calls_any(self, prepared: tuple) -> bool:
        plain, other, lengths = prepared
        if len(plain) <= FEW_NAMES:
            other = [*plain, *other]
        elif plain:
            if self._runs is None:
                self._runs = frozenset(_CALLED_RUN.findall(self._read()))
            # a run ending in a name calls it: `xOpen(` spells `Open(` too
            if any(run[-k:] in plain for run in self._runs for k in lengths if k <= len(run)):
                return True
        if not other:
            return False
        data = self._read()
        return any(n + b"(" in data for n in other)


def lone_cr_to_lf(data: bytes) -> bytes:
    """A lone CR (old Mac line ends) made LF, as analysis reads files: editors, SARIF
    viewers and GitHub count it as a line break, tree-sitter counts only LF. The swap
    keeps every byte offset, so positions and fix edits hold for the file as it is."""
    return _LONE_CR.sub(b"\n", data) if b"\r" in data else data


@dataclass
class SourceFile:
    path: str  # as reported (relative to the working directory where possible)
    data: bytes  # UTF-8
    language: str
    _line_starts: list[int] | None = field(default=None, repr=False)

    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            data = self.data
            # '\n' only, as tree-sitter counts rows (analysis made lone CRs LFs first)
            i = data.find(b"\n")
            while i != -1:
                starts.append(i + 1)
                i = data.find(b"\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def line_bytes(self, row: int) -> bytes:
        starts = self.line_starts()
        if row >= len(starts):
            return b""
        end = starts[row + 1] - 1 if row + 1 < len(starts) else len(self.data)
        line = self.data[starts[row]:end]
        return line[:-1] if line.endswith(b"\r") else line

    def line_text(self, row: int) -> str:
        return self.line_bytes(row).decode("utf-8", errors="replace")

    def columns(self, row: int, byte_col: int) -> tuple[int, int]:
        """1-based (code point, UTF-16) columns of a byte offset within a line."""
        prefix = self.line_bytes(row)[:byte_col].decode("utf-8", errors="replace")
        if row == 0 and prefix.startswith(BOM):
            prefix = prefix[1:]  # a byte order mark is not a column
        cp = len(prefix)
        u16 = cp + sum(1 for ch in prefix if ord(ch) > 0xFFFF)
        return cp + 1, u16 + 1

    def position(self, node) -> Position:
        return self.span(node.start_point, node.end_point)

    def span(self, start, end) -> Position:
        (srow, scol), (erow, ecol) = start, end
        c, c16 = self.columns(srow, scol)
        ec, ec16 = self.columns(erow, ecol)
        return Position(srow + 1, c, erow + 1, ec, c16, ec16)

    def text(self, node) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8", errors="replace")
