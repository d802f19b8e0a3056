"""Python functions that run once per process, traced from the program's entry: the read
``reads["once"]`` (the qualified names of such functions in a file), which makes their
code the program's main for ``owners_python`` (what they hold lives to the exit).

Entries: the console scripts and entry points of the project (``[project.scripts]``,
``[project.entry-points.*]`` and ``[tool.poetry.scripts]`` of pyproject.toml, the
``[options.entry_points]`` of setup.cfg, setup.py's ``entry_points``: a host program loads
an entry point and calls it once), found beside the importing root of an analysed file or
one directory above it (a ``src/`` layout); the calls of a package's ``__main__.py`` and of
``if __name__ == "__main__":`` blocks; a Django management command's ``Command.handle``
(manage.py runs one command per process); a module's own top-level code, which runs once, at
its first import (``cpu = CpuInfo()`` runs ``CpuInfo.__init__`` once). From a function that
runs once, a call that is not in a loop runs its callee once: ``f()`` (a function of the
module, a nested one, an imported one; ``pkg.mod.f()`` after ``import pkg.mod``),
``self.m()`` (the method of the class or of a base class), ``x.m()`` for ``x = C(...)``
made in the function or at the module's top level,
``C(...)`` (its ``__init__``), a function handed on as an argument (``raw_main(main_program=
program)``), a method looked up by a name with a constant prefix (``getattr(self, "do_" +
command)``: one command per process), a plugin (``mod.Export(...)`` for ``mod =
import_module(name)``: each scanned ``Export.__init__`` once, in a loader's loop too), and
each of a list of distinct functions a loop calls (``for a in ADAPTERS: a()``).

A function is once only when every call of it the scanned tree shows (tests aside: they
re-run the entry on purpose) comes from a once function and not from a loop; a function
handed on from anywhere else may be called any number of times.

A test file that is a program of its own (a test package's ``__main__.py``, a ``__main__``
block: a robot or load-test driver) is an entry too. From it, the functions a test runner
may also call are never once (tests, methods of ``Test*`` classes and of classes with
bases, as a ``TestCase``'s ``setUp``); other test files' calls count against its functions.
"""

from __future__ import annotations

import contextlib
import os
from functools import partial

from ..languages import holders, of_type
from ..languages.python_syntax import (LOOPS, NORETURN, assigned_once, function_and_loop,
                                       looped_functions, module_imports, module_lists,
                                       qualified_name, text)
from . import once_trace
from .lifetimes import is_test_path
from .owners_python import main_guard, management_command
from .python_entry_points import DOTTED, NAME_LOADERS, entry_specs, loaded_by_name, spawns

READ = "once"
TEST_DIRS = {"tests", "test", "testing", "testsuite", "__tests__"}
MAX_BYTES = 1024 * 1024  # larger files are not walked: their functions stay unknown
# the nodes whose facts ``file_facts`` reads
_FACT_NODES = ("function_definition", "class_definition", "call")
# what lies between a call and the function it runs in (``_contexts``)
_CONTEXT_NODES = ("function_definition", "lambda", "class_definition") + LOOPS


# -- one file's facts (plain data) ---------------------------------------------------

def _reference(node) -> str:
    """What an argument names when it may be a function: ``f``, ``self.m``, ``mod.f``."""
    if node is None:
        return ""
    if node.type == "identifier":
        return text(node)
    if node.type == "attribute" and node.child_by_field_name("object") is not None \
            and node.child_by_field_name("object").type == "identifier":
        return "".join(text(node).split())
    return ""


def _prefix(node) -> str:
    """The constant prefix of a name built as ``"do_" + x``."""
    while node is not None and node.type == "binary_operator":
        node = node.child_by_field_name("left")
    if node is None or node.type != "string" or any(
            c.type == "interpolation" for c in node.named_children):
        return ""
    return "".join(text(c) for c in node.named_children if c.type == "string_content")


