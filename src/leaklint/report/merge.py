"""``leaklint merge``: the JSON or SARIF reports of the shards of one run
(``check --shard K/N``) combined into the report a single run would have written: the
same findings, fingerprints, order, rule metadata and summary.

Each shard scans whole directories, so every file's findings and diagnostics come from
exactly one shard. What a shard reports about the tree as a whole (a path given that does
not exist, an unreadable ``.gitignore``) comes from every shard and is kept once: an item
appears as many times as in the shard that has it most often.

Reports are refused (``MergeError``, exit 2) unless they are all of one format, one
leaklint version and one run's settings, and together hold each shard 1..N once.
"""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import unquote

from ..safe_io import ReadRefused, read_regular

MAX_REPORT_SIZE = 2 * 1024 * 1024 * 1024


class MergeError(Exception):
    """A report that cannot be merged; the message names the file and the reason."""


def _expect(cond: bool, path: str, what: str) -> None:
    if not cond:
        raise MergeError(f"{path}: not a leaklint JSON or SARIF report ({what})")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def load(path: str) -> dict:
    """The parsed report in ``path``; MergeError for an unreadable file or bad JSON."""
    try:
        data = read_regular(path, MAX_REPORT_SIZE, follow_links=True)
    except ReadRefused as exc:
        raise MergeError(f"{path}: {exc.message}") from None
    if not data.strip():
        raise MergeError(f"{path}: empty file, not a report")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MergeError(f"{path}: not UTF-8 text (byte {exc.start}), not a report") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise MergeError(f"{path}: JSON nested too deeply, not a report") from None
    except json.JSONDecodeError as exc:
        hint = " (truncated?)" if exc.pos >= len(text.rstrip()) else ""
        raise MergeError(f"{path}: not valid JSON{hint}: {exc.msg} at line {exc.lineno} "
                         f"column {exc.colno}") from None


def kind_of(path: str, doc) -> str:
    """"json" or "sarif", after checking the parts the merge reads."""
    _expect(isinstance(doc, dict), path, "the top level is not an object")
    if "runs" in doc or "$schema" in doc:
        _check_sarif(path, doc)
        return "sarif"
    _check_json(path, doc)
    return "json"


def _check_json(path: str, doc: dict) -> None:
    tool = doc.get("tool")
    _expect(isinstance(tool, dict) and tool.get("name") == "leaklint", path, "no tool.name leaklint")
    _expect(isinstance(tool.get("version"), str), path, "no tool.version")
    run = doc.get("run")
    if not (isinstance(run, dict) and isinstance(run.get("settings_digest"), str)):
        raise MergeError(f"{path}: a leaklint report without run.settings_digest (a baseline, "
                         "or written by an older leaklint): merge the reports of `check --shard`")
    for key in ("findings", "suppressed", "diagnostics"):
        items = doc.get(key)
        _expect(isinstance(items, list) and all(isinstance(i, dict) for i in items), path,
                f"{key} is not a list of objects")
    for f in doc["findings"] + doc["suppressed"]:
        _expect(isinstance(f.get("path"), str) and _is_int(f.get("line"))
                and _is_int(f.get("column")) and isinstance(f.get("code"), str)
                and isinstance(f.get("message"), str), path, "a finding without its location")
    for d in doc["diagnostics"]:
        _expect(all(isinstance(d.get(k), str) for k in ("path", "kind", "message")), path,
                "a diagnostic without path, kind and message")
    _check_verified(path, doc.get("verified"))
    summary = doc.get("summary")
    _expect(isinstance(summary, dict) and _is_int(summary.get("files_scanned"))
            and _is_int(summary.get("files_skipped")), path, "no summary of files")
    hidden = summary.get("hidden", {})
    _expect(isinstance(hidden, dict) and all(_is_int(v) for v in hidden.values()), path,
            "summary.hidden is not a table of counts")
    _check_shard(path, run.get("shard"))


def _check_sarif(path: str, doc: dict) -> None:
    _expect(doc.get("version") == "2.1.0", path, "not SARIF 2.1.0")
    runs = doc.get("runs")
    _expect(isinstance(runs, list) and len(runs) == 1 and isinstance(runs[0], dict), path,
            "a leaklint SARIF file has exactly one run")
    run = runs[0]
    driver = (run.get("tool") or {}).get("driver") if isinstance(run.get("tool"), dict) else None
    _expect(isinstance(driver, dict) and driver.get("name") == "leaklint", path,
            "the run's tool is not leaklint")
    _expect(isinstance(driver.get("version"), str), path, "no tool.driver.version")
    results = run.get("results")
    _expect(isinstance(results, list) and all(isinstance(r, dict) for r in results), path,
            "results is not a list of objects")
    for r in results:
        _expect(isinstance(r.get("ruleId"), str) and _region_of(r) is not None, path,
                "a result without ruleId or location")
    invocations = run.get("invocations")
    _expect(isinstance(invocations, list) and len(invocations) == 1
            and isinstance(invocations[0], dict), path, "not one invocation")
    notes = invocations[0].get("toolExecutionNotifications", [])
    _expect(isinstance(notes, list) and all(isinstance(n, dict) for n in notes), path,
            "toolExecutionNotifications is not a list of objects")
    props = run.get("properties")
    _expect(isinstance(props, dict) and isinstance(props.get("settingsDigest"), str), path,
            "no run properties.settingsDigest")
    _check_verified(path, props.get("verified"))
    _check_shard(path, props.get("shard"))


