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

Facts per file are plain data (``js_startup_facts``): ``{"name": define name, "calls": {method: [[spec, method],
...]}, "boot": [[spec, method], ...], "clears": [[target, event], ...], "fills": [the
`$("#sel")` whose content a router that loads page modules by a computed name replaces
with each page], "starts"/"once"/
"uses"/"made": [[spec, name], ...], "registers": {exported name: summary}}``; an entry's
``boot`` and ``starts`` calls are the start. The read is ``{"started": [method, ...],
"cleared": [[target, event], ...], "filled": [selection, ...], "helpers": [[spec, name,
summary], ...], "plugin":
bool, "singletons": [exported class name, ...], "children": [[exported class name,
argument index, path, method], ...], "used": [exported name, ...]}``: a class the
modules around make once in all, at their top level (``const updater = new
AppUpdater()`` in the main process's entry), and use in no other way, has one object,
there as long as the page or process; "used" names the exports the modules around use
in any way (``owners_js``: a class its own module makes once, in a function start-up
runs once, and that no module around uses, is a singleton too).

The start-up trace follows more than one hop: a function another module's top-level
function calls directly (``called_in``: not in a loop or a callback) runs once when that
function runs once, and so on across modules (entry -> ``boot()`` -> ``connect()`` of
``./net/link``); a call from a function that may run again (a click handler's) leaves
it unknown, as any other use does.

The read also says which functions the file imports by a relative specifier are
registration helpers (``languages.javascript_registrations``: they add a listener for
their callers), with their summaries, so a call of one is judged where it is made.
"""

from __future__ import annotations

import os

from .. import languages
from ..languages.javascript_syntax import identifiers_named  # (not the adapter: see js_roots)
from ..languages.javascript_modules import anonymous_default, exports, top_functions
from .js_roots import ENTRY_STEMS, LEVELS
from .lifetimes import is_test_path
from .modules import JS_EXTENSIONS, Resolver

READ = "js-startup"
# rule option: the rule also runs on a file that calls another module's registration
# helper (the read's "helpers"), whatever its prefilter says
HELPERS_OPTION = "via_helpers"


class Startup:
    """The AMD module methods the entries of a run start once."""

    def __init__(self, named, facts_of, parsed, list_siblings, may_register=None, read=None):
        self.facts_of = facts_of  # path -> file_facts(...) or None (cached by content)
        # path -> can the file register a listener (its text names addEventListener)?
        self.may_register = may_register or (lambda _path: True)
        self.parsed = parsed  # path -> tree root or None (only for an asking file's exports)
        self.list_siblings = list_siblings
        self.resolver = Resolver(lambda _path: None, list_siblings, read=read)
        self._facts: dict = {}
        self._by_name: dict = {}
        self._indexed: set = set()
        self._dirs: dict = {}  # directory -> JS/TS files in it
        self._dir_facts: dict = {}  # directory -> (its entries, what its modules fill)
        self._arounds: dict = {}  # directory -> it and the directories above it (_around)
        self._cleared: dict = {}  # directories around a file -> what the run clears there
        for p in named:
            self._index(os.path.normpath(p))
        self._named_clears = {(t, e) for p in named for f in [self.facts(p)] if f is not None
                              for t, e in f["clears"]}
        self._started: dict = {}  # entry path -> {(spec, method)}
        self._into: dict = {}  # directory -> what its modules call in other modules
        self._clears: dict = {}  # directory -> what its modules clear on the page's objects
        self._loads: dict = {}  # directory -> directories its modules load from by name
        self._making: set = set()  # files whose singletons are being computed
        self._tracing: set = set()  # files whose once-run functions are being traced
        self._once_here: dict = {}  # file -> its functions start-up runs once

    def _index(self, path: str) -> None:
        if path in self._indexed:
            return
        self._indexed.add(path)
        f = self.facts(path)
        if f is not None and f["name"]:
            self._by_name.setdefault(f["name"], []).append(f)

    def _directory(self, directory: str) -> tuple:
        """(the entry modules of ``directory``, what its modules fill), its files indexed
        (once per directory: ``read_of`` asks about every directory around every file)."""
        if directory not in self._dir_facts:
            files = self._files(directory)
            for p in files:
                self._index(p)
            entries = [p for p in files if os.path.basename(p).split(".")[0] in ENTRY_STEMS]
            fills = {x for p in files for x in (self.facts(p) or {}).get("fills", ())}
            self._dir_facts[directory] = (entries, fills)
        return self._dir_facts[directory]

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

    def prepare(self, path: str) -> None:
        """Extract the facts ``read_of(path)`` reads first (the modules of the directories
        around it, those its imports name), without joining them into its read: what a
        worker of a run in several processes does, whose reads the main process joins."""
        for d in self._around(path):
            self._directory(d)
        self._helpers_of(path, self.facts(path))

    def read_of(self, path: str) -> dict:
        """The read for ``path``: the methods of its AMD module an entry starts once, and
        what the modules of the run and of the directories around it clear on the page's
        objects. The modules of those directories count as the run's, so a file
        analysed alone gets the same answer as in a scan of its whole tree."""
        dirs = self._around(path)
        around = [self._directory(d) for d in dirs]  # indexes their files, once
        f = self.facts(path)
        out = set()
        if f is not None and f["name"]:
            for entries, _ in around:
                for entry in entries:
                    if entry != os.path.normpath(path):
                        out |= {m for spec, m in self._started_by(entry) if spec == f["name"]}
        out |= self._started_here(path, dirs)
        key = tuple(dirs)
        if key not in self._cleared:
            self._cleared[key] = sorted(set(self._named_clears).union(
                *(self._clears_in(d) for d in dirs)))
        # the elements a router puts each page into: they stay while pages come and go
        filled = set().union(*(fills for _, fills in around))
        return {"started": sorted(out), "cleared": [list(x) for x in self._cleared[key]],
                "filled": sorted(filled),
                "helpers": self._helpers_of(path, f), "plugin": self._plugin(path, dirs),
                "singletons": self._singletons(path, dirs),
                "children": self._children(path, dirs), "used": self._used(path, dirs)}

    def _used(self, path: str, dirs: list) -> list:
        """The exported names of ``path`` that the modules around use in any way."""
        here = os.path.abspath(path)
        return sorted({n for d in dirs for kind in ("starts", "once", "uses", "used")
                       for n in self._calls_into(d).get(here, {}).get(kind, ())})

    def _children(self, path: str, dirs: list) -> list:
        """[exported name, argument index, path, method] for each method of the modules
        around that makes an object of ``path``'s class anew per call, handing it its own
        object at that index (``languages.javascript_children``)."""
        here = os.path.abspath(path)
        return sorted({tuple(c) for d in dirs
                       for c in self._calls_into(d).get(here, {}).get("children", ())})

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
        if here in self._making:
            return []  # a class made in its own maker's constructor: not followed round
        self._making.add(here)
        try:
            made: dict = {}
            used: set = set()
            makers: dict = {}
            for d in dirs:
                into = self._calls_into(d).get(here, {})
                for name, count in into.get("made", {}).items():
                    made[name] = made.get(name, 0) + count
                used |= into.get("used", set())
                for name, where, maker in into.get("made_in", ()):
                    makers.setdefault(name, set()).add((where, maker))
            return sorted(n for n in set(made) | set(makers) if n not in used and all(
                self._runs_once(where, maker) for where, maker in makers.get(n, ())))
        finally:
            self._making.discard(here)

    def _runs_once(self, path: str, maker: str) -> bool:
        """Does ``maker`` of ``path`` run once per page or process: a function its
        module's start-up runs (``started``), or the constructor of a class of it that
        is made once (a singleton's constructor)?"""
        around = self._around(path)
        if maker.endswith("#constructor"):
            cls = maker[:-len("#constructor")]
            once = self._singletons(path, around)
            return cls in once or ("default" in once
                                   and (self.facts(path) or {}).get("default_class") == cls)
        return maker in self._started_here(path, around)

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
        for spec, name in sorted({(x[0], x[1]) for kind in ("once", "uses", "called_in")
                                  for x in (f or {}).get(kind, [])}):
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
        if here in self._tracing:
            return set()  # called round a cycle of its own callers: not known to be once
        if here in self._once_here:
            return self._once_here[here]
        self._tracing.add(here)
        try:
            found = self._started_here_traced(path, here, dirs)
        finally:
            self._tracing.discard(here)
        self._once_here[here] = found
        return found

    def _started_here_traced(self, path: str, here: str, dirs: list) -> set:
        starts, once, used, callers = set(), set(), set(), set()
        for d in dirs:
            into = self._calls_into(d).get(here, {})
            starts |= into.get("starts", set())
            once |= into.get("once", set())
            used |= into.get("uses", set())
            callers |= into.get("called_in", set())
        for name, caller_path, caller in sorted(callers):
            # called by another module's function: once when that function runs once
            # (started by its own callers, across as many modules as the trace goes)
            if caller in self._started_here(caller_path, self._around(caller_path)):
                once.add(name)
            else:
                used.add(name)
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
            # `exports.init = function () {...}`: the function is known by its exported name;
            # an anonymous default export by "default" (javascript_modules.default_function)
            anonymous = {"default"} & names if anonymous_default(root) else set()
            return {fn for name, fn in exported.items()
                    if name in names and not fn.startswith("import:")} | anonymous \
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
            absolute: dict = {}  # a module's path -> its absolute path, once per path

            def target_of(p: str, spec: str):
                target = self.resolver.js_module(p, spec)
                if target is None:
                    return None
                if target not in absolute:
                    absolute[target] = os.path.abspath(target)
                return absolute[target]

            for p in self._files(directory):
                f = self.facts(p) or {}
                entry = os.path.basename(p).split(".")[0] in ENTRY_STEMS
                test = is_test_path(p, "typescript")
                here = os.path.abspath(p)
                for spec, name, index, method in f.get("children", []) if not test else ():
                    target = target_of(p, spec)
                    if target is not None and target != here:
                        into.setdefault(target, {}).setdefault("children", set()).add(
                            (name, index, p, method))
                for spec, name, maker in f.get("made_in", []):
                    target = target_of(p, spec)
                    if target is not None and target != here and not test:
                        got = into.setdefault(target, {})
                        got.setdefault("made_in", set()).add((name, p, maker))
                        got.setdefault("uses", set()).add(name)
                for spec, name, caller in f.get("called_in", []):
                    target = target_of(p, spec)
                    if target is not None and target != here:
                        got = into.setdefault(target, {})
                        got.setdefault("uses" if test else "called_in", set()).add(
                            (name, p, caller) if not test else name)
                        if not test:
                            got.setdefault("used", set()).add(name)
                for kind in ("starts", "once", "uses", "made"):
                    for spec, name in f.get(kind, []):
                        target = target_of(p, spec)
                        if target is None or target == here:
                            continue
                        got = into.setdefault(target, {})
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
        if directory in self._arounds:
            return self._arounds[directory]
        out = self._arounds[directory] = []
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
