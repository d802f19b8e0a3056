"""``leaklint triage``: read every input, send each to its reader by kind, print one
report (text or one JSON object) and draw the series when asked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from . import inputs
from .curves import analyse
from .errors import TriageInputError
from .join import rank, render_text as render_findings
from .readers import read_series
from .settings import TriageSettings


@dataclass
class Outcome:
    curves: list = field(default_factory=list)
    analyses: dict = field(default_factory=dict)  # JSON key -> (module, result)
    findings: list | None = None  # static findings ranked by the runtime (--scan)
    errors: list = field(default_factory=list)  # one line each, naming the file

    def as_json(self) -> dict:
        out = {}
        if self.curves or not self.analyses:
            out["series"] = [c.entry for c in self.curves]
        for key, (_, result) in self.analyses.items():
            out[key] = result
        if self.findings is not None:
            out["findings"] = self.findings
        if self.errors:
            out["errors"] = self.errors
        return out

    @property
    def leaking(self) -> bool:
        """A series with a leak shape or past a threshold, goroutine stacks or heap classes
        that grow, tracemalloc sites that grow at every step, or a finding the runtime
        confirms."""
        found = {key: result for key, (_, result) in self.analyses.items()}
        return any(c.entry["shape"] != "flat" or c.entry["thresholds"] for c in self.curves) or \
            bool(found.get("goroutines", {}).get("stacks")) or \
            bool(found.get("heap", {}).get("classes")) or \
            any(site.get("grows_every_step") for site in found.get("tracemalloc", {}).get("sites", ())) or \
            any(f["runtime"]["status"] == "confirmed" for f in self.findings or ())


def triage(paths: list, settings: TriageSettings, limit: float | None = None) -> Outcome:
    """Every input, read and analysed by its kind; a bad file becomes an error line and the
    others go on."""
    outcome = Outcome()
    by_kind: dict = {}
    series = []
    for path in paths:
        try:
            kind = inputs.detect_kind(path)
            if kind == inputs.SERIES:
                series.extend(read_series(path, inputs.read_text(path)))
            else:
                by_kind.setdefault(kind, []).append(path)
        except TriageInputError as exc:
            outcome.errors.append(str(exc))
    outcome.curves = analyse(series, settings, limit)
    for kind, group in by_kind.items():
        module, key = inputs.ANALYSERS[kind]
        try:
            outcome.analyses[key] = (module, module.analyse(group))
        except TriageInputError as exc:
            outcome.errors.append(str(exc))
    return outcome


def join_scan(outcome: Outcome, findings: list) -> None:
    """Rank static findings (dicts as in the JSON report) by what the inputs show."""
    outcome.findings = rank(findings, outcome.as_json())


def render(outcome: Outcome, fmt: str, blocks: str) -> str:
    if fmt == "json":
        return json.dumps(outcome.as_json(), indent=2) + "\n"
    from .text import render_series

    parts = [render_series(outcome.curves, blocks)] if outcome.curves else []
    for _, (module, result) in outcome.analyses.items():
        parts.append(module.render_text(result))
    if outcome.findings is not None:
        parts.append(render_findings(outcome.findings))
    return "\n".join(p.rstrip("\n") + "\n" for p in parts if p)
