"""Which methods of AMD modules run once, at start-up: the read ``js-startup``
(``reads["js-startup"]``: the methods of the file's own module that start-up calls).

A method of the object an AMD module returns is called by its importers, as often as they
like (``languages.javascript_runs``): a page module's ``init`` runs on each visit. The
exception is what the page's entry starts: an entry point (a file named ``main``,
``index``, ``app``, ``entry`` or ``client`` in the module's directory or one of the three
above it, as for ``js_roots``) that loads modules with ``require([...], function (a, b) {
a.init(); })`` or ``define([...], function (a) { a.init(); })`` calls those methods once,
when the page starts. What such a method calls directly on a module it depends on (its
factory's parameters, or a nested ``require``) runs once too, across the files of the
run: ``header.prepareDOM`` started by the entry calls ``chat.prepareDOM`` of
``forum/header/chat`` once.

The read also names what some module of the run clears wholesale on the page's own
objects (``$(window).off("scroll")`` in a router's clean-up between pages): listeners for
that event on that object do not pile up, whoever adds them.

ES and CommonJS modules the same way: an entry that imports a function by a relative
specifier and calls it from its own start-up code (top level, or a callback written
there: ``app.whenReady().then(() => updates.init())``), not from a function of its own,
starts it once (``import bootstrap from "./bootstrap"; bootstrap()``); the read names the
module's local function. Any module's own top-level code runs once, when the module is
first loaded: a function it calls from there (or from a one-shot callback written there)
starts once as well, provided no module around uses it otherwise and its own module only
declares and exports it.

Facts per file are plain data: ``{"name": define name, "calls": {method: [[spec, method],
...]}, "boot": [[spec, method], ...], "clears": [[target, event], ...], "starts"/"once"/
"uses"/"made": [[spec, name], ...], "registers": {exported name: summary}}``; an entry's
``boot`` and ``starts`` calls are the start. The read is ``{"started": [method, ...],
"cleared": [[target, event], ...], "helpers": [[spec, name, summary], ...], "plugin":
bool, "singletons": [exported class name, ...]}``: a class the modules around make once
in all, at their top level (``const updater = new AppUpdater()`` in the main process's
entry), and use in no other way, has one object, there as long as the page or process.

The read also says which functions the file imports by a relative specifier are
registration helpers (``languages.javascript_registrations``: they add a listener for
their callers), with their summaries, so a call of one is judged where it is made.
"""

from __future__ import annotations

import os

from .. import languages
from ..languages import nearest, recent_syntax
from ..languages.javascript import (FUNCTIONS, LOOPS, args, calls_in, enclosing_function,
                                    function_name, identifiers_named, method_of, norm, receiver,
                                    returned_values, strip, text, up)
from ..languages.javascript_modules import exports, imports, top_functions
from ..languages.javascript_registrations import summary
from ..languages.javascript_runs import AMD_DEFINE, load_time_functions
from ..languages.javascript_scopes import ONE_SHOT_CALLBACKS
from .js_roots import ENTRY_STEMS, LEVELS
from .lifetimes import is_test_path
from .modules import JS_EXTENSIONS, Resolver

READ = "js-startup"
# rule option: the rule also runs on a file that calls another module's registration
# helper (the read's "helpers"), whatever its prefilter says
HELPERS_OPTION = "via_helpers"
LOADERS = AMD_DEFINE | {"require", "requirejs"}
# the page's own objects, as a listener's target is written
PAGE_TARGETS = {"window", "document", "$(window)", "$(document)", "jQuery(window)",
                "jQuery(document)"}
CLEAR_ALL = {"off", "removeAllListeners", "unbind"}
# every name in LOADERS holds one of these, and every name in CLEAR_ALL is one of these
_LOADER_WORDS = (b"define", b"require")
_CLEAR_WORDS = tuple(sorted(w.encode() for w in CLEAR_ALL))


def _dependencies(call) -> dict:
    """``define("x", ["a", "b"], function (A, B) {...})``: {"A": "a", "B": "b"}."""
    a = args(call)
    specs = next((strip(x) for x in a if strip(x) is not None and strip(x).type == "array"), None)
    factory = strip(a[-1]) if a else None
    if specs is None or factory is None or factory.type not in FUNCTIONS:
        return {}
    params = factory.child_by_field_name("parameters")
    names = [text(p) for p in (params.named_children if params is not None else [])]
    values = [text(s).strip("'\"`") for s in specs.named_children]
    return {n: v for n, v in zip(names, values) if n.isidentifier() and v}


