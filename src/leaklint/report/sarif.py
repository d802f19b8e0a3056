"""SARIF 2.1.0 output, built as plain data, for GitHub code scanning and other viewers."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from .. import __version__
from .escape import printable
from .paths import source_relative
from .rule_docs import REPOSITORY_URL, help_markdown, help_text, page_url
from .statistics import by_rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "note": "note"}
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
# files that could not be (fully) analysed, as tool execution notifications
NOTIFICATION_LEVEL = {"internal-error": "error", "timeout": "error", "unreadable": "error",
                      "syntax-error": "warning", "skipped": "note"}


def _region(p) -> dict:
    return {"startLine": p.line, "startColumn": p.col16, "endLine": p.end_line,
            "endColumn": p.end_col16}


def _artifact(path: str) -> dict:
    """A file relative to %SRCROOT% (the root of the git work tree holding it; outside git,
    the working directory), or an absolute file URI for a file outside it."""
    rel = source_relative(path)
    if rel is None:
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    # undecodable bytes of a file name go back to those bytes, percent-encoded
    return {"uri": quote(rel, safe="/", errors="surrogateescape"), "uriBaseId": "%SRCROOT%"}


def _location(path: str, p, message: str | None = None, id_: int | None = None) -> dict:
    loc = {"physicalLocation": {"artifactLocation": _artifact(path), "region": _region(p)}}
    if id_ is not None:
        loc["id"] = id_
    if message:
        loc["message"] = {"text": message}
    return loc


def _code_flows(f) -> list:
    """Paths from the acquisition to where the handle leaks: the finding's own flows when
    the rule recorded them (one per leaking exit, through the branches it takes), else
    one two-step path per related location."""
    start = (f.path, f.position, "acquired here")
    if f.flows:
        paths = [[start] + [(r.path, r.position, r.message) for r in path] for path in f.flows]
    else:
        paths = [[start, (r.path, r.position, r.message)] for r in f.related]
    return [{"threadFlows": [{"locations": [
        {"location": _location(path, pos, msg)} for path, pos, msg in steps]}]}
        for steps in paths]


def _fix(path: str, fix) -> dict:
    """A fix as SARIF artifact changes: each edit replaces a region (empty to insert)."""
    return {
        "description": {"text": fix.description},
        "artifactChanges": [{
            "artifactLocation": _artifact(path),
            "replacements": [{"deletedRegion": _region(e.region),
                              "insertedContent": {"text": e.text}} for e in fix.edits],
        }],
        "properties": {"safe": fix.safe},
    }


def rule_descriptor(rule) -> dict:
    langs = list(rule.languages)
    descriptor = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(rule.rationale.split()) or rule.summary},
        "help": {"text": help_text(rule), "markdown": help_markdown(rule)},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": [rule.family, *langs, "leak"],
            "precision": rule.precision,
            "problem.severity": PROBLEM_SEVERITY[rule.severity],
        },
    }
    url = page_url(rule)
    if url:
        descriptor["helpUri"] = url
    return descriptor


def _run_properties(report) -> dict:
    """Counts of the run, and what ``leaklint merge`` checks (settings digest, shard)."""
    props = {"settingsDigest": report.run_digest}
    if report.shard is not None:
        props["shard"] = {"index": report.shard.index, "count": report.shard.count}
    props["findingsPerRule"] = by_rule(report)
    props["verified"] = {code: {"checked": v.checked, "correct": v.correct}
                         for code, v in sorted(report.verified.items())}
    return props


def to_dict(report, category: str = "leaklint/", include_suppressed: bool = False) -> dict:
    rules = sorted(report.rules, key=lambda r: r.code)
    index = {r.code: i for i, r in enumerate(rules)}
    results = []
    findings = list(report.findings) + (list(report.suppressed) if include_suppressed else [])
    for f in findings:
        res = {
            "ruleId": f.code,
            "level": LEVEL.get(f.severity, "warning"),
            "message": {"text": f.message.rstrip(".") + "."},
            "locations": [_location(f.path, f.position)],
        }
        if f.code in index:
            res["ruleIndex"] = index[f.code]
        if f.related:
            res["relatedLocations"] = [_location(r.path, r.position, r.message, i + 1)
                                       for i, r in enumerate(f.related)]
        flows = _code_flows(f)
        if flows:
            res["codeFlows"] = flows
        if f.fingerprint:
            res["partialFingerprints"] = {"primaryLocationLineHash": f.fingerprint}
        if f.suppressed:
            res["suppressions"] = [{"kind": "inSource"}]
        if f.fix is not None and f.fix.edits:
            res["fixes"] = [_fix(f.path, f.fix)]
        results.append(res)
    notifications = [{
        "level": NOTIFICATION_LEVEL.get(d.kind, "note"),
        "message": {"text": printable(f"{d.path}: {d.kind}: {d.message}")},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(d.path)}}],
        "properties": {"kind": d.kind},
    } for d in report.diagnostics]
    invocation = {"executionSuccessful": not any(d.kind == "internal-error"
                                                  for d in report.diagnostics)}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "leaklint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": REPOSITORY_URL,
                "rules": [rule_descriptor(r) for r in rules],
            }},
            "automationDetails": {"id": category},
            "columnKind": "utf16CodeUnits",
            "originalUriBaseIds": {"%SRCROOT%": {"description": {
                "text": "The root of the git work tree holding the files (outside git, the "
                        "directory leaklint was run from)"}}},
            "invocations": [invocation],
            "results": results,
            "properties": _run_properties(report),
        }],
    }


def render(report, category: str = "leaklint/", include_suppressed: bool = False) -> str:
    return json.dumps(to_dict(report, category, include_suppressed), indent=2) + "\n"
