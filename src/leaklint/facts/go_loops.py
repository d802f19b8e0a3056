"""How far a Go loop turns, as far as its header and its ways out tell: what the context
policy needs to judge something that piles up once per turn (``contexts.PER_TURN``)."""

from __future__ import annotations

from ..languages.go import own_nodes


def loop_bound(loop) -> str:
    """A phrase saying what bounds the ``for`` statement ``loop``, or "" when nothing does
    (``for { ... }`` without such exits, a benchmark's ``b.N`` / ``b.Loop()``)."""
    if _over_fixed_data(loop):
        return "over the test's own cases or a fixed count"
    body = loop.child_by_field_name("body")
    if body is not None and _until_refused(body):
        return "that ends when its own acquisitions are refused"
    return ""


def _over_fixed_data(loop) -> bool:
    """A loop with a header (a range over a table, a count) that is not a benchmark's: in
    a test it turns over the test's own cases. Not so for ``b.N`` / ``b.Loop()`` (it grows
    with the run) or an open-ended ``for { ... }``."""
    header = [c for c in loop.named_children if c.type != "block"]
    if not header:
        return False
    text = b" ".join(c.text for c in header)
    return b".N" not in text and b".Loop()" not in text


def _until_refused(body) -> bool:
    """An open-ended loop whose only ways out are the failures of its own acquisitions
    (`if err != nil { break }`): a test filling a server up to its limit, holding each
    connection until the test ends. It turns as many times as the limit allows."""
    exits = [n for n in own_nodes(body)
             if n.type in ("break_statement", "return_statement", "goto_statement")
             and _loop_of(n) == body.parent]
    if not exits:
        return False
    errors = set()
    for n in own_nodes(body):
        if n.type in ("short_var_declaration", "assignment_statement"):
            right = n.child_by_field_name("right")
            if right is not None and any(v.type == "call_expression" for v in right.named_children):
                errors |= {c.text.decode() for c in n.child_by_field_name("left").named_children
                           if c.type == "identifier" and c.text != b"_"}
    for e in exits:
        guard = e.parent
        while guard is not None and guard.type in ("block", "statement_list"):
            guard = guard.parent
        cond = guard.child_by_field_name("condition") if guard is not None \
            and guard.type == "if_statement" else None
        if cond is None or cond.type != "binary_expression" \
                or cond.child_by_field_name("operator").type != "!=" \
                or cond.child_by_field_name("right").type != "nil" \
                or cond.child_by_field_name("left").text.decode() not in errors:
            return False
    return True


def _loop_of(node):
    """The loop a break, return or goto at ``node`` leaves: the innermost `for` around an
    unlabeled break outside any switch/select, the function's outermost loop otherwise."""
    p = node.parent
    if node.type == "break_statement" and not node.named_children:
        while p is not None and p.type not in ("for_statement", "expression_switch_statement",
                                              "type_switch_statement", "select_statement",
                                              "func_literal"):
            p = p.parent
        return p if p is not None and p.type == "for_statement" else None
    outer = None
    while p is not None and p.type not in ("func_literal", "function_declaration",
                                          "method_declaration"):
        if p.type == "for_statement":
            outer = p
        p = p.parent
    return outer
