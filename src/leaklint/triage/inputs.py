"""What each triage input is, and who reads it.

``detect_kind`` looks at the start of a file only (a heap snapshot may be hundreds of MB)
and asks each dump reader whether it knows the text (their ``looks_like``): V8 heap
snapshots, Go goroutine dumps (``debug=1`` or ``debug=2``), Python tracemalloc statistics
or comparisons; anything else is a series of samples. Gzip-compressed files are read
through.
"""

from __future__ import annotations

import gzip
import zlib

from . import goroutines, heap, tracemalloc
from .errors import TriageInputError

SERIES, GOROUTINE_DUMP, HEAPSNAPSHOT, TRACEMALLOC = "series", "goroutine-dump", "heapsnapshot", "tracemalloc"
KINDS = (SERIES, GOROUTINE_DUMP, HEAPSNAPSHOT, TRACEMALLOC)
# kind -> (module with analyse(paths) and render_text(result), key in the JSON object)
ANALYSERS = {
    GOROUTINE_DUMP: (goroutines, "goroutines"),
    HEAPSNAPSHOT: (heap, "heap"),
    TRACEMALLOC: (tracemalloc, "tracemalloc"),
}
HEAD = 64 * 1024


def _open(path: str):
    """The file, opened for reading bytes; errors name it."""
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise TriageInputError(f"{path}: no such file or directory") from None
    except IsADirectoryError:
        raise TriageInputError(f"{path}: is a directory, not a file of samples or a dump") from None
    except OSError as exc:
        raise TriageInputError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def _gunzip_head(raw: bytes) -> bytes:
    """The start of a gzip stream, as far as ``raw`` (possibly cut short) goes."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, HEAD)
    except zlib.error:
        return b""


def _decode(path: str, data: bytes) -> str:
    if b"\0" in data[:HEAD]:
        raise TriageInputError(f"{path}: a binary file, not text samples or a dump")
    return data.decode("utf-8", errors="replace")


def detect_kind(path: str) -> str:
    with _open(path) as fh:
        try:
            raw = fh.read(HEAD)
        except OSError as exc:
            raise TriageInputError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if heap.looks_like(raw):
        return HEAPSNAPSHOT
    text = _decode(path, _gunzip_head(raw) if raw.startswith(b"\x1f\x8b") else raw)
    if goroutines.looks_like(text):
        return GOROUTINE_DUMP
    if tracemalloc.looks_like(text):
        return TRACEMALLOC
    return SERIES


def read_text(path: str) -> str:
    """The whole text of a series file, decompressed when it is gzip."""
    with _open(path) as fh:
        try:
            data = fh.read()
        except OSError as exc:
            raise TriageInputError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if data.startswith(b"\x1f\x8b"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise TriageInputError(f"{path}: a damaged gzip file: {exc}") from None
    return _decode(path, data)
