"""The declared types of a Go file's struct fields, for calls on a field (`s.h.Serve(ln)`
runs the method of the field's type, not any same-named method of the file)."""

from __future__ import annotations

from . import matches
from .go_syntax import text

_STRUCTS = "(type_spec name: (type_identifier) @t type: (struct_type) @s)"


def field_type(root, type_name: str, field: str) -> str | None:
    """The declared type (its text) of the field ``field`` of the struct type
    ``type_name`` declared in the file ``root``; None when the file does not say."""
    for _, caps in matches("go", _STRUCTS, root):
        if text(caps["t"][0]) != type_name:
            continue
        for fd in caps["s"][0].named_children:
            for decl in (fd.named_children if fd.type == "field_declaration_list" else [fd]):
                if decl.type == "field_declaration" and any(
                        text(n) == field for n in decl.children_by_field_name("name")):
                    kind = decl.child_by_field_name("type")
                    return text(kind) if kind is not None else None
    return None
