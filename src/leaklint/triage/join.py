"""Static findings ranked by what the runtime shows.

``rank(findings, triage)`` takes findings as in leaklint's JSON report and the triage
object (``{"series": [...], "goroutines": {...}, "heap": {...}, "tracemalloc": {...}}``,
keys present when there was input) and returns the findings, each with a ``runtime``
entry, most relevant first:

- **confirmed**: the runtime shows the leak at the code the finding names. A goroutine
  stack that grows and was created by the ``go`` statement a concurrency finding (LL6xx)
  reports (debug=2 dumps name the ``go`` statement; at debug=1 the goroutine's own
  frame inside the reported statement), or a tracemalloc site that grows at every step
  on a line the finding names (its span or a related location).
- **located**: a growing stack frame or tracemalloc site falls on the finding's lines,
  but the evidence is weaker (another rule family, or growth not at every step).
- **ranked**: nothing points at the finding's lines, but the kind of growth seen makes
  its family the likely cause: a linear curve or growing goroutines rank goroutine and
  listener findings first, a step curve caches, a sawtooth defers in loops, a spike
  resources; growing closures, listeners or detached DOM nodes in heap snapshots rank
  listener findings, growing objects caches; goroutines growing in ``IO wait`` rank
  unclosed connections.
- **none**: nothing at runtime speaks for or against it.

Files are matched by path suffix on whole components (a dump built with -trimpath says
``goleak/main.go``, the scan ``tests/programs/goleak/main.go``), lines exactly.
"""

from __future__ import annotations

import json

from .errors import TriageInputError

STATUS_SCORE = {"confirmed": 1000.0, "located": 500.0, "ranked": 0.0, "none": 0.0}
# the rule families each memory-curve shape points at, most likely first
SHAPE_FAMILIES = {
    "linear": ("concurrency", "listener", "timer", "context"),
    "step": ("cache",),
    "sawtooth": ("loop",),
    "spike": ("resource", "concurrency"),
    "flat": (),
}
HEAP_CATEGORY_FAMILIES = {
    "closure": ("listener", "timer"),
    "listener": ("listener",),
    "detached DOM": ("listener",),
    "object": ("cache",),
    "native": ("resource",),
}
GOROUTINE_BLOCK_FAMILIES = {
    "IO wait": ("resource", "concurrency"),
    "sleep": ("timer", "concurrency"),
}


def same_file(a: str, b: str) -> bool:
    """Whether two paths name the same file: equal, or one a suffix of the other on
    whole path components."""
    a = a.replace("\\", "/").removeprefix("./")
    b = b.replace("\\", "/").removeprefix("./")
    if a == b:
        return True
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return bool(short) and long.endswith("/" + short.lstrip("/"))


