"""A file's *shape*: what the index needs to know of it to resolve calls and compose
summaries across files, as plain data (cached by content and the lifecycle rules).

- ``functions``: the functions other files can call, with their number of parameters;
- ``calls``: the file's calls that lead out of it, by call reference
  (``languages/*_syntax.call_ref``), with the positions of their plain-name arguments;
- ``local_calls``: the keys of the file's own functions that it calls;
- ``acquiring``: the lifecycle rules with an acquisition in the file that its analysis
  follows (``_Collect.direct``), without any factory;
- ``factories``: per function that may return a fresh resource, the lifecycle rules whose
  acquisition it returns itself (``direct``: code -> the acquiring call's callee; in Go
  the ``*.Name`` pattern it matched when the function itself shows the evidence that the
  result is the rule's resource, which then needs no evidence in its callers) and the
  calls whose result it returns
  (``deps``: ``["local", key, handle index]`` or ``["external", reference, handle
  index]``), composed by ``facts.summaries.Project``;
- Go adds ``package`` and ``build``, TS/JS ``exports``, Python ``imports`` (the names
  its own import statements bind, which other modules may import from it), ``errors``
  (its exception classes outside OSError's family) and ``raised`` (the call references
  its raise statements raise).

A *light* shape (``light``: true) leaves out the calls of a file that holds no
acquisition: taken for a file parsed for another fact, or asked for to resolve a call
into it, and completed when the summaries need its calls (a file that calls a possible
factory).
"""

from __future__ import annotations

from .. import languages, tracks
from ..catalogue import active_on
from ..languages import (go_constructors, go_functions, go_imports, go_returns, go_syntax,
                         go_wrappers)
from ..languages.summaries import element
from .go_build import build_constraint


def lifecycle_rules(settings, family: str) -> list:
    """The lifecycle rules of the run that apply to a language, in a stable order."""
    return sorted((r for r in settings.rules if r.lifecycle is not None and r.applies_to(family)),
                  key=lambda r: r.code)


def short_name(ref: str) -> str:
    """The name a call reference calls a function by: F, M of T.M, f of import:a.b.f,
    the export of import:./x#f."""
    return ref.rsplit("#", 1)[-1] if "#" in ref else ref.rsplit(".", 1)[-1]


def factory_names(shaped) -> set:
    """The names under which the functions of these shapes that may return a fresh
    resource are called: those that return an acquisition themselves, and those that
    return the result of a call by such a name (or of such a function of their own
    file), to a fixed point. A function that returns some other call's result is no
    factory until a factory is found under that call's name."""
    shaped = [facts for facts in shaped if facts]
    pending = [(i, q, f) for i, facts in enumerate(shaped)
               for q, f in facts.get("factories", {}).items()]
    keys, names = set(), set()  # (shape index, function key) found; their names
    while True:
        found = [(i, q) for i, q, f in pending
                 if f["direct"] or any((i, d[1]) in keys if d[0] == "local"
                                       else short_name(d[1]) in names for d in f["deps"])]
        if not found:
            break
        keys.update(found)
        names.update(q.rsplit(".", 1)[-1] for _, q in found)
        # an object that owns a handle from its constructor is made by `C(...)`
        names.update(q[:-len(".__init__")].rsplit(".", 1)[-1] for _, q in found
                     if q.endswith(".__init__"))
        names.update(e for i in {i for i, _ in found}
                     for e, q in shaped[i].get("exports", {}).items() if (i, q) in keys)
        pending = [e for e in pending if (e[0], e[1]) not in keys]
    return {n.encode() for n in names}


def valid(facts) -> bool:
    """Is ``facts`` (read from the facts cache) a shape, whole or light, of this format?"""
    return (isinstance(facts, dict) and isinstance(facts.get("functions"), dict)
            and isinstance(facts.get("calls"), dict) and isinstance(facts.get("local_calls"), list)
            and isinstance(facts.get("factories"), dict)
            and all(isinstance(f, dict) and isinstance(f.get("direct"), dict)
                    and isinstance(f.get("deps"), list)
                    and all(isinstance(d, list) and len(d) == 3 for d in f["deps"])
                    for f in facts["factories"].values())
            and all(isinstance(v, list) and all(isinstance(i, int) for i in v)
                    for v in facts["calls"].values()))


GO_BUILTINS = {b"len", b"cap", b"append", b"make", b"new", b"panic", b"recover", b"print",
               b"println", b"copy", b"delete", b"close", b"complex", b"real", b"imag", b"min",
               b"max", b"clear", b"string", b"int", b"byte", b"error"}


