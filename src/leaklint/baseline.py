"""Baselines: record today's findings so that only new ones are reported.

A finding is matched on its rule, its path (relative to the baseline file) and a hash
of its line with all whitespace removed, never on its line number: findings survive
edits that move them. Identical keys are matched by count, so a second copy of a
recorded mistake is still reported.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter

from .safe_io import ReadRefused, read_regular

FORMAT_VERSION = 1
MAX_BASELINE_SIZE = 256 * 1024 * 1024
HIDDEN_REASON = "in the baseline"


class BaselineError(ValueError):
    """The baseline file is missing, unreadable or not a leaklint baseline."""


def code_hash(line_text: str) -> str:
    normalised = "".join(line_text.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def _relative(path: str, base_dir: str) -> str:
    try:
        return os.path.relpath(os.path.abspath(path), base_dir).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        return os.path.abspath(path).replace(os.sep, "/")


def key(finding, base_dir: str) -> tuple[str, str, str]:
    return (finding.code, _relative(finding.path, base_dir), code_hash(finding.line_text))


def dumps(findings, baseline_path: str) -> str:
    base_dir = os.path.dirname(os.path.abspath(baseline_path))
    entries = []
    for f in findings:
        code, path, digest = key(f, base_dir)
        entries.append({"code": code, "path": path, "hash": digest,
                        "line": f.position.line, "message": f.message})
    entries.sort(key=lambda e: (e["path"], e["line"], e["code"], e["hash"]))
    return json.dumps({"leaklint_baseline": FORMAT_VERSION, "findings": entries}, indent=2) + "\n"


def load(baseline_path: str) -> Counter:
    if not os.path.exists(baseline_path):
        raise BaselineError(f"{baseline_path}: baseline file not found "
                            "(create it with `leaklint baseline`)")
    try:
        data = json.loads(read_regular(baseline_path, MAX_BASELINE_SIZE, follow_links=True)
                          .decode("utf-8"))
    except ReadRefused as exc:
        raise BaselineError(f"{baseline_path}: {exc.message}") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BaselineError(f"{baseline_path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("leaklint_baseline") != FORMAT_VERSION:
        raise BaselineError(f"{baseline_path}: not a leaklint baseline (version {FORMAT_VERSION})")
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise BaselineError(f"{baseline_path}: 'findings' must be a list")
    keys = Counter()
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not all(isinstance(e.get(k), str)
                                              for k in ("code", "path", "hash")):
            raise BaselineError(f"{baseline_path}: findings[{i}] needs string "
                                "'code', 'path' and 'hash'")
        keys[(e["code"], e["path"], e["hash"])] += 1
    return keys


def apply(report, baseline_path: str, recorded: Counter | None = None) -> None:
    """Drop the report's findings that the baseline records; count them as hidden.
    ``recorded``: the baseline already loaded with ``load``."""
    remaining = Counter(recorded) if recorded is not None else load(baseline_path)
    base_dir = os.path.dirname(os.path.abspath(baseline_path))
    kept, hidden = [], 0
    for f in report.findings:
        k = key(f, base_dir)
        if remaining[k] > 0:
            remaining[k] -= 1
            hidden += 1
        else:
            kept.append(f)
    report.findings = kept
    report.hidden[HIDDEN_REASON] = hidden