def _int(value, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _span(finding: dict) -> set[int]:
    """The lines of the reported statement."""
    line = _int(finding.get("line"))
    return set(range(line, max(line, _int(finding.get("end_line"), line)) + 1))


def _lines(finding: dict) -> set[int]:
    """The lines a finding names: its span and its related locations in the same file."""
    lines = _span(finding)
    for r in finding.get("related") or ():
        if isinstance(r, dict) and isinstance(r.get("path"), str) and _int(r.get("line")) \
                and same_file(r["path"], str(finding.get("path", ""))):
            lines.add(r["line"])
    return lines


def _at(finding: dict, site: dict | None, lines: set[int] | None = None) -> bool:
    if not site or not site.get("file"):
        return False
    lines = _lines(finding) if lines is None else lines
    return site.get("line") in lines and same_file(site["file"], finding.get("path", ""))


def _is_goroutine_rule(finding: dict) -> bool:
    return finding.get("code", "").startswith("LL6") and finding.get("language") in ("go", None)


def _goroutine_evidence(finding: dict, goroutines: dict) -> tuple[str, float, list[str]]:
    status, score, notes = "none", 0.0, []
    lines = _lines(finding)
    stacks = goroutines.get("stacks", ())
    top = max((s["growth"] for s in stacks), default=1) or 1
    for stack in stacks:
        counts = ", ".join(str(c) for c in stack["counts"])
        blocked = "" if stack["blocked"] == "unknown" else f" blocked in {stack['blocked']}"
        what = f"goroutines{blocked} grew {counts}"
        created = stack.get("created_by")
        span = _span(finding)
        frames = stack.get("frames") or ()
        if _is_goroutine_rule(finding) and (
                (created and _at(finding, created, span))
                or (not created and frames and _at(finding, frames[-1], span))):
            where = created or frames[-1]
            verb = "started at" if created else "running at"
            notes.append(f"{what}, {verb} {where['file']}:{where['line']}")
            status, score = "confirmed", max(score, 100 * stack["growth"] / top)
        elif any(_at(finding, f, lines) for f in frames) or (created and _at(finding, created,
                                                                              lines)):
            notes.append(f"{what}, with a frame on line {finding.get('line')}")
            if status == "none":
                status = "located"
            score = max(score, 50 * stack["growth"] / top)
    return status, score, notes


def _tracemalloc_evidence(finding: dict, tm: dict) -> tuple[str, float, list[str]]:
    status, score, notes = "none", 0.0, []
    sites = tm.get("sites", ())
    top = max((s["growth_bytes"] for s in sites), default=1) or 1
    for site in sites:
        if not _at(finding, site):
            continue
        from .tracemalloc import size_text

        notes.append(f"tracemalloc: {site['file']}:{site['line']} grew by "
                     f"{size_text(site['growth_bytes'])} ({site['growth_count']:+d} blocks)")
        strong = site["grows_every_step"] and finding.get("family") in ("cache", "resource",
                                                                          "listener")
        if strong:
            status = "confirmed"
        elif status == "none":
            status = "located"
        score = max(score, 100 * site["growth_bytes"] / top)
    return status, score, notes


def _family_hints(triage: dict) -> list[tuple[str, float, str]]:
    """(family, weight, reason) from the overall kinds of growth seen."""
    hints = []
    for s in triage.get("series") or ():
        families = SHAPE_FAMILIES.get(s.get("shape"), ())
        conf = float(s.get("confidence") or 0.5)
        for i, fam in enumerate(families):
            hints.append((fam, conf * (10 - i), f"{s.get('shape')} curve of "
                                                  f"{s.get('name', 'a series')}"))
    goroutines = triage.get("goroutines") or {}
    if goroutines.get("stacks"):
        hints.append(("concurrency", 8.0, "growing goroutines"))
        for stack in goroutines["stacks"]:
            for fam in GOROUTINE_BLOCK_FAMILIES.get(stack["blocked"], ()):
                hints.append((fam, 4.0, f"goroutines growing in {stack['blocked']}"))
    for cls in (triage.get("heap") or {}).get("classes", ())[:10]:
        for fam in HEAP_CATEGORY_FAMILIES.get(cls["category"], ()):
            hints.append((fam, 6.0, f"growing {cls['category']} {cls['name']}"))
    return hints


def rank(findings: list[dict], triage: dict) -> list[dict]:
    """The findings (copies), each with ``runtime: {"status", "score", "evidence"}``,
    ordered by what the runtime shows (confirmed first)."""
    hints = _family_hints(triage)
    order = {"confirmed": 0, "located": 1, "ranked": 2, "none": 3}
    ranked = []
    for finding in findings:
        status, score, evidence = "none", 0.0, []
        for part, fn in (("goroutines", _goroutine_evidence), ("tracemalloc",
                                                              _tracemalloc_evidence)):
            if triage.get(part):
                s, sc, notes = fn(finding, triage[part])
                evidence += notes
                if order[s] < order[status]:
                    status = s
                score += sc
        reasons = {}
        for fam, weight, reason in hints:
            if finding.get("family") == fam:
                reasons[reason] = max(reasons.get(reason, 0.0), weight)
        if reasons:
            score += sum(reasons.values())
            if status == "none":
                status = "ranked"
            evidence += [f"{reason} points at {finding.get('family')} leaks"
                         for reason in sorted(reasons, key=lambda r: -reasons[r])[:3]]
        out = dict(finding)
        out["runtime"] = {"status": status, "score": round(STATUS_SCORE[status] + score, 2),
                          "evidence": evidence}
        ranked.append(out)
    ranked.sort(key=lambda f: (order[f["runtime"]["status"]], -f["runtime"]["score"],
                               f.get("path", ""), f.get("line", 0)))
    return ranked


def read_scan_report(path: str) -> list[dict]:
    """The findings of a leaklint JSON report (`leaklint check --format json`)."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise TriageInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise TriageInputError(f"{path}: not a leaklint JSON report ({exc})") from None
    findings = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(findings, list) or not all(
            isinstance(f, dict) and isinstance(f.get("path"), str) and isinstance(f.get("line"), int)
            and isinstance(f.get("code"), str) for f in findings):
        raise TriageInputError(f"{path}: not a leaklint JSON report (no findings list with "
                               "path, line and code; write one with `leaklint check --format "
                               "json -o FILE`)")
    return findings


TRIAGE_KEYS = ("series", "goroutines", "heap", "tracemalloc")


# what the report and the ranking read from each part of a saved triage object
_ITEM_KEYS = {
    "series": ("series", {"name": str, "shape": str, "confidence": (int, float)}),
    "goroutines": ("stacks", {"blocked": str, "counts": list, "growth": int, "frames": list}),
    "heap": ("classes", {"name": str, "category": str, "counts": list, "growth": int,
                         "growth_bytes": int}),
    "tracemalloc": ("sites", {"file": str, "line": int, "sizes": list, "counts": list,
                              "growth_bytes": int, "growth_count": int,
                              "grows_every_step": bool}),
}


def _check_triage(path: str, doc: dict) -> None:
    """A saved triage object must have the shape `leaklint triage --format json` writes."""
    for key, (items_key, fields) in _ITEM_KEYS.items():
        if key not in doc:
            continue
        part = doc[key]
        items = part if key == "series" else (part.get(items_key) if isinstance(part, dict)
                                              else None)
        if not isinstance(items, list):
            raise TriageInputError(f"{path}: '{key}' is not as `leaklint triage --format json` "
                                   "writes it")
        for i, item in enumerate(items):
            for name, typ in fields.items():
                value = item.get(name) if isinstance(item, dict) else None
                if not isinstance(value, typ) or isinstance(value, bool) and typ is not bool:
                    raise TriageInputError(
                        f"{path}: {key} entry {i + 1}: '{name}' is missing or not "
                        f"{'a number' if typ == (int, float) else typ.__name__}")


def _triage_json(path: str) -> dict | None:
    """The object of a `leaklint triage --format json` file, or None for another input."""
    from . import inputs

    if inputs.detect_kind(path) != inputs.SERIES:
        return None
    try:
        doc = json.loads(inputs.read_text(path))
    except ValueError:
        return None
    if isinstance(doc, dict) and any(k in doc for k in TRIAGE_KEYS):
        _check_triage(path, doc)
        return doc
    return None


def load_triage(paths: list[str], run=None) -> dict:
    """The triage object for ``paths``: files written by `leaklint triage --format json`
    are read as they are; the other inputs are analysed by ``run(paths) -> dict`` (the
    `leaklint triage` pipeline). Parts of several files are combined."""
    merged: dict = {}
    raw = []
    for path in paths:
        doc = _triage_json(path)
        if doc is None:
            raw.append(path)
            continue
        for key in TRIAGE_KEYS:
            if key == "series":
                merged.setdefault("series", []).extend(doc.get("series") or ())
            elif doc.get(key):
                merged[key] = doc[key]
    if raw:
        if run is None:
            raise TriageInputError(f"{raw[0]}: not the JSON of `leaklint triage --format json`")
        for key, value in run(raw).items():
            if key == "series":
                merged.setdefault("series", []).extend(value)
            elif key in TRIAGE_KEYS:
                merged[key] = value
    return merged


def render_text(ranked: list[dict], limit: int = 20) -> str:
    from ..report.escape import line as printable

    shown = [f for f in ranked if f["runtime"]["status"] != "none"]
    out = [f"Findings ranked by the runtime evidence ({len(shown)} of {len(ranked)} "
           "with evidence):"]
    for f in shown[:limit]:
        rt = f["runtime"]
        out.append(f"  {rt['status'].upper():<9} {f['path']}:{f['line']} {f['code']} "
                   f"{f.get('message', '')}")
        out += [f"            {e}" for e in rt["evidence"]]
    if len(shown) > limit:
        out.append(f"  ... and {len(shown) - limit} more (--format json lists all)")
    return "".join(printable(line) + "\n" for line in out)