def _params(fn) -> list:
    params = fn.child_by_field_name("parameters")
    out = []
    for p in (params.named_children if params is not None else ()):
        name = p if p.type == "identifier" else p.child_by_field_name("name") \
            if p.type in ("default_parameter", "typed_default_parameter") else \
            next((c for c in p.named_children if c.type == "identifier"), None) \
            if p.type == "typed_parameter" else None
        out.append(text(name) if name is not None else "")
    return out


def file_facts(root) -> dict:
    """The calls of each function of a file, as plain data: "functions": {key: [[callee,
    in_loop], ...]}; "params": {key: [names]}; "refs": {key: [[name, in_loop, callee,
    position or keyword]]} (a function handed to a call); "lookups": {key: [prefix]}
    (``getattr(self, "prefix" + ...)``); "made": {key: {var: class}}; "loaded": {key:
    [class]} (a class of a module imported by a computed name); "classes": {name:
    [bases]}; "main": [[callee, in_loop]] (module code of a ``__main__`` block); "top":
    other module-level calls; "imports"."""
    functions, params, refs, lookups, made, loaded, classes, main, top, ends = \
        {}, {}, {}, {}, {}, {}, {}, [], [], []
    assigned: dict = {}  # function id -> its locals' assignments (``assigned_once``)
    lists = module_lists(root)  # a registry of functions a loop may call each of once
    # a plugin class needs a module imported by a computed name: the text names the importer
    plugins = any(w.encode() in root.text for w in ("import_module", "__import__"))
    loaders = any(w.encode() in root.text for w in NAME_LOADERS)
    by_name: dict = {}  # function key -> [in_loop] of its calls of a function loaded by name
    # in the order of a walk that meets a later sibling before an earlier one and a node
    # before what it holds (later definitions of a name win): by end, descending, the
    # outer of two nodes ending together first
    names: dict = {}  # function id -> its qualified name
    found = of_type(root, _FACT_NODES, "python")
    around = _contexts(root, found)
    mains = [(c.start_byte, c.end_byte) for c in root.named_children if main_guard(c)]
    for n in sorted(found, key=lambda n: (-n.end_byte, n.start_byte)):
        if n.type == "function_definition":
            functions.setdefault(qualified_name(n, names), [])
            params[qualified_name(n, names)] = _params(n)
            if _ends_process(n):
                ends.append(qualified_name(n, names))
        elif n.type == "class_definition":
            sup = n.child_by_field_name("superclasses")
            classes[text(n.child_by_field_name("name"))] = [
                "".join(text(b).split()) for b in (sup.named_children if sup is not None else ())
                if b.type in ("identifier", "attribute")]
        if n.type != "call":
            continue
        fn, loop = around[n.id]
        if fn is not None and fn.type == "lambda":
            continue  # a lambda runs when something calls it: how often is unknown
        callee = _callee(n)
        args = n.child_by_field_name("arguments")
        listed = [a for a in (args.named_children if args is not None else ())
                  if a.type != "comment"]
        key = qualified_name(fn, names) if fn is not None else ""  # "": the module's own code
        parent = n.parent
        if parent is not None and parent.type == "assignment" and \
                parent.child_by_field_name("right") == n and \
                parent.child_by_field_name("left").type == "identifier" and \
                callee.rsplit(".", 1)[-1][:1].isupper():
            made.setdefault(key, {})[text(parent.child_by_field_name("left"))] = callee
        if fn is None:
            sites = main if any(a <= n.start_byte < b for a, b in mains) else top
            sites.append([callee, loop])
            continue
        functions.setdefault(key, []).append([callee, loop])
        if loop and lists and "." not in callee:
            functions[key].extend(looped_functions(n, lists))
        for i, a in enumerate(listed):
            kw = a.type == "keyword_argument"
            name = _reference(a.child_by_field_name("value") if kw else a)
            if name:
                where = text(a.child_by_field_name("name")) if kw else i
                refs.setdefault(key, []).append([name, loop, callee, where])
        if callee == "getattr" and len(listed) >= 2 and text(listed[0]) == "self":
            p = _prefix(assigned_once(fn, listed[1], assigned) if listed[1].type == "identifier"
                        else listed[1])
            if p:
                lookups.setdefault(key, []).append(p)
        if loaders and loaded_by_name(fn, n, assigned):
            by_name.setdefault(key, []).append(loop)
        plugin = _plugin_class(fn, n, assigned) if plugins else ""
        if plugin:
            loaded.setdefault(key, []).append(plugin)
    return {"functions": functions, "params": params, "refs": refs, "lookups": lookups,
            "made": made, "loaded": loaded, "classes": classes, "main": main, "top": top,
            "ends": ends, "imports": module_imports(root), "by_name": by_name,
            "dotted": sorted({m.decode() for m in DOTTED.findall(root.text)}) if by_name else []}


