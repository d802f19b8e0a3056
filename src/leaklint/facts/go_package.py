"""Facts of one Go file about its package: package-level containers, container fields of
struct types, the values of each type it makes, `once.Do` functions, the fields and
names it reads and writes. Where it adds to or removes from the package's containers is
in ``go_growth``.

Everything here is plain data (lists, dicts, strings, numbers), so it can be cached by
the file's content and sent to worker processes.
"""

from __future__ import annotations

import re

from ..languages import matches
from ..languages.go_syntax import callee_text, enclosing_function, package_name, strip_parens, text
from ..source import SourceFile
from .go_build import build_constraint



# -- declarations (depend on the file alone) -----------------------------------------

_STRUCTS = "(type_spec name: (type_identifier) @t type: (struct_type) @s)"
_MADE = ("[(composite_literal type: (type_identifier) @t) @c"
         " (call_expression function: (identifier) @f"
         " arguments: (argument_list . (type_identifier) @t)) @c"
         " (var_spec type: [(type_identifier) (pointer_type)] @t) @c]")
_ONCE = ("(call_expression function: (selector_expression field: (field_identifier) @m)"
         " arguments: (argument_list . (identifier) @f .) (#eq? @m \"Do\"))")
# the three as one query: one pass over the file (pattern index 0, 1, 2)
_DECLARATIONS = " ".join((_STRUCTS, _MADE, _ONCE))


def declarations(root, src: SourceFile) -> dict:
    found = matches("go", _DECLARATIONS, root)
    return {
        "package": package_name(root),
        "build": build_constraint(src.data),
        "containers": [{"name": name, "kind": kind, "at": [decl.start_byte, decl.end_byte]}
                       for name, (decl, kind) in package_containers(root).items()],
        "struct_fields": _struct_fields([caps for i, caps in found if i == 0]),
        "made": _made([caps for i, caps in found if i == 1]),
        "once": sorted({text(caps["f"][0]) for i, caps in found if i == 2}),
    }


def text_facts(data: bytes) -> dict:
    """Facts read from the file's text, without parsing it (LL302 reads them of every
    file of a directory, tests included)."""
    code = _code(data)  # blanked once for every question below
    via, other, every = _reads_by_receiver(code)
    return {"fields_read": sorted(every),
            "fields_read_via": sorted(via),
            "fields_read_other": sorted(other),
            "fields_assigned": sorted(fields_assigned(data)),
            "names_read": sorted(set(_NAME_READ.findall(code))),
            "names_assigned": sorted(set(_NAME_ASSIGNED.findall(code)))}


def _container_kind(spec) -> str | None:
    """'map', 'slice' or 'sync.Map' when the var_spec declares one, else None."""
    typ = spec.child_by_field_name("type")
    if typ is not None:
        t = text(typ).replace(" ", "").lstrip("*")
        if typ.type == "map_type":
            return "map"
        if typ.type == "slice_type":
            return "slice"
        if t == "sync.Map":
            return "sync.Map"
        return None
    value = spec.child_by_field_name("value")
    if value is None or len(value.named_children) != 1:
        return None
    v = strip_parens(value.named_children[0])
    if v.type == "unary_expression" and text(v.child_by_field_name("operator")) == "&":
        v = strip_parens(v.child_by_field_name("operand"))
    if v.type == "composite_literal":
        t = v.child_by_field_name("type")
        if t is not None and t.type == "map_type":
            return "map"
        if t is not None and t.type == "slice_type":
            return "slice"
        if t is not None and text(t).replace(" ", "") == "sync.Map":
            return "sync.Map"
    if v.type == "call_expression":
        args = v.child_by_field_name("arguments").named_children
        if callee_text(v) == "make" and args and args[0].type in ("map_type", "slice_type"):
            return "map" if args[0].type == "map_type" else "slice"
        if callee_text(v) == "new" and args and text(args[0]).replace(" ", "") == "sync.Map":
            return "sync.Map"
    return None


def package_containers(root) -> dict:
    """Unexported package-level maps, slices and sync.Maps: name -> (name node, kind)."""
    out = {}
    for child in root.named_children:
        if child.type != "var_declaration":
            continue
        specs = []
        for s in child.named_children:
            specs.extend(s.named_children if s.type == "var_spec_list" else [s])
        for spec in specs:
            if spec.type != "var_spec":
                continue
            names = spec.children_by_field_name("name")
            kind = _container_kind(spec) if len(names) == 1 else None
            if kind is None:
                continue
            name = text(names[0])
            if name != "_" and not name[:1].isupper():
                out[name] = (names[0], kind)
    return out


def _field_kind(typ) -> str | None:
    if typ is None:
        return None
    if typ.type == "map_type":
        return "map"
    if typ.type == "slice_type":
        return "slice"
    return "sync.Map" if text(typ).replace(" ", "").lstrip("*") == "sync.Map" else None


def _struct_fields(found) -> list[dict]:
    """Map, slice and sync.Map fields of the struct types of a file."""
    out = []
    for caps in found:
        tname = text(caps["t"][0])
        for fd in caps["s"][0].named_children:
            for decl in (fd.named_children if fd.type == "field_declaration_list" else [fd]):
                if decl.type != "field_declaration":
                    continue
                kind = _field_kind(decl.child_by_field_name("type"))
                if kind is None:
                    continue
                for n in decl.children_by_field_name("name"):
                    out.append({"type": tname, "name": text(n), "kind": kind,
                                "at": [n.start_byte, n.end_byte]})
    return out


