"""A Go file's functions and methods: its declarations, the table of those with a body
by qualified name, and their parameters' names and types."""

from __future__ import annotations

from .go_syntax import receiver_type, text


def declarations(root) -> list:
    """The file's function and method declarations in source order: its top-level nodes
    (or, past a syntax error, an ERROR's), a walk of those, not a query over the tree."""
    out, stack = [], list(reversed(root.named_children))
    while stack:
        n = stack.pop()
        if n.type == "ERROR":
            stack.extend(reversed(n.named_children))
        elif n.type in ("function_declaration", "method_declaration"):
            out.append(n)
    return out


def function_table(root) -> dict:
    """The file's functions and methods with a body, by qualified name ("F", "T.M": a
    method is named with its receiver's type, so same-named methods of two types are two
    functions): qualified name -> (node, [param names])."""
    out = {}
    for fn in declarations(root):
        if fn.child_by_field_name("body") is None:
            continue
        name = fn.child_by_field_name("name")
        if name is None or name.type not in ("identifier", "field_identifier"):
            continue
        owner = receiver_type(fn)
        name = name.text.decode()
        out[f"{owner}.{name}" if owner else name] = (fn, parameter_names(fn))
    return out


def parameter_names(fn) -> list[str]:
    """A function's or literal's parameter names in order ("_" for an unnamed one)."""
    params: list[str] = []
    plist = fn.child_by_field_name("parameters")
    for decl in (plist.named_children if plist is not None else []):
        names = decl.children_by_field_name("name")
        params.extend(n.text.decode() for n in names) if names else params.append("_")
    return params


def parameter_types(fn) -> list[str]:
    """The declared type (its text) of each of a function's parameters, in the order of
    ``parameter_names`` (``a, b *sql.Rows`` gives the type twice; variadic ``...T``)."""
    types: list[str] = []
    plist = fn.child_by_field_name("parameters")
    for decl in (plist.named_children if plist is not None else []):
        kind = decl.child_by_field_name("type")
        declared = text(kind) if kind is not None else ""
        if decl.type == "variadic_parameter_declaration":
            declared = "..." + declared
        types.extend([declared] * max(1, len(decl.children_by_field_name("name"))))
    return types