IMPORTERS = ("import_module", "importlib.import_module", "__import__")


def _plugin_class(fn, call, assigned: dict) -> str:
    """``Export`` for ``mod.Export(...)`` in ``fn`` where ``mod = import_module(name)``
    imports a module whose name is computed (a plugin a loader picks), else ""."""
    callee = call.child_by_field_name("function")
    if callee is None or callee.type != "attribute":
        return ""
    obj, name = callee.child_by_field_name("object"), text(callee.child_by_field_name("attribute"))
    value = assigned_once(fn, obj, assigned) if obj.type == "identifier" and name[:1].isupper() \
        else None
    if value is None or value.type != "call" or \
            "".join(text(value.child_by_field_name("function")).split()) not in IMPORTERS:
        return ""
    args = value.child_by_field_name("arguments")
    first = next((a for a in (args.named_children if args is not None else ())
                  if a.type != "comment"), None)
    return name if first is not None and first.type != "string" else ""


def _ends_process(fn) -> bool:
    """Does ``fn``'s body end by ending or replacing the process (``os._exit(0)``,
    ``sys.exit()``, an ``exec``): then what it calls runs at most once in the process (a
    forked child's work)?"""
    body = fn.child_by_field_name("body")
    last = [c for c in (body.named_children if body is not None else ()) if c.type != "comment"]
    call = last[-1].named_children[0] if last and last[-1].type == "expression_statement" \
        and last[-1].named_children else None
    return call is not None and call.type == "call" and \
        "".join(text(call.child_by_field_name("function")).split()) in NORETURN


def _callee(call) -> str:
    """A call's callee as text; a method called on a new object is "C().m"."""
    fn = call.child_by_field_name("function")
    inner = fn.child_by_field_name("object") if fn is not None and fn.type == "attribute" else None
    if inner is not None and inner.type == "call":
        made = "".join(text(inner.child_by_field_name("function")).split())
        if made.rsplit(".", 1)[-1][:1].isupper():
            return f"{made}().{text(fn.child_by_field_name('attribute'))}"
    return "".join(text(fn).split())


def _contexts(root, found: list) -> dict:
    """{call id: (the innermost def or lambda around it, or None; a loop between)} for the
    calls among ``found`` (``python_syntax.function_and_loop``'s answer, from one sweep
    over the file's scopes and loops)."""
    calls = [n for n in found if n.type == "call"]
    around = holders(calls, of_type(root, _CONTEXT_NODES, "python"))
    return {c.id: function_and_loop(c, reversed(around[c.id])) for c in calls}


