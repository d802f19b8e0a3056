"""The result cache: a file's analysis result keyed on its content and everything else
that decides it (leaklint's version, the enabled rules and the settings).

Layout: ``<cache dir>/v1/<settings key>.json``, an index of file key -> result. It is
written to a temporary file and renamed into place, so concurrent runs (pre-commit starts
hooks in parallel) never see a half-written index; a missing, unreadable or corrupt
index or entry is a miss. A cache that cannot be written is simply not used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import os
import tempfile

from . import __version__
from .model import Diagnostic, FileResult, Finding, Position, Related, Verified

FORMAT = "v1"


def settings_key(settings) -> str:
    """A stable digest of everything in ``settings`` that can change a file's result."""
    data = {
        "version": __version__,
        "rules": [dataclasses.asdict(r) for r in settings.rules],
        "max_file_size": settings.max_file_size,
        "severity": settings.severity,
        "per_file_ignores": [(m.root, m.patterns, sorted(codes))
                             for m, codes in settings.per_file_ignores],
        "line_hashes": settings.line_hashes,
        "fixes": getattr(settings, "fixes", False),
        # Python fixes need libcst: results computed without it lack them
        "libcst": getattr(settings, "fixes", False) and importlib.util.find_spec("libcst") is not None,
        "timeout": getattr(settings, "timeout", None),
        "known_rules": sorted(getattr(settings, "known_rules", ())),
    }
    blob = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


class ResultCache:
    """One index file per settings key, mapping file keys to results.

    Loaded once, written once at the end of a run (merged with what another run may
    have written meanwhile); a lost race costs only a miss later."""

    MAX_ENTRIES = 200_000

    def __init__(self, directory: str, settings):
        self._top = directory
        self.path = os.path.join(directory, FORMAT, settings_key(settings) + ".json")
        self._entries: dict | None = None
        self._new: dict = {}

    @staticmethod
    def file_key(path: str, data: bytes) -> str:
        h = hashlib.sha256(data)
        h.update(b"\0" + path.encode("utf-8", "surrogateescape"))
        return h.hexdigest()[:32]

    def _load(self) -> dict:
        try:
            with open(self.path, encoding="utf-8") as fh:
                entries = json.load(fh)
            return entries if isinstance(entries, dict) else {}
        except (OSError, ValueError):
            return {}

    def get(self, key: str) -> FileResult | None:
        if self._entries is None:
            self._entries = self._load()
        raw = self._entries.get(key)
        if raw is None:
            return None
        try:
            return decode(raw)
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, result: FileResult) -> None:
        self._new[key] = encode(result)

    def save(self) -> None:
        if not self._new:
            return
        merged = self._load()
        merged.update(self._new)
        if len(merged) > self.MAX_ENTRIES:  # keep the newest entries
            merged = dict(list(merged.items())[-self.MAX_ENTRIES:])
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            self._mark_ignored()
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(self.path), suffix=".tmp")
            os.chmod(tmp, 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(merged, fh, separators=(",", ":"))
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only tree or a full disk: the run simply had no cache
        self._new = {}

    def _mark_ignored(self) -> None:
        marker = os.path.join(self._top, ".gitignore")
        if not os.path.exists(marker):
            with open(marker, "w", encoding="utf-8") as fh:
                fh.write("# written by leaklint: the cache is never committed\n*\n")


def encode(result: FileResult) -> dict:
    return dataclasses.asdict(result)  # a finding's fix, when computed, with its edits


def _fix(d: dict | None):
    if d is None:
        return None
    from .fixes import Edit, Fix

    edits = tuple(Edit(e["start"], e["end"], e["text"], Position(**e["region"]))
                  for e in d["edits"])
    return Fix(d["description"], edits, d["safe"])


def decode(d: dict) -> FileResult:
    def rel(r):
        return Related(r["path"], Position(**r["position"]), r["message"])

    findings = []
    for f in d["findings"]:
        f = dict(f)
        f["position"] = Position(**f["position"])
        f["related"] = [rel(r) for r in f["related"]]
        f["flow"] = [rel(r) for r in f["flow"]]
        f["fix"] = _fix(f.get("fix"))
        findings.append(Finding(**f))
    return FileResult(
        path=d["path"], language=d["language"], findings=findings,
        diagnostics=[Diagnostic(**x) for x in d["diagnostics"]],
        verified={k: Verified(**v) for k, v in d["verified"].items()}, parsed=d["parsed"],
    )
