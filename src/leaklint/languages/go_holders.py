"""Locals a Go function builds around a handle it holds: `m := &T{dir: f}` right after
`f, err := os.Open(...)`. The handle is not handed on there: it goes where the local goes
(returned, stored, closed through it), and a return that drops the local, such as the
error return of a later step of a constructor, drops the handle with it."""

from __future__ import annotations

from .go_syntax import local_values, own_of_type, strip_parens, text


def holders(fn, stmt, name: str) -> dict:
    """{local: its composite literal} for each statement `local := &T{..., name, ...}` (or
    `T{...}`) of ``fn`` in the block of the acquisition ``stmt`` and after it, where the
    handle ``name`` is a field's value as written and the local is bound nowhere else."""
    if fn is None or stmt is None or stmt.parent is None:
        return {}
    out = {}
    for decl in own_of_type(fn, ("short_var_declaration",)):
        if decl.parent != stmt.parent or decl.start_byte < stmt.end_byte:
            continue
        left, right = decl.child_by_field_name("left"), decl.child_by_field_name("right")
        if left is None or right is None or len(left.named_children) != 1 \
                or len(right.named_children) != 1:
            continue
        literal = _literal(right.named_children[0])
        local = text(left.named_children[0])
        if literal is None or local == name or not _holds(literal, name) \
                or len(local_values(fn, local) or ()) != 1:
            continue
        out[local] = literal
    return out


def _literal(value):
    """The struct literal ``value`` is, or whose address it takes; else None."""
    value = strip_parens(value)
    if value.type == "unary_expression" and value.child_by_field_name("operator").type == "&":
        value = strip_parens(value.child_by_field_name("operand"))
    kind = value.child_by_field_name("type") if value.type == "composite_literal" else None
    # a struct's (a slice or a map of handles is another shape)
    return value if kind is not None and kind.type in ("type_identifier", "qualified_type") \
        else None


def _holds(literal, name: str) -> bool:
    """Is ``name`` the value of one of the literal's own elements (`{dir: f}`, `{f}`)?"""
    body = literal.child_by_field_name("body")
    for element in body.named_children if body is not None else ():
        value = element.named_children[-1] if element.type == "keyed_element" \
            and element.named_children else element
        while value is not None and value.type == "literal_element" and value.named_children:
            value = value.named_children[0]
        if value is not None and value.type == "identifier" and text(value) == name:
            return True
    return False


def within(node, literals) -> bool:
    """Is ``node`` an element's value of one of ``literals`` (itself, not nested deeper)?"""
    p = node.parent
    while p is not None and p.type in ("literal_element", "keyed_element", "literal_value"):
        p = p.parent
    return p is not None and any(p.id == lit.id for lit in literals)


def runs_on(call) -> bool:
    """Does the method ``call`` on a holder run on with it: in a goroutine (`go m.run()`)
    or as the function's result (`return s.serve()`, a loop that ends it)?"""
    up = call.parent if call is not None else None
    return up is not None and (up.type == "go_statement" or (
        up.type == "expression_list" and up.parent is not None
        and up.parent.type == "return_statement"))
