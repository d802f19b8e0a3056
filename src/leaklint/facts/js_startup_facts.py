"""The start-up facts of one JS/TS file, as plain data (``js_startup`` reads them across
the files of a run): the AMD modules it defines and the methods of their dependencies
those call, what it clears on the page's own objects, the directories it loads modules
from by a computed name, how it uses what it imports (``starts``, ``once``, ``uses``,
``made``, ``made_in``) and which of its exports register listeners for their callers.
"""

from __future__ import annotations

from .. import languages
from ..languages import nearest, recent_syntax
from ..languages.javascript import (FUNCTIONS, LOOPS, args, calls_in, enclosing_function,
                                    function_name, identifiers_named, method_of, norm, receiver,
                                    returned_values, strip, text, up)
from ..languages.javascript_children import creator_arguments, made_per_call
from ..languages.javascript_modules import exports, imports, top_functions
from ..languages.javascript_registrations import summary
from ..languages.javascript_load import load_time_functions
from ..languages.javascript_runs import AMD_DEFINE
from ..languages.javascript_scopes import ONE_SHOT_CALLBACKS
from ..languages.spelled import written

LOADERS = AMD_DEFINE | {"require", "requirejs"}
# the page's own objects, as a listener's target is written
PAGE_TARGETS = {"window", "document", "$(window)", "$(document)", "jQuery(window)",
                "jQuery(document)"}
CLEAR_ALL = {"off", "removeAllListeners", "unbind"}
# every name in LOADERS holds one of these
_LOADER_WORDS = (b"define", b"require")


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
    facts = {"name": "", "calls": {}, "boot": [], "clears": [], "loads": [], "fills": [],
             "default_class": _default_class(root),
             **_import_uses(root), "registers": _registration_helpers(root)}
    # the calls looked at below are named in the text: a file naming none is not walked
    source = root.text
    loads = any(w in source for w in _LOADER_WORDS)
    clears = written(source, CLEAR_ALL)
    for c in calls_in(root) if loads or clears else ():
        if clears and method_of(c) in CLEAR_ALL and len(args(c)) == 1 \
                and strip(args(c)[0]).type == "string" and norm(receiver(c)) in PAGE_TARGETS:
            facts["clears"].append([norm(receiver(c)), text(args(c)[0]).strip("'\"")])
        if not loads:
            continue
        if method_of(c) == "html" and len(args(c)) == 1 and _selection(receiver(c)):
            facts["fills"].append(norm(receiver(c)))
        head = norm(c.child_by_field_name("function"))
        if head not in LOADERS:
            continue
        a = args(c)
        if head == "require" and _pages_loaded(a):
            facts["pages"] = True
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
    if not facts.pop("pages", False):
        facts["fills"] = []  # only the router's container stays while pages come and go
    return facts


def _selection(node) -> bool:
    """``$("#main")`` / ``jQuery(".page")``: the page's elements found by a selector."""
    n = strip(node)
    return n is not None and n.type == "call_expression" \
        and norm(n.child_by_field_name("function")) in ("$", "jQuery") and len(args(n)) == 1 \
        and strip(args(n)[0]).type == "string"


def _pages_loaded(a: list) -> bool:
    """``require(["pages/" + url], function (page) {...})``: a module loaded by a computed
    name, as a client-side router loads the module of each page it shows."""
    names = strip(a[0]) if len(a) == 2 else None
    return names is not None and names.type == "array" and any(
        strip(x) is not None and strip(x).type in ("binary_expression", "identifier",
                                                   "template_string", "member_expression")
        for x in names.named_children)


