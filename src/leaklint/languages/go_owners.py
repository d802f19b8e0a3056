"""Values that own what their methods acquire: a rule's ``[lifecycle] owners`` lists their
declared types (`*sql.Tx`), ``owner_makers`` the methods that make one (`db.Begin()`).

A statement prepared on a database/sql transaction is closed by the transaction's Commit
or Rollback (the package documents it), and so are the rows of its queries (ending the
transaction cancels its context, which closes them): on an error return, which its
caller answers with a rollback, such a handle leaks nothing, nor on the ways out the rule
lists (``owned_exits``: a statement's; rows left open on a normal return keep the
transaction's connection busy). Whether the transaction itself ends is the question of
the rule about transactions (LL104).

A receiver is an owner when the function (or one around a closure) declares it with one
of the types, as a parameter or in a `var`, or assigns it once from a call of one of the
makers in a file that imports database/sql or sqlx and not pgx (whose transaction cannot
roll back while rows are open: its Begin is not one).
"""

from __future__ import annotations

from .go_syntax import enclosing_function, own_nodes, text

_SQL_IMPORTS = (b'"database/sql"', b'"github.com/jmoiron/sqlx"')
_OTHER_DRIVERS = (b"jackc/pgx",)


def owned_by(call, fn, spec: dict, data: bytes) -> bool:
    """Is ``call`` (an acquisition in ``fn``) a method of a value ``spec`` names an owner?"""
    types, makers = spec.get("owners", ()), spec.get("owner_makers", ())
    target = call.child_by_field_name("function")
    operand = target.child_by_field_name("operand") \
        if target is not None and target.type == "selector_expression" else None
    if not types or operand is None or operand.type != "identifier":
        return False
    name = text(operand)
    scope = fn
    while scope is not None:
        declared = _declared_type(scope, name)
        if declared is not None:
            return declared in types
        made = _made_by(scope, name)
        if made is not None:
            return made in makers and any(i in data for i in _SQL_IMPORTS) \
                and not any(d in data for d in _OTHER_DRIVERS)
        scope = enclosing_function(scope)
    return False


def _declared_type(fn, name: str) -> str | None:
    """The type text ``fn`` declares ``name`` with (a parameter, a `var`), or None."""
    plist = fn.child_by_field_name("parameters")
    for decl in (plist.named_children if plist is not None else ()):
        if any(text(n) == name for n in decl.children_by_field_name("name")):
            kind = decl.child_by_field_name("type")
            return text(kind) if kind is not None else ""
    body = fn.child_by_field_name("body")
    for n in own_nodes(body) if body is not None else ():
        if n.type == "var_spec" and any(text(x) == name for x in n.children_by_field_name("name")):
            kind = n.child_by_field_name("type")
            return text(kind) if kind is not None else ""
    return None


def _made_by(fn, name: str) -> str | None:
    """The method name of the call ``name`` is declared from in ``fn`` (`tx, err :=
    db.Begin()` gives "Begin"), "" for any other value, None when ``fn`` does not declare
    it."""
    body = fn.child_by_field_name("body")
    found = []
    for n in own_nodes(body) if body is not None else ():
        if n.type == "short_var_declaration":
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            names = [text(x) for x in left.named_children] if left is not None else []
            if name in names:
                values = right.named_children if right is not None else []
                call = values[0] if len(values) == 1 else None
                f = call.child_by_field_name("function") \
                    if call is not None and call.type == "call_expression" else None
                found.append(text(f.child_by_field_name("field"))
                             if f is not None and f.type == "selector_expression" else "")
    if not found:
        return None
    return found[0] if len(found) == 1 else ""
