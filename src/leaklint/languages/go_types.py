"""The declared types of a Go file's struct fields, for calls on a field (`s.h.Serve(ln)`
runs the method of the field's type, not any same-named method of the file)."""

from __future__ import annotations

from . import matches
from .go_syntax import callee_text, enclosing_function, own_of_type, strip_parens, text

_STRUCTS = "(type_spec name: (type_identifier) @t type: (struct_type) @s)"


def field_types(root) -> dict:
    """{(struct type, field): the field's declared type (its text)} for the struct types
    declared in the file ``root``."""
    out = {}
    for _, caps in matches("go", _STRUCTS, root):
        owner = text(caps["t"][0])
        for fd in caps["s"][0].named_children:
            for decl in (fd.named_children if fd.type == "field_declaration_list" else [fd]):
                kind = decl.child_by_field_name("type") if decl.type == "field_declaration" \
                    else None
                for n in decl.children_by_field_name("name") if kind is not None else ():
                    out.setdefault((owner, text(n)), text(kind))
    return out


def made_type(call, name: str) -> str:
    """The type (its text, pointers taken off) that the function around ``call``, or the
    nearest one around it that does, declares its parameter or local ``name`` with, or
    makes it as (`x := &pkg.T{...}`, `new(pkg.T)`, `var x pkg.T`, `x := pkg.New()` as
    "pkg.New()"); "" when none shows one, or shows more than one. Another package's type
    or constructor ("pkg.T", "pkg.New()") says that `x.M(...)` runs no method of this
    package."""
    fn, kind = enclosing_function(call), ""
    while fn is not None and not kind:
        kind, fn = _made_in(fn, name), enclosing_function(fn)
    return kind


def _made_in(fn, name: str) -> str:
    found = set()
    params = fn.child_by_field_name("parameters")
    for decl in params.named_children if params is not None else ():
        if any(text(n) == name for n in decl.children_by_field_name("name")):
            found.add(text(decl.child_by_field_name("type")))
    for decl in own_of_type(fn, ("var_spec", "short_var_declaration")):
        names = decl.child_by_field_name("left") if decl.type == "short_var_declaration" \
            else None
        names = names.named_children if names is not None else \
            decl.children_by_field_name("name")
        if name not in [text(n) for n in names]:
            continue
        kind = decl.child_by_field_name("type") if decl.type == "var_spec" else None
        values = decl.child_by_field_name("right" if kind is None and
                                          decl.type == "short_var_declaration" else "value")
        if kind is not None:
            found.add(text(kind))
        elif values is not None and len(values.named_children) == len(names):
            found.add(_made(values.named_children[[text(n) for n in names].index(name)]))
        else:
            found.add("")
    kinds = {k.lstrip("*") for k in found}
    return kinds.pop() if len(kinds) == 1 else ""


def _made(value) -> str:
    """The type a value expression makes: `&T{}`, `T{}`, `new(T)`; for a call of a
    selector, its text with "()" (`pkg.New()`: the caller tells a package from a value);
    "" otherwise."""
    value = strip_parens(value)
    if value.type == "unary_expression" and text(value).startswith("&"):
        value = strip_parens(value.child_by_field_name("operand"))
    if value.type == "composite_literal":
        return text(value.child_by_field_name("type"))
    if value.type == "call_expression" and callee_text(value) == "new":
        args = value.child_by_field_name("arguments")
        return text(args.named_children[0]) if args is not None and args.named_children else ""
    function = value.child_by_field_name("function") if value.type == "call_expression" else None
    if function is not None and function.type == "selector_expression" and \
            function.child_by_field_name("operand").type == "identifier":
        return text(function) + "()"  # what `pkg.New(...)` (or `x.Make(...)`) returns
    return ""
