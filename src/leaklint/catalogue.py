"""The rule catalogue: one TOML file per rule under ``rules/``, the single source of
everything said about a rule (CLI listing, ``explain``, README table, SARIF metadata).

A rule is either a *lifecycle* rule, described wholly by data (``[lifecycle]``: what
acquires, what releases, which result is the handle), or a *check* implemented in code:
a built-in rule without ``[lifecycle]``, whose module ``leaklint.checks`` finds by the
rule's code. Users declare their own lifecycle rules in config in the same format.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import string
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from . import own_files
from .model import SEVERITIES

FAMILIES = ("resource", "timer", "context", "listener", "cache", "concurrency", "loop",
            "suppression")
# rules about leaklint's own suppression comments: they run once the others' findings are known
META_FAMILY = "suppression"
LANGUAGES = ("go", "typescript", "javascript", "python")
PRECISIONS = ("very-high", "high", "medium", "low")
CODE_RE = re.compile(r"^[A-Z]{1,8}[0-9]{1,5}\Z")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")

# what the lifecycle engine fills in a lifecycle rule's message (a check rule's module
# declares its own: MESSAGE_FIELDS)
LIFECYCLE_FIELDS = ("handle", "call", "where", "verb")

_REQUIRED = ("code", "name", "family", "languages", "severity", "summary", "message")
_DOC_FIELDS = ("rationale", "fix", "bad", "good")
_KNOWN = set(_REQUIRED) | set(_DOC_FIELDS) | {"precision", "lifecycle", "options", "test_severity"}
LIFECYCLE_KEYS = {
    "acquire", "release", "handle", "error", "prefilter", "verb", "views",
    "handoff_calls", "borrow_calls", "exits", "release_functions", "constructor",
    "evidence", "evidence_args", "evidence_types", "single_result", "results", "receive_releases",
    "exhausted_by", "ended_by", "fix_release", "wrappers", "receiver_takes", "open_from",
    "start_from", "flush", "idle", "pairs", "first_of", "second_of", "kept_whole", "read_whole",
    "iterated", "callables", "owners", "owner_makers", "owned_exits", "borrowed_by", "methods_of",
    "released_by", "only_with", "awaited", "synchronous",
    "evidence_arity", "rejections_only", "chained_use",
    "released_with",
}


class CatalogueError(ValueError):
    """A rule definition is malformed; the message names the rule and the key."""


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    family: str
    languages: tuple[str, ...]
    severity: str
    summary: str
    message: str
    precision: str = "high"
    rationale: str = ""
    fix: str = ""
    bad: str = ""
    good: str = ""
    lifecycle: dict | None = None  # None: a check rule, implemented by its module in checks/
    options: dict = field(default_factory=dict)
    # severity used in test files (e.g. Go _test.go) where they are short-lived; None: same
    test_severity: str | None = None
    builtin: bool = True
    origin: str = ""  # where the rule is defined: its TOML file, or the config and its key

    @property
    def is_check(self) -> bool:
        return self.lifecycle is None

    @functools.cached_property
    def prefilter(self) -> tuple[bytes, ...]:
        """Byte strings of which a file must contain at least one for this rule to match
        (encoded once per rule)."""
        words = (self.lifecycle or {}).get("prefilter") or self.options.get("prefilter") or ()
        return tuple(w.encode() for w in words)

    def applies_to(self, language_family: str) -> bool:
        if language_family in self.languages:
            return True
        # rules for JavaScript also read TypeScript, which is a superset
        return language_family == "typescript" and "javascript" in self.languages


# per file content (by digest: the files' bytes are not kept), the words looked for so far
# (word -> found): the facts phase and the analysis ask about the same file, and forked
# workers inherit what was found; the most recent files' up to this many bytes
_PRESENT_MAX_BYTES = 32 * 1024 * 1024
_present: OrderedDict = OrderedDict()
_present_bytes = 0


# who asks a file's root-level questions (languages.FileQueries): the facts phase, the
# lifecycle engine, and each rule by its code
FACTS_ASKER = ""
LIFECYCLE_ASKER = "lifecycle"


def query_askers(rules, family: str) -> list:
    """The askers whose recurring questions one combined query answers for a file of
    ``family``: every rule enabled for the language, not only those active on the file
    (one stable combination, compiled once), and the lifecycle engine."""
    return [LIFECYCLE_ASKER] + [r.code for r in rules if r.applies_to(family)]


def active_on(rules, data: bytes) -> list:
    """The rules among ``rules`` that can match a file with these bytes (the prefilter):
    a rule without words always can; each word is looked for at most once per file
    content, however many rules share it and however often the file is asked about."""
    present = _present_words(data)
    out = []
    for rule in rules:
        words = rule.prefilter
        for word in words:
            hit = present.get(word)
            if hit is None:
                hit = present[word] = word in data
            if hit:
                break
        else:
            if words:
                continue
        out.append(rule)
    return out


def _present_words(data: bytes) -> dict:
    global _present_bytes
    key = hashlib.blake2b(data, digest_size=16).digest()
    entry = _present.get(key)
    if entry is not None:
        _present.move_to_end(key)
        return entry[1]
    found: dict = {}
    _present[key] = (len(data), found)
    _present_bytes += len(data)
    _trim_present()
    return found


def words_found() -> dict:
    """What the prefilter found so far, per file content: {digest: (size, {word: found})},
    for a forked worker to hand to the process that made it (``learn_words``)."""
    return dict(_present)


def learn_words(found: dict) -> None:
    """Take what another process's prefilter found (``words_found``)."""
    global _present_bytes
    for key, (size, words) in found.items():
        entry = _present.get(key)
        if entry is not None:
            entry[1].update(words)
        else:
            _present[key] = (size, dict(words))
            _present_bytes += size
    _trim_present()


