"""A Python handle whose release its function hands to something that runs it later: a
test's cleanup (`self.addCleanup(conn.close)`, pytest's `request.addfinalizer`), an
`ExitStack` callback, `atexit.register`, `weakref.finalize`. What the function returns
then belongs to that registration, not to its caller: such a function is no factory."""

from __future__ import annotations

from ..catalogue import release_methods
from . import of_type
from .python_syntax import text


def release_registered(call, fn) -> bool:
    """Does ``fn`` bind what ``call`` makes to a name (`conn = connect()`) and hand a
    release of it to a call: the bound method (`addCleanup(conn.close)`), a lambda that
    releases it, or a function it defines that releases it (passed by name, or decorated
    with the registration: `@self.addCleanup`)?"""
    parent = call.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    left = parent.child_by_field_name("left") \
        if parent is not None and parent.type == "assignment" else None
    if left is None or left.type != "identifier":
        return False
    name = text(left)
    closing = {text(d.child_by_field_name("name")): d
               for d in of_type(fn, ("function_definition",)) if _releases(d, name)}
    if any(d.parent is not None and d.parent.type == "decorated_definition"
           for d in closing.values()):
        return True
    for args in of_type(fn, ("argument_list",)):
        for a in args.named_children:
            a = a.child_by_field_name("value") if a.type == "keyword_argument" else a
            if a is None:
                continue
            if a.type == "attribute" and _names(a, name) \
                    or a.type == "lambda" and _releases(a, name) \
                    or a.type == "identifier" and text(a) in closing:
                return True
    return False


def _names(attr, name: str) -> bool:
    """Is ``attr`` a release method of the handle ``name`` (`conn.close`)?"""
    obj = attr.child_by_field_name("object")
    return obj is not None and obj.type == "identifier" and text(obj) == name \
        and text(attr.child_by_field_name("attribute")) in release_methods("python")


def _releases(node, name: str) -> bool:
    """Does ``node`` (a nested function, a lambda) call a release of ``name``?"""
    return any(c.child_by_field_name("function") is not None
               and c.child_by_field_name("function").type == "attribute"
               and _names(c.child_by_field_name("function"), name)
               for c in of_type(node, ("call",)))
