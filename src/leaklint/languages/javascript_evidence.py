"""Acquisitions a TS/JS function shows by its own code: a value it makes by a creating
call (``javascript_syntax.fresh``: `create...`, `open...`, `connect...`) and binds to a
local (`const runner = ds.createQueryRunner()`), on which the same function calls one of
the rule's ``evidence`` methods (`runner.release()`) on some path. The function says the
value must be released; a path that leaves without it is the leak.

Values the function was given, reads from a field or looks up are not its own; a value a
nested function (a callback, a returned cleanup) also names may be released there."""

from __future__ import annotations

from .javascript_syntax import (FUNCTIONS, callee, chained_call, enclosing_function, fresh,
                                function_body, method_of, receiver, strip, text, walk)


def evidenced(calls, spec: dict) -> list:
    """The creating calls among ``calls`` whose result a local of their function holds,
    on which the function itself calls an ``evidence`` method, and that no function
    nested in it names."""
    methods = set(spec["evidence"])
    shown: set = set()  # (function id, name) of each name an evidence method is called on
    for call in calls:
        if method_of(call) not in methods:
            continue
        obj = strip(receiver(call))
        fn = enclosing_function(call)
        if obj is not None and obj.type == "identifier" and fn is not None:
            shown.add((fn.id, text(obj)))
    out = []
    for call in calls if shown else ():
        value, p = call, call.parent
        if p is not None and p.type == "await_expression":
            value, p = p, p.parent
        if p is None or p.type != "variable_declarator" or p.child_by_field_name("value") != value:
            continue
        name = p.child_by_field_name("name")
        fn = enclosing_function(call)
        if name is None or name.type != "identifier" or fn is None \
                or (fn.id, text(name)) not in shown or not fresh(call) \
                or _captured(fn, text(name)):
            continue
        out.append(call)
    return out + _chained(calls, out, spec.get("chained_use", ()))


def _chained(calls, released, methods) -> list:
    """``this.createQueryRunner().query(sql)`` in a function that releases what another
    call of the same callee made (`const runner = this.createQueryRunner(); ...
    runner.release()`): the function says that such values are released, and this one is
    dropped after one use (a ``chained_use`` method called on it where it is made)."""
    made = {(enclosing_function(c).id, callee(c)) for c in released}
    out = []
    for call in calls if made and methods else ():
        if not chained_call(call, methods):
            continue
        fn = enclosing_function(call)
        if fn is not None and (fn.id, callee(call)) in made and fresh(call):
            out.append(call)
    return out


def _captured(fn, name: str) -> bool:
    """Does a function nested in ``fn`` name ``name``?"""
    body = function_body(fn)
    for n in walk(body) if body is not None else ():
        if n.type in FUNCTIONS and any(m.type == "identifier" and text(m) == name
                                       for m in walk(n)):
            return True
    return False