class Once:
    """The once-per-process functions of the files an analysis names.

    ``parsed(path)``: the file's tree root or None; ``resolver``: ``modules.Resolver``
    (files of the scanned tree, import roots); ``read(path)``: bytes or None;
    ``stored(path, compute)``: the file's facts from a cache, else ``compute()``;
    ``answering(path, root)``: a context in which the tree's root-level questions are
    asked (``languages.answering``)."""

    def __init__(self, parsed, resolver, read, stored=None, answering=None):
        self._parsed = parsed
        self.resolver = resolver
        self._read = read
        self._stored = stored or (lambda path, compute: compute())
        # the state in which a file's tree answers questions about its whole text
        self.answering = answering or (lambda path, root: contextlib.nullcontext())
        self._facts: dict = {}
        self._projects: dict = {}
        self._edge_memo: dict = {}
        self._paths: list = []  # the named files of the trace (where plugins are found)

    def facts(self, path: str) -> dict:
        if path not in self._facts:
            def compute():
                root = self._parsed(path)
                if root is None:
                    return {}
                with self.answering(path, root):
                    return file_facts(root)
            self._facts[path] = self._stored(path, compute) or {}
        return self._facts[path]

    # -- resolution ------------------------------------------------------------------

    def _module(self, path: str, dotted: str) -> str | None:
        """The file of module ``dotted`` (led by dots when relative) seen from ``path``."""
        stripped = dotted.lstrip(".")
        level = len(dotted) - len(stripped)
        parts = [p for p in stripped.split(".") if p]
        if level:
            base = os.path.dirname(path) or "."
            for _ in range(level - 1):
                base = os.path.dirname(base) or "."
        elif not parts:
            return None
        else:
            base = self.resolver.package_root(os.path.dirname(path))
        return self.resolver.module_file(base, parts)

    def _imported(self, path: str, dotted: str):
        """(file, name) for an imported ``module.name``, or None."""
        stripped = dotted.lstrip(".")
        mod, _, last = stripped.rpartition(".")
        if not last or (not mod and stripped == dotted):
            return None  # `import x`: a module, not one of its names
        module = self._module(path, dotted[:len(dotted) - len(stripped)] + mod)
        return (module, last) if module is not None else None

    def resolve(self, path: str, key: str, callee: str) -> list:
        """[(file, function key)] a call or reference ``callee`` in function ``key`` runs."""
        f = self.facts(path)
        head, dot, rest = callee.partition(".")
        if not f or not callee:
            return []
        if "." in rest:
            return self._dotted(path, f["imports"].get(head), rest)
        if not dot:
            nested = f"{key}.{head}" if key else head
            return [(path, nested)] if nested in f["functions"] else self._named(path, head)
        if head.endswith("()") and head[:-2].isidentifier():
            return self._method(path, head[:-2], rest)  # C(...).m()
        if head in ("self", "cls"):
            cls = key.split(".", 1)[0] if "." in key else ""
            return self._method(path, cls, rest) if cls in f["classes"] else []
        # made in the function, or the module's own instance (`server = Server()` on top)
        made = f["made"].get(key, {}).get(head) or f["made"].get("", {}).get(head)
        if made:
            return self._method(path, made, rest)
        target = f["imports"].get(head)
        if target is not None:
            module = self._module(path, target)
            if module is not None and rest in self.facts(module).get("functions", {}):
                return [(module, rest)]
        return []

    def _dotted(self, path: str, target: str | None, rest: str) -> list:
        """``pkg.mod.f()`` where ``import pkg.mod`` binds ``pkg`` (``target``: what the
        head names): the function ``f`` of the module ``pkg.mod``."""
        mod, _, name = rest.rpartition(".")
        module = self._module(path, f"{target}.{mod}") if target and name.isidentifier() \
            else None
        return [(module, name)] if module is not None and name in self.facts(module).get(
            "functions", {}) else []

    def _named(self, path: str, name: str) -> list:
        """A module-level name: a function or class of the file, or an imported one
        (both when the file imports the name inside a function and defines it too)."""
        f = self.facts(path)
        out = []
        if name in f.get("functions", {}):
            out.append((path, name))
        elif name in f.get("classes", {}):
            out += self._method(path, name, "__init__")
        target = f.get("imports", {}).get(name)
        found = self._imported(path, target) if target is not None else None
        if found is not None:
            module, last = found
            mf = self.facts(module)
            if last in mf.get("functions", {}):
                out.append((module, last))
            elif last in mf.get("classes", {}):
                out += self._method(module, last, "__init__")
        return out

    def _classes(self, path: str, name: str, seen=None) -> list:
        """[(file, class, facts)] of class ``name`` seen from ``path``, then its bases."""
        seen = set() if seen is None else seen
        f = self.facts(path)
        where = None
        if name in f.get("classes", {}):
            where = (path, name)
        elif name in f.get("imports", {}):
            found = self._imported(path, f["imports"][name])
            if found is not None and found[1] in self.facts(found[0]).get("classes", {}):
                where = found
        if where is None or where in seen:
            return []
        seen.add(where)
        wf = self.facts(where[0])
        out = [(where[0], where[1], wf)]
        for base in wf.get("classes", {}).get(where[1], []):
            out += self._classes(where[0], base, seen)
        return out

    def _method(self, path: str, cls: str, name: str) -> list:
        for p, c, cf in self._classes(path, cls):
            if f"{c}.{name}" in cf.get("functions", {}):
                return [(p, f"{c}.{name}")]
        return []

    def _prefixed(self, path: str, key: str, prefix: str) -> list:
        cls = key.split(".", 1)[0]
        return [(p, k) for p, c, cf in self._classes(path, cls)
                for k in cf.get("functions", {})
                if k.startswith(f"{c}.{prefix}") and k.count(".") == 1]

    def _plugins(self, name: str) -> list:
        """(file, "name.__init__") of the named files, tests aside, that define class
        ``name`` with its own ``__init__``: the plugins a loader may make."""
        word = f"class {name}".encode()
        return [(p, f"{name}.__init__") for p in self._paths if not _is_test(p)
                and word in (self._read(p) or b"")
                and f"{name}.__init__" in self.facts(p).get("functions", {})]

    def _calls_once(self, target, where) -> bool | None:
        """Does function ``target`` call its parameter ``where`` (a position or a keyword)
        once: never in a loop, never handing it on? None when it does not call it."""
        path, key = target
        f = self.facts(path)
        params = f.get("params", {}).get(key, [])
        if "." in key and params[:1] in (["self"], ["cls"]):
            params = params[1:]
        name = where if isinstance(where, str) else params[where] if where < len(params) else ""
        if name not in params:
            return None
        calls = [loop for callee, loop in f["functions"].get(key, []) if callee == name]
        handed = any(n == name for n, *_ in f.get("refs", {}).get(key, []))
        return bool(calls) and not any(calls) and not handed

    # -- the trace -------------------------------------------------------------------

    def entries(self, paths: list) -> set:
        """(file, key) of the entries seen from ``paths``; key "" is a module's main code."""
        out = set()
        for path in paths:
            f = self.facts(path)
            if os.path.basename(path) == "__main__.py" or f.get("main") or f.get("top"):
                out.add((path, ""))  # a module's own code runs once, at import or as main
            if management_command(path) and "Command.handle" in f.get("functions", {}):
                out.add((path, "Command.handle"))  # manage.py runs one command per process
            out |= {t for key, refs in f.get("refs", {}).items() for name, _, callee, where in refs
                    if spawns(callee, where) for t in self.resolve(path, key, name)}
            root = self.resolver.package_root(os.path.dirname(path))
            for directory in (root, os.path.dirname(root)):
                if directory not in self._projects:
                    self._projects[directory] = entry_specs(self._read, directory)
                for spec in self._projects[directory]:
                    module, _, name = spec.partition(":")
                    for base in (directory, os.path.join(directory, "src")):
                        file = self.resolver.module_file(base, module.split("."))
                        if file is not None and name in self.facts(file).get("functions", {}):
                            out.add((file, name))
        return out

    def edges(self, node) -> list:
        """[((file, key), in_loop)] of what function ``node`` (file, key) runs."""
        hit = self._edge_memo.get(node)
        if hit is not None:
            return hit
        path, key = node
        f = self.facts(path)
        if key == "":
            sites = f.get("main", []) + f.get("top", [])
            out = [(t, loop) for callee, loop in sites for t in self.resolve(path, "", callee)]
        else:
            out = [(t, loop) for callee, loop in f.get("functions", {}).get(key, [])
                   for t in self.resolve(path, key, callee)]
            for name, loop, callee, where in f.get("refs", {}).get(key, []):
                if spawns(callee, where):
                    continue  # runs in a child process: an entry of its own (``entries``)
                receivers = self.resolve(path, key, callee)
                once = bool(receivers) and all(self._calls_once(r, where) for r in receivers)
                out += [(t, loop or not once) for t in self.resolve(path, key, name)]
            out += [(t, False) for p in f.get("lookups", {}).get(key, [])
                    for t in self._prefixed(path, key, p)]
            out += [(t, False) for name in f.get("loaded", {}).get(key, [])
                    for t in self._plugins(name)]
            out += [((m, n), loop) for loop in f.get("by_name", {}).get(key, [])
                    for m, n in filter(None, map(partial(self._imported, path), f["dotted"]))
                    if n in self.facts(m).get("functions", {})]
        self._edge_memo[node] = out
        return out

    def trace(self, named: list) -> dict:
        """{file: sorted once keys} for the named files."""
        paths = sorted({os.path.normpath(p) for p in named if p.endswith(".py")})
        self._paths = paths
        callers = [p for p in paths if not _is_test(p)]
        starts = self.entries(callers) | self._test_programs(paths)
        if not starts:
            return {}
        # a function of a test file a test runner may call too is not followed
        once = once_trace.settle(
            starts, lambda node: [(t, loop or self._run_by_tests(t)) for t, loop in self.edges(node)],
            lambda once: self._called_elsewhere(paths, once, starts))
        return once_trace.by_file((p, k) for p, k in once or () if k)

    def _test_programs(self, paths) -> set:
        """The ``__main__`` code of test files that are programs of their own (a test
        package's ``__main__.py``, a ``__main__`` block: a robot or load-test driver)."""
        return {(p, "") for p in paths if _is_test(p) and (
            os.path.basename(p) == "__main__.py"
            or b"__main__" in (self._read(p) or b"") and self.facts(p).get("main"))}

    def _run_by_tests(self, node) -> bool:
        """May a test runner call this function of a test file too (so more than once in
        a process): a test (``test*``, a method of a ``Test*`` class), or a method of a
        class with bases (a ``TestCase`` runs its ``setUp`` before each test)?"""
        path, key = node
        if not _is_test(path):
            return False
        parts = key.split(".")
        if any(p.lower().startswith("test") for p in parts):
            return True
        return len(parts) > 1 and bool(self.facts(path).get("classes", {}).get(parts[0]))

    def _called_elsewhere(self, callers, once, starts) -> set:
        """The once functions other code calls (from a loop, or not once itself). An
        entry called from elsewhere starts the program anew (a forked child, another
        script): only a loop around the call makes it run more than once. Tests re-run
        the program's functions on purpose: their calls count only for the functions of
        test files (a test driver's)."""
        bad = set()
        in_tests = any(_is_test(p) for p, _ in once)  # else no test file's call counts
        for path in sorted(set(callers) | {p for p, _ in once}):
            tests_only = _is_test(path)
            if tests_only and not in_tests:
                continue
            for key in list(self.facts(path).get("functions", {})) + [""]:
                for target, loop in self.edges((path, key)):
                    if tests_only and not _is_test(target[0]):
                        continue
                    if target[1] and target in once and (loop or (
                            (path, key) not in once and target not in starts
                            and key not in self.facts(path).get("ends", ()))):
                        bad.add(target)
        return bad


def _is_test(path: str) -> bool:
    """A test's file, or any file under a directory named for tests (``tests/``,
    ``testsuite/``, ``integration_tests/``): tests re-run the entry on purpose."""
    return is_test_path(path, "python") or any(
        d in TEST_DIRS or d.endswith(("_tests", "_test")) or d.startswith("tests_")
        for d in os.path.normpath(path).lower().split(os.sep)[:-1])
