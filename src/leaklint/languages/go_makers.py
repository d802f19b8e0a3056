"""A Go handle that the value it was made from releases too: the pipe an SSH session's
`StdinPipe()` made goes with `session.Close()` (the lifecycle key ``released_with``, by
acquisition pattern). Such a call on that value, or one deferred before the handle was
made, releases the handle."""

from __future__ import annotations

from .go_syntax import own_nodes, own_of_type, text
from ..tracks import pattern_matches


def maker(track, spec: dict) -> tuple:
    """(the name of the local the handle was made from, the methods of it that release
    the handle) when the acquisition is `x.M()` on a plain name and ``released_with``
    lists methods for it; ("", ()) otherwise."""
    call = track.candidate.call if track.candidate else None
    fn = call.child_by_field_name("function") if call is not None else None
    operand = fn.child_by_field_name("operand") if fn is not None \
        and fn.type == "selector_expression" else None
    if operand is None or operand.type != "identifier":
        return "", ()
    methods = tuple(m for pattern, ms in spec.get("released_with", {}).items()
                    if pattern_matches(pattern, track.candidate.callee) for m in ms)
    return (text(operand), methods) if methods else ("", ())


def calls_release(node, name: str, methods) -> bool:
    """Does ``node`` (not a function literal in it) call `name.M()` for one of ``methods``?"""
    return any(n.type == "call_expression" and _called(n, name, methods) for n in own_nodes(node))


def deferred_release(fn, stmt, name: str, methods) -> bool:
    """Is `defer name.M()` in ``fn`` before ``stmt``, in a block around it?"""
    return stmt is not None and any(
        d.start_byte < stmt.start_byte and d.parent.start_byte <= stmt.start_byte < d.parent.end_byte
        and d.named_children and _called(d.named_children[0], name, methods)
        for d in own_of_type(fn, ("defer_statement",)))


def _called(call, name: str, methods) -> bool:
    fn = call.child_by_field_name("function") if call.type == "call_expression" else None
    if fn is None or fn.type != "selector_expression":
        return False
    operand = fn.child_by_field_name("operand")
    return operand.type == "identifier" and text(operand) == name \
        and text(fn.child_by_field_name("field")) in methods
