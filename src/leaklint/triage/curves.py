"""From series to findings: the shape, the growth per hour, the time to a limit and the
leak thresholds crossed, as one JSON-ready entry per series."""

from __future__ import annotations

from dataclasses import dataclass

from .series import Series
from .settings import TriageSettings
from .shapes import Shape, classify
from .units import BYTES, GOROUTINES, human, to_display, unit_label

HOUR = 3600.0
SHAPE_MEANING = {
    "flat": "healthy: stays within bounds",
    "linear": "steady growth: goroutines, listeners or timers leaking at a constant rate",
    "step": "growth in chunks: caches or long-lived references filling",
    "spike": "rapid rise under load: an unbounded resource (buffer, queue, batch)",
    "sawtooth": "repeated ramps: resources held until a loop's function returns (defer in a loop)",
}


@dataclass
class Curve:
    series: Series
    shape: Shape
    entry: dict
    limit: float | None = None  # in the series' base unit


def analyse(series_list: list, settings: TriageSettings, limit: float | None = None) -> list:
    """One ``Curve`` per series; ``limit`` (bytes) overrides the configured one and applies
    to the memory series."""
    limit = settings.limit if limit is None else limit
    out = []
    for series in series_list:
        series = series.sorted()
        shape = classify(series.times, series.values, settings.flat_tolerance)
        own = limit if series.kind == BYTES else None
        out.append(Curve(series, shape, _entry(series, shape, settings, own), own))
    return out


def labels(curves: list) -> list:
    """How to call each curve in a summary or a picture: its name, with its file's name
    when several files have a series of that name."""
    import os

    sources: dict = {}
    for c in curves:
        sources.setdefault(c.entry["name"], set()).add(c.series.source)
    return [c.entry["name"] if len(sources[c.entry["name"]]) == 1
            else f"{c.entry['name']} ({os.path.basename(c.series.source)})" for c in curves]


def _round(x: float) -> float:
    return float(f"{x:.4g}")


def _entry(series: Series, shape: Shape, settings: TriageSettings, limit) -> dict:
    kind = series.kind
    per_hour = shape.slope * HOUR
    t, v = series.times, series.values
    duration = t[-1] - t[0]
    baseline = _baseline(v)
    entry = {
        "name": series.name,
        "source": series.source,
        "shape": shape.shape,
        "meaning": SHAPE_MEANING[shape.shape],
        "confidence": shape.confidence,
        "growth_per_hour": _round(to_display(per_hour, kind)),
        "unit": unit_label(kind),
        "samples": len(v),
        "duration_seconds": _round(duration),
        "first": _round(to_display(v[0], kind)),
        "last": _round(to_display(v[-1], kind)),
        "peak": _round(to_display(max(v), kind)),
        "baseline": _round(to_display(baseline, kind)),
        "restarts": shape.restarts,
        "thresholds": _thresholds(kind, shape, per_hour, baseline, max(v), settings),
        "segments": [{
            "start": s.start, "end": s.end, "shape": s.shape,
            "confidence": s.confidence, "growth_per_hour": _round(to_display(s.slope * HOUR, kind)),
        } for s in shape.segments],
    }
    if shape.detail:
        entry["detail"] = {k: (_round(to_display(x, kind)) if k in ("amplitude", "peak_level")
                               else _round(to_display(x * HOUR, kind)) if k == "peak_slope"
                               else _round(x) if isinstance(x, float) else x)
                           for k, x in shape.detail.items()}
    if limit is not None:
        entry["limit"] = _round(to_display(limit, kind))
        entry["hours_to_limit"] = _hours_to_limit(shape, limit)
    return entry


def _baseline(values: list) -> float:
    """The level the process starts from: the median of its first samples."""
    head = sorted(values[: max(3, min(len(values) // 20, 1000))])
    return head[len(head) // 2]


def _thresholds(kind, shape: Shape, per_hour, baseline, peak, settings) -> list:
    crossed = []
    if kind == BYTES:
        per_30min = per_hour / 2
        if shape.shape != "flat" and per_30min > settings.heap_growth_investigate:
            crossed.append({
                "name": "heap-growth-investigate", "action": "investigate",
                "threshold": f"{human(settings.heap_growth_investigate, BYTES)} per 30 min",
                "observed": f"{human(per_30min, BYTES)} per 30 min",
            })
        per_minute = per_hour / 60
        if shape.shape in ("linear", "step", "sawtooth") and per_minute > settings.heap_rate_alert:
            crossed.append({
                "name": "heap-rate-alert", "action": "alert",
                "threshold": f"{human(settings.heap_rate_alert, BYTES)}/min sustained",
                "observed": f"{human(per_minute, BYTES)}/min",
            })
    elif kind == GOROUTINES:
        above = peak - baseline
        if above > settings.goroutines_investigate:
            crossed.append({
                "name": "goroutines-investigate", "action": "investigate",
                "threshold": f"{settings.goroutines_investigate:g} goroutines above the baseline",
                "observed": f"{above:.0f} above the baseline of {baseline:.0f}",
            })
    return crossed


def _hours_to_limit(shape: Shape, limit: float):
    """Hours until the fitted trend reaches ``limit`` (0 when the series is there already,
    None when it does not grow); a sawtooth is judged by its peaks."""
    if shape.shape == "sawtooth":
        level = shape.detail.get("peak_level", shape.level)
        slope = shape.detail.get("peak_slope", shape.slope)
    else:
        level, slope = shape.level, shape.slope
    if shape.peak >= limit or level >= limit:
        return 0.0
    if slope <= 0 or shape.shape in ("flat", "spike"):
        return None
    return _round((limit - level) / slope / HOUR)


def growth_text(entry: dict) -> str:
    """``+34.2 MB/hour``"""
    rate = entry["growth_per_hour"]
    unit = entry["unit"]
    return f"{rate:+.3g} {unit}/hour" if abs(rate) < 1000 else f"{rate:+,.0f} {unit}/hour"