def _trim_present() -> None:
    global _present_bytes
    while _present_bytes > _PRESENT_MAX_BYTES and len(_present) > 1:
        _, (size, _) = _present.popitem(last=False)
        _present_bytes -= size


def parse_rule(data: dict, origin: str, builtin: bool = True) -> Rule:
    """Validate one rule table and build a Rule; raise CatalogueError naming what is wrong."""
    where = f"{origin}: rule {data.get('code', '?')}"
    unknown = set(data) - _KNOWN
    if unknown:
        raise CatalogueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in _REQUIRED:
        if key not in data:
            raise CatalogueError(f"{where}: missing key '{key}'")
    for key in _REQUIRED + _DOC_FIELDS + ("precision", "test_severity"):
        if key in data and key != "languages" and not isinstance(data[key], str):
            raise CatalogueError(f"{where}: '{key}' must be a string")
    if not CODE_RE.match(data["code"]):
        raise CatalogueError(f"{where}: code must look like LL101")
    if not NAME_RE.match(data["name"]):
        raise CatalogueError(f"{where}: name '{data['name']}' must be kebab-case")
    if data["family"] not in FAMILIES:
        raise CatalogueError(f"{where}: family must be one of {', '.join(FAMILIES)}")
    langs = data["languages"]
    if not isinstance(langs, list) or not langs or any(l not in LANGUAGES for l in langs):
        raise CatalogueError(f"{where}: languages must be a list drawn from {', '.join(LANGUAGES)}")
    for key in ("severity", "test_severity"):
        if key in data and data[key] not in SEVERITIES:
            raise CatalogueError(f"{where}: {key} must be one of {', '.join(SEVERITIES)}")
    if data.get("precision", "high") not in PRECISIONS:
        raise CatalogueError(f"{where}: precision must be one of {', '.join(PRECISIONS)}")
    lifecycle = data.get("lifecycle")
    if lifecycle is None and not builtin:
        raise CatalogueError(f"{where}: a rule needs a [lifecycle] table")
    if lifecycle is not None:
        _validate_lifecycle(lifecycle, where)
        if lifecycle.get("rejections_only") and not set(data["languages"]) & {"typescript",
                                                                                "javascript"}:
            # only TS/JS code tells a rejected promise from another raise
            raise CatalogueError(f"{where}: lifecycle.rejections_only is for TS/JS rules")
        problem = placeholder_problem(data["message"], LIFECYCLE_FIELDS)
        if problem and builtin:  # config says it of a user rule, with the rule's key
            raise CatalogueError(f"{where}: message: {problem}")
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise CatalogueError(f"{where}: options must be a table")
    return Rule(
        code=data["code"], name=data["name"], family=data["family"],
        languages=tuple(langs), severity=data["severity"], summary=data["summary"],
        message=data["message"], precision=data.get("precision", "high"),
        rationale=data.get("rationale", ""), fix=data.get("fix", ""),
        bad=data.get("bad", ""), good=data.get("good", ""),
        lifecycle=lifecycle, options=options,
        test_severity=data.get("test_severity"), builtin=builtin, origin=origin,
    )


