"""V8 heap snapshots over time: the constructors whose instance counts grow at every step.

A ``.heapsnapshot`` (Chrome DevTools, ``v8.writeHeapSnapshot()``, ``node
--heapsnapshot-signal``) is one JSON object whose ``nodes`` array holds every object as
a run of integers (type, name, id, self size, edge count, ...) and whose ``strings``
array holds the names. Snapshots of real services run to hundreds of megabytes, so the
file is never loaded: a small incremental tokenizer reads it in chunks, counts the
nodes by (type, name, detachedness) as the ``nodes`` array streams past, and then keeps
only the names it counted from the ``strings`` array. Memory stays proportional to the
number of distinct constructor names, not to the file. ``.gz`` files are read as they are.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter

from .errors import TriageInputError

CHUNK = 1 << 20
# node types whose name is a constructor or function name (a string node's name is its
# text, a number's its value: those are not counted)
COUNTED_TYPES = {"object", "closure", "native", "regexp"}
DETACHED = 2  # the "detachedness" field: 0 unknown, 1 attached, 2 detached

_SPACE = re.compile(rb"[ \t\r\n]*")
_STRING_BODY = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*', re.S)
_STRUCTURAL = re.compile(rb'[\[\]{}"]')
_SCALAR = re.compile(rb"[^,\]}\s]+")


class _Tokens:
    """Just enough of a streaming JSON reader for the layout of a heap snapshot: keys,
    small values parsed whole, big arrays of integers or strings streamed."""

    def __init__(self, fh, path: str):
        self.fh, self.path = fh, path
        self.buf, self.pos, self.eof = b"", 0, False

    def error(self, what: str) -> TriageInputError:
        return TriageInputError(f"{self.path}: not a V8 heap snapshot ({what})")

    def _fill(self) -> bool:
        if self.eof:
            return False
        try:
            data = self.fh.read(CHUNK)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise TriageInputError(f"{self.path}: cannot read: {exc}") from None
        if not data:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + data
        self.pos = 0
        return True

    def peek(self) -> bytes:
        """The next byte that is not white space (b"" at the end)."""
        while True:
            self.pos = _SPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos:self.pos + 1]
            if not self._fill():
                return b""

    def expect(self, char: bytes) -> None:
        if self.peek() != char:
            raise self.error(f"expected {char.decode()!r}")
        self.pos += 1

    def string(self, keep: bool = True) -> str | None:
        """A JSON string; its text only when ``keep`` (a skipped one costs no memory)."""
        self.expect(b'"')
        parts = []
        while True:
            end = _STRING_BODY.match(self.buf, self.pos).end()
            if end < len(self.buf) and self.buf[end:end + 1] == b'"':
                if keep:
                    parts.append(self.buf[self.pos:end])
                self.pos = end + 1
                break
            if keep:  # the buffer ended inside the string (perhaps inside an escape)
                parts.append(self.buf[self.pos:end])
            self.pos = end
            if not self._fill():
                raise self.error("a string does not end")
        if not keep:
            return None
        try:
            return json.loads(b'"' + b"".join(parts) + b'"')
        except ValueError:
            raise self.error("a string is malformed") from None

    def skip_value(self, keep: bool = False) -> bytes | None:
        """Skip (or return the text of) one value of any kind and size."""
        start_char = self.peek()
        if start_char == b'"':
            text = self.string(keep)
            return json.dumps(text).encode() if keep else None
        kept, depth = [], 0
        if start_char not in (b"[", b"{"):  # a number, true, false or null
            m = _SCALAR.match(self.buf, self.pos)
            while m is not None and m.end() == len(self.buf) and self._fill():
                m = _SCALAR.match(self.buf, self.pos)
            if m is None:
                raise self.error("a value is missing")
            self.pos = m.end()
            return m.group() if keep else None
        while True:
            m = _STRUCTURAL.search(self.buf, self.pos)
            if m is None:
                if keep:
                    kept.append(self.buf[self.pos:])
                self.pos = len(self.buf)
                if not self._fill():
                    raise self.error("the file ends inside a value")
                continue
            if m.group() == b'"':
                if keep:
                    kept.append(self.buf[self.pos:m.start()])
                self.pos = m.start()
                text = self.string(keep)
                if keep:
                    kept.append(json.dumps(text).encode())
                continue
            depth += 1 if m.group() in (b"[", b"{") else -1
            if keep:
                kept.append(self.buf[self.pos:m.end()])
            self.pos = m.end()
            if depth == 0:
                return b"".join(kept) if keep else None

    def int_rows(self, width: int):
        """Stream an array of integers as lists of complete rows of ``width`` values
        (one list per chunk)."""
        self.expect(b"[")
        carry: list[int] = []
        while True:
            end = self.buf.find(b"]", self.pos)
            stop = end if end != -1 else self.buf.rfind(b",", self.pos)
            if stop != -1 and stop > self.pos:
                text = self.buf[self.pos:stop].strip().strip(b",")
                if text:
                    try:
                        carry.extend(map(int, text.split(b",")))
                    except ValueError:
                        raise self.error("the nodes array holds something not an integer") \
                            from None
                self.pos = stop
            if end != -1:
                self.pos = end + 1
                if len(carry) % width:
                    raise self.error("the nodes array does not hold whole nodes")
                if carry:
                    yield carry
                return
            whole = len(carry) - len(carry) % width
            if whole:
                yield carry[:whole]
                carry = carry[whole:]
            if not self._fill():
                raise self.error("the file ends inside the nodes array")

    def strings(self, wanted: set[int]) -> dict[int, str]:
        """Stream an array of strings, keeping those at the ``wanted`` indices."""
        self.expect(b"[")
        out, index = {}, 0
        if self.peek() == b"]":
            self.pos += 1
            return out
        while True:
            text = self.string(keep=index in wanted)
            if text is not None:
                out[index] = text
            index += 1
            c = self.peek()
            self.pos += 1
            if c == b"]":
                return out
            if c != b",":
                raise self.error("the strings array is malformed")


def looks_like(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a heap snapshot, plain or gzipped (for
    input dispatch)."""
    if head.startswith(b"\x1f\x8b"):
        try:
            head = gzip.decompress(head)
        except (OSError, EOFError):  # a truncated stream: read what it gives
            import zlib

            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)
    return re.match(rb'\s*\{\s*"snapshot"\s*:', head) is not None


