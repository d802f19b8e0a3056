"""Small questions about TypeScript/JavaScript nodes that the adapter, the module index
and the checks all ask (one set for the typescript, tsx and javascript grammars)."""

from __future__ import annotations

import re

WRAPPERS = ("parenthesized_expression", "non_null_expression", "as_expression",
            "satisfies_expression", "type_assertion", "await_expression")

_SPACE = re.compile(r"\s+")


def text(node) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


def norm(node) -> str:
    """The expression as compared structurally: no spaces, `?.` as `.`, no `!`, no casts."""
    node = strip(node)
    if node is None:
        return ""
    t = _SPACE.sub("", text(node)).replace("?.", ".").replace("!.", ".").replace(";", "")
    return t[:-1] if t.endswith("!") else t


def strip(node):
    """The expression inside parentheses, `x!`, `x as T`, `<T>x`, `await x`."""
    while node is not None and node.type in WRAPPERS:
        inner = [c for c in node.named_children if c.type not in ("type_annotation",)]
        if not inner:
            return node
        node = inner[0] if node.type != "type_assertion" else inner[-1]
    return node


def up(node):
    """The nearest ancestor that is not a wrapper, and the child of it on the way."""
    child, p = node, node.parent
    while p is not None and p.type in WRAPPERS:
        child, p = p, p.parent
    return p, child


def args(call) -> list:
    a = call.child_by_field_name("arguments")
    if a is None or a.type != "arguments":
        return []
    return [c for c in a.named_children if c.type != "comment"]
