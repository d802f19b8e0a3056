"""The five shapes of a memory or goroutine curve, in plain Python.

    flat      healthy: stays within bounds, GC waves only
    linear    steady growth (each leaked goroutine or listener adds its share)
    step      grows in chunks with plateaus between (caches, long-lived references filling)
    spike     a rapid rise under load that recovers, at least partly
    sawtooth  repeated ramps that drop back when the function exits (defers piling up)

How: a long series is first reduced to at most ``POINTS`` chunk means (in sample order, so
uneven sampling keeps its real times), then smoothed with a running median, which keeps
edges and removes GC waves that do not last several samples. Abrupt falls back to the
bottom of the range are found next: one that follows a gap in sampling, or fewer than three
of them, are restarts and split the series into segments; three or more, at a regular pace,
are the teeth of a sawtooth. A segment that moves less than the flat tolerance is flat; one
that grows is linear or step by how concentrated its rise is in time (a staircase rises in a
few short intervals, a ramp in all of them); a single short excursion that falls back is a
spike. Everything is linear in the number of samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

SHAPES = ("flat", "linear", "step", "spike", "sawtooth")
POINTS = 600  # the reduced resolution every decision works on
SMOOTH = 5  # running-median width, in reduced points
FLAT_RELATIVE = 0.10  # a range within 10 % of the level is flat
TIME_BINS = 40  # equal-time bins for the step/linear decision
STEP_CONCENTRATION = 0.62  # share of the rise in the top 30 % of intervals above which it is a staircase


@dataclass
class Segment:
    start: float
    end: float
    shape: str
    confidence: float
    slope: float  # units per second
    fit: list = field(default_factory=list)  # [(t, v), ...] polyline of the fitted model
    first: float = 0.0  # fitted level at the start and at the end
    last: float = 0.0


@dataclass
class Shape:
    shape: str
    confidence: float
    slope: float  # units per second of the trend that matters for the shape
    segments: list
    fit: list  # polyline over the whole series
    restarts: int = 0
    detail: dict = field(default_factory=dict)
    peak: float = 0.0
    level: float = 0.0  # the fitted level at the end


# ---------------------------------------------------------------- helpers


def reduce(times: list, values: list, points: int = POINTS):
    """Chunk means of times and values, at most ``points`` of them, with each chunk's first
    and last time (to see gaps)."""
    n = len(values)
    if n <= points:
        return list(times), list(values), list(times), list(times)
    size = n / points
    T, Y, first, last = [], [], [], []
    for k in range(points):
        a, b = int(k * size), int((k + 1) * size)
        if b <= a:
            continue
        ts = times[a:b]
        T.append(sum(ts) / (b - a))
        Y.append(sum(values[a:b]) / (b - a))
        first.append(ts[0])
        last.append(ts[-1])
    return T, Y, first, last


def running_median(y: list, width: int = SMOOTH) -> list:
    n = len(y)
    if n < width:
        return list(y)
    h = width // 2
    out = []
    for i in range(n):
        a, b = max(0, i - h), min(n, i + h + 1)
        w = sorted(y[a:b])
        out.append(w[len(w) // 2])
    return out


def quantile(sorted_values: list, q: float) -> float:
    if not sorted_values:
        return 0.0
    i = min(len(sorted_values) - 1, max(0, int(q * (len(sorted_values) - 1) + 0.5)))
    return sorted_values[i]


def median(values) -> float:
    s = sorted(values)
    return quantile(s, 0.5) if s else 0.0


def ols(T: list, Y: list) -> tuple[float, float]:
    """Least-squares slope and intercept (the intercept at T[0])."""
    n = len(T)
    if n < 2:
        return 0.0, (Y[0] if Y else 0.0)
    t0 = T[0]
    mt = sum(t - t0 for t in T) / n
    my = sum(Y) / n
    sxx = sum((t - t0 - mt) ** 2 for t in T)
    if sxx <= 0:
        return 0.0, my
    sxy = sum((t - t0 - mt) * (y - my) for t, y in zip(T, Y))
    slope = sxy / sxx
    return slope, my - slope * mt


# ---------------------------------------------------------------- the classifier


@dataclass
class _Scale:
    bottom: float
    top: float
    span: float  # top - bottom of the smoothed series
    tolerance: float  # ranges below this are flat
    interval: float  # the typical time between reduced points


def classify(times: list, values: list, flat_relative: float = FLAT_RELATIVE) -> Shape:
    """The shape of one series (times ascending, in seconds)."""
    T, Y, first, last = reduce(times, values)
    n = len(Y)
    if n < 6 or T[-1] <= T[0]:
        level = sum(Y) / n if n else 0.0
        seg = Segment(T[0] if T else 0.0, T[-1] if T else 0.0, "flat", 0.2, 0.0,
                      [(T[0], level), (T[-1], level)] if T else [], level, level)
        return Shape("flat", 0.2, 0.0, [seg], seg.fit, detail={"note": "too few samples or no time between them"},
                     peak=max(Y) if Y else 0.0, level=level)
    S = running_median(Y)
    ordered = sorted(S)
    bottom, top = quantile(ordered, 0.02), quantile(ordered, 0.98)
    level = max(abs(quantile(ordered, 0.5)), abs(median(S[: max(3, n // 20)])))
    noise = 1.4826 * median([abs(a - b) for a, b in zip(Y, S)])
    spacing = sorted(T[i + 1] - T[i] for i in range(n - 1))
    scale = _Scale(bottom, top, top - bottom, max(flat_relative * level, 4 * noise, 1e-12),
                   quantile(spacing, 0.5))
    peak = max(Y)

    if scale.span <= scale.tolerance:
        return _whole(T, Y, "flat", _flat_confidence(scale.span, scale.tolerance), peak)

    drops = _drops(T, S, first, last, scale)
    if not any(gap for _, _, gap in drops):  # a fall after a restart is no spike's recovery
        spike = _spike(T, S, scale)
        if spike is not None:
            return spike
    teeth = [d for d in drops if not d[2]]
    if len(teeth) >= 3:
        saw = _sawtooth(T, S, teeth, scale, peak)
        if saw is not None:
            return saw
    cuts = [d[1] for d in drops]
    bounds = [0, *cuts, n]
    segments = []
    for a, b in zip(bounds, bounds[1:]):
        if b - a >= 2:
            segments.append(_segment(T[a:b], S[a:b], Y[a:b], scale))
    return _combine(segments, len(cuts), peak)


def _flat_confidence(span: float, tolerance: float) -> float:
    return round(max(0.5, 1.0 - 0.5 * span / tolerance), 2)


def _whole(T, Y, shape, confidence, peak) -> Shape:
    slope, icpt = ols(T, Y)
    seg = Segment(T[0], T[-1], shape, confidence, slope,
                  [(T[0], icpt), (T[-1], icpt + slope * (T[-1] - T[0]))],
                  icpt, icpt + slope * (T[-1] - T[0]))
    return Shape(shape, confidence, slope, [seg], seg.fit, peak=peak, level=seg.last)


def _drops(T, S, first, last, scale: _Scale) -> list:
    """Abrupt falls (within three points) from well above the starting level back to it:
    (index before, index after, whether sampling paused there)."""
    out = []
    n = len(S)
    base = median(S[: max(3, n // 20)])
    i = 1
    while i < n:
        if S[i] < S[i - 1]:
            a = i - 1
            b = i
            while b + 1 < n and b - a < 3 and S[b + 1] < S[b]:
                b += 1
            risen = S[a] - base
            fall = S[a] - S[b]
            if risen > max(2 * scale.tolerance, 0.15 * scale.span) and fall >= 0.6 * risen \
                    and S[b] <= base + 0.4 * risen:
                pause = 5 * max(scale.interval, 1e-12)
                gap = (first[b] - last[a]) > pause if b == a + 1 else (T[b] - T[a]) > pause * (b - a)
                out.append((a, b, gap))
            i = b + 1
        else:
            i += 1
    return out


def _spike(T, S, scale: _Scale) -> Shape | None:
    """One short excursion that rises fast and falls back at least a third of the way."""
    n = len(S)
    ip = max(range(n), key=S.__getitem__)
    peak = S[ip]
    edge = max(3, n // 10)
    start = median(S[:edge])
    end = median(S[-edge:])
    height = peak - start
    duration = T[-1] - T[0]
    if height <= scale.tolerance or ip < edge // 2 or ip > n - 2 or duration <= 0:
        return None
    if peak - end < 0.33 * height:
        return None
    half = max(start, end) + 0.5 * (peak - max(start, end))  # the core of the excursion
    above = [i for i in range(n) if S[i] > half]
    wide = (T[above[-1]] - T[above[0]]) / duration
    if wide > 0.35 or len(above) < 0.6 * (above[-1] - above[0] + 1):
        return None
    rise_from = ip
    while rise_from > 0 and S[rise_from - 1] > start + 0.15 * height:
        rise_from -= 1
    rise = (T[ip] - T[rise_from]) / duration
    if rise > 0.2:
        return None
    recovered = (peak - end) / height
    confidence = round(min(1.0, 0.55 + 0.25 * (1 - wide / 0.35) + 0.2 * min(1.0, recovered)), 2)
    t_rise = T[max(0, rise_from - 1)]
    settled = next((j for j in range(ip, n) if S[j] <= end + 0.15 * (peak - end)), n - 1)
    fit = [(T[0], start), (t_rise, start), (T[ip], peak), (T[settled], end), (T[-1], end)]
    rate = height / max(T[ip] - t_rise, 1e-9)
    seg = Segment(T[0], T[-1], "spike", confidence, rate, fit, start, end)
    return Shape("spike", confidence, rate, [seg], fit, peak=max(peak, max(S)), level=end,
                 detail={"rise_seconds": T[ip] - t_rise, "recovered": round(min(1.0, recovered), 2)})


def _sawtooth(T, S, teeth, scale: _Scale, peak: float) -> Shape | None:
    """Three or more falls at a regular pace: the troughs give the trend across cycles."""
    at = [T[b] for _, b, _ in teeth]
    periods = [b - a for a, b in zip(at, at[1:])]
    mean = sum(periods) / len(periods)
    if mean <= 0:
        return None
    spread = math.sqrt(sum((p - mean) ** 2 for p in periods) / len(periods)) / mean
    if spread > 0.6:
        return None
    troughs_t = [T[b] for _, b, _ in teeth]
    troughs_v = [S[b] for _, b, _ in teeth]
    peaks_t = [T[a] for a, _, _ in teeth]
    peaks_v = [S[a] for a, _, _ in teeth]
    slope, icpt = ols(troughs_t, troughs_v) if len(troughs_t) >= 2 else (0.0, troughs_v[0])
    peak_slope, peak_icpt = ols(peaks_t, peaks_v)
    fit = [(T[0], S[0])]
    for (a, b, _) in teeth:
        fit += [(T[a], S[a]), (T[b], S[b])]
    fit.append((T[-1], S[-1]))
    confidence = round(max(0.5, min(1.0, 0.6 + 0.08 * len(teeth) - 0.4 * spread)), 2)
    end_level = icpt + slope * (troughs_t[-1] - troughs_t[0])
    seg = Segment(T[0], T[-1], "sawtooth", confidence, slope, fit, troughs_v[0], end_level)
    return Shape("sawtooth", confidence, slope, [seg], fit, peak=peak, level=end_level,
                 detail={"teeth": len(teeth), "period_seconds": mean,
                         "amplitude": sum(p - t for p, t in zip(peaks_v, troughs_v)) / len(teeth),
                         "peak_slope": peak_slope,
                         "peak_level": peak_icpt + peak_slope * (peaks_t[-1] - peaks_t[0])})


def _segment(T, S, Y, scale: _Scale) -> Segment:
    """flat, linear or step for one segment between restarts: decided on the smoothed
    values ``S``, fitted to the values ``Y``."""
    n = len(S)
    ordered = sorted(S)
    span = quantile(ordered, 0.98) - quantile(ordered, 0.02)
    edge = max(1, n // 10)
    net = sum(S[-edge:]) / edge - sum(S[:edge]) / edge
    slope, icpt = ols(T, Y)
    line = [(T[0], icpt), (T[-1], icpt + slope * (T[-1] - T[0]))]
    if span <= scale.tolerance or net <= max(0.4 * span, scale.tolerance):
        confidence = _flat_confidence(span, scale.tolerance) if span <= scale.tolerance else 0.55
        return Segment(T[0], T[-1], "flat", confidence, slope, line, line[0][1], line[1][1])
    concentration, bins = _concentration(T, S)
    if concentration >= STEP_CONCENTRATION:
        confidence = round(min(1.0, 0.5 + (concentration - STEP_CONCENTRATION) / (1 - STEP_CONCENTRATION) * 0.5), 2)
        rate = net / max(T[-1] - T[0], 1e-9)
        stairs = [(t, v) for t, v in bins]
        return Segment(T[0], T[-1], "step", confidence, rate, stairs, stairs[0][1], stairs[-1][1])
    knee, k_slope, k_icpt = _knee(T, Y)
    confidence = round(min(1.0, 0.5 + (STEP_CONCENTRATION - concentration) / STEP_CONCENTRATION), 2)
    fit = ([(T[0], k_icpt)] if knee > 0 else []) + [
        (T[knee], k_icpt), (T[-1], k_icpt + k_slope * (T[-1] - T[knee]))]
    return Segment(T[0], T[-1], "linear", confidence, k_slope, fit, fit[0][1], fit[-1][1])


def _concentration(T, S) -> tuple[float, list]:
    """The share of the rise that happens in the busiest 30 % of equal-time intervals,
    counted between the first and the last interval that rises noticeably."""
    t0, t1 = T[0], T[-1]
    width = (t1 - t0) / TIME_BINS or 1.0
    sums = [0.0] * TIME_BINS
    counts = [0] * TIME_BINS
    for t, v in zip(T, S):
        k = min(TIME_BINS - 1, int((t - t0) / width))
        sums[k] += v
        counts[k] += 1
    bins = [(t0 + (k + 0.5) * width, sums[k] / counts[k]) for k in range(TIME_BINS) if counts[k]]
    diffs = [b[1] - a[1] for a, b in zip(bins, bins[1:])]
    if not diffs:
        return 1.0, bins
    biggest = max(diffs)
    if biggest <= 0:
        return 0.0, bins
    active = [i for i, d in enumerate(diffs) if d > 0.1 * biggest]
    region = diffs[active[0]: active[-1] + 1]
    rises = sorted((d for d in region if d > 0), reverse=True)
    k = max(1, math.ceil(0.3 * len(region)))
    if len(region) <= 2:
        return 1.0, bins
    return sum(rises[:k]) / sum(rises), bins


def _knee(T, S) -> tuple[int, float, float]:
    """A line, or a flat start then a line (``___/``): the knee index, slope and level."""
    n = len(S)
    best = None
    for frac in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6):
        k = int(frac * n)
        if n - k < 4:
            break
        flat = sum(S[:k]) / k if k else None
        slope, icpt = ols(T[k:], S[k:])
        if flat is not None:  # the line starts where the flat part ends
            icpt = flat
            sxx = sum((t - T[k]) ** 2 for t in T[k:])
            slope = sum((t - T[k]) * (v - flat) for t, v in zip(T[k:], S[k:])) / sxx if sxx else 0.0
        err = sum((v - flat) ** 2 for v in S[:k]) if k else 0.0
        err += sum((v - icpt - slope * (t - T[k])) ** 2 for t, v in zip(T[k:], S[k:]))
        if best is None or err < best[0] * 0.9:
            best = (err, k, slope, icpt)
    return best[1], best[2], best[3]


def _combine(segments: list, restarts: int, peak: float) -> Shape:
    """The shape of a series cut by restarts: the one covering most time, leaks first on a
    tie; its growth is the time-weighted slope of the segments of that shape."""
    if not segments:
        return Shape("flat", 0.2, 0.0, [], [], restarts, peak=peak)
    cover: dict = {}
    for s in segments:
        cover[s.shape] = cover.get(s.shape, 0.0) + (s.end - s.start)
    shape = max(cover, key=lambda k: (cover[k], k != "flat"))
    same = [s for s in segments if s.shape == shape]
    total = sum(s.end - s.start for s in same) or 1.0
    slope = sum(s.slope * (s.end - s.start) for s in same) / total
    confidence = round(sum(s.confidence * (s.end - s.start) for s in same) / total
                       * (cover[shape] / (sum(cover.values()) or 1.0)) ** 0.5, 2)
    fit = [p for s in segments for p in s.fit]
    return Shape(shape, confidence, slope, segments, fit, restarts, peak=peak,
                 level=segments[-1].last)