def _module_calls(fn, deps: dict) -> list:
    """[spec, method] for each ``Dep.method(...)`` ``fn`` runs on its own (not in callbacks
    it hands on, but in the callback of a ``require([...])`` it makes) on a dependency."""
    out = []
    for c in calls_in(fn):
        holder = enclosing_function(c)
        local = dict(deps)
        while holder is not None and holder.id != fn.id:
            p, _ = up(holder)
            if p is None or p.type != "arguments" or norm(p.parent.child_by_field_name(
                    "function")) not in LOADERS:
                break
            local.update(_dependencies(p.parent))
            holder = enclosing_function(holder)
        if holder is None or holder.id != fn.id:
            continue
        r = receiver(c)
        if r is not None and r.type == "identifier" and text(r) in local:
            out.append([local[text(r)], method_of(c)])
    return out


def file_facts(root) -> dict:
    """The AMD facts of a parsed JS file (see the module's docstring)."""
    facts = {"name": "", "calls": {}, "boot": [], "clears": [], "loads": [],
             **_import_uses(root), "registers": _registration_helpers(root)}
    # the calls looked at below are named in the text: a file naming none is not walked
    source = root.text
    loads = any(w in source for w in _LOADER_WORDS)
    clears = any(w in source for w in _CLEAR_WORDS)
    for c in calls_in(root) if loads or clears else ():
        if clears and method_of(c) in CLEAR_ALL and len(args(c)) == 1 \
                and strip(args(c)[0]).type == "string" and norm(receiver(c)) in PAGE_TARGETS:
            facts["clears"].append([norm(receiver(c)), text(args(c)[0]).strip("'\"")])
        if not loads:
            continue
        head = norm(c.child_by_field_name("function"))
        if head not in LOADERS:
            continue
        a = args(c)
        if head == "require" and len(a) == 1:
            facts["loads"].extend(_computed_directory(a[0]))
        factory = strip(a[-1]) if a else None
        if factory is None or factory.type not in FUNCTIONS:
            continue
        deps = _dependencies(c)
        facts["boot"].extend(_module_calls(factory, deps))
        if head not in AMD_DEFINE or enclosing_function(c) is not None:
            continue
        first = strip(a[0])
        if first is not None and first.type == "string":
            facts["name"] = text(first).strip("'\"")
        for fn, method in _methods(factory):
            facts["calls"].setdefault(method, []).extend(_module_calls(fn, deps))
    return facts


def _computed_directory(spec) -> list:
    """``require("./transporters/" + name)`` or ``require(`./drivers/${kind}`)``: the
    directory the computed name picks a module from, as a relative specifier
    (``["./transporters"]``); [] for any other argument."""
    s = strip(spec)
    if s is not None and s.type == "binary_expression" and text(s.child_by_field_name(
            "operator")) == "+":
        head = strip(s.child_by_field_name("left"))
        prefix = text(head)[1:-1] if head is not None and head.type == "string" else ""
    elif s is not None and s.type == "template_string" and any(
            c.type == "template_substitution" for c in s.named_children):
        prefix = text(s)[1:].split("${", 1)[0]
    else:
        return []
    directory = prefix.rsplit("/", 1)[0] if prefix.startswith(("./", "../")) else ""
    return [directory] if directory.rsplit("/", 1)[-1] not in ("", ".", "..") else []


def _registration_helpers(root) -> dict:
    """Exported name -> summary of each exported function that registers a listener for
    its callers (``javascript_registrations.summary``)."""
    if b"addEventListener" not in root.text:
        return {}
    functions = top_functions(root)
    out = {}
    for name, local in exports(root, functions).items():
        found = summary(functions[local]) if local in functions else None
        if found is not None:
            out[name] = found
    return out


def _mentions(root, names: list) -> list:
    """The identifiers (shorthand properties too) of the file spelled as one of ``names``,
    in source order."""
    found = {n.start_byte: n for name in names
             for n in identifiers_named(root, name, ("identifier", "shorthand_property_identifier"))}
    return [found[k] for k in sorted(found)]


