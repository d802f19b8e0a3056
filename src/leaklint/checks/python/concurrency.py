"""Helpers of the rules on Python timers, tasks and threads that outlive their owner: timers never cancelled
(LL206), tasks nobody keeps (LL601), threads never joined (LL602), worker loops with no
way to stop (LL603).
"""

from __future__ import annotations

from ...languages import matches
from ...languages.python import climb, callee_text, resolve, text


CALLS = "(call function: [(identifier) (attribute)] @fn) @call"


def calls_named(ctx, names: dict, wanted) -> list:
    """(call, resolved callee) for every call whose resolved callee passes ``wanted``."""
    out = []
    for _, caps in matches("python", CALLS, ctx.tree.root_node):
        call = caps["call"][0]
        full = resolve(callee_text(call), names)
        if wanted(full):
            out.append((call, full))
    return out


def self_attribute(node):
    """``attr`` when ``node`` is ``self.attr``."""
    if node is not None and node.type == "attribute":
        obj = node.child_by_field_name("object")
        if obj is not None and text(obj) == "self":
            return text(node.child_by_field_name("attribute"))
    return None


def assigned_to(call):
    """(target node, assignment) when ``x = call(...)``/``self.x = call(...)``, else (None, None)."""
    expr, parent = climb(call)
    if parent is not None and parent.type == "assignment" and \
            parent.child_by_field_name("right") == expr:
        return parent.child_by_field_name("left"), parent
    return None, None


def mentions_of(scope, name: str) -> list:
    """Identifier nodes named ``name`` inside ``scope``."""
    out, stack, enc = [], [scope], name.encode()
    while stack:
        n = stack.pop()
        if enc not in n.text:
            continue
        if n.type == "identifier" and n.text == enc:
            p = n.parent
            if not (p.type == "attribute" and p.child_by_field_name("attribute") == n) and \
                    not (p.type == "keyword_argument" and p.child_by_field_name("name") == n):
                out.append(n)
            continue
        stack.extend(n.named_children)
    return out


def method_on(ident, methods) -> bool:
    p = ident.parent
    if p is not None and p.type == "attribute" and p.child_by_field_name("object") == ident:
        return text(p.child_by_field_name("attribute")) in methods
    return False


def class_uses_attr(cls, attr: str, methods: set, escape: bool = True) -> bool:
    """Does the class call one of ``methods`` on ``self.attr`` (or hand it on)?"""
    body = cls.child_by_field_name("body")
    stack = [body] if body is not None else []
    while stack:
        n = stack.pop()
        if attr.encode() not in n.text:
            continue
        if n.type == "string" and text(n).strip("'\"") == attr:
            return True
        if n.type == "attribute" and text(n.child_by_field_name("attribute")) == attr and \
                text(n.child_by_field_name("object")) in ("self", "cls"):
            p = n.parent
            while p is not None and p.type == "parenthesized_expression":
                n, p = p, p.parent
            if p is not None and p.type == "attribute" and p.child_by_field_name("object") == n \
                    and text(p.child_by_field_name("attribute")) in methods:
                return True
            if _released_in_loop(n, p, methods):
                return True
            if escape and p is not None and (
                    p.type in ("argument_list", "return_statement", "await", "tuple", "list",
                               "expression_list", "keyword_argument", "for_statement", "set")
                    or (p.type == "assignment" and p.child_by_field_name("right") == n)):
                return True
            continue
        stack.extend(n.named_children)
    return False


def _released_in_loop(field, literal, methods) -> bool:
    """``for t in [self.a, self.b]: t.cancel()``: the field is one element of a literal
    list or tuple a loop walks, and the loop calls one of ``methods`` on its variable."""
    if literal is None or literal.type not in ("list", "tuple", "expression_list"):
        return False
    loop = literal.parent
    while loop is not None and loop.type == "parenthesized_expression":
        loop = loop.parent
    if loop is None or loop.type != "for_statement" or \
            loop.child_by_field_name("right") not in (literal, literal.parent):
        return False
    var, body = loop.child_by_field_name("left"), loop.child_by_field_name("body")
    if var is None or var.type != "identifier" or body is None:
        return False
    return any(method_on(ident, methods) for ident in mentions_of(body, text(var)))


def keyword_value(call, name: str):
    args = call.child_by_field_name("arguments")
    for a in (args.named_children if args is not None else []):
        if a.type == "keyword_argument" and text(a.child_by_field_name("name")) == name:
            return a.child_by_field_name("value")
    return None


TASK_GROUPS = ("TaskGroup", "create_task_group", "Nursery", "open_nursery")


def is_daemon(call) -> bool:
    value = keyword_value(call, "daemon")
    return value is not None and text(value) != "False"
