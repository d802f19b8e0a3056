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


def drained(call, expr, drains) -> tuple | None:
    """Does ``call`` read ``expr`` (an argument of it) to its end, as one of ``drains``
    does (the lifecycle key ``drained_by``: `io.ReadAll`, or `io.Copy:1` for the argument
    at 1), with its error checked right after? A read that reaches the end gives an HTTP
    response's connection back; one that fails need not. (None, err) when the next
    statement ends the test unless err is nil (`require.NoError(t, err)`): the handle is
    done with at the call; (the `if err != nil { ... return }`, err) when that check
    follows (``failure_check``): done with where it is false; None otherwise."""
    args = call.child_by_field_name("arguments")
    values = [a for a in args.named_children if a.type != "comment"] if args is not None else []
    callee = call.child_by_field_name("function")
    if expr not in values or callee is None:
        return None
    name = callee.text.decode()
    if not any(d.partition(":")[0] == name and int(d.partition(":")[2] or 0) == values.index(expr)
               for d in drains):
        return None
    found = failure_check(call)
    if found is not None:
        return found
    error = assigned(call, -1)
    stmt = error.parent.parent if error is not None else None
    after = stmt.next_named_sibling if stmt is not None else None
    return (None, error.text.decode()) if after is not None and _requires_nil(after, error) \
        else None


def _requires_nil(stmt, error) -> bool:
    """Is ``stmt`` `require.NoError(t, err)` (or `Nil`, or a suite's `s.Require()`), which
    ends the test unless ``error`` is nil?"""
    call = stmt.named_children[0] if stmt.type == "expression_statement" else None
    fn = call.child_by_field_name("function") if call is not None \
        and call.type == "call_expression" else None
    if fn is None or fn.type != "selector_expression" \
            or fn.child_by_field_name("field").text.decode() not in ("NoError", "Nil"):
        return False
    owner = fn.child_by_field_name("operand").text.decode()
    args = call.child_by_field_name("arguments")
    return (owner == "require" or owner.endswith(".Require()")) and args is not None \
        and any(a.type == "identifier" and a.text == error.text for a in args.named_children)
