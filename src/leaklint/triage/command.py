"""``leaklint triage``: read every input, send each to its reader by kind, print one
report (text or one JSON object) and draw the series when asked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from . import inputs
from .curves import analyse
from .errors import TriageInputError
from .readers import read_series
from .settings import TriageSettings


@dataclass
class Outcome:
    curves: list = field(default_factory=list)
    analyses: dict = field(default_factory=dict)  # JSON key -> (module, result)
    errors: list = field(default_factory=list)  # one line each, naming the file

    def as_json(self) -> dict:
        out = {}
        if self.curves or not self.analyses:
            out["series"] = [c.entry for c in self.curves]
        for key, (_, result) in self.analyses.items():
            out[key] = result
        if self.errors:
            out["errors"] = self.errors
        return out

    @property
    def leaking(self) -> bool:
        return any(c.entry["shape"] != "flat" or c.entry["thresholds"] for c in self.curves)


def triage(paths: list, settings: TriageSettings, limit: float | None = None) -> Outcome:
    """Every input, read and analysed; a bad file becomes an error line and the others go on."""
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
        module_name, key, what = inputs.ANALYSERS[kind]
        module = inputs.analyser(kind)
        if module is None:
            outcome.errors.extend(f"{p}: {what} are not supported by this version of leaklint"
                                  for p in group)
            continue
        try:
            outcome.analyses[key] = (module, module.analyse(group))
        except TriageInputError as exc:
            outcome.errors.append(str(exc))
    return outcome


def render(outcome: Outcome, fmt: str, blocks: str) -> str:
    if fmt == "json":
        return json.dumps(outcome.as_json(), indent=2) + "\n"
    from .text import render_series

    parts = [render_series(outcome.curves, blocks)] if outcome.curves else []
    for _, (module, result) in outcome.analyses.items():
        parts.append(module.render_text(result))
    return "\n".join(p.rstrip("\n") + "\n" for p in parts if p)
