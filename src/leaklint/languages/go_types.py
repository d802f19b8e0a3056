"""The declared types of a Go file's struct fields, locals and package variables: for calls
on a field (`s.h.Serve(ln)` runs the method of the field's type, not any same-named method
of the file), and for opens on an embedded or in-memory filesystem, which hold nothing."""

from __future__ import annotations

from . import matches, tree_root
from .go_functions import parameter_types
from .go_syntax import enclosing_function, own_of_type, parameter_names, strip_parens, text

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
    found = {kind for param, kind in zip(parameter_names(fn), parameter_types(fn))
             if param == name}
    for decl in own_of_type(fn, ("var_spec", "short_var_declaration")):
        names = decl.child_by_field_name("left") if decl.type == "short_var_declaration" \
            else None
        names = [text(n) for n in (names.named_children if names is not None else
                                   decl.children_by_field_name("name"))]
        if name not in names:
            continue
        kind = decl.child_by_field_name("type") if decl.type == "var_spec" else None
        values = decl.child_by_field_name("right" if decl.type == "short_var_declaration"
                                          else "value")
        if kind is not None:
            found.add(text(kind))
        elif values is not None and len(values.named_children) == len(names):
            found.add(_made_text(values.named_children[names.index(name)]))
        else:
            found.add("")
    kinds = {k.lstrip("*") for k in found}
    return kinds.pop() if len(kinds) == 1 else ""


def made_by(value):
    """What a value expression makes: ("type", the type node) for `&T{...}`, `T{...}`,
    `new(T)`; ("call", the function node) for a call of a name or of `x.F` (`F()`,
    `pkg.New()`); None otherwise. Each reader renders it its own way."""
    while value is not None and value.type in ("unary_expression", "parenthesized_expression"):
        if value.type == "unary_expression" and text(value.child_by_field_name("operator")) != "&":
            return None
        value = value.child_by_field_name("operand") if value.type == "unary_expression" \
            else (value.named_children[0] if value.named_children else None)
    if value is None:
        return None
    if value.type == "composite_literal":
        return "type", value.child_by_field_name("type")
    function = value.child_by_field_name("function") if value.type == "call_expression" \
        else None
    args = value.child_by_field_name("arguments") if function is not None else None
    if function is not None and text(function) == "new":
        return ("type", args.named_children[0]) if args is not None and args.named_children \
            else None
    if function is not None and (function.type == "identifier" or (
            function.type == "selector_expression"
            and function.child_by_field_name("operand").type == "identifier")):
        return "call", function
    return None


def _made_text(value) -> str:
    """The type a value makes, as written ("pkg.T", "*T" taken off later), or what a call
    returns as "pkg.New()" / "F()" (the caller tells a package from a value); ""."""
    made = made_by(value)
    if made is None or made[1] is None:
        return ""
    return text(made[1]) + ("()" if made[0] == "call" else "")


# filesystems whose files are bytes in the program's memory: opening one holds no descriptor
IN_MEMORY_FILESYSTEMS = ("embed.FS", "fstest.MapFS")


def in_memory_filesystem(call) -> bool:
    """Is ``call`` a method call (`fsys.Open(name)`) on an embedded or in-memory filesystem:
    a parameter or local declared as one, a package variable of the file declared as one
    (`//go:embed static` over `var static embed.FS`), or a field that every struct type
    of the file naming it declares as one (`f.FS` of `FS embed.FS`)?"""
    function = call.child_by_field_name("function")
    recv = strip_parens(function.child_by_field_name("operand")) \
        if function is not None and function.type == "selector_expression" else None
    if recv is None:
        return False
    if recv.type == "identifier":
        name = text(recv)
        kind = made_type(call, name) or _package_var_type(tree_root(call), name)
        return kind in IN_MEMORY_FILESYSTEMS
    if recv.type == "selector_expression":
        field = text(recv.child_by_field_name("field"))
        kinds = {kind.lstrip("*") for (_, name), kind in field_types(tree_root(call)).items()
                 if name == field}
        return bool(kinds) and kinds <= set(IN_MEMORY_FILESYSTEMS)
    return False


def _package_var_type(root, name: str) -> str:
    """The type a package-level `var name T` of the file declares ("" when none does)."""
    for decl in root.named_children:
        if decl.type != "var_declaration":
            continue
        specs = [c for c in decl.named_children if c.type == "var_spec"] + [
            s for c in decl.named_children if c.type == "var_spec_list"
            for s in c.named_children if s.type == "var_spec"]
        for spec in specs:
            kind = spec.child_by_field_name("type")
            if kind is not None and any(text(n) == name
                                        for n in spec.children_by_field_name("name")):
                return text(kind)
    return ""
