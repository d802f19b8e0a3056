"""Output formats. Each module renders a finished ``Report`` to a string."""

from __future__ import annotations

FORMATS = ("text", "json", "sarif")


def render(fmt: str, report, *, color: bool = False, show_source: bool = False,
           quiet: bool = False, statistics: bool = False, sarif_category: str = "leaklint/",
           include_suppressed: bool = False) -> str:
    if fmt == "json":
        from . import json_report

        return json_report.render(report)
    if fmt == "sarif":
        from . import sarif

        return sarif.render(report, sarif_category, include_suppressed)
    from . import text

    return text.render(report, color=color, show_source=show_source, quiet=quiet,
                       statistics=statistics)