def _open(path: str):
    try:
        fh = open(path, "rb")
        if fh.read(2) == b"\x1f\x8b":
            fh.seek(0)
            return gzip.GzipFile(fileobj=fh, mode="rb")
        fh.seek(0)
        return fh
    except OSError as exc:
        raise TriageInputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _layout(meta: dict, path: str) -> tuple[int, int, int, int, int | None, list[str]]:
    try:
        fields = meta["node_fields"]
        types = meta["node_types"][0]
        return (len(fields), fields.index("type"), fields.index("name"),
                fields.index("self_size"),
                fields.index("detachedness") if "detachedness" in fields else None, types)
    except (KeyError, ValueError, IndexError, TypeError):
        raise TriageInputError(f"{path}: not a V8 heap snapshot (no node layout in its "
                               "snapshot.meta)") from None


def _pass(path: str, wanted: set[int] | None):
    """One reading of ``path``: (node counts and sizes by key, the names in ``wanted``,
    whether the strings came before the nodes)."""
    counts, sizes, names, meta = Counter(), Counter(), {}, None
    strings_first = False
    with _open(path) as fh:
        tok = _Tokens(fh, path)
        tok.expect(b"{")
        if tok.peek() == b"}":
            raise tok.error("an empty object")
        while True:
            key = tok.string()
            tok.expect(b":")
            if key == "snapshot":
                try:
                    meta = json.loads(tok.skip_value(keep=True))["meta"]
                except (ValueError, KeyError, TypeError):
                    raise tok.error("its snapshot.meta cannot be read") from None
            elif key == "nodes" and wanted is None:
                if meta is None:
                    raise tok.error("the nodes come before snapshot.meta")
                width, t_i, n_i, s_i, d_i, types = _layout(meta, path)
                counted = {i for i, name in enumerate(types) if name in COUNTED_TYPES}
                for rows in tok.int_rows(width):
                    t, n, s = rows[t_i::width], rows[n_i::width], rows[s_i::width]
                    d = rows[d_i::width] if d_i is not None else [0] * len(t)
                    for key4 in zip(t, n, d, s):
                        if key4[0] in counted:
                            k = (types[key4[0]], key4[1], key4[2] == DETACHED)
                            counts[k] += 1
                            sizes[k] += key4[3]
            elif key == "strings":
                if wanted is None and not counts:
                    strings_first = True
                    tok.skip_value()
                else:
                    names = tok.strings(wanted if wanted is not None
                                        else {k[1] for k in counts})
            else:
                tok.skip_value()
            c = tok.peek()
            tok.pos += 1
            if c == b"}":
                break
            if c != b",":
                raise tok.error("expected ',' or '}' between its parts")
    if meta is None:
        raise TriageInputError(f"{path}: not a V8 heap snapshot (no snapshot.meta)")
    return counts, sizes, names, strings_first