def _check_verified(path: str, verified) -> None:
    _expect(isinstance(verified, dict) and all(
        isinstance(v, dict) and _is_int(v.get("checked")) and _is_int(v.get("correct"))
        for v in verified.values()), path, "verified is not a table of counts")


def _check_shard(path: str, shard) -> None:
    if shard is None:
        return
    _expect(isinstance(shard, dict) and _is_int(shard.get("index")) and _is_int(shard.get("count"))
            and 1 <= shard["index"] <= shard["count"], path, "a malformed shard")


def _region_of(result: dict):
    try:
        loc = result["locations"][0]["physicalLocation"]
        region = loc["region"]
        key = (str(loc["artifactLocation"]["uri"]), int(region["startLine"]),
               int(region.get("startColumn", 1)))
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return key


# ---- what must agree ---------------------------------------------------------------

def _shard(kind: str, doc: dict):
    info = doc["run"].get("shard") if kind == "json" else doc["runs"][0]["properties"].get("shard")
    return None if info is None else (info["index"], info["count"])


def _version(kind: str, doc: dict) -> str:
    return doc["tool"]["version"] if kind == "json" else doc["runs"][0]["tool"]["driver"]["version"]


def _digest(kind: str, doc: dict) -> str:
    return doc["run"]["settings_digest"] if kind == "json" else doc["runs"][0]["properties"]["settingsDigest"]


def check_compatible(paths: list, kinds: list, docs: list) -> None:
    first = paths[0]
    for path, kind in zip(paths, kinds):
        if kind != kinds[0]:
            raise MergeError(f"cannot merge {first} ({kinds[0].upper()}) with {path} "
                             f"({kind.upper()}): give reports of one format")
    kind = kinds[0]
    for path, doc in zip(paths, docs):
        if _version(kind, doc) != _version(kind, docs[0]):
            raise MergeError(f"{first} was written by leaklint {_version(kind, docs[0])} and "
                             f"{path} by {_version(kind, doc)}: merge reports of one version")
        if kind == "json" and doc.get("schema_version") != docs[0].get("schema_version"):
            raise MergeError(f"{first} and {path} have different schema versions")
    seen: dict = {}
    count = None
    for path, doc in zip(paths, docs):
        shard = _shard(kind, doc)
        if shard is None:
            raise MergeError(f"{path}: not made with --shard K/N; `leaklint merge` combines "
                             "the reports of the shards of one run")
        if count is None:
            count = shard[1]
        elif shard[1] != count:
            raise MergeError(f"{first} is one of {count} shards but {path} is shard "
                             f"{shard[0]}/{shard[1]}")
        if shard[0] in seen:
            raise MergeError(f"shard {shard[0]}/{count} is given twice ({seen[shard[0]]} and {path})")
        seen[shard[0]] = path
    missing = [k for k in range(1, count + 1) if k not in seen]
    if missing:
        listed = ", ".join(f"{k}/{count}" for k in missing)
        raise MergeError(f"shard{'s' if len(missing) > 1 else ''} {listed} missing: "
                         "merge the reports of all the shards")
    for path, doc in zip(paths, docs):
        if _digest(kind, doc) != _digest(kind, docs[0]):
            raise MergeError(f"{first} and {path} come from runs with different settings "
                             "(rules, severities, paths, excludes, baseline or changed-since): "
                             "merge the shards of one run")
    if kind == "sarif":
        run0 = docs[0]["runs"][0]
        for path, doc in zip(paths, docs):
            run = doc["runs"][0]
            for key, what in (("tool", "rule metadata"), ("automationDetails", "category"),
                              ("columnKind", "column kind"),
                              ("originalUriBaseIds", "base URIs")):
                if run.get(key) != run0.get(key):
                    raise MergeError(f"{first} and {path} have a different {what}")


# ---- combining ---------------------------------------------------------------------

def _union(lists) -> list:
    """The items of ``lists``, each as many times as the list holding it most often, in
    the order first met."""
    def canon(item) -> str:
        return json.dumps(item, sort_keys=True)

    lists = [list(items) for items in lists]
    most: Counter = Counter()
    for items in lists:
        for key, n in Counter(canon(i) for i in items).items():
            most[key] = max(most[key], n)
    out, emitted = [], Counter()
    for items in lists:
        for item in items:
            key = canon(item)
            if emitted[key] < most[key]:
                emitted[key] += 1
                out.append(item)
    return out