def _import_uses(root) -> dict:
    """How the file uses the functions and classes it imports by a relative specifier, as
    [specifier, exported name] lists: ``starts``, the calls from its top level or a
    callback written there (what an entry starts); ``once``, the calls its top-level code
    makes itself or in the callback of a one-shot call there (``ready(() => f())``), run
    once when the module loads; ``made``, each ``new X(...)`` of its top-level code, not
    in a loop (one object for as long as the module); ``uses``, every other mention (a
    call in a function or in a callback that may run again, a value handed on)."""
    out = {"starts": [], "once": [], "uses": [], "made": []}
    imported = imports(root)
    if not imported:
        return out
    load_time = load_time_functions(root)
    for ident in _mentions(root, [n for n, (spec, _) in imported.items() if spec[:1] == "."]):
        p, child = up(ident)
        if p is None or p.type in ("import_specifier", "import_clause", "namespace_import",
                                   "variable_declarator", "pair_pattern"):
            continue  # the import itself
        spec, name = imported[text(ident)]
        call = p if p.type == "call_expression" \
            and p.child_by_field_name("function") == child else None
        if name in ("*", "default") and p.type == "member_expression" \
                and p.child_by_field_name("object") == child:
            # `ns.enable()`, or `focuser.enable()` on the object a module exports by
            # default: that module's function `enable`
            name = text(p.child_by_field_name("property"))
            q, member = up(p)
            call = q if q is not None and q.type == "call_expression" \
                and q.child_by_field_name("function") == member else None
        elif name == "*":
            name = "module.exports"
        fn, once = enclosing_function(ident), True
        while fn is not None and (fn.id in load_time or up(fn)[0] is not None
                                  and up(fn)[0].type == "arguments"):
            if fn.id not in load_time:
                once = once and method_of(up(fn)[0].parent) in ONE_SHOT_CALLBACKS
            fn = enclosing_function(fn)  # a callback handed to a call at top level
        if p.type == "new_expression" and p.child_by_field_name("constructor") == child \
                and enclosing_function(ident) is None and nearest(ident, LOOPS) is None:
            out["made"].append([spec, name])  # `const x = new X()` at top level: one object
            continue
        if call is not None and fn is None:
            out["starts"].append([spec, name])
        out["once" if call is not None and fn is None and once else "uses"].append([spec, name])
    return out


def _methods(factory) -> list:
    """(function, name) of the methods of the object an AMD factory returns."""
    returned = [strip(v) for v in returned_values(factory)]
    names = {text(v) for v in returned if v is not None and v.type == "identifier"}
    out = []
    body = factory.child_by_field_name("body")
    for c in (body.named_children if body is not None else []):
        e = c.named_children[0] if c.type == "expression_statement" and c.named_children else None
        if e is None or e.type != "assignment_expression":
            continue
        left = strip(e.child_by_field_name("left"))
        right = strip(e.child_by_field_name("right"))
        if left is not None and left.type == "member_expression" and right is not None \
                and right.type in FUNCTIONS and norm(left.child_by_field_name("object")) in names:
            out.append((right, text(left.child_by_field_name("property"))))
    for v in returned:
        if v is not None and v.type == "object":
            for pair in v.named_children:
                value = strip(pair.child_by_field_name("value")) if pair.type == "pair" else None
                if value is not None and value.type in FUNCTIONS:
                    out.append((value, function_name(value)))
    return out


