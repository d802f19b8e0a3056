"""Acquisitions a Go function shows by its own code, for a rule whose ``acquire`` is "*":
`x, err := anything(...)` whose result ``x`` the same function (or a closure in it, a
deferred one included) closes with one of the rule's ``evidence`` methods (`x.Close()`).
The function says the value must be closed; a return that leaves without it is the leak.
A call another rule of the run acquires is that rule's. Also the evidence a call gives by
its own shape (``conventional_call``)."""

from __future__ import annotations

from . import matches
from ..tracks import Candidate
from .go_syntax import callee_text, enclosing_function, text
from .spelled import calls_named

_BOUND = ("[(short_var_declaration left: (expression_list . (identifier) @h . (identifier) .)"
          "  right: (expression_list . (call_expression) @c .))"
          " (assignment_statement left: (expression_list . (identifier) @h . (identifier) .)"
          "  right: (expression_list . (call_expression) @c .))]")


def evidenced(root, rules, taken: list) -> list:
    """Candidates of the "*" rules among ``rules`` in the file ``root``; ``taken``: the
    candidates of the other rules, whose calls are theirs."""
    wanting = [r for r in rules if "*" in r.lifecycle["acquire"]]
    if not wanting:
        return []
    shown: dict = {}  # (function id, name) -> the evidence methods called on it
    methods = {m for r in wanting for m in r.lifecycle.get("evidence", ())}
    for call in calls_named(root, methods, "go"):
        selector = call.child_by_field_name("function")
        handle = selector.child_by_field_name("operand")
        if selector.type != "selector_expression" or handle.type != "identifier":
            continue
        fn = enclosing_function(handle)
        while fn is not None:
            shown.setdefault((fn.id, text(handle)), set()).add(
                text(selector.child_by_field_name("field")))
            fn = enclosing_function(fn)
    if not shown:
        return []
    busy = {c.call.id for c in taken}
    out = []
    for _, caps in matches("go", _BOUND, root):
        call, name = caps["c"][0], text(caps["h"][0])
        fn = enclosing_function(call)
        used = shown.get((fn.id, name)) if fn is not None else None
        if not used or call.id in busy or name == "_":
            continue
        out += [Candidate(r, call, callee_text(call)) for r in wanting
                if used & set(r.lifecycle.get("evidence", ()))]
    return out


def conventional_call(call, arity: dict) -> bool:
    """Is ``call`` a method of a conventional interface, told by its name and its number
    of arguments (``arity``: {"DialContext": 3}: `d.DialContext(ctx, network, address)`
    returns a connection whatever type d is)?"""
    fn, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if fn is None or fn.type != "selector_expression" or args is None:
        return False
    want = arity.get(fn.child_by_field_name("field").text.decode())
    return want == len([a for a in args.named_children if a.type != "comment"])
