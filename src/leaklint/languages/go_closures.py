"""Go closures whose effect on a handle outlives the statement that writes them: one the
function returns, one it defers before the handle exists."""

from __future__ import annotations

from .go_syntax import own_of_type


def closure_returned(n, fn) -> bool:
    """Is the func literal around ``n`` (inside ``fn``) returned by ``fn``, directly or
    through the variable it is assigned to?"""
    lit = n.parent
    while lit is not None and lit != fn and lit.type != "func_literal":
        lit = lit.parent
    if lit is None or lit == fn:
        return False
    p = lit.parent
    if p is not None and p.type == "expression_list" and p.parent is not None \
            and p.parent.type == "return_statement":
        return True
    if p is None or p.type != "expression_list" or p.parent is None \
            or p.parent.type not in ("short_var_declaration", "assignment_statement") \
            or p.parent.child_by_field_name("right") != p:
        return False
    targets = p.parent.child_by_field_name("left").named_children
    index = list(p.named_children).index(lit)
    if index >= len(targets) or targets[index].type != "identifier":
        return False
    name = targets[index].text
    stack = [fn.child_by_field_name("body")]
    while stack:
        m = stack.pop()
        if m is None:
            continue
        if m.type == "return_statement" and any(
                c.type == "identifier" and c.text == name
                for e in m.named_children for c in ([e] + list(e.named_children))):
            return True
        stack.extend(c for c in m.named_children if c.type != "func_literal")
    return False


def deferred_before(fn, stmt) -> list:
    """The func literals deferred (`defer func() { ... }()`) in ``fn`` before the assignment
    ``stmt``, in a block around it: they run when ``fn`` returns and read the variables
    ``stmt`` assigns as they are then (`defer func() { if err != nil { f.Close() } }()`
    before `f, err = os.Open(p)`). A `:=` in an inner block declares other variables."""
    if stmt.type not in ("assignment_statement", "short_var_declaration"):
        return []
    out = []
    for d in own_of_type(fn, ("defer_statement",)):
        if d.start_byte >= stmt.start_byte:
            break
        call = d.named_children[0] if d.named_children else None
        callee = call.child_by_field_name("function") \
            if call is not None and call.type == "call_expression" else None
        if callee is None or callee.type != "func_literal" \
                or not d.parent.start_byte <= stmt.start_byte < d.parent.end_byte:
            continue
        if stmt.type == "short_var_declaration" and stmt.parent != d.parent:
            continue
        out.append(callee)
    return out