def _sum_verified(tables) -> dict:
    total: dict = {}
    for table in tables:
        for code, v in table.items():
            t = total.setdefault(code, {"checked": 0, "correct": 0})
            t["checked"] += v["checked"]
            t["correct"] += v["correct"]
    return dict(sorted(total.items()))


def _by_rule(codes) -> dict:
    return dict(sorted(Counter(codes).items()))


def _merge_json(docs: list) -> dict:
    def finding_key(f):
        return (f["path"], f["line"], f["column"], f["code"], f["message"])

    findings = sorted(_union(d["findings"] for d in docs), key=finding_key)
    suppressed = sorted(_union(d["suppressed"] for d in docs), key=finding_key)
    diagnostics = sorted(_union(d["diagnostics"] for d in docs),
                         key=lambda d: (d["path"], d["kind"], d["message"]))
    hidden: dict = {}
    for d in docs:
        for reason, n in d["summary"].get("hidden", {}).items():
            hidden[reason] = hidden.get(reason, 0) + n
    out = dict(docs[0])
    out["run"] = {k: v for k, v in docs[0]["run"].items() if k != "shard"}
    out["findings"], out["suppressed"], out["diagnostics"] = findings, suppressed, diagnostics
    out["verified"] = _sum_verified(d["verified"] for d in docs)
    out["summary"] = {
        **docs[0]["summary"],
        "files_scanned": sum(d["summary"]["files_scanned"] for d in docs),
        "files_skipped": sum(d["summary"]["files_skipped"] for d in docs),
        "findings": len(findings),
        "suppressed": len(suppressed),
        "hidden": hidden,
        "by_rule": _by_rule(f["code"] for f in findings),
    }
    return out


def _path_of_uri(uri: str) -> str:
    return unquote(uri, errors="surrogateescape")


def _dig(obj, *keys) -> str:
    """``obj[k1][k2]...`` as text, or "" where the path is missing."""
    for key in keys:
        try:
            obj = obj[key]
        except (KeyError, IndexError, TypeError):
            return ""
    return str(obj)


def _result_key(r: dict) -> tuple:
    uri, line, col = _region_of(r)
    text = _dig(r, "message", "text")
    # the message went out with one final "."; compare without it, as the run did
    return (_path_of_uri(uri), line, col, r["ruleId"], text[:-1] if text.endswith(".") else text)


def _notification_key(n: dict) -> tuple:
    uri = _dig(n, "locations", 0, "physicalLocation", "artifactLocation", "uri")
    return (_path_of_uri(uri), _dig(n, "properties", "kind"), _dig(n, "message", "text"))


def _merge_sarif(docs: list) -> dict:
    runs = [d["runs"][0] for d in docs]
    results = _union(r["results"] for r in runs)
    reported = sorted((r for r in results if not r.get("suppressions")), key=_result_key)
    suppressed = sorted((r for r in results if r.get("suppressions")), key=_result_key)
    invocations = [r["invocations"][0] for r in runs]
    notes = sorted(_union(i.get("toolExecutionNotifications", []) for i in invocations),
                   key=_notification_key)
    invocation = dict(invocations[0])
    invocation["executionSuccessful"] = all(i.get("executionSuccessful") is not False
                                            for i in invocations)
    invocation.pop("toolExecutionNotifications", None)
    if notes:
        invocation["toolExecutionNotifications"] = notes
    props = {k: v for k, v in runs[0]["properties"].items() if k != "shard"}
    props["findingsPerRule"] = _by_rule(r["ruleId"] for r in reported)
    props["verified"] = _sum_verified(r["properties"]["verified"] for r in runs)
    run = dict(runs[0])
    run["invocations"] = [invocation]
    run["results"] = reported + suppressed
    run["properties"] = props
    out = dict(docs[0])
    out["runs"] = [run]
    return out


def merge_files(paths: list) -> tuple[str, dict]:
    """Load, check and merge the reports in ``paths``: (format, merged report)."""
    if not paths:
        raise MergeError("no reports given")
    docs = [load(p) for p in paths]
    kinds = [kind_of(p, d) for p, d in zip(paths, docs)]
    check_compatible(paths, kinds, docs)
    kind = kinds[0]
    return kind, (_merge_json(docs) if kind == "json" else _merge_sarif(docs))


def findings_count(kind: str, doc: dict) -> int:
    if kind == "json":
        return len(doc["findings"])
    return sum(1 for r in doc["runs"][0]["results"] if not r.get("suppressions"))


def render(doc: dict) -> str:
    return json.dumps(doc, indent=2) + "\n"