def shape(lang: str, ctx, full: bool = True) -> dict:
    """The shape of the file of ``ctx`` (``lang``: its grammar). Not ``full``: a file with
    no acquisition of any lifecycle rule gets a light shape, without its calls (no
    ``calls``, ``local_calls`` or ``factories``; ``light`` true): what another file's
    calls into it resolve by, and that its analysis follows no handle of its own."""
    rules = lifecycle_rules(ctx.settings, ctx.family)
    if ctx.family == "go":
        return _go(ctx, rules, full)
    if ctx.family == "python":
        return _python(ctx, rules, full)
    return _javascript(lang, ctx, rules, full)


class _Collect:
    """The calls of one file, sorted into the shape's sections."""

    def __init__(self, by_id: dict, rules):
        self.by_id = by_id  # function node id -> key
        self.his = sorted({r.lifecycle.get("handle", 0) for r in rules})
        self.calls: dict = {}
        self.local: set = set()
        self.factories: dict = {}
        self.acquiring: set = set()  # codes of the rules with an acquisition in the file
        self.memo: dict = {}

    def call(self, call, fn, keys, ref, positions, returned) -> None:
        if keys:
            self.local.update(keys)
        elif ref:
            self.calls.setdefault(ref, set()).update(positions)
        owner = self.by_id.get(fn.id) if fn is not None else None
        if owner is None or not (keys or ref):
            return
        for hi in self.his:
            if returned(call, fn, hi):
                deps = [["local", k, hi] for k in keys] if keys else [["external", ref, hi]]
                entry = self._entry(owner)
                for d in deps:
                    if d not in entry["deps"]:
                        entry["deps"].append(d)

    def direct(self, cand, fn, returned, acquisition=None) -> None:
        self.acquiring.add(cand.rule.code)
        owner = self.by_id.get(fn.id) if fn is not None else None
        if owner is not None and returned(cand.call, fn, cand.rule.lifecycle.get("handle", 0)):
            self._entry(owner)["direct"].setdefault(
                cand.rule.code, acquisition(cand, fn) if acquisition else cand.callee)

    def owned(self, owner: str, code: str, callee: str) -> None:
        """``owner`` (a constructor) makes an object that owns what ``callee`` acquires."""
        self._entry(owner)["direct"].setdefault(code, callee)

    def _entry(self, owner: str) -> dict:
        return self.factories.setdefault(owner, {"direct": {}, "deps": []})

    def result(self) -> dict:
        return {"calls": {r: sorted(p) for r, p in sorted(self.calls.items())},
                "local_calls": sorted(self.local), "acquiring": sorted(self.acquiring),
                "factories": {q: {"direct": dict(sorted(f["direct"].items())), "deps": sorted(f["deps"])}
                              for q, f in sorted(self.factories.items())}}


def _calls(lang, root, query, keep) -> list:
    """The calls a query finds whose captured name ``keep`` accepts, in source order."""
    found = {}
    for _, caps in languages.matches(lang, query, root):
        name = (caps.get("f") or caps.get("o"))[0]
        if keep(caps, name.text):
            call = caps["c"][0]
            found[call.id] = call
    return sorted(found.values(), key=lambda c: c.start_byte)


def _go(ctx, rules, full=True) -> dict:
    from ..languages.go import GoAdapter  # each language's model, loaded as a file asks for it

    root = ctx.tree.root_node
    adapter = GoAdapter(ctx)
    table = adapter.functions()
    out = _Collect({fn.id: q for q, (fn, _) in table.items()}, rules)

    def returned(call, fn, hi):
        return go_returns.returned(call, fn, hi, out.memo)

    # only the rules whose prefilter matches can make one of its functions return a fresh
    # resource by itself
    acquiring = active_on(rules, ctx.src.data)
    for cand in adapter.direct_candidates(acquiring) if acquiring else ():
        if go_wrappers.over_no_stream(cand):
            continue  # holds nothing: returning or keeping it makes no factory
        fn = go_syntax.enclosing_function(cand.call)
        out.direct(cand, fn, returned, adapter.returned_acquisition)
        # a constructor whose result keeps the handle in a field its Close releases
        spec = cand.rule.lifecycle
        if fn is not None and fn.id in out.by_id and go_constructors.owned_by_result(
                cand.call, fn, spec.get("handle", 0), spec["release"], out.memo):
            made = adapter.returned_acquisition(cand, fn)
            if made != cand.callee or any(tracks.pattern_matches(p, made)
                                          for p in spec["acquire"] if not p.startswith("*.")):
                out.owned(out.by_id[fn.id], cand.rule.code, made)  # (no name-only match)
    head = {"package": go_syntax.package_name(root), "build": build_constraint(ctx.src.data),
            "functions": {q: len(p) for q, (_, p) in table.items()}}
    if not (full or out.acquiring):
        return {**head, **out.result(), "light": True}
    receivers = {n.encode() for fn, _ in table.values() if fn.type == "method_declaration"
                 for n in go_syntax.receiver_names(fn)}
    imports = adapter.package_imports()
    operands = receivers | {n.encode() for n in imports}
    calls = _calls("go", root, "[(call_expression function: (identifier) @f)"
                               " (call_expression function: (selector_expression"
                               " operand: (identifier) @o))] @c",
                   lambda caps, name: name not in GO_BUILTINS if "f" in caps else name in operands)
    for call, fn, decl in _go_functions_around(root, calls):
        keys = adapter.resolve(call, decl)
        out.call(call, fn, keys, None if keys else go_imports.call_ref(call, imports, decl),
                 go_syntax.identifier_arguments(call), returned)
    return {**head, **out.result()}


