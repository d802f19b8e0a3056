"""The declared types of a Go file's struct fields, for calls on a field (`s.h.Serve(ln)`
runs the method of the field's type, not any same-named method of the file)."""

from __future__ import annotations

from . import matches
from .go_syntax import text

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