def read_snapshot(path: str) -> dict:
    """Instance counts and self sizes by class in one snapshot:
    ``{(type, name, detached): (count, bytes)}``."""
    counts, sizes, names, strings_first = _pass(path, None)
    if strings_first and counts:  # rare layout: read the names in a second pass
        names = _pass(path, {k[1] for k in counts})[2]
    out = {}
    for (typ, name_i, detached), n in counts.items():
        name = names.get(name_i, f"<string {name_i}>")
        out[(typ, name, detached)] = (out.get((typ, name, detached), (0, 0))[0] + n,
                                      out.get((typ, name, detached), (0, 0))[1]
                                      + sizes[(typ, name_i, detached)])
    return out


def _internal(name: str) -> bool:
    return name.startswith("(") or name.startswith("system /") or not name


def _category(typ: str, name: str, detached: bool) -> str:
    if detached or name.startswith("Detached "):
        return "detached DOM"
    if typ == "closure":
        return "closure"
    if "listener" in name.lower() or name.endswith("Handler"):
        return "listener"
    return typ


def analyse(paths: list[str]) -> dict:
    """The classes whose instance count grows at every step of the snapshots (in order)."""
    if len(paths) < 2:
        raise TriageInputError("heap snapshots: give two or more snapshots taken over time")
    snapshots = [read_snapshot(p) for p in paths]
    keys = set().union(*snapshots)
    growing = []
    for key in keys:
        typ, name, detached = key
        if _internal(name):
            continue
        counts = [s.get(key, (0, 0))[0] for s in snapshots]
        sizes = [s.get(key, (0, 0))[1] for s in snapshots]
        if not all(b > a for a, b in zip(counts, counts[1:])):
            continue
        shown = f"Detached {name}" if detached and not name.startswith("Detached ") else name
        growing.append({
            "name": shown, "type": typ, "category": _category(typ, name, detached),
            "counts": counts, "sizes": sizes, "growth": counts[-1] - counts[0],
            "growth_bytes": sizes[-1] - sizes[0],
        })
    growing.sort(key=lambda g: (-g["growth"], -g["growth_bytes"], g["name"], g["type"]))
    totals = [sum(c for c, _ in s.values()) for s in snapshots]
    return {
        "snapshots": [{"path": p, "objects": t} for p, t in zip(paths, totals)],
        "classes": growing,
    }


def render_text(result: dict, limit: int = 20) -> str:
    from ..report.escape import line as printable
    from .tracemalloc import size_text

    snaps = result["snapshots"]
    out = [f"Heap snapshots: {len(snaps)}, objects counted "
           f"{' -> '.join(str(s['objects']) for s in snaps)}"]
    classes = result["classes"]
    if not classes:
        out.append("  no class grows at every step")
    else:
        out.append(f"Classes growing at every step ({len(classes)}), largest growth first:")
    for c in classes[:limit]:
        counts = " -> ".join(str(n) for n in c["counts"])
        out.append(f"  {c['growth']:+d}  {c['name']} ({c['category']})  {counts}  "
                   f"+{size_text(c['growth_bytes'])}")
    if len(classes) > limit:
        out.append(f"  ... and {len(classes) - limit} more (--format json lists all)")
    return "".join(printable(line) + "\n" for line in out)
