"""Output formats. Each module renders a finished ``Report`` to a string."""

from __future__ import annotations

FORMATS = ("text", "json", "sarif", "github", "checklist")
# formats read by programs: --statistics goes to stderr so their output stays parseable
MACHINE_FORMATS = ("json", "sarif", "github")


def render(fmt: str, report, *, color: bool = False, show_source: bool = False,
           quiet: bool = False, statistics: bool = False, sarif_category: str = "leaklint/",
           include_suppressed: bool = False, link_base: str | None = None) -> str:
    if fmt == "json":
        from . import json_report

        return json_report.render(report)
    if fmt == "sarif":
        from . import sarif

        return sarif.render(report, sarif_category, include_suppressed)
    if fmt == "github":
        from . import github

        return github.render(report, quiet=quiet)
    if fmt == "checklist":
        from . import checklist

        return checklist.render(report, statistics=statistics, link_base=link_base)
    from . import text

    return text.render(report, color=color, show_source=show_source, quiet=quiet,
                       statistics=statistics)


def statistics_for_stderr(fmt: str, report) -> str:
    """``--statistics`` for machine formats, which carry the counts in their data
    (JSON ``summary.by_rule``, SARIF run properties) and show them on stderr too."""
    if fmt not in MACHINE_FORMATS:
        return ""
    from .statistics import lines

    return "".join(line + "\n" for line in lines(report))
