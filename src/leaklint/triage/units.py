"""Sizes and counts: ``512MiB`` and ``12.5 MB`` to bytes, column names to units, and the
figures printed back (decimal MB, as dashboards and the leak thresholds speak)."""

from __future__ import annotations

import re

BYTES, GOROUTINES, COUNT = "bytes", "goroutines", "count"

_SIZE_FACTORS = {
    "": 1, "b": 1, "byte": 1, "bytes": 1,
    "k": 1000, "kb": 1000, "m": 1000 ** 2, "mb": 1000 ** 2, "g": 1000 ** 3, "gb": 1000 ** 3,
    "t": 1000 ** 4, "tb": 1000 ** 4,
    "ki": 1024, "kib": 1024, "mi": 1024 ** 2, "mib": 1024 ** 2, "gi": 1024 ** 3,
    "gib": 1024 ** 3, "ti": 1024 ** 4, "tib": 1024 ** 4,
}
_SIZE = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*")
MB = 1000 ** 2


def parse_size(text: str) -> float:
    """``"512MiB"`` -> 536870912.0; KB, MB, GB are powers of 1000, KiB, MiB, GiB of 1024.
    Raises ValueError with a short reason."""
    m = _SIZE.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not a size (e.g. 512MiB, 1.5GB, 200000000)")
    factor = _SIZE_FACTORS.get(m.group(2).lower())
    if factor is None:
        raise ValueError(f"{text!r}: unknown unit {m.group(2)!r} (B, KB, KiB, MB, MiB, GB, GiB)")
    return float(m.group(1)) * factor


def size_factor(unit: str) -> float | None:
    """The bytes in one ``unit`` (``"MiB"`` -> 1048576), None when it is not a size unit."""
    return _SIZE_FACTORS.get(unit.strip().lower()) if unit.strip() else None


# a unit written in a column name: "rss (MiB)", "heap[MB]", "heap_mb", "alloc_bytes"
_NAME_UNIT = re.compile(r"(?:[\[(]\s*([A-Za-z]+)\s*[\])]|[_.\s-]([A-Za-z]+))\s*$")
_MEMORY_WORDS = ("rss", "heap", "alloc", "mem", "sys", "inuse", "external", "buffers", "resident",
                 "vsz", "stack", "bytes")


def unit_of_name(name: str) -> tuple[str, float]:
    """The unit of a column or series from its name: ``(kind, factor to the base unit)``;
    a name that says nothing is memory in bytes when it names memory, else a count."""
    low = name.lower()
    if "goroutine" in low:
        return GOROUTINES, 1.0
    m = _NAME_UNIT.search(name)
    if m is not None:
        factor = size_factor(m.group(1) or m.group(2))
        if factor is not None and (m.group(1) or m.group(2).lower() not in ("", "k", "m", "g", "t")):
            return BYTES, float(factor)
    if any(word in low for word in _MEMORY_WORDS):
        return BYTES, 1.0
    return COUNT, 1.0


def unit_label(kind: str) -> str:
    """How a growth figure is expressed: MB for memory, else the count's own word."""
    return "MB" if kind == BYTES else kind


def to_display(value: float, kind: str) -> float:
    """A base-unit value (bytes or a count) in the unit of ``unit_label``."""
    return value / MB if kind == BYTES else value


def human(value: float, kind: str) -> str:
    """``52428800`` bytes -> ``"52.4 MB"``; counts stay whole when they are."""
    if kind == BYTES:
        for factor, name in ((1000 ** 3, "GB"), (MB, "MB"), (1000, "KB")):
            if abs(value) >= factor:
                return f"{value / factor:.1f} {name}"
        return f"{value:.0f} B"
    word = "goroutines" if kind == GOROUTINES else ""
    number = f"{value:.0f}" if abs(value - round(value)) < 1e-9 or abs(value) >= 100 else f"{value:.1f}"
    return f"{number} {word}".strip()


def duration(seconds: float) -> str:
    """``5400`` -> ``"1h 30m"``: the two largest units."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"
    parts = []
    for size, name in ((86400, "d"), (3600, "h"), (60, "m"), (1, "s")):
        if seconds >= size or parts:
            n = int(seconds // size)
            seconds -= n * size
            parts.append(f"{n}{name}")
        if len(parts) == 2:
            break
    return " ".join(p for p in parts if not p.startswith("0") or p == parts[0])
