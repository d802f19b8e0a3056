"""leaklint's own files (its package's sources and its rule catalogue) and what every run
derives from them: the digest of its code (``cache.code_digest``) and the parsed
catalogue (``catalogue.builtin_rules``). Deriving both reads some 250 files and parses
50 TOML tables, a tenth of a pre-commit run; they change only with leaklint itself.

So they are kept between runs in a memo beside leaklint's bytecode
(``<package>/__pycache__/leaklint-memo.json``), valid while every file it was derived
from has the size and modification time it had then, as Python's own bytecode is. It is
written where bytecode may be written (not under ``PYTHONDONTWRITEBYTECODE``), and never
needed: a memo that is missing, unreadable, malformed or stale is derived again. Its
directory belongs to the installation, never to a scanned tree.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile

MEMO = os.path.join("__pycache__", "leaklint-memo.json")
SUFFIXES = (".py", ".toml", ".json")
MAX_MEMO_BYTES = 8 << 20


def files_of(roots) -> list:
    """(root, path relative to it, full path) of each source file under ``roots``, in a
    stable order (the order ``cache.code_digest`` hashes them in)."""
    out = []
    for root in roots:
        for directory, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            # one relative path per directory, not per file (this runs on every start)
            under = os.path.relpath(directory, root)
            for name in sorted(f for f in files if f.endswith(SUFFIXES)):
                out.append((root, name if under == os.curdir else os.path.join(under, name),
                            os.path.join(directory, name)))
    return out


def _state(roots) -> list:
    """Each file's size and modification time: what the memo is valid for."""
    state = []
    for _, rel, path in files_of(roots):
        try:
            st = os.stat(path)
            state.append([rel, st.st_size, st.st_mtime_ns])
        except OSError:
            state.append([rel, -1, -1])
    return [list(roots), state]


class Memo:
    """What was derived from the files under ``roots``, by name."""

    def __init__(self, roots, directory: str):
        self.roots = tuple(roots)
        self.path = os.path.join(directory, MEMO)
        self._state = None
        self._data: dict | None = None

    def state(self) -> list:
        if self._state is None:
            self._state = _state(self.roots)
        return self._state

    def get(self, name: str):
        if self._data is None:
            self._data = self._load()
        return self._data.get(name)

    def put(self, name: str, value) -> None:
        if self._data is None:
            self._data = self._load()
        self._data[name] = value
        if sys.dont_write_bytecode:
            return
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(self.path), prefix=".memo-")
        except OSError:
            return  # an installation we may not write to: derived on every run
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"state": self.state(), "data": self._data}, fh)
            os.replace(tmp, self.path)
        except (OSError, TypeError, ValueError):
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def _load(self) -> dict:
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read(MAX_MEMO_BYTES + 1)
            memo = json.loads(raw) if len(raw) <= MAX_MEMO_BYTES else None
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(memo, dict) or memo.get("state") != self.state():
            return {}
        data = memo.get("data")
        return data if isinstance(data, dict) else {}


@functools.lru_cache(maxsize=None)
def memo(*roots: str) -> Memo:
    """The memo of what is derived from ``roots`` (leaklint's package directory first),
    kept in that package's ``__pycache__``."""
    return Memo(roots, roots[0])
