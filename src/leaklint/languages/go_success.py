"""A call that takes a Go handle only when it succeeds: a constructor of another module
that wraps it (`session, err := yamux.Client(conn, cfg)`) owns the handle once it returns
without an error; when it fails, the caller still does. Only the check of that call's own
error right after it tells the two apart."""

from __future__ import annotations

from .go_returns import assigned
from .go_syntax import body_statements


def failure_check(call) -> tuple | None:
    """(the `if err != nil { ... return }` statement, err's name) when ``call`` is bound as
    `x, err := call(...)` (or `err = call(...)`, or in that `if`'s initializer) and that
    check comes next; None otherwise."""
    error = assigned(call, -1)  # the last of the names the call's results are bound to
    if error is None:
        return None
    stmt = error.parent.parent
    check = stmt.next_named_sibling
    if stmt.parent is not None and stmt.parent.type == "if_statement" \
            and stmt.parent.child_by_field_name("initializer") == stmt:
        check = stmt.parent
    while check is not None and check.type == "comment":
        check = check.next_named_sibling
    if check is None or check.type != "if_statement" \
            or check.child_by_field_name("alternative") is not None:
        return None
    cond, then = check.child_by_field_name("condition"), check.child_by_field_name("consequence")
    body = body_statements(then) if then is not None else []
    name = error.text.decode()
    if cond is None or not body or body[-1].type != "return_statement" \
            or not tests_failure(cond, name):
        return None
    return check, name


def tests_failure(cond, name: str) -> bool:
    """Is ``cond`` `name != nil`?"""
    if cond.type != "binary_expression":
        return False
    op, left = cond.child_by_field_name("operator"), cond.child_by_field_name("left")
    right = cond.child_by_field_name("right")
    return (op is not None and op.type == "!=" and left is not None and right is not None
            and left.type == "identifier" and left.text.decode() == name and right.type == "nil")
