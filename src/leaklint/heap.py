"""Memory a long run has freed, given back to the system as it goes.

A scan parses file after file and frees each tree and each file's bytes once it is done
with them, but the C allocator keeps freed pages for reuse, and the objects that live on
between them (facts, findings) keep its heap from shrinking: resident memory grew with the
number of files parsed (one process over 21,101 files: 559 MB at the peak, against some
350 MB alive at once). After every ``TRIM_EVERY`` bytes of source parsed (every parse
goes through ``Deadline.parse``, which counts them), glibc's ``malloc_trim`` hands the free
pages back (the same run peaked at 368 MB, at the same CPU time); where the allocator is
not glibc's, nothing is done.
"""

from __future__ import annotations

TRIM_EVERY = 4 * 1024 * 1024

_parsed = 0
_trim = None  # glibc's malloc_trim once looked up; False where there is none


def parsed(size: int) -> None:
    """Count ``size`` bytes of source parsed; trim the heap once TRIM_EVERY have been."""
    global _parsed
    _parsed += size
    if _parsed >= TRIM_EVERY:
        _parsed = 0
        trim()


def trim() -> None:
    global _trim
    if _trim is None:
        _trim = _malloc_trim()
    if _trim:
        _trim(0)


def _malloc_trim():
    import ctypes  # only a run that parses TRIM_EVERY bytes pays for the import

    try:  # the symbols of the process itself, the C library's among them
        found = getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (OSError, TypeError):  # a platform without them (Windows)
        return False
    if found is None:
        return False
    found.argtypes, found.restype = [ctypes.c_size_t], ctypes.c_int
    return found
