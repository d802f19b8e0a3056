"""An interval kept in a member of an object that the module keeps as an entry of one of
its containers (``data.timer = setInterval(...); registry[data.id] = data``): the module
owns the object from then on, so the module's removal of the entry (``delete
registry[id]``, ``registry.delete(id)``) is where the interval ends; when nothing in the
file clears that member, the interval runs on after its entry is gone, holding the object.
"""

from __future__ import annotations

from ...languages import of_type
from ...languages.javascript import (args, callee, enclosing_function, method_of, norm,
                                     receiver, strip, text)
from ...languages.javascript_syntax import member_assigned
from ...languages.javascript_values import declaring_function
from .pairing import CLEARS


def orphaned(m, node):
    """(member, container, removal node) when the interval ``node`` is kept only in
    ``obj.member = setInterval(...)`` (``obj`` a plain name) of an object its function
    stores as an entry of a container of the module, some code of the file removes entries
    from that container, and nothing of the file clears, or hands on, a ``.member``; None
    otherwise."""
    left, obj = member_assigned(node)
    fn = enclosing_function(node)
    if obj is None or obj.type != "identifier" or fn is None:
        return None
    member = text(left.child_by_field_name("property"))
    for container in _stored_in(fn, text(obj)):
        head = container.split(".", 1)[0].split("[", 1)[0]
        if head not in m.module_names() or declaring_function(fn, head) is not None:
            continue
        removal = _removal(m, container)
        if removal is not None and not _cleared_anywhere(m, member):
            return member, container, removal
    return None


def _stored_in(fn, obj: str) -> list:
    """The containers ``fn`` stores ``obj`` in as an entry: ``C[key] = obj``,
    ``C.set(key, obj)``."""
    out = []
    for n in of_type(fn, ("assignment_expression", "call_expression")):
        if n.type == "assignment_expression":
            left = strip(n.child_by_field_name("left"))
            if norm(n.child_by_field_name("right")) == obj and left is not None \
                    and left.type == "subscript_expression":
                out.append(norm(left.child_by_field_name("object")))
        elif method_of(n) == "set" and len(args(n)) == 2 and norm(args(n)[1]) == obj \
                and receiver(n) is not None:
            out.append(norm(receiver(n)))
    return out


def _removal(m, container: str):
    """A removal of an entry of ``container`` anywhere in the file: ``delete C[k]``,
    ``C.delete(k)``."""
    for n in of_type(m.root, ("unary_expression",)):
        arg = strip(n.child_by_field_name("argument"))
        if text(n).startswith("delete") and arg is not None \
                and arg.type == "subscript_expression" \
                and norm(arg.child_by_field_name("object")) == container:
            return n
    for c in m.calls():
        if c.type == "call_expression" and method_of(c) == "delete" \
                and receiver(c) is not None and norm(receiver(c)) == container:
            return c
    return None


def _cleared_anywhere(m, member: str) -> bool:
    """Does any code of the file clear a ``.member`` (or a name, which may hold one), or
    hand a ``.member`` to another call (which may clear it)?"""
    for c in m.calls():
        if c.type != "call_expression":
            continue
        for a in args(c):
            s = strip(a)
            if s is None:
                continue
            if norm(s).endswith("." + member) or (callee(c) in CLEARS and s.type == "identifier"):
                return True
    return False

