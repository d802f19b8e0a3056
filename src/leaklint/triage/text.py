"""The terminal view of series: a sparkline of the data and one of the fitted trend on the
same scale, the shape, the growth, the time to the limit and the thresholds crossed."""

from __future__ import annotations

from ..report.escape import printable
from .curves import Curve, growth_text, labels
from .shapes import reduce
from .units import human, duration

BLOCKS = "▁▂▃▄▅▆▇█"
ASCII_BLOCKS = "_.-=+*#@"
WIDTH = 60


def interpolate(points: list, t: float) -> float:
    """The polyline ``points`` [(t, v), ...] at time ``t`` (flat beyond its ends)."""
    if t <= points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if t0 <= t <= t1:
            return v0 if t1 == t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    return points[-1][1]


def time_bins(times: list, values: list, width: int) -> list:
    """Mean value in each of ``width`` equal-time bins (None where no sample falls)."""
    t0, t1 = times[0], times[-1]
    span = (t1 - t0) or 1.0
    sums, counts = [0.0] * width, [0] * width
    for t, v in zip(times, values):
        k = min(width - 1, int((t - t0) / span * width))
        sums[k] += v
        counts[k] += 1
    return [sums[k] / counts[k] if counts[k] else None for k in range(width)]


def sparkline(values: list, lo: float, hi: float, blocks: str = BLOCKS) -> str:
    top = len(blocks) - 1
    scale = (hi - lo) or 1.0
    return "".join(" " if v is None else blocks[max(0, min(top, round((v - lo) / scale * top)))]
                   for v in values)


def _range(lo: float, hi: float, kind: str) -> str:
    """``8.5 MB .. 46.6 MB``, or ``1 .. 322 goroutines``."""
    if kind == "bytes":
        return f"{human(lo, kind)} .. {human(hi, kind)}"
    low, high = human(lo, kind).split(" ")[0], human(hi, kind)
    return f"{low} .. {high}"


def render_curve(curve: Curve, blocks: str = BLOCKS, width: int = WIDTH) -> str:
    s, e = curve.series, curve.entry
    T, Y, _, _ = reduce(s.times, s.values)
    t0, t1 = s.times[0], s.times[-1]
    centres = [t0 + (k + 0.5) * (t1 - t0) / width for k in range(width)]
    samples = list(zip(T, Y))
    data = [interpolate(samples, c) if v is None else v  # a bin without samples: between its neighbours
            for v, c in zip(time_bins(T, Y, width), centres)]
    fit = curve.shape.fit
    trend = [interpolate(fit, t) for t in centres] if fit else [None] * width
    present = [v for v in data if v is not None] + [v for v in trend if v is not None]
    lo, hi = min(present), max(present)
    shown = max(hi - lo, 0.1 * max(abs(lo), abs(hi)))  # a flat series draws flat, not as noise
    mid = (lo + hi) / 2
    scale_lo, scale_hi = mid - shown / 2, mid + shown / 2
    kind = s.kind
    lines = [f"{printable(e['name'])}  ({printable(s.source)}: {e['samples']:,} sample{'s' if e['samples'] != 1 else ''} over "
             f"{duration(e['duration_seconds'])})",
             f"  data {sparkline(data, scale_lo, scale_hi, blocks)}  {_range(lo, hi, kind)}",
             f"  fit  {sparkline(trend, scale_lo, scale_hi, blocks)}",
             f"  {e['shape']} (confidence {e['confidence']:.2f}): {growth_text(e)}; {e['meaning']}"]
    if e.get("detail", {}).get("note"):
        lines.append(f"  note: {e['detail']['note']}")
    if e.get("detail", {}).get("teeth"):
        d = e["detail"]
        lines.append(f"  {d['teeth']} teeth, one every {duration(d['period_seconds'])}, "
                     f"rising {d['amplitude']:.4g} {e['unit']} each")
    if e["restarts"]:
        parts = ", ".join(f"{g['shape']} {duration(g['start'] - t0)}-{duration(g['end'] - t0)}"
                          for g in e["segments"])
        lines.append(f"  {e['restarts']} restart{'s' if e['restarts'] > 1 else ''}: {parts}")
    if "limit" in e:
        hours = e["hours_to_limit"]
        limit = human(curve.limit, kind)
        if hours is None:
            lines.append(f"  limit {limit}: not approached at this rate")
        elif hours == 0:
            lines.append(f"  limit {limit}: already reached")
        else:
            lines.append(f"  limit {limit}: reached in about {duration(hours * 3600)}")
    for c in e["thresholds"]:
        lines.append(f"  {c['action']}: {c['observed']} (threshold {c['threshold']})")
    return "\n".join(lines) + "\n"


def render_series(curves: list, blocks: str = BLOCKS) -> str:
    if not curves:
        return ""
    out = [render_curve(c, blocks) for c in curves]
    leaking = [(label, c.entry) for label, c in zip(labels(curves), curves)
               if c.entry["shape"] != "flat"]
    crossed = sum(len(c.entry["thresholds"]) for c in curves)
    n = len(curves)
    summary = f"{n} series: {n - len(leaking)} flat"
    if leaking:
        summary += ", " + ", ".join(f"{label} {e['shape']}" for label, e in leaking[:6])
        summary += "" if len(leaking) <= 6 else f" and {len(leaking) - 6} more"
    summary += f"; {crossed} threshold{'s' if crossed != 1 else ''} crossed."
    return "\n".join(out) + printable(summary) + "\n"