class Startup:
    """The AMD module methods the entries of a run start once."""

    def __init__(self, named, facts_of, parsed, list_siblings, may_register=None):
        self.facts_of = facts_of  # path -> file_facts(...) or None (cached by content)
        # path -> can the file register a listener (its text names addEventListener)?
        self.may_register = may_register or (lambda _path: True)
        self.parsed = parsed  # path -> tree root or None (only for an asking file's exports)
        self.list_siblings = list_siblings
        self.resolver = Resolver(lambda _path: None, list_siblings)
        self._facts: dict = {}
        self._by_name: dict = {}
        self._indexed: set = set()
        self._dirs: dict = {}  # directory -> JS/TS files in it
        for p in named:
            self._index(os.path.normpath(p))
        self._named_clears = {(t, e) for p in named for f in [self.facts(p)] if f is not None
                              for t, e in f["clears"]}
        self._started: dict = {}  # entry path -> {(spec, method)}
        self._into: dict = {}  # directory -> what its modules call in other modules
        self._clears: dict = {}  # directory -> what its modules clear on the page's objects
        self._loads: dict = {}  # directory -> directories its modules load from by name

    def _index(self, path: str) -> None:
        if path in self._indexed:
            return
        self._indexed.add(path)
        f = self.facts(path)
        if f is not None and f["name"]:
            self._by_name.setdefault(f["name"], []).append(f)

    def _files(self, directory: str) -> list:
        if directory not in self._dirs:
            self._dirs[directory] = sorted(
                os.path.normpath(p) for p in self.list_siblings(directory or ".")
                if os.path.splitext(p)[1] in JS_EXTENSIONS)
        return self._dirs[directory]

    def facts(self, path: str):
        path = os.path.normpath(path)
        if path not in self._facts:
            self._facts[path] = self.facts_of(path)
        return self._facts[path]

    def read_of(self, path: str) -> dict:
        """The read for ``path``: the methods of its AMD module an entry starts once, and
        what the modules of the run and of the directories around it clear on the page's
        objects. The modules of those directories count as the run's, so a file
        analysed alone gets the same answer as in a scan of its whole tree."""
        dirs = self._around(path)
        for d in dirs:
            for p in self._files(d):
                self._index(p)
        f = self.facts(path)
        out = set()
        for d in dirs:
            for entry in self._files(d):
                stem = os.path.basename(entry).split(".")[0]
                if stem in ENTRY_STEMS and entry != os.path.normpath(path) \
                        and f is not None and f["name"]:
                    out |= {m for spec, m in self._started_by(entry) if spec == f["name"]}
        out |= self._started_here(path, dirs)
        cleared = set(self._named_clears).union(*(self._clears_in(d) for d in dirs))
        return {"started": sorted(out), "cleared": [list(x) for x in sorted(cleared)],
                "helpers": self._helpers_of(path, f), "plugin": self._plugin(path, dirs),
                "singletons": self._singletons(path, dirs)}

    def _clears_in(self, directory: str) -> set:
        """What the modules of ``directory`` clear on the page's objects (once per directory)."""
        if directory not in self._clears:
            self._clears[directory] = {(t, e) for p in self._files(directory)
                                       for t, e in (self.facts(p) or {}).get("clears", [])}
        return self._clears[directory]

    def _singletons(self, path: str, dirs: list) -> list:
        """The exported names of ``path``'s classes that the modules around make only at
        their top level, and use in no other way: a module's top level runs once per page
        or process, so there are as many objects as such modules (one per window's
        bootstrap), each there as long as the page or process, and none piles up."""
        here = os.path.abspath(path)
        made: dict = {}
        used: set = set()
        for d in dirs:
            into = self._calls_into(d).get(here, {})
            for name, count in into.get("made", {}).items():
                made[name] = made.get(name, 0) + count
            used |= into.get("used", set())
        return sorted(n for n in made if n not in used)

    def _plugin(self, path: str, dirs: list) -> bool:
        """Is ``path`` a plugin: a module of a directory that a module around it loads
        from by a computed name (``require("./transporters/" + name)``), which no module
        around imports by its own name? Its loader, not a caller leaklint can see, makes
        its objects, one per name it is configured with."""
        here = os.path.abspath(path)
        if any(here in self._calls_into(d) for d in dirs):
            return False  # imported and used by name: its callers are in view
        return any(os.path.dirname(here) in self._loaded_from(d) for d in dirs)

    def _loaded_from(self, directory: str) -> set:
        """The directories (absolute) the modules of ``directory`` load from by a
        computed name."""
        if directory not in self._loads:
            self._loads[directory] = {
                os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(p)), x))
                for p in self._files(directory) for x in (self.facts(p) or {}).get("loads", ())}
        return self._loads[directory]

    def _helpers_of(self, path: str, f) -> list:
        """[spec, name, summary] for each function ``path`` imports by a relative specifier
        that registers listeners for its callers."""
        out = []
        for spec, name in sorted({(s, n) for kind in ("once", "uses")
                                  for s, n in (f or {}).get(kind, [])}):
            target = self.resolver.js_module(path, spec)
            g = self.facts(target) if target is not None and self.may_register(target) else None
            found = (g or {}).get("registers", {}).get(name)
            if found is not None:
                out.append([spec, name, found])
        return out

    def _started_here(self, path: str, dirs: list) -> set:
        """The local functions of ``path`` that start-up code calls: an entry around it
        that imports one and calls it from its start-up code, or any module around it
        whose top-level code calls it (a module's top level runs once, when it is first
        loaded) while no module around, nor its own, uses it in any other way."""
        here = os.path.abspath(path)
        starts, once, used = set(), set(), set()
        for d in dirs:
            into = self._calls_into(d).get(here, {})
            starts |= into.get("starts", set())
            once |= into.get("once", set())
            used |= into.get("uses", set())
        once -= used | starts
        if not starts and not once:
            return set()
        root = self.parsed(os.path.normpath(path))
        if root is None:
            return set()
        exported = exports(root, top_functions(root))

        def local(names):
            if "module.exports" in names:
                names = names | {"default"}
            # `exports.init = function () {...}`: the function is known by its exported name
            return {fn for name, fn in exported.items()
                    if name in names and not fn.startswith("import:")} \
                | (names - set(exported) - {"default", "module.exports"})
        return local(starts) | {fn for fn in local(once) if _only_declared(root, fn)}

    def _calls_into(self, directory: str) -> dict:
        """For the modules of ``directory``: the module path each calls into -> what of it
        they start (``starts``, entries only), call once at load (``once``) or use
        otherwise (``uses``, top-level ``new`` included), by exported name; and, tests
        aside (they make their own objects, one per test, on purpose), how many objects
        of each class their top level makes (``made``) and what else of it they use
        (``used``)."""
        if directory not in self._into:
            into: dict = {}
            for p in self._files(directory):
                f = self.facts(p) or {}
                entry = os.path.basename(p).split(".")[0] in ENTRY_STEMS
                test = is_test_path(p, "typescript")
                for kind in ("starts", "once", "uses", "made"):
                    for spec, name in f.get(kind, []):
                        target = self.resolver.js_module(p, spec)
                        if target is None or os.path.abspath(target) == os.path.abspath(p):
                            continue
                        got = into.setdefault(os.path.abspath(target), {})
                        if kind != "starts" or entry:
                            got.setdefault("uses" if kind == "made" else kind, set()).add(name)
                        if test:
                            continue
                        if kind == "made":
                            counts = got.setdefault("made", {})
                            counts[name] = counts.get(name, 0) + 1
                        else:
                            got.setdefault("used", set()).add(name)
            self._into[directory] = into
        return self._into[directory]

    def _around(self, path: str) -> list:
        """The file's directory and the ``LEVELS - 1`` above it."""
        directory = os.path.dirname(os.path.normpath(path))
        out = []
        for _ in range(LEVELS):
            out.append(directory)
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
        return out

    def _started_by(self, entry: str) -> set:
        if entry not in self._started:
            f = self.facts(entry)
            work = [tuple(x) for x in (f["boot"] if f is not None else [])]
            seen = set()
            while work and len(seen) < 2000:
                spec, method = work.pop()
                if (spec, method) in seen:
                    continue
                seen.add((spec, method))
                for module in self._by_name.get(spec, [])[:2]:
                    work.extend(tuple(x) for x in module["calls"].get(method, []))
            self._started[entry] = seen
        return self._started[entry]


