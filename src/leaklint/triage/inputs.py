"""What each triage input is, and who reads it.

``detect_kind`` looks at the start of a file only (a heap snapshot may be hundreds of MB):
V8 heap snapshots (``{"snapshot": ...``), Go goroutine dumps (``goroutine profile: total N``
from ``debug=1``, ``goroutine N [state]:`` from ``debug=2`` or a crash), Python tracemalloc
statistics or comparisons (``file.py:12: size=3 KiB ...``); anything else is a series of
samples. Gzip-compressed files are read through.
"""

from __future__ import annotations

import gzip
import importlib
import re

from .errors import TriageInputError

SERIES, GOROUTINE_DUMP, HEAPSNAPSHOT, TRACEMALLOC = "series", "goroutine-dump", "heapsnapshot", "tracemalloc"
KINDS = (SERIES, GOROUTINE_DUMP, HEAPSNAPSHOT, TRACEMALLOC)
# kind -> (module of this package with analyse(paths) and render_text(result), JSON key, what)
ANALYSERS = {
    GOROUTINE_DUMP: ("goroutines", "goroutines", "goroutine dumps"),
    HEAPSNAPSHOT: ("heap", "heap", "V8 heap snapshots"),
    TRACEMALLOC: ("tracemalloc", "tracemalloc", "tracemalloc dumps"),
}
HEAD = 64 * 1024

_SNAPSHOT = re.compile(r'\A\s*\{\s*"snapshot"\s*:')
_GOROUTINES = re.compile(r"^(?:goroutine profile: total \d+|goroutine \d+ (?:gp=\S+ m=\S+ (?:mp=\S+ )?)?\[)",
                         re.MULTILINE)
_TRACEMALLOC = re.compile(r"^\S.*:\d+: size=\d[\d.]* [KMGT]?i?B\b", re.MULTILINE)


def _open(path: str):
    """A binary stream of the file, decompressed when it is gzip."""
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise TriageInputError(f"{path}: no such file or directory") from None
    except IsADirectoryError:
        raise TriageInputError(f"{path}: is a directory, not a file of samples or a dump") from None
    except OSError as exc:
        raise TriageInputError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if fh.read(2) == b"\x1f\x8b":
        fh.seek(0)
        return gzip.GzipFile(fileobj=fh, mode="rb")
    fh.seek(0)
    return fh


def _decode(path: str, data: bytes) -> str:
    if b"\0" in data[:HEAD]:
        raise TriageInputError(f"{path}: a binary file, not text samples or a dump")
    return data.decode("utf-8", errors="replace")


def detect_kind(path: str) -> str:
    try:
        with _open(path) as fh:
            head = fh.read(HEAD)
    except (OSError, EOFError) as exc:
        raise TriageInputError(f"{path}: cannot be read: {exc}") from None
    if path.endswith((".heapsnapshot", ".heapsnapshot.gz")) or _SNAPSHOT.match(
            head[:4096].decode("utf-8", "replace")):
        return HEAPSNAPSHOT
    text = _decode(path, head)
    if _GOROUTINES.search(text):
        return GOROUTINE_DUMP
    if _TRACEMALLOC.search(text):
        return TRACEMALLOC
    return SERIES


def read_text(path: str) -> str:
    try:
        with _open(path) as fh:
            data = fh.read()
    except (OSError, EOFError) as exc:
        raise TriageInputError(f"{path}: cannot be read: {exc}") from None
    return _decode(path, data)


def analyser(kind: str):
    """The module that analyses inputs of ``kind`` (None when this build has none)."""
    module = ANALYSERS[kind][0]
    try:
        return importlib.import_module(f"{__package__}.{module}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{__package__}.{module}":
            return None
        raise