def _go_functions_around(root, calls):
    """(call, the function around it, the declaration around it) for ``calls`` in source
    order: one sweep over the file's declarations and function literals (asking each
    call's ancestors costs a walk from the root per step)."""
    decls = go_functions.declarations(root)
    literals = sorted(languages.of_type(root, ("func_literal",), "go"), key=lambda n: n.start_byte)
    d = li = 0
    open_literals: list = []
    for call in calls:
        at = call.start_byte
        while d < len(decls) and decls[d].end_byte <= at:
            d += 1
        decl = decls[d] if d < len(decls) and decls[d].start_byte <= at else None
        while li < len(literals) and literals[li].start_byte < at:
            while open_literals and open_literals[-1].end_byte <= literals[li].start_byte:
                open_literals.pop()
            open_literals.append(literals[li])
            li += 1
        while open_literals and open_literals[-1].end_byte <= at:
            open_literals.pop()
        fn = next((n for n in reversed(open_literals)
                   if n.start_byte < at < n.end_byte), None) or decl
        yield call, fn, decl


def _python(ctx, rules, full=True) -> dict:
    from ..languages import (python_classes, python_clients, python_members,
                             python_registrations, python_syntax)
    from ..languages.python import PythonAdapter
    from ..languages.python_lowering import non_os_error_classes
    from ..languages.python_shapes import returned_element

    root = ctx.tree.root_node
    adapter = PythonAdapter(ctx)
    names = python_syntax.module_imports(root)
    by_id = {fn.id: q for q, defs in adapter.functions().items() for fn, _, _ in defs}
    out = _Collect(by_id, rules)

    def returned(call, fn, hi):
        return hi == 0 and python_syntax.returned(call, fn, out.memo) \
            and not python_registrations.release_registered(call, fn)

    acquiring = active_on(rules, ctx.src.data)
    setups = set()  # the classes with an acquisition in a method that sets an object up
    kept = {}  # rule code -> where a setup keeps such a handle in a field (``FieldUse.at``)
    for cand in adapter.direct_candidates(acquiring) if acquiring else ():
        if not adapter.acquires(cand):
            continue  # `audio.open(path)` of a module that is no path or archive
        fn = python_syntax.enclosing_function(cand.call)
        if fn is None or not (adapter.read_whole(cand, cand.rule.lifecycle)
                              and python_syntax.read_to_end_at(cand.call, fn, "python")):
            out.direct(cand, fn, returned)  # (a response it read to its end is no fresh one)
        at = returned_element(cand.call, fn, out.memo) if fn is not None and cand.part < 0 \
            and not returned(cand.call, fn, 0) else -1
        if at >= 0:  # `return f, path`: its callers unpack the handle (`f, name = g(p)`)
            out.direct(cand, fn, lambda *_: True, lambda c, _, at=at: element(c.callee, at))
        if fn is not None and python_syntax.text(fn.child_by_field_name("name")) in python_members.SETUPS:
            cls = python_syntax.enclosing_class(fn)
            if cls is not None:
                setups.add(python_syntax.text(cls.child_by_field_name("name")))
                kept.setdefault(cand.rule.code, set()).update(python_members.kept_at(cand.call))
    # a module-level name bound to a maker of fresh handles (`Session = sessionmaker()`):
    # calling it, here or in a module that imports it, makes one
    made = python_clients.made_callables(root, adapter.names, acquiring)
    for name, codes in made.items():
        for code, what in codes.items():
            out.acquiring.add(code)
            out.owned(name, code, what)
    classes = python_classes.module_classes(root)
    head = {"functions": {**python_syntax.module_functions(root),
                          **python_classes.class_methods(root), **{name: 0 for name in made}},
            # names the module imports, which others may import from it (a package's
            # __init__.py re-exporting its submodules' classes and functions)
            "imports": python_syntax.module_imports(root, own_names=True),
            # its exception classes that are no OS error (raised from it, or from another
            # module that imports them, they pass a handler of OS errors by)
            "errors": non_os_error_classes(classes)}
    if not (full or out.acquiring):
        return {**head, **out.result(), "light": True}
    # a class whose constructor keeps a handle that its own close() releases: `C(...)`
    # makes a fresh resource, as a factory function does
    for name, cls in classes.items() if setups else ():
        init = f"{name}.__init__"
        if name not in setups or init not in adapter.functions():
            continue
        for r in acquiring:
            made = adapter.members().owned(cls, python_members.acquirer(r), r.lifecycle["release"],
                                           kept.get(r.code, ()))
            if made:
                out.owned(init, r.code, made)
    # a subclass of such a class that leaves its release to it owns the same handle
    for name, cls in classes.items() if setups else ():
        base = python_members.owning_base(cls, classes, out.factories, adapter.functions())
        if base:
            for code, made in out.factories[f"{base}.__init__"]["direct"].items():
                out.owned(f"{name}.__init__", code, made)
    known = {n.encode() for n in names} | {q.split(".", 1)[0].encode() for q in adapter.functions()}
    # locals given an object of a known class (`config = Config(...)`): their methods are
    # that class's (``PythonCalls.target``)
    known |= {n.encode() for n in adapter.constructed()}
    # the names of calls that may make a handle in place, as an argument
    made_by = {tracks.last_name(p) for r in rules for p in r.lifecycle["acquire"]}
    calls = _calls("python", root, "[(call function: (identifier) @f)"
                                   " (call function: (attribute object: (identifier) @o))"
                                   " (call function: (attribute object: (call function: (identifier) @o)))] @c",
                   lambda caps, name: name in known or (name in (b"self", b"cls", b"super") and "o" in caps))
    raised = set()  # the references of the calls a raise statement raises
    for call in calls:
        keys, ref, _ = adapter.target(call, python_syntax.callee_text(call))
        out.call(call, python_syntax.enclosing_function(call), keys, None if keys else ref,
                 python_syntax.identifier_arguments(call, made_by), returned)
        if ref and not keys and call.parent is not None and call.parent.type == "raise_statement":
            raised.add(ref)
    return {**head, **out.result(), "raised": sorted(raised)}