def _only_declared(root, name: str) -> bool:
    """Is the top-level function ``name`` only declared and exported by its module, never
    called or handed on there?"""
    for n in identifiers_named(root, name):
        p = n.parent
        if p is None or not (p.type in ("export_statement", "export_specifier")
                             or (p.type in ("function_declaration", "variable_declarator")
                                 and p.child_by_field_name("name") == n)):
            return False
    return True


def is_js(path: str) -> bool:
    return languages.FAMILY.get(languages.language_of(path) or "") in ("typescript", "javascript")


def wanted(rules, path: str, data: bytes) -> set:
    """The read a JS/TS file with these bytes needs, whatever the prefilter says, for
    the rules among ``rules`` that follow registration helpers (``HELPERS_OPTION``):
    which of its imports are helpers, when it can import any."""
    if any(r.options.get(HELPERS_OPTION) for r in rules) and is_js(path) \
            and (b"import" in data or b"require" in data):
        return {READ}
    return set()


def parse_root(path: str, data: bytes | None):
    """The tree root of a JS/TS file's bytes, or None."""
    lang = languages.language_of(path)
    if data is None or lang is None or not any(w in data for w in (
            b"define", b"require", b"import", b"addEventListener")):
        return None
    return recent_syntax.parse(lang, data, languages.parser(lang).parse).root_node
