"""Counts per rule (``--statistics``), shared by every output format."""

from __future__ import annotations


def by_rule(report) -> dict[str, int]:
    """Rule code -> number of reported findings, in code order."""
    counts: dict[str, int] = {}
    for f in report.findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    return dict(sorted(counts.items()))


def lines(report) -> list[str]:
    """``count  code  name`` lines, most frequent rule first."""
    names = {f.code: f.name for f in report.findings}
    ordered = sorted(by_rule(report).items(), key=lambda kv: (-kv[1], kv[0]))
    return [f"{n:6d}  {code}  {names[code]}" for code, n in ordered]