def _javascript(lang, ctx, rules, full=True) -> dict:
    from ..languages import javascript_modules
    from ..languages.javascript import JsAdapter, enclosing_function as js_enclosing_function

    root = ctx.tree.root_node
    adapter = JsAdapter(ctx)
    functions = adapter.functions()
    imported = javascript_modules.imports(root, nested=True)
    out = _Collect({fn.id: name for name, fn in functions.items()}, rules)

    def returned(call, fn, hi):
        return hi == 0 and javascript_modules.returned(call, fn, out.memo)

    acquiring = active_on(rules, ctx.src.data)
    for cand in adapter.direct_candidates(acquiring) if acquiring else ():
        fn = js_enclosing_function(cand.call)
        outer = javascript_modules.promised(cand.call, fn)
        if outer is not None:  # resolved with it by the executor of the promise outer returns
            out.direct(cand, outer, lambda call, f, hi: hi == 0)
        else:
            out.direct(cand, fn, returned)
    head = {"functions": {n: len(javascript_modules.parameters(f)) for n, f in functions.items()},
            "exports": javascript_modules.exports(root, functions)}
    if not (full or out.acquiring):
        return {**head, **out.result(), "light": True}
    known = {n.encode() for n in imported} | {n.encode() for n in functions}
    calls = _calls(lang, root, "[(call_expression function: (identifier) @f)"
                               " (call_expression function: (member_expression"
                               " object: (identifier) @o))] @c",
                   lambda caps, name: name in known)
    for call in calls:
        keys = adapter.resolve(call)
        out.call(call, js_enclosing_function(call), keys,
                 None if keys else javascript_modules.call_ref(call, imported),
                 javascript_modules.identifier_arguments(call), returned)
    return {**head, **out.result()}
