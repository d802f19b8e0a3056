"""Where each key of a TOML document is written, so that configuration errors can name
the line (tomllib gives values only). A light scan of the text: table headers, arrays of
tables (counted, so ``rules[1]`` is the second ``[[...rules]]``), ``key = value`` lines and
dotted keys; the insides of multi-line strings and arrays are skipped."""

from __future__ import annotations

import re

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _parse_key(text: str, i: int = 0) -> tuple[list, int]:
    """The dotted key starting at ``text[i]``: (parts, index after it)."""
    parts = []
    while True:
        while i < len(text) and text[i] in " \t":
            i += 1
        if i < len(text) and text[i] in "\"'":
            quote = text[i]
            j = i + 1
            value = []
            while j < len(text) and text[j] != quote:
                if quote == '"' and text[j] == "\\" and j + 1 < len(text):
                    value.append(text[j:j + 2].encode().decode("unicode_escape", "replace"))
                    j += 2
                    continue
                value.append(text[j])
                j += 1
            parts.append("".join(value))
            i = j + 1
        else:
            m = _BARE.match(text, i)
            if not m:
                return parts, i
            parts.append(m.group(0))
            i = m.end()
        while i < len(text) and text[i] in " \t":
            i += 1
        if i < len(text) and text[i] == ".":
            i += 1
            continue
        return parts, i


def _depth_change(text: str) -> tuple[int, str | None]:
    """Net change in bracket depth over ``text`` (strings skipped), and the multi-line
    string delimiter left open at its end, if any."""
    depth, i = 0, 0
    while i < len(text):
        c = text[i]
        if c == "#":
            break
        if text.startswith(('"""', "'''"), i):
            delim = text[i:i + 3]
            end = text.find(delim, i + 3)
            if end < 0:
                return depth, delim
            i = end + 3
            continue
        if c in "\"'":
            end = i + 1
            while end < len(text) and text[end] != c:
                end += 2 if c == '"' and text[end] == "\\" else 1
            i = end + 1
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        i += 1
    return depth, None


def key_lines(text: str) -> dict[tuple, int]:
    """Key path (strings, and indexes for arrays of tables) -> 1-based line number."""
    lines: dict[tuple, int] = {}
    table: tuple = ()
    counts: dict[tuple, int] = {}  # array-of-tables path -> index of its last element
    depth, open_string = 0, None

    def resolve(parts) -> tuple:
        """A header's path with the current index of every array of tables in it."""
        out: tuple = ()
        for part in parts:
            out += (part,)
            if out in counts:
                out += (counts[out],)
        return out

    for number, line in enumerate(text.splitlines(), 1):
        if open_string is not None:
            if open_string in line:
                rest = line.split(open_string, 1)[1]
                open_string = None
                change, open_string = _depth_change(rest)
                depth += change
            continue
        if depth > 0:
            change, open_string = _depth_change(line)
            depth += change
            continue
        stripped = line.strip()
        if stripped.startswith("[["):
            parts, _ = _parse_key(stripped, 2)
            base = resolve(parts[:-1]) + (parts[-1],) if parts else ()
            counts[base] = counts.get(base, -1) + 1
            table = base + (counts[base],)
            lines.setdefault(base, number)
            lines[table] = number
            continue
        if stripped.startswith("["):
            parts, _ = _parse_key(stripped, 1)
            table = resolve(parts)
            lines.setdefault(table, number)
            continue
        if not stripped or stripped.startswith("#"):
            continue
        parts, end = _parse_key(line)
        if parts and end < len(line) and line[end] == "=":
            for k in range(1, len(parts) + 1):
                lines.setdefault(table + tuple(parts[:k]), number)
            change, open_string = _depth_change(line[end + 1:])
            depth += change
    return lines


def line_of(lines: dict[tuple, int], path: tuple) -> int | None:
    """The line of ``path``, or of its nearest written ancestor."""
    for n in range(len(path), 0, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None
