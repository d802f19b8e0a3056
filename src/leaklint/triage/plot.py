"""``--plot out.png|out.svg``: each series with its fitted trend and the thresholds, drawn
with matplotlib (the optional ``plot`` extra)."""

from __future__ import annotations

import os

from ..report.escape import printable
from .curves import HOUR, labels
from .shapes import reduce
from .units import BYTES, MB, unit_label

FORMATS = (".png", ".svg")
MISSING = "--plot needs matplotlib: pip install 'leaklint-code[plot]'"


class PlotError(Exception):
    """The picture cannot be made; the message says why in one line."""


def check(path: str) -> None:
    """Before any work: a known picture format and matplotlib present."""
    if os.path.splitext(path)[1].lower() not in FORMATS:
        raise PlotError(f"{path}: --plot writes .png or .svg")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PlotError(MISSING) from None


def _text(name: str) -> str:
    """A name from an input file, as matplotlib draws it literally (``$`` starts math)."""
    return printable(name).replace("$", r"\$")


def _time_axis(span: float) -> tuple[float, str]:
    if span >= 2 * HOUR:
        return HOUR, "hours"
    if span >= 120:
        return 60.0, "minutes"
    return 1.0, "seconds"


def draw(curves: list, path: str, settings) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = len(curves)
    fig, axes = plt.subplots(rows, 1, figsize=(8, 2.4 * rows), squeeze=False)
    for ax, curve, label in zip((a[0] for a in axes), curves, labels(curves)):
        s, e = curve.series, curve.entry
        factor = MB if s.kind == BYTES else 1.0
        t0 = s.times[0]
        unit, label = _time_axis(s.times[-1] - t0)
        T, Y, _, _ = reduce(s.times, s.values, 4000)
        ax.plot([(t - t0) / unit for t in T], [v / factor for v in Y], lw=0.8, color="#4472c4",
                label="samples")
        fit = curve.shape.fit
        if fit:
            ax.plot([(t - t0) / unit for t, _ in fit], [v / factor for _, v in fit], lw=1.6,
                    color="#c0392b", ls="--", label=f"fit: {e['shape']}")
        _thresholds(ax, curve, settings, unit, factor)
        ax.set_title(f"{_text(label)}: {e['shape']} ({e['confidence']:.2f}), "
                     f"{e['growth_per_hour']:+.3g} {e['unit']}/hour", fontsize=9)
        ax.set_xlabel(label, fontsize=8)
        ax.set_ylabel(unit_label(s.kind), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=80, metadata={"Date": None} if path.lower().endswith(".svg") else None)
    except OSError as exc:
        raise PlotError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)


def _thresholds(ax, curve, settings, unit: float, factor: float) -> None:
    """The limit as a line, and the growth that would cross the heap thresholds as slopes
    from the first fitted level."""
    s = curve.series
    span = s.times[-1] - s.times[0]
    top = max(s.values)
    if curve.limit is not None and curve.limit <= 3 * top:  # a limit far above would flatten the curve
        ax.axhline(curve.limit / factor, color="#7f7f7f", lw=1, ls=":",
                   label=f"limit {curve.limit / factor:.4g} {unit_label(s.kind)}")
        top = max(top, curve.limit)
    fit = curve.shape.fit
    start = fit[0][1] if fit else s.values[0]
    if s.kind == BYTES:
        for rate, colour, name in ((settings.heap_growth_investigate / 1800, "#e69f00", "investigate"),
                                   (settings.heap_rate_alert / 60, "#d62728", "alert")):
            ax.plot([0, span / unit], [start / factor, (start + rate * span) / factor], lw=0.9,
                    color=colour, ls="-.", label=f"{name} rate")
        ax.set_ylim(top=top / factor * 1.15 + 1e-9, bottom=min(0, min(s.values) / factor))
    elif s.kind == "goroutines":
        base = curve.entry["baseline"]
        ax.axhline(base + settings.goroutines_investigate, color="#e69f00", lw=0.9, ls="-.",
                   label="investigate")
