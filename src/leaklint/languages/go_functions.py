"""A Go file's functions and methods: its declarations, the table of those with a body
by qualified name, their parameters' types, and their results' types (their names:
``go_syntax.parameter_names``)."""

from __future__ import annotations

from .go_syntax import own_nodes, parameter_names, receiver_type, text


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


def result_types(fn) -> list[str]:
    """The declared type (its text) of each of a function's results (`(net.Conn, error)`,
    `(c net.Conn, err error)`, or one unnamed type)."""
    result = fn.child_by_field_name("result")
    if result is None:
        return []
    if result.type != "parameter_list":
        return [text(result)]
    types: list[str] = []
    for decl in result.named_children:
        kind = decl.child_by_field_name("type")
        declared = text(kind) if kind is not None else ""
        types.extend([declared] * max(1, len(decl.children_by_field_name("name"))))
    return types


def returned_as(fn, handle: str, types) -> bool:
    """Does ``fn`` return the variable ``handle`` in a place its signature declares with
    one of ``types`` (`return conn, err` from a function returning `(net.Conn, error)`)?"""
    declared = result_types(fn)
    if not set(declared) & set(types):
        return False
    for node in own_nodes(fn):
        if node.type != "return_statement" or not node.named_children:
            continue
        values = node.named_children[0]
        listed = values.named_children if values.type == "expression_list" else [values]
        if any(i < len(declared) and declared[i] in types and v.type == "identifier"
               and text(v) == handle for i, v in enumerate(listed)):
            return True
    return False


def declared_as(fn, handle: str, types) -> bool:
    """Does ``fn`` declare the variable ``handle`` with one of ``types``
    (`var res *http.Response`)?"""
    return any(node.type == "var_spec" and text(node.child_by_field_name("type")) in types
               and any(text(n) == handle for n in node.children_by_field_name("name"))
               for node in own_nodes(fn))
