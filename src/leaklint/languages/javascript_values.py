"""Where a TypeScript/JavaScript value goes once acquired: discarded, returned, kept in
names or collections, or handed on (``binding``); and the local declarations that
decide it (``declares``, ``local_value``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import per_file
from .javascript import (FUNCTIONS, args, callee, enclosing_function, function_body, method_of,
                         norm, receiver, strip, text, up, walk)


def declares(fn, name: str) -> bool:
    """Is ``name`` a parameter or a local variable of ``fn`` (not of nested functions)?"""
    return per_file(("declares", fn.id, fn.start_byte, name), lambda: _declares(fn, name))


def declaring_function(fn, name: str):
    """The function, ``fn`` or one around it, that declares ``name`` (a parameter or a
    local); None when none does: a module-level name or a global."""
    while fn is not None and not declares(fn, name):
        fn = enclosing_function(fn)
    return fn


def _declares(fn, name: str) -> bool:
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    if params is not None:
        for n in walk(params) if params.type != "identifier" else [params]:
            if n.type == "identifier" and text(n) == name:
                return True
        if params.type == "identifier" and text(params) == name:
            return True
    body = function_body(fn)
    if body is None:
        return False
    for n in walk(body, stop=FUNCTIONS):
        if n.type == "variable_declarator":
            nm = n.child_by_field_name("name")
            if nm is not None and any(text(i) == name for i in [nm] + list(walk(nm))
                                      if i.type in ("identifier",
                                                    "shorthand_property_identifier_pattern")):
                return True
    return False


def local_value(fn, name: str):
    """The initializer of local variable ``name`` declared in ``fn`` (or None)."""
    body = function_body(fn)
    if body is None:
        return None
    for n in walk(body, stop=FUNCTIONS):
        if n.type == "variable_declarator" and text(n.child_by_field_name("name")) == name:
            return strip(n.child_by_field_name("value"))
    return None


def iterated_value(fn, name: str):
    """The collection a ``for (const name of xs)`` in ``fn`` walks: ``xs``, through a local
    variable it was read into and a fallback for a missing one (``xs || []``, ``xs ?? []``),
    or None."""
    body = function_body(fn)
    for n in walk(body, stop=FUNCTIONS) if body is not None else ():
        if n.type != "for_in_statement" or text(n.child_by_field_name("left")) != name \
                or not any(c.type == "of" for c in n.children):
            continue
        xs = strip(n.child_by_field_name("right"))
        while xs is not None and xs.type == "binary_expression" \
                and text(xs.child_by_field_name("operator")) in ("||", "??") \
                and strip(xs.child_by_field_name("right")).type == "array":
            xs = strip(xs.child_by_field_name("left"))
        if xs is not None and xs.type == "identifier" and declares(fn, text(xs)):
            return local_value(fn, text(xs))
        return xs
    return None


STORE_METHODS = {"push", "add", "set", "unshift", "concat"}


@dataclass
class Binding:
    mode: str  # discarded | returned | kept (keys name where) | handoff
    keys: set = field(default_factory=set)  # normalized expressions holding the value
    containers: set = field(default_factory=set)  # collections it was added to


def binding(node, scope, release_names=()) -> Binding:
    """Where the value of expression ``node``, acquired in ``scope`` (a
    ``javascript_scopes.Scope``), goes: discarded, returned, kept in names..."""
    p, child = up(node)
    if p is None:
        return Binding("handoff")
    if any(child.start_byte == r.start_byte and child.end_byte == r.end_byte
           for r in scope.returned):
        return Binding("returned")
    t = p.type
    if t in ("expression_statement", "sequence_expression"):
        return Binding("discarded")
    if t == "unary_expression" and text(p).startswith("void"):
        return Binding("discarded")
    if t == "return_statement" or (t == "arrow_function" and p.child_by_field_name("body") == child):
        return Binding("returned")
    if t == "variable_declarator" and p.child_by_field_name("value") == child:
        name = p.child_by_field_name("name")
        if name is None or name.type != "identifier":
            return Binding("handoff")
        b = Binding("kept", {text(name)})
        fn = enclosing_function(node)
        if fn is None:
            return Binding("handoff")
        _follow(fn, text(name), b, release_names)
        return b
    if t == "assignment_expression" and p.child_by_field_name("right") == child:
        b = Binding("kept", set())
        fn = enclosing_function(node)
        while p is not None and p.type == "assignment_expression" \
                and p.child_by_field_name("right") == child:
            # `this.worker = parent = new Worker(...)`: kept under every name of the chain
            left = norm(p.child_by_field_name("left"))
            b.keys.add(left)
            if fn is not None and "." not in left:
                _follow(fn, left, b, release_names)
            p, child = up(p)
        return b
    if t == "arguments":
        call = p.parent
        if method_of(call) in STORE_METHODS and receiver(call) is not None:
            return Binding("kept", set(), {norm(receiver(call))})
        return Binding("handoff")
    if t == "member_expression":
        gp, via = up(p)
        if text(p.child_by_field_name("property")) in RETURN_RECEIVER and gp is not None \
                and gp.type == "call_expression" and gp.child_by_field_name("function") == via:
            return binding(gp, scope, release_names)  # timer.unref() returns the timer
        return Binding("chained")
    return Binding("handoff")


# methods that return the object they are called on: a timer's `unref()`, an event
# emitter's `on(...)` (`this.worker = new Worker(f).on("exit", onExit)` keeps the worker)
RETURN_RECEIVER = {"unref", "ref", "on", "once", "addListener", "prependListener",
                   "prependOnceListener", "setMaxListeners"}


def _follow(fn, name: str, b: Binding, release_names) -> None:
    """Mentions of local ``name`` in ``fn``: copied to a field, returned, passed on."""
    body = function_body(fn)
    if body is None:
        return
    for n in walk(body):
        if n.type not in ("identifier", "shorthand_property_identifier") or text(n) != name:
            continue
        if n.type == "shorthand_property_identifier":
            b.mode = "handoff"
            return
        p, child = up(n)
        if p is None:
            continue
        t = p.type
        if t == "assignment_expression" and p.child_by_field_name("right") == child:
            b.keys.add(norm(p.child_by_field_name("left")))
        elif t == "return_statement" or (t == "arrow_function"
                                          and p.child_by_field_name("body") == child
                                          and enclosing_function(n) == p
                                          and p.parent is not None
                                          and p.parent.type != "arguments"):
            b.mode = "handoff"
            return
        elif t == "arguments":
            call = p.parent
            m = method_of(call)
            if m in STORE_METHODS and receiver(call) is not None:
                b.containers.add(norm(receiver(call)))
            elif m not in release_names and callee(call) not in release_names:
                b.mode = "handoff"
                return
        elif t in ("array", "pair") and not (t == "pair" and p.child_by_field_name("key") == child):
            b.mode = "handoff"
            return


def container_released(calls, containers: set) -> bool:
    """A collection of handles counts as released when a release function works on it
    (``subs.forEach(..)``, ``disposeAll(subs)``) or on each of its elements (``for (const
    s of subs) s.unsubscribe()``); adding to it (``subs.push(s)``) releases nothing."""
    for c in calls:
        if method_of(c) in STORE_METHODS:
            continue
        name = callee(c)
        for k in containers:
            if name.startswith(k + ".") or any(norm(a) == k for a in args(c)) \
                    or _on_element(c, k):
                return True
    return False


def _on_element(call, container: str) -> bool:
    """Is ``call`` made on the variable of a ``for...of`` loop over ``container``?"""
    r = strip(receiver(call)) if receiver(call) is not None else None
    if r is None or r.type != "identifier":
        return False
    loop = call.parent
    while loop is not None and loop.type not in FUNCTIONS:
        left = loop.child_by_field_name("left") if loop.type == "for_in_statement" else None
        if left is not None and text(left) == text(r) \
                and norm(loop.child_by_field_name("right")) == container:
            return True
        loop = loop.parent
    return False


def module_constants(root) -> dict:
    """{name: value} of the names the module binds with a top-level ``const`` (exported or
    not; never assigned again), each value without its parentheses (None when absent)."""
    def compute():
        out = {}
        for c in root.named_children:
            decl = c.child_by_field_name("declaration") if c.type == "export_statement" else c
            if decl is None or decl.type != "lexical_declaration" or not decl.children \
                    or decl.children[0].type != "const":
                continue
            for d in decl.named_children:
                name = d.child_by_field_name("name") if d.type == "variable_declarator" else None
                if name is not None and name.type == "identifier":
                    out[text(name)] = strip(d.child_by_field_name("value"))
        return out
    return per_file(("module-consts", root.id, root.end_byte), compute)
