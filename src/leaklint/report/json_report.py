"""JSON output: a stable, documented object (see README, "JSON output")."""

from __future__ import annotations

import json

from .. import __version__
from .statistics import by_rule

SCHEMA_VERSION = 1


def position(p) -> dict:
    return {"line": p.line, "column": p.col, "end_line": p.end_line, "end_column": p.end_col}


def finding_dict(f) -> dict:
    d = {"path": f.path, **position(f.position), "code": f.code, "name": f.name,
         "family": f.family, "severity": f.severity, "language": f.language,
         "message": f.message,
         "related": [{"path": r.path, **position(r.position), "message": r.message}
                     for r in f.related]}
    if f.fingerprint:
        d["fingerprint"] = f.fingerprint
    return d


def run_dict(report) -> dict:
    """What ``leaklint merge`` checks: the settings digest, and the shard if any."""
    run = {"settings_digest": report.run_digest}
    if report.shard is not None:
        run["shard"] = {"index": report.shard.index, "count": report.shard.count}
    return run


def to_dict(report) -> dict:
    return {
        "tool": {"name": "leaklint", "version": __version__},
        "schema_version": SCHEMA_VERSION,
        "run": run_dict(report),
        "findings": [finding_dict(f) for f in report.findings],
        "suppressed": [finding_dict(f) for f in report.suppressed],
        "diagnostics": [{"path": d.path, "kind": d.kind, "message": d.message}
                        for d in report.diagnostics],
        "verified": {code: {"checked": v.checked, "correct": v.correct}
                     for code, v in sorted(report.verified.items())},
        "summary": {
            "files_scanned": report.files_scanned,
            "files_skipped": report.files_skipped,
            "findings": len(report.findings),
            "suppressed": len(report.suppressed),
            "hidden": dict(report.hidden),
            "by_rule": by_rule(report),
        },
    }


def render(report) -> str:
    return json.dumps(to_dict(report), indent=2) + "\n"