def placeholder_problem(message: str, fields) -> str | None:
    """Why ``message`` cannot be filled with just ``fields`` (named ``{field}`` placeholders),
    or None: a placeholder the rule never fills, a positional or malformed one."""
    known = ", ".join("{%s}" % f for f in sorted(fields))
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(message) if name is not None]
    except ValueError as exc:
        return f"bad placeholder: {exc} (use {known})"
    for name in names:
        if name not in fields:
            return f"bad placeholder {name!r} (use {known})"
    try:
        message.format(**{f: "x" for f in fields})
    except (ValueError, KeyError, IndexError, AttributeError) as exc:
        return f"bad placeholder: {exc} (use {known})"
    return None


def _validate_lifecycle(spec: dict, where: str) -> None:
    if not isinstance(spec, dict):
        raise CatalogueError(f"{where}: [lifecycle] must be a table")
    unknown = set(spec) - LIFECYCLE_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown lifecycle key(s) {', '.join(sorted(unknown))}")
    for key in ("acquire", "release"):
        val = spec.get(key)
        if not isinstance(val, list) or not val or not all(isinstance(v, str) and v for v in val):
            raise CatalogueError(f"{where}: lifecycle.{key} must be a non-empty list of strings")
    for key in ("prefilter", "views", "handoff_calls", "borrow_calls", "exits", "release_functions",
                "evidence", "evidence_args", "evidence_types", "single_result", "receive_releases",
                "exhausted_by", "ended_by", "owners", "owner_makers", "owned_exits",
                "wrappers", "receiver_takes", "open_from", "start_from", "flush", "idle",
                "pairs", "first_of", "second_of", "kept_whole", "read_whole", "synchronous",
                "iterated", "callables", "chained_use"):
        val = spec.get(key, [])
        if not isinstance(val, list) or not all(isinstance(v, str) for v in val):
            raise CatalogueError(f"{where}: lifecycle.{key} must be a list of strings")
    for key in ("handle", "error", "results"):
        if key in spec and (not isinstance(spec[key], int) or isinstance(spec[key], bool)
                            or not 0 <= spec[key] < 16):
            raise CatalogueError(f"{where}: lifecycle.{key} must be a small whole number")
    for key in ("awaited", "rejections_only"):
        if key in spec and not isinstance(spec[key], bool):
            raise CatalogueError(f"{where}: lifecycle.{key} must be true or false")
    if "verb" in spec and not isinstance(spec["verb"], str):
        raise CatalogueError(f"{where}: lifecycle.verb must be a string")
    arity = spec.get("evidence_arity", {})
    if not isinstance(arity, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in arity.values()):
        raise CatalogueError(f"{where}: lifecycle.evidence_arity must be a table of method "
                             "name -> number of arguments")
    for key, what in (("borrowed_by", "acquire pattern -> list of call patterns"),
                      ("released_with", "acquire pattern -> list of method names"),
                      ("methods_of", "class -> list of method names"),
                      ("released_by", "class -> list of method names"),
                      ("only_with", "acquisition or class -> list of keyword arguments")):
        table = spec.get(key, {})
        if not isinstance(table, dict) or not all(isinstance(v, list) and all(
                isinstance(c, str) and c for c in v) for v in table.values()):
            raise CatalogueError(f"{where}: lifecycle.{key} must be a table of {what}")
    fix = spec.get("fix_release", "")
    if not (isinstance(fix, str) or isinstance(fix, dict)
            and all(isinstance(v, str) for v in fix.values())):
        raise CatalogueError(f"{where}: lifecycle.fix_release must be a string or a table of "
                             "acquire pattern -> string")


