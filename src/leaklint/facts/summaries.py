"""Function summaries across files: "does the function this call runs release (or hand
on) its parameter i, for rule R?" answered for calls into other files of the scanned
tree, in the facts phase, so that a file's analysis reads the answers it needs.

Per file, two kinds of facts, both plain data cached by content:

- the file's *shape* (``shape``): its functions that other files can call, and its
  calls that lead out of the file ("call references", ``languages/*_syntax.call_ref``)
  with the positions of their plain-name arguments; Go adds its package and build
  constraint, TS/JS its exports;
- a function's *local summary* for a parameter and a rule (``local``): what the
  language's lifecycle engine finds in its body when every call it makes answers "not
  seen to release" (``languages.summaries.Recorder``): released or handed on here
  (``v``), or not, with the calls whose own summaries decide it (``deps``).

The project solver (``Project``) composes local summaries to a least fixed point over
all files (``languages.summaries.Summaries``: deterministic, whatever the order of
questions): a function releases its parameter if its body does, or if one of the calls
it passes it to runs a function that does. A call that leads to no function of the
scanned tree, or to a file that cannot be read or analysed in time, is unknown, which
counts as a handoff (precision first).

What a file reads (``answers``): for each of its call references that resolve, and
each plain-name argument position and lifecycle rule active on it, the answer; the
result cache keys the file on a digest of these, so an edit to a callee's file that
changes an answer re-analyses the caller, and one that does not leaves it cached.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict

from .. import languages
from ..catalogue import FACTS_ASKER, active_on
from ..deadline import Deadline, FileTimeout
from ..languages.summaries import RESULT, Recorder, Summaries
from ..source import SourceFile, decode, is_binary, lone_cr_to_lf, looks_minified
from . import shapes
from .modules import Resolver
from .trees import tree_for

SUMMARY_LANGUAGES = ("go", "python", "typescript", "javascript")
# parsed files kept while the phase runs (the oldest dropped beyond either bound): a
# callee's summary is asked after its shape, and parsing it twice costs more
MAX_PARSED = 2048
MAX_PARSED_BYTES = 8 * 1024 * 1024
# bytes of files read from disk kept at once while the phase runs (read again when asked
# after they were let go): the phase asks for most files' bytes at a few moments far
# apart, and keeping every file's cost a large run its size again
MAX_HELD_SOURCE = 4 * 1024 * 1024
# a Go function or method declaration's name (comments between the tokens are not seen;
# no word boundary before "func": a few extra names, and a fast search for the literal)
_GO_DECLARED = re.compile(r"func\s*(?:\([^()]*\)\s*)?(\w+)\s*[\[(]")
# larger files are not parsed here (the analysis runs them in a process it can kill, as
# queries over a very deep tree can hold up C code): their functions stay unknown
MAX_BYTES = 64 * 1024


class FactsContext:
    """What a language adapter reads of a file's context while facts are extracted."""

    def __init__(self, tree, src, settings, family):
        self.tree, self.src, self.settings, self.family = tree, src, settings, family
        self.reads: dict = {}
        self.cache: dict = {}


def _adapter(ctx):
    # imported when a file of the language is first summarised (a warm run never does)
    if ctx.family == "go":
        from ..languages.go import GoAdapter
        return GoAdapter(ctx)
    if ctx.family == "python":
        from ..languages.python import PythonAdapter
        return PythonAdapter(ctx)
    from ..languages.javascript import JsAdapter
    return JsAdapter(ctx)


def rule_digest(*rules) -> str:
    """What a fact depends on besides the file: the rules' lifecycle tables."""
    spec = json.dumps([[r.code, r.lifecycle] for r in rules], sort_keys=True, default=str)
    return hashlib.sha256(spec.encode()).hexdigest()[:16]


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


class _Unit:
    """One file while the phase runs: its bytes (read again when asked after ``Project``
    let them go; bytes that differ from the first read leave the file unreadable, so all
    of a file's facts come from one content) and, once needed, its parse."""

    __slots__ = ("path", "lang", "_data", "key", "size", "ctx", "adapter", "broken", "queries",
                 "_again")

    def __init__(self, path, lang, data, again=None):
        self.path, self.lang, self._data = path, lang, data
        self.key = content_key(data) if data is not None else None
        self.size = len(data) if data is not None else 0
        self.ctx = self.adapter = self.queries = None
        self.broken = data is None
        self._again = again if data is not None else None  # unit -> its bytes, read again

    @property
    def data(self):
        if self._data is None and self._again is not None:
            self._data = self._again(self)
        return self._data

    def let_go(self) -> None:  # only bytes that can be read again
        if self._again is not None:
            self._data = None


