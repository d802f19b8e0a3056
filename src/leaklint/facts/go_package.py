"""Facts of one Go file about its package: package-level containers, container fields of
struct types, the values of each type it makes, `once.Do` functions, the fields and
names it reads and writes. Where it adds to or removes from the package's containers is
in ``go_growth``.

Everything here is plain data (lists, dicts, strings, numbers), so it can be cached by
the file's content and sent to worker processes.
"""

from __future__ import annotations

import bisect
import re

from ..languages import captures, matches
from ..languages.go_syntax import callee_text, enclosing_function, package_name, receiver_type, strip_parens, text
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


# what the file names, and the places where a name or a field is not read
_NAMES = "(identifier) @name (selector_expression field: (field_identifier) @field) @selector"
_NOT_READ = """
(assignment_statement left: (expression_list [(identifier) (selector_expression)] @stored) operator: "=")
(assignment_statement left: (expression_list [(identifier) (selector_expression)] @updated))
(short_var_declaration left: (expression_list (identifier) @declared))
(range_clause left: (expression_list (identifier) @declared) ":=")
(range_clause left: (expression_list [(identifier) (selector_expression)] @stored) "=")
(var_spec name: (identifier) @declared value: (_))
[(var_spec name: (identifier) @named) (const_spec name: (identifier) @named)
 (parameter_declaration name: (identifier) @named) (variadic_parameter_declaration name: (identifier) @named)
 (function_declaration name: (identifier) @named)]
(keyed_element . (literal_element (identifier) @key))
"""


def field_reads(root, src=None) -> dict:
    """Which fields and package-level names the file reads and may assign, from its tree
    (LL302 reads them of every file of a directory, tests included):

    - ``fields_read``: fields read as `x.f` (called, copied, compared, updated...:
      anything but the target of a plain `=`); ``fields_read_via``: "T.f" read as `r.f`
      by a method of T on its receiver r; ``fields_read_other``: the fields read any
      other way (one type's methods reading a field say nothing of another type's);
    - ``fields_assigned``: fields assigned (`x.f = ...`, `x.f, y = ...`, `T{f: ...}`);
    - ``names_read``: bare names read (not declared, not a literal's key, not the target
      of `=` or `:=`);
    - ``names_assigned``: bare names assigned, or declared with a value.
    """
    found = skip = captures("go", _NAMES + _NOT_READ + Receivers.QUERY, root)  # one pass
    stored = {n.id for n in skip.get("stored", ())}
    not_read = stored | {n.id for k in ("declared", "named", "key") for n in skip.get(k, ())}
    targets = [n for k in ("updated", "declared") for n in skip.get(k, ())]
    names_read = {text(n) for n in found.get("name", ()) if n.id not in not_read}
    names_assigned = {text(n) for n in targets if n.type == "identifier"}
    assigned = {text(n.child_by_field_name("field")) for n in targets if n.type == "selector_expression"}
    assigned.update(text(n) for n in skip.get("key", ()))
    on_receiver = Receivers(root, found)
    read, via, other = set(), set(), set()
    for selector in found.get("selector", ()):
        if selector.id in stored:
            continue
        name = text(selector.child_by_field_name("field"))
        read.add(name)
        owner = on_receiver.owner(selector)
        if owner:
            via.add(f"{owner}.{name}")
        else:
            other.add(name)
    return {"fields_read": sorted(read), "fields_read_via": sorted(via), "fields_read_other": sorted(other),
            "fields_assigned": sorted(assigned), "names_read": sorted(names_read),
            "names_assigned": sorted(names_assigned)}


class Receivers:
    """The methods of a file that name their receiver, to tell a selector `r.f` on the
    receiver ``r`` of a method of T (closures in the method included) without climbing
    the tree from every selector."""

    QUERY = " (method_declaration receiver: (parameter_list (parameter_declaration name: (identifier)))) @m"

    def __init__(self, root, found=None):
        """``found``: the captures of a query that includes ``QUERY``, if made already
        (captures come in no particular order)."""
        found = found if found is not None else captures("go", self.QUERY, root)
        # methods never nest, so their spans, sorted, are ordered
        self.methods = sorted((m.start_byte, m.end_byte, _receiver_name(m), receiver_type(m))
                              for m in found.get("m", ()))
        self.starts = [m[0] for m in self.methods]

    def owner(self, selector) -> str:
        """T when ``selector`` is `r.f` on the receiver r of the method of T around it."""
        operand = selector.child_by_field_name("operand")
        if operand is None or operand.type != "identifier":
            return ""
        i = bisect.bisect_right(self.starts, selector.start_byte) - 1
        if i < 0 or selector.end_byte > self.methods[i][1] or operand.text != self.methods[i][2]:
            return ""
        return self.methods[i][3]


def _receiver_name(method) -> bytes:
    receiver = method.child_by_field_name("receiver")
    for p in receiver.named_children if receiver is not None else ():
        names = p.children_by_field_name("name")
        if names:
            return names[0].text
    return b""


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