def rules_dir() -> Path:
    """The packaged catalogue, or the repository's ``rules/`` when run from source."""
    packaged = Path(__file__).with_name("rules")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


def own_roots() -> tuple:
    """Where leaklint's own files are: its package's sources, and its catalogue."""
    return os.path.dirname(os.path.abspath(__file__)), str(rules_dir())


@functools.lru_cache(maxsize=1)
def builtin_rules() -> tuple[Rule, ...]:
    kept = own_files.memo(*own_roots())
    rules = _from_tables(kept.get("catalogue"))
    if rules is None:  # the memo spares most runs the parse
        tables = []
        for path in sorted(rules_dir().rglob("*.toml")):
            with open(path, "rb") as fh:
                tables.append([tomllib.load(fh), f"{path.parent.name}/{path.name}"])
        rules = [parse_rule(table, where) for table, where in tables]
        kept.put("catalogue", tables)
    codes = [r.code for r in rules]
    dupes = {c for c in codes if codes.count(c) > 1}
    if dupes:
        raise CatalogueError(f"duplicate rule codes: {', '.join(sorted(dupes))}")
    return tuple(sorted(rules, key=lambda r: r.code))


def _from_tables(tables) -> list | None:
    """The rules of the catalogue's tables as the memo kept them; None when it kept none
    or something a TOML file could not hold (then the files are read again)."""
    if not isinstance(tables, list):
        return None
    try:
        return [parse_rule(table, where) for table, where in tables]
    except Exception:  # a malformed memo is a miss, whatever is wrong with it
        return None


@functools.lru_cache(maxsize=None)
def release_methods(language: str, key: str = "release") -> tuple:
    """The release methods the built-in lifecycle data names for ``language``
    (``close``, ``shutdown``, ``__exit__``...): a class's method of one of these names is
    how its users end an object of it, its teardown. With ``key="release_functions"``:
    the functions that release a value passed to them (``os.close``)."""
    return tuple(sorted({name for rule in builtin_rules() if rule.lifecycle is not None
                         and rule.applies_to(language)
                         for name in rule.lifecycle.get(key, ())}))


def find_rule(key: str, rules=None) -> Rule | None:
    key = key.strip()
    for rule in rules or builtin_rules():
        if key.upper() == rule.code or key.lower() == rule.name:
            return rule
    return None


def acquisitions_of(rule: Rule, default: str) -> list:
    """The acquisition patterns of the lifecycle rule a check rule builds on (its option
    ``acquisitions_of``, else ``default``); [] when that rule has no lifecycle."""
    source = find_rule(rule.options.get("acquisitions_of", default))
    return list(source.lifecycle["acquire"]) if source is not None and source.lifecycle is not None else []


def select(rules, selectors) -> set[str]:
    """Codes of the rules named by selectors: codes, code prefixes (LL1), names, families,
    ALL, or DEFAULT (every rule but those of low measured precision, which are opt-in)."""
    chosen = set()
    for sel in selectors:
        s = sel.strip()
        hit = False
        for r in rules:
            u = s.upper()
            prefix = any(c.isdigit() for c in u) and r.code.startswith(u)
            whole = u == "ALL" or (u == "DEFAULT" and r.precision != "low")
            if whole or r.code == u or r.name == s.lower() or r.family == s.lower() or prefix:
                chosen.add(r.code)
                hit = True
        if not hit:
            raise CatalogueError(f"unknown rule selector '{sel}' (use a code, name, family or code prefix)")
    return chosen