class Project:
    """The summaries of the functions of the scanned tree, as the files' analyses ask.

    ``read(path)``: bytes or None; ``list_siblings(directory)``: discovery's files;
    ``store``: a facts cache or None; ``settings``: the run's settings (adapters read
    the enabled rules); ``timeout``: seconds per file for extracting its facts."""

    def __init__(self, read, list_siblings, settings, store=None, timeout=None, overrides=None,
                 trees=None, light=False):
        self._read = read
        self.light = light  # a large run: light shapes for files with no acquisition
        self.trees = trees  # facts.trees.Trees: the parses the analysis will take over
        self.settings = settings
        self.store = store
        self.timeout = timeout
        self.overrides = overrides or {}
        self.units: dict = {}
        self._with_bytes: OrderedDict = OrderedDict()  # units read from disk holding their bytes
        self._held_source = 0
        self._parsed: OrderedDict = OrderedDict()
        self._parsed_bytes = 0
        # no more parsed files than the run's window of them (see _shape_early)
        self._parsed_budget = min(MAX_PARSED_BYTES, getattr(trees, "window", MAX_PARSED_BYTES))
        self._shapes: dict = {}
        self._early: dict = {}  # named file -> its shape, taken when it was parsed (_shape_early)
        self._declared: dict = {}  # Go file -> names it may declare (None: any), may_define
        self._digests: dict = {}  # family -> digest of its lifecycle rules (shape keys)
        self._rules: dict = {}
        self.resolver = Resolver(lambda path: self.shape_of(path, full=not self.light),
                                 list_siblings, self.may_define)
        self.solver = Summaries(self._compute)
        self.extracted = 0  # facts computed (not served from the cache)

    def close(self) -> None:
        """Let go of what the phase held (parses, facts, answers) now, not when the cycle
        collector next finds the solver's and resolver's references back to the project."""
        self.units.clear()
        self._with_bytes.clear()
        for u in self._parsed.values():
            self._let_parse_go(u)
        self._parsed.clear()
        self._shapes.clear()
        self._early.clear()
        self._declared.clear()
        self.resolver = self.solver = None

    # -- files -----------------------------------------------------------------------

    def unit(self, path: str) -> _Unit | None:
        u = self.units.get(path)
        if u is None:
            lang = languages.language_of(path)
            if lang is None:
                return None
            if path in self.overrides:
                u = self.units[path] = _Unit(path, lang, self.overrides[path])
            else:
                u = self.units[path] = _Unit(path, lang, self._read(path), self._read_again)
                self._hold(u)
        return u

    def _hold(self, u: _Unit) -> None:
        """Count ``u``'s bytes in the window of those kept, letting the oldest go."""
        if u._again is None:
            return
        self._with_bytes[u.path] = u
        self._held_source += u.size
        while self._held_source > MAX_HELD_SOURCE and len(self._with_bytes) > 1:
            _, old = self._with_bytes.popitem(last=False)
            self._held_source -= old.size
            old.let_go()

    def _read_again(self, u: _Unit):
        data = self._read(u.path)
        if data is None or content_key(data) != u.key:
            u.broken, u._again = True, None  # changed since it was first read: unknown
            return None
        u._data = data
        self._hold(u)
        return data

    def _parse(self, u: _Unit, deadline: Deadline) -> bool:
        if u.broken:
            return False
        if u.ctx is not None:
            self._parsed.move_to_end(u.path)
            return True
        try:
            text = lone_cr_to_lf(decode(u.data)[0]) if not is_binary(u.data) else None
        except UnicodeDecodeError:
            text = None
        # what the analysis would not parse, the facts phase does not either
        if text is None or len(text) >= MAX_BYTES or looks_minified(text) \
                or languages.parse_hazard(u.lang, text):
            u.broken = True
            return False
        family = languages.FAMILY.get(u.lang, u.lang)
        tree, u.queries = tree_for(self.trees, self.settings, u.path, u.lang, text,
                                   lambda t: deadline.parse(languages.parser(u.lang), t))
        u.ctx = FactsContext(tree, SourceFile(u.path, text, u.lang), self.settings, family)
        self._parsed[u.path] = u
        self._parsed_bytes += u.size
        while len(self._parsed) > 1 and (len(self._parsed) > MAX_PARSED
                                         or self._parsed_bytes > self._parsed_budget):
            _, old = self._parsed.popitem(last=False)
            self._parsed_bytes -= old.size
            self._let_parse_go(old)
        self._shape_early(u)
        return True

    def _let_parse_go(self, u: _Unit) -> None:
        """Done with ``u``'s tree: one held for its analysis keeps the answers rules ask."""
        if u.queries is not None:
            u.queries.settle(FACTS_ASKER)
        u.ctx = u.adapter = u.queries = None

    def _shape_early(self, u: _Unit) -> None:
        """Take the shape of a named file a lifecycle rule is active on (the summaries ask
        for those, later, when a bounded list of parsed files no longer holds its tree) as
        soon as it is parsed, for its package's facts say. Kept aside until ``shape_of``
        asks; not while another file's questions are answered (one state per process)."""
        if (self.trees is None or self.settings is None or u.path not in self.trees.wanted
                or u.path in self._shapes or u.path in self._early or languages.answering_file()):
            return
        family = languages.FAMILY.get(u.lang, u.lang)
        if not active_on(shapes.lifecycle_rules(self.settings, family), u.ctx.src.data):
            return  # shaped later only if it calls a factory: most such files never are
        if self.store is not None and shapes.valid(self.store.get(self._shape_key(u))):
            return  # shape_of will find it there without a parse
        facts = self._extract(u, lambda unit: shapes.shape(unit.lang, unit.ctx, not self.light))
        if facts is not None:
            self._early[u.path] = facts
            self.extracted -= 1  # counted when shape_of takes it (it may never be asked)

    def parsed(self, path: str):
        """(tree, SourceFile) of a file this phase parses (parsing it now if need be,
        within the time limit), or None when it does not parse it (too large,
        unreadable...). Raises FileTimeout when the parse runs out of time."""
        u = self.unit(path)
        if u is None or not self._parse(u, Deadline(self.timeout)):
            return None
        return u.ctx.tree, u.ctx.src

    def queries(self, path: str):
        """The root-level query state of the tree ``parsed`` gives for ``path`` (answers
        shared by every extraction from it and by its analysis), or None."""
        u = self.units.get(path)
        return u.queries if u is not None and u.ctx is not None else None

    def _extract(self, u: _Unit, what):
        """``what(unit)`` within the time limit; None when the file cannot be had."""
        deadline = Deadline(self.timeout)
        try:
            if not self._parse(u, deadline):
                return None
            self.extracted += 1
            # the file's root-level questions run as queries (in C), as in its analysis
            with languages.answering(u.lang, u.ctx.tree.root_node, resume=u.queries):
                with deadline.interrupting():
                    return what(u)
        except FileTimeout:
            return None
        except Exception:  # a file the extractor cannot handle is unknown, never fatal
            return None

    def may_define(self, path: str, name: str) -> bool:
        """Can ``path`` (a Go file) declare a function or method called ``name``? Its
        shape says so when it is known (or cached), else its text: a file where no
        ``func`` (and receiver) is followed by that name does not."""
        if path not in self._declared:
            self._declared[path] = self._declarable(path)
        names = self._declared[path]
        return names is None or name in names

    def _declarable(self, path: str) -> set | None:
        if path not in self._shapes:
            self._stored_shape(path)
        if path in self._shapes:
            return {k.rsplit(".", 1)[-1] for k in (self._shapes[path] or {}).get("functions", {})}
        u = self.unit(path)
        if u is None or u.data is None:
            return set()
        try:
            text = decode(u.data)[0].decode("utf-8")
        except UnicodeDecodeError:
            return None  # its shape will say what is wrong with it
        return set(_GO_DECLARED.findall(text))

    def is_shaped(self, path: str) -> bool:
        """Has the file's whole shape been taken (not only its light one)?"""
        facts = self._shapes.get(path)
        return facts is not None and not facts.get("light")

    def _shape_key(self, u: _Unit) -> str:
        family = languages.FAMILY.get(u.lang, u.lang)
        if family not in self._digests:
            self._digests[family] = rule_digest(*shapes.lifecycle_rules(self.settings, family))
        return f"shape:{self._digests[family]}:{u.key}"

    def _stored_shape(self, path: str) -> None:
        """Take the file's shape from the facts cache, if it is there (no parse)."""
        u = self.unit(path) if self.store is not None else None
        if u is not None and not u.broken:
            facts = self.store.get(self._shape_key(u))
            if shapes.valid(facts):
                self._shapes[path] = facts

    def shape_of(self, path: str, full: bool = True) -> dict | None:
        """The file's shape; with ``full`` False a light one will do (``shapes.shape``)."""
        if path in self._shapes and _serves(self._shapes[path], full):
            return self._shapes[path]
        u = self.unit(path)
        facts = None
        if u is not None and not u.broken:
            key = self._shape_key(u)
            facts = self.store.get(key) if self.store is not None else None
            if not (shapes.valid(facts) and _serves(facts, full)):
                facts = self._early.get(u.path)
                if facts is not None and _serves(facts, full):
                    self.extracted += 1  # taken when the file was parsed
                else:
                    self._early[u.path] = None  # being taken here: not again as it is parsed
                    facts = self._extract(u, lambda unit: shapes.shape(unit.lang, unit.ctx, full))
                self._early.pop(u.path, None)
                if facts is not None and self.store is not None:
                    self.store.put(key, facts)
        self._shapes[path] = facts
        return facts

    # -- summaries -------------------------------------------------------------------

    def answering(self, path: str, rules) -> list:
        """The lifecycle ``rules`` active on ``path`` that it acquires for itself: the ones
        asked about its calls now (others once its factories are known)."""
        rules = [r for r in rules if r.lifecycle is not None]
        held = (self.shape_of(path, full=not self.light) or {}).get("acquiring") if rules else None
        return [r for r in rules if r.code in held] if isinstance(held, list) else rules

    def answers(self, path: str, rules) -> dict:
        """What ``path``'s analysis reads: {ref: {"i:code": bool}} for its calls into
        other files that resolve, for the lifecycle ``rules`` active on it."""
        rules = [r for r in rules if r.lifecycle is not None]
        own = self.shape_of(path) if rules else None
        if not own:
            return {}
        lang = languages.FAMILY.get(languages.language_of(path) or "", "")
        out = {}
        for r in rules:
            self._rules[r.code] = r
        for ref, positions in own.get("calls", {}).items():
            if not positions:
                continue  # no name passed: no handle to ask about
            targets = self.resolver.resolve(path, lang, ref)
            if not targets:
                continue
            entry = {}
            for i in positions:
                for r in rules:
                    entry[f"{i}:{r.code}"] = any([self.solver.get((p, q, i, _is_method(p, q), r.code))
                                                  for p, q in targets])
            out[ref] = entry
        return out

    def _local(self, path: str, name: str, index: int, method: bool, code: str):
        """The local summary of one function, parameter and rule (cached by content)."""
        u = self.unit(path)
        if u is None or u.broken:
            return None
        rule = self._rules[code]
        key = f"summary:{u.key}:{rule_digest(rule)}:{name}:{index}:{int(method)}"
        hit = self.store.get(key) if self.store is not None else None
        if _valid_local(hit):
            return hit

        def extract(unit):
            if unit.adapter is None:
                unit.adapter = _adapter(unit.ctx)
            recorder = Recorder()
            unit.adapter.summaries = recorder
            value = unit.adapter.param_summary(name, index, rule, method)
            deps = []
            for kind, what in recorder.asked:
                if kind == "local":
                    deps.append(["local", what[0], what[1], bool(what[2]) if len(what) == 4 else False])
                else:
                    deps.append(["external", what[0], what[1]])
            return {"v": bool(value), "deps": deps}

        facts = self._extract(u, extract)
        if facts is not None and self.store is not None:
            self.store.put(key, facts)
        return facts

    def factory_names(self) -> set:
        """``shapes.factory_names`` of the files shaped so far (which others to shape)."""
        return shapes.factory_names(self._shapes.values())

    def factories(self, path: str, rules, names=None) -> dict:
        """What ``path``'s analysis reads about the functions it calls that return a
        fresh resource: {"local:<key>" or reference: [rule codes]}. ``names``: when given,
        only calls of functions of these names (``factory_names``) can be factories."""
        own = self.shape_of(path)
        rules = [r for r in rules if r.lifecycle is not None]
        if not own or not rules:
            return {}
        for r in rules:
            self._rules[r.code] = r
        lang = languages.FAMILY.get(languages.language_of(path) or "", "")
        made = own.get("factories", {})
        wanted = [("local:" + k, [(path, k)]) for k in own.get("local_calls", []) if k in made]
        wanted += [(ref, self.resolver.resolve(path, lang, ref)) for ref in own.get("calls", {})
                   if names is None or shapes.short_name(ref).encode() in names]
        out = {}
        for name, targets in wanted:
            made = {}
            for r in rules:
                for p, q in targets:
                    if self.solver.get((p, q, RESULT, False, r.code)):
                        made[r.code] = self._returned(p, q, r.code, set())
                        break
            if made:
                out[name] = made
        return out

    def _returned(self, path: str, name: str, code: str, seen: set) -> str:
        """The acquisition a factory returns in the end (its own, or its first factory
        call's, in a stable order)."""
        made = (self.shape_of(path) or {}).get("factories", {}).get(name) or {}
        if code in made.get("direct", {}):
            return made["direct"][code]
        seen.add((path, name))
        hi = self._rules[code].lifecycle.get("handle", 0)
        lang = languages.FAMILY.get(languages.language_of(path) or "", "")
        for kind, target, index in made.get("deps", []):
            if index != hi:
                continue
            targets = [(path, target)] if kind == "local" else self.resolver.resolve(path, lang, target)
            for p, q in targets:
                if (p, q) not in seen and self.solver.get((p, q, RESULT, False, code)):
                    return self._returned(p, q, code, seen)
        return ""

    def _factory(self, path: str, name: str, code: str) -> bool:
        made = (self.shape_of(path) or {}).get("factories", {}).get(name)
        if not made:
            return False  # no fresh resource leaves it (or its file is unknown: no finding)
        if code in made["direct"]:
            return True
        hi = self._rules[code].lifecycle.get("handle", 0)
        lang = languages.FAMILY.get(languages.language_of(path) or "", "")
        for kind, target, index in made["deps"]:
            if index != hi:
                continue
            targets = [(path, target)] if kind == "local" else self.resolver.resolve(path, lang, target)
            if any([self.solver.get((p, q, RESULT, False, code)) for p, q in targets]):
                return True
        return False

    def _compute(self, key) -> bool:
        path, name, index, method, code = key
        if index == RESULT:
            return self._factory(path, name, code)
        local = self._local(path, name, index, method, code)
        if local is None:
            return True  # unknown: a handoff
        if local["v"]:
            return True
        lang = languages.FAMILY.get(languages.language_of(path) or "", "")
        for dep in local["deps"]:
            if dep[0] == "local":
                if self.solver.get((path, dep[1], dep[2], dep[3], code)):
                    return True
                continue
            targets = self.resolver.resolve(path, lang, dep[1])
            if not targets:
                return True  # leads nowhere leaklint can see: a handoff
            if any([self.solver.get((p, q, dep[2], _is_method(p, q), code)) for p, q in targets]):
                return True
        return False


def _is_method(path: str, name: str) -> bool:
    """Is the function ``name`` of ``path`` a Python method ("C.m", called on an instance:
    its first parameter is the instance)? Go's "T.M" keys name the receiver apart."""
    return "." in name and languages.FAMILY.get(languages.language_of(path) or "", "") == "python"


def _serves(facts, full: bool) -> bool:
    """Will this shape do (None: the file cannot be had), whole if ``full``?"""
    return not (full and (facts or {}).get("light"))


def _valid_local(facts) -> bool:
    if not isinstance(facts, dict) or not isinstance(facts.get("v"), bool):
        return False
    deps = facts.get("deps")
    return isinstance(deps, list) and all(
        isinstance(d, list) and d and ((d[0] == "local" and len(d) == 4)
                                       or (d[0] == "external" and len(d) == 3)) for d in deps)
