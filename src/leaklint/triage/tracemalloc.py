"""Python ``tracemalloc`` dumps over time, grouped by file and line.

Reads the text a program prints for ``Snapshot.statistics(key)`` and
``Snapshot.compare_to(old, key)`` (``print(stat)`` for each statistic):

    app/cache.py:17: size=4091 KiB, count=6001, average=698 B
    app/cache.py:17: size=4091 KiB (+2751 KiB), count=6001 (+4000), average=698 B

One file may hold several dumps, separated by blank lines or ``[ Top 10 ]`` headers;
the dumps of all files, in order, are the points of the series. The first point of a
``compare_to`` dump also yields the older snapshot (size minus difference). A site that
is missing from a dump (``[:10]`` cut it) has no value there, not zero.
"""

from __future__ import annotations

import re

from .errors import TriageInputError

_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_SIZE = rf"({_NUMBER}) ([KMGT]i)?B"
_STAT = re.compile(
    rf"^(?P<file>.+?):(?P<line>\d+): size={_SIZE}(?: \({_SIZE}\))?, "
    r"count=(?P<count>\d+)(?: \((?P<dcount>[-+]\d+)\))?(?:, average=.*)?\s*$")
_UNITS = {None: 1, "Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "Ti": 1024 ** 4}
_TRACEBACK_LINE = re.compile(r'^\s+(File "|\S)')


def _bytes(number: str, unit: str | None) -> int:
    return round(float(number) * _UNITS[unit])


def looks_like(head: str) -> bool:
    """Whether text starting with ``head`` holds tracemalloc statistics (for dispatch)."""
    return any(_STAT.match(line.rstrip()) for line in head.splitlines()[:50])


def parse_text(path: str, text: str) -> list[dict]:
    """The dumps in one file: each ``{"kind": "statistics"|"compare", "sites": {(file,
    line): {"size", "count", "size_diff", "count_diff"}}}``."""
    dumps, current = [], None
    for raw in text.splitlines():
        line = raw.rstrip()
        m = _STAT.match(line)
        if m is None:
            if (not line or line.lstrip().startswith("[")) and current and current["sites"]:
                current = None  # a separator ends the dump
            continue  # traceback frames, headers and other log lines
        size = _bytes(m.group(3), m.group(4))
        diff = _bytes(m.group(5), m.group(6)) if m.group(5) is not None else None
        kind = "compare" if diff is not None else "statistics"
        key = (m.group("file"), int(m.group("line")))
        if current is None or current["kind"] != kind or key in current["sites"]:
            current = {"kind": kind, "sites": {}}
            dumps.append(current)
        current["sites"][key] = {
            "size": size, "count": int(m.group("count")), "size_diff": diff,
            "count_diff": int(m.group("dcount") or 0),
        }
    if not dumps:
        raise TriageInputError(
            f"{path}: no tracemalloc statistics found (expected lines such as "
            "'app.py:12: size=1024 KiB, count=10, average=102 KiB')")
    return dumps


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError as exc:
        raise TriageInputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def analyse(paths: list[str]) -> dict:
    """Group the statistics of the dumps in ``paths`` (in order) by file and line."""
    dumps = []
    for path in paths:
        for dump in parse_text(path, _read(path)):
            dumps.append((path, dump))
    points: list[dict] = []  # per point: (file, line) -> (size, count)
    if dumps and dumps[0][1]["kind"] == "compare":
        points.append({k: (v["size"] - v["size_diff"], v["count"] - v["count_diff"])
                       for k, v in dumps[0][1]["sites"].items()})
    for _, dump in dumps:
        points.append({k: (v["size"], v["count"]) for k, v in dump["sites"].items()})
    if len(points) < 2:
        raise TriageInputError(
            "tracemalloc: give two or more statistics dumps taken over time, or a "
            "compare_to dump")
    keys = {k for p in points for k in p}
    sites = []
    for file, line in keys:
        sizes = [p[(file, line)][0] if (file, line) in p else None for p in points]
        counts = [p[(file, line)][1] if (file, line) in p else None for p in points]
        seen = [(s, c) for s, c in zip(sizes, counts) if s is not None]
        growth = seen[-1][0] - seen[0][0] if len(seen) >= 2 else 0
        if growth <= 0:
            continue
        sites.append({
            "file": file, "line": line, "sizes": sizes, "counts": counts,
            "growth_bytes": growth,
            "growth_count": seen[-1][1] - seen[0][1],
            "grows_every_step": len(seen) == len(points) and all(
                b[0] > a[0] for a, b in zip(seen, seen[1:])),
        })
    sites.sort(key=lambda s: (-s["growth_bytes"], s["file"], s["line"]))
    return {
        "dumps": [{"path": path, "kind": dump["kind"], "sites": len(dump["sites"])}
                  for path, dump in dumps],
        "points": len(points),
        "growth_bytes": sum(s["growth_bytes"] for s in sites),
        "sites": sites,
    }


def size_text(n: int | None) -> str:
    """``n`` bytes the way tracemalloc prints them (1340 KiB, 62.5 KiB, 48 B)."""
    if n is None:
        return "-"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 100 and unit != "B":
            return f"{value:.1f} {unit}"
        if abs(value) < 10 * 1024 or unit == "TiB":
            return f"{value:.0f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def render_text(result: dict) -> str:
    from ..report.escape import line as printable

    n = len(result["dumps"])
    out = [f"tracemalloc: {n} dump{'' if n == 1 else 's'}, {result['points']} points, "
           f"{size_text(result['growth_bytes'])} more in growing sites"]
    if not result["sites"]:
        out.append("  no site grows")
    else:
        out.append(f"Growing sites ({len(result['sites'])}), largest growth first:")
    for s in result["sites"]:
        steady = "" if s["grows_every_step"] else " (not at every step)"
        sizes = " -> ".join(size_text(v) for v in s["sizes"])
        out.append(f"  +{size_text(s['growth_bytes'])}  {s['file']}:{s['line']}  {sizes}  "
                   f"({s['growth_count']:+d} blocks){steady}")
    return "".join(printable(line) + "\n" for line in out)