def _default_class(root) -> str:
    """The name of the class the module exports by default (``export default class X``)."""
    for c in root.named_children:
        decl = c.child_by_field_name("declaration") if c.type == "export_statement" else None
        name = decl.child_by_field_name("name") if decl is not None else None
        if name is not None and decl.type in ("class_declaration", "class") \
                and any(ch.type == "default" for ch in c.children):
            return text(name)
    return ""


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
    call in a function or in a callback that may run again, a value handed on);
    ``children``, [specifier, name, argument index, method] for each ``new X(...)`` a
    method makes anew per call, handing it the method's own object at that index
    (``languages.javascript_children``); ``called_in``, [specifier, name, caller] for each
    call made directly (not in a loop or a callback) by a top-level function ``caller``
    that is not known to run only at load."""
    out = {"starts": [], "once": [], "uses": [], "made": [], "made_in": [], "called_in": [],
           "children": []}
    imported = imports(root)
    if not imported:
        return out
    load_time = load_time_functions(root)
    # relative specifiers, and others that a project's import aliases may map to its files
    # (``@providers/updates``): only the index knows which (``modules.Resolver``)
    for ident in _mentions(root, [n for n, (spec, _) in imported.items()
                                  if spec[:1] == "." or not _package_import(spec)]):
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
        own = fn = enclosing_function(ident)
        once = True
        while fn is not None:
            holder = up(fn)[0]
            if fn.id not in load_time:
                if holder is None or holder.type != "arguments":
                    break
                once = once and method_of(holder.parent) in ONE_SHOT_CALLBACKS
            fn = enclosing_function(fn)  # a callback handed to a call at top level
        made = p.type == "new_expression" and p.child_by_field_name("constructor") == child
        method = made_per_call(p) if made else ""
        if method:
            out["children"].extend([spec, name, i, method] for i in creator_arguments(p))
        if made and (own is None or own.id in load_time) and nearest(ident, LOOPS) is None:
            # `const x = new X()` at top level, or in a function only the module's load
            # runs, once (`function createWindow() { new AppWindow() }` on app ready)
            out["made"].append([spec, name])
            continue
        maker = _maker(own) if made else ""
        if maker and nearest(ident, LOOPS, own) is None:
            # one object each time that function runs: as many as it runs (start-up code
            # that runs once, a singleton's constructor)
            out["made_in"].append([spec, name, maker])
            continue
        if call is not None and fn is None:
            out["starts"].append([spec, name])
        caller = _maker(own) if call is not None and fn is not None and fn == own \
            and nearest(ident, LOOPS, own) is None else ""
        if caller and "#" not in caller:
            # called directly by a top-level function of this module, at most once per run
            # of it: once when that function runs once (``js_startup`` follows the callers)
            out["called_in"].append([spec, name, caller])
            continue
        out["once" if call is not None and fn is None and once else "uses"].append([spec, name])
    return out


def _package_import(spec: str) -> bool:
    """Is ``spec`` surely a package's (``node:fs``, ``react``, ``lodash``), not a path a
    project's import alias may map? A bare name with no ``/`` and no ``@``, ``~`` or ``#``
    in front is; ``@/lib/x``, ``~/x``, ``@providers/updates`` or ``lodash/debounce`` may be
    an alias, which only the index can tell (``modules.Resolver``)."""
    return spec.startswith("node:") or ("/" not in spec and not spec.startswith(("@", "~", "#")))


def _maker(fn) -> str:
    """The key of a function that makes objects, when it is a module's own top-level
    function (``function boot()``, ``const boot = () => ...``: its name) or a top-level
    class's constructor (``"Class#constructor"``); "" for any other."""
    if fn is None:
        return ""
    holder = fn.parent
    if fn.type == "method_definition" and function_name(fn) == "constructor":
        cls = holder.parent if holder is not None and holder.type == "class_body" else None
        name = cls.child_by_field_name("name") if cls is not None else None
        return f"{text(name)}#constructor" if name is not None and _top_level(cls) else ""
    if fn.type == "function_declaration":
        return function_name(fn) if _top_level(fn) else ""
    if holder is not None and holder.type == "variable_declarator" \
            and holder.parent is not None and _top_level(holder.parent):
        return function_name(fn)
    return ""


def _top_level(node) -> bool:
    parent = node.parent
    if parent is not None and parent.type == "export_statement":
        parent = parent.parent
    return parent is not None and parent.type == "program"


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


def parse_root(path: str, data: bytes | None):
    """The tree root of a JS/TS file's bytes, or None."""
    lang = languages.language_of(path)
    if data is None or lang is None or not any(w in data for w in (
            b"define", b"require", b"import", b"addEventListener")):
        return None
    return recent_syntax.parse(lang, data, languages.parser(lang).parse).root_node