def _made(found) -> list[list]:
    """[type, holder] for every value of a named type the file makes (`&T{...}`,
    `new(T)`, `var x T`); holder is the package-level variable it initialises, or ""."""
    out = []
    for caps in found:
        t = text(caps["t"][0]).lstrip("*").strip()
        node = caps["c"][0]
        if node.type == "call_expression" and text(caps.get("f", [node])[0]) != "new":
            continue
        if node.type == "var_spec" and text(caps["t"][0]).startswith("*"):
            continue  # a nil pointer, made elsewhere
        holder = ""
        spec = node
        while spec is not None and spec.type != "var_spec":
            spec = spec.parent
        if spec is not None and enclosing_function(spec) is None:
            names = spec.children_by_field_name("name")
            if len(names) == 1:
                holder = text(names[0])
        out.append([t, holder])
    return out


# `.f` not followed, on its line, by an assignment (`= x`, `, y = x`, `, y := x`): a read
_FIELD_READ = re.compile(
    r"\.([A-Za-z_][A-Za-z0-9_]*)\b(?![ \t\r\f\v]*(?:=(?!=)|,[^=(){}\n]*?(?<![=!<>:])=(?!=)"
    r"|,[^=(){}\n]*?:=))")


def fields_read(data: bytes) -> set:
    """Names of fields read (`.f` not followed by an assignment) in the file's code
    (comments and string literals do not read anything)."""
    return set(_FIELD_READ.findall(_code(data)))


# a method's header at a line start (gofmt): its receiver's name and type
_METHOD = re.compile(r"^func[ \t]*\([ \t]*(\w+)[ \t]+\*?[ \t]*([A-Za-z_]\w*)(?:\[[^\]\n]*\])?[ \t]*\)", re.M)


def fields_read_by_receiver(data: bytes) -> tuple[set, set]:
    """({"T.f"} read as `r.f` by a method of T on its receiver r, {f} read any other way):
    a field one type's methods read says nothing of another type's field of that name."""
    via, other, _ = _reads_by_receiver(_code(data))
    return via, other


def _reads_by_receiver(code: str) -> tuple[set, set, set]:
    """``fields_read_by_receiver`` of the blanked code, and every field read."""
    via, at = set(), set()
    for header in _METHOD.finditer(code):
        receiver, owner = header.groups()
        end = code.find("\n}", header.end())
        body = code[header.end():end if end >= 0 else len(code)]
        reads = re.compile(r"(?<![.\w])" + re.escape(receiver) + _FIELD_READ.pattern)
        for read in reads.finditer(body):
            via.add(f"{owner}.{read.group(1)}")
            at.add(header.end() + read.start() + len(receiver))
    other, every = set(), set()
    for m in _FIELD_READ.finditer(code):
        every.add(m.group(1))
        if m.start() not in at:
            other.add(m.group(1))
    return via, other, every


# a bare name (not `x.name`) not followed by an assignment to it
_NAME_READ = re.compile(
    r"(?<![.\w])([A-Za-z_][A-Za-z0-9_]*)\b(?![ \t\r\f\v]*(?:=(?!=)|,[^=(){}\n]*?(?<![=!<>:])=(?!=)"
    r"|,[^=(){}\n]*?:=|:=))")
_NAME_ASSIGNED = re.compile(r"(?<![.\w])([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:=(?!=)|,)")


def names_read(data: bytes) -> set:
    """Bare names the file's code reads (LL302 asks them of the package variables a
    file stores a cancel func in; keywords and types come along, harmlessly)."""
    return set(_NAME_READ.findall(_code(data)))


def names_assigned(data: bytes) -> set:
    """Bare names the file may assign (a superset: what LL302 asks about)."""
    return set(_NAME_ASSIGNED.findall(_code(data)))


# a comment, an interpreted or raw string, or a rune literal
_NOT_CODE = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|`[^`]*`|\'(?:[^\'\\\n]|\\.)*\'', re.S)


_NOT_NEWLINE = re.compile(r"[^\n]")


def code_only(source: str) -> str:
    """SOURCE with comments and literals blanked (newlines kept, so lines stay put)."""
    return _NOT_CODE.sub(_blank, source)


def _blank(m) -> str:
    s = m.group(0)
    return _NOT_NEWLINE.sub(" ", s) if "\n" in s else " " * len(s)


def _code(data: bytes) -> str:
    """The file's code (its first 4 MB) with comments and literals blanked."""
    return code_only(data[:4 * 1024 * 1024].decode("utf-8", "replace"))


# every field a file assigns: `x.f = ...`, `x.f, y = ...`, `a, x.f = ...` (a selector
# before `=` or `,`) and `T{f: ...}` (a name before `:` at a line start or after `{`/`,`)
_ASSIGNED_SELECTOR = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:=(?!=)|,)")
_KEYED = re.compile(r"[{,\n][ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*:(?!=)")


def fields_assigned(data: bytes) -> set:
    """Names the file may assign as fields (a superset: what LL302 asks about)."""
    source = data[:4 * 1024 * 1024].decode("utf-8", "replace")
    return set(_ASSIGNED_SELECTOR.findall(source)) | set(_KEYED.findall(source))


_PACKAGE_CLAUSE = re.compile(rb"^package[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.M)
_TOP_LEVEL_VAR = re.compile(rb"^var\b", re.M)


def package_of_text(data: bytes) -> str:
    """The package clause's name, read from the text (gofmt puts it at a line start)."""
    m = _PACKAGE_CLAUSE.search(data)
    return m.group(1).decode() if m else ""


def may_hold_containers(data: bytes) -> bool:
    """Can the file declare a package-level container or a struct type (gofmt puts
    package-level declarations at the start of a line)?"""
    return b"struct" in data or _TOP_LEVEL_VAR.search(data) is not None

