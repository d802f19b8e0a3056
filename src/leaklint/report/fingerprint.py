"""GitHub code scanning line fingerprints (``primaryLocationLineHash``).

When a SARIF file is uploaded without ``partialFingerprints``, GitHub's upload
action (github/codeql-action, ``src/fingerprints.ts``) fills in
``partialFingerprints.primaryLocationLineHash`` for each result from the line
the result starts on.  This module reproduces that value bit for bit so that
leaklint can emit it itself.

How the value is built:

* Line endings ``\\r\\n``, ``\\r`` and ``\\n`` all count as one ``\\n``, and
  every space and tab is dropped.  What is left is a stream of UTF-16 code
  units, followed by one end marker (``0xFFFF``) and then zeros.
* A line's hash is a polynomial hash with base 37, computed in wrapping
  64-bit arithmetic, over the 100 code units of that stream that begin at the
  line's first kept character.  It covers text from the following lines too.
* It is written as unsigned lowercase hex *without* zero padding (so it can
  be shorter than 16 digits), then ``:`` and a counter: 1 for the first line
  of the file with that hash, 2 for the second, and so on.

Every line gets a hash, including blank ones and the empty "line" after a
trailing newline: the number of hashes equals the number of parts the text
splits into on ``\\r\\n|\\r|\\n``.

The action reads the file as UTF-8 (invalid bytes become U+FFFD, a leading
byte order mark is kept and hashed).  To match it from raw bytes, decode with
``data.decode("utf-8", errors="replace")`` -- not ``"utf-8-sig"``.
"""

from __future__ import annotations

import sys
from array import array
from itertools import accumulate

__all__ = ["line_hashes", "primary_location_line_hash"]

_SPAN = 100  # code units covered by one line's hash
_BASE = 37
_MASK = (1 << 64) - 1
_BASE_TO_SPAN = pow(_BASE, _SPAN, 1 << 64)  # 37**100 mod 2**64
_END_MARK = "\uffff"  # appended once after the last character
_UTF16 = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"
_DROP_BLANKS = str.maketrans("", "", " \t")


def _step(acc: int, unit: int) -> int:
    return (acc * _BASE + unit) & _MASK


def line_hashes(text: str) -> list[str]:
    """Return the ``primaryLocationLineHash`` of every line of *text*.

    Entry ``i`` belongs to line ``i + 1``.  Runs in time linear in the size
    of *text*.
    """
    # "\r\n" must be folded before blanks are removed: a CR and an LF with a
    # space or tab between them are two line breaks, not one.
    stream = text.replace("\r\n", "\n").replace("\r", "\n").translate(_DROP_BLANKS)

    encoded = (stream + _END_MARK).encode(_UTF16, "surrogatepass")
    units = array("H")
    units.frombytes(encoded)
    units.extend(bytes(_SPAN))  # zero padding after the end marker

    # prefix[k] is the hash of units[0:k]; a window is a difference of two.
    prefix = array("Q", accumulate(units, _step, initial=0))

    # Lines start at offset 0 and right after every "\n" of the stream.
    pieces = stream.split("\n")
    if len(encoded) // 2 == len(stream) + 1:  # no astral characters
        sizes = [len(piece) for piece in pieces]
    else:  # astral characters take two UTF-16 code units each
        sizes = [len(piece.encode(_UTF16, "surrogatepass")) // 2 for piece in pieces]
    starts = accumulate((size + 1 for size in sizes[:-1]), initial=0)

    seen: dict[str, int] = {}
    result: list[str] = []
    for start in starts:
        value = (prefix[start + _SPAN] - prefix[start] * _BASE_TO_SPAN) & _MASK
        digits = format(value, "x")
        count = seen.get(digits, 0) + 1
        seen[digits] = count
        result.append(f"{digits}:{count}")
    return result


def primary_location_line_hash(text: str, line: int) -> str:
    """Return the ``primaryLocationLineHash`` of 1-based *line* of *text*.

    The counter after the colon depends on the lines before *line*, so this
    hashes the whole text; to fingerprint many results in one file, call
    :func:`line_hashes` once instead.
    """
    hashes = line_hashes(text)
    if not 1 <= line <= len(hashes):
        raise ValueError(f"line {line} is outside 1..{len(hashes)}")
    return hashes[line - 1]
