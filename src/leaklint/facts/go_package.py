"""Facts of one Go file about its package: package-level containers, container fields of
struct types, the values of each type it makes, `once.Do` functions, the fields it reads
and writes, and (asked with the package's container names) where it adds to or removes
from those containers.

Everything here is plain data (lists, dicts, strings, numbers), so it can be cached by
the file's content and sent to worker processes.
"""

from __future__ import annotations

import dataclasses
import json
import re

from ..languages import matches
from ..languages.go_syntax import (callee_text, declared_names, enclosing_function,
                                   outer_locals, package_name, strip_parens, text)
from ..source import SourceFile
from .go_build import build_constraint

# inserting functions of these names fill registries (called from init() elsewhere)
REGISTRY_PREFIXES = ("Register", "register", "MustRegister", "mustRegister", "Add")
_SYNC_MAP_INSERT = {"Store", "LoadOrStore", "Swap"}
_SYNC_MAP_EVICT = {"Delete", "LoadAndDelete", "CompareAndDelete", "Clear"}


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


# -- uses of the package's containers (asked with their names) -----------------------

@dataclasses.dataclass
class Query:
    """What a package asks of each of its files: its containers (name -> kind), its
    single-instance fields (name -> {"type", "kind", "instance"}) and its once.Do
    functions (the types' instances only travel along: they are in ``fields``)."""

    containers: dict
    fields: dict
    once: list
    instances: dict = dataclasses.field(default_factory=dict)  # type -> its only instance
    # types whose only package-level value is `var _ Iface = new(T)` (no instance at all)
    asserted: list = dataclasses.field(default_factory=list)

    def empty(self) -> bool:
        return not self.containers and not self.fields and not self.asserted

    def names(self) -> list:
        """The names a file must hold to use a container or field the package asks about."""
        return sorted(set(self.containers) | set(self.fields))

    def digest_text(self) -> str:
        return json.dumps([self.containers, self.fields, sorted(self.once)], sort_keys=True)


def uses(root, src: SourceFile, query: Query) -> dict:
    """{"containers": {name: {"inserts": [...], "evictions": n}}, "fields": {...}}: where
    this file inserts into and evicts from the package's containers and fields. An
    insertion is [line, Position fields...]."""
    once = set(query.once)
    out = no_uses()
    if query.containers:
        _classify(root, src, query.containers, once, out["containers"])
    if query.fields:
        _classify_fields(root, src, query.fields, once, out["fields"])
    return out


def no_uses() -> dict:
    """The uses of a file that touches none of the package's containers."""
    return {"containers": {}, "fields": {}}


def _record(table: dict, name: str, verdict: str, src: SourceFile, node) -> None:
    entry = table.setdefault(name, {"inserts": [], "evictions": 0})
    if verdict == "insert":
        p = src.position(node)
        entry["inserts"].append([p.line, p.col, p.end_line, p.end_col, p.col16, p.end_col16])
    else:
        entry["evictions"] += 1


def _classify(root, src, kinds: dict, once: set, table: dict) -> None:
    # only the containers' own names: asking for every identifier of a package is slow
    names = " ".join(json.dumps(n) for n in sorted(kinds))
    scopes: dict = {}
    for _, caps in matches("go", "((identifier) @id (#any-of? @id %s))" % names, root):
        ident = caps["id"][0]
        name = text(ident)
        if name not in kinds:
            continue
        fn = enclosing_function(ident)
        if fn is None:
            continue  # package level: the declaration or a registry literal
        key = fn.start_byte
        if key not in scopes:
            scopes[key] = declared_names(fn) | outer_locals(fn)
        if name in scopes[key]:
            continue
        verdict = use_of(ident)
        if verdict == "index-set":  # a new key in a map; an overwritten element in a slice
            verdict = "insert" if kinds[name] == "map" else None
        if verdict == "insert":
            if not filled_once(fn, once) and not keyed_by_type(ident, fn):
                _record(table, name, verdict, src, ident)
        elif verdict == "evict":
            _record(table, name, verdict, src, ident)


def _classify_fields(root, src, fields: dict, once: set, table: dict) -> None:
    """Insertions and evictions of single-instance fields: through the instance's
    variable, or through a method's receiver."""
    names = " ".join(json.dumps(n) for n in sorted(fields))
    q = ("((selector_expression operand: (identifier) @o field: (field_identifier) @f) @s"
         " (#any-of? @f %s))" % names)
    for _, caps in matches("go", q, root):
        fld = fields.get(text(caps["f"][0]))
        node, owner = caps["s"][0], text(caps["o"][0])
        fn = enclosing_function(node)
        if fld is None or fn is None or _is_init(fn):
            continue
        recv = _receiver(_method_of(fn))
        if owner != fld["instance"] and recv != f"{fld['type']} {owner}":
            continue
        verdict = use_of(node)
        if verdict == "index-set":
            verdict = "insert" if fld["kind"] == "map" else None
        if verdict == "insert" and not filled_once(fn, once):
            _record(table, text(caps["f"][0]), verdict, src, node)
        elif verdict == "evict":
            _record(table, text(caps["f"][0]), verdict, src, node)


def filled_once(fn, once: set) -> bool:
    """In init(), a Register*/Add* function, a function run by once.Do, or a func literal
    given to once.Do: filling a registry, not a cache."""
    f = fn
    while f is not None:
        name = f.child_by_field_name("name") if f.type != "func_literal" else None
        if name is not None and (text(name) == "init" or text(name).startswith(REGISTRY_PREFIXES)
                                 or text(name) in once):
            return True
        if f.type == "func_literal":
            call = f.parent.parent if f.parent is not None else None
            if call is not None and call.type == "call_expression" and callee_text(call).endswith(".Do"):
                return True
        f = enclosing_function(f)
    return False


def keyed_by_type(ident, fn) -> bool:
    """Is the key of this insertion a reflect.Type (memoising per Go type: bounded by the
    program, not by its input)?"""
    p = ident.parent
    if p.type == "index_expression":
        key = p.child_by_field_name("index")
    else:  # m.Store(key, v)
        call = p.parent
        args = call.child_by_field_name("arguments").named_children if call is not None \
            and call.type == "call_expression" else []
        key = args[0] if args else None
    if key is None:
        return False
    if "reflect.Type" in text(key):
        return True
    typed = set()
    for _, caps in matches("go", "(parameter_declaration name: (identifier) @n type: (_) @t)", fn):
        if text(caps["t"][0]).replace(" ", "") == "reflect.Type":
            typed.add(caps["n"][0].text)
    # the key's names, and one step back through `k := ...` assignments in the function
    defs = {}
    for _, caps in matches("go", "(short_var_declaration left: (expression_list . (identifier) @n .)"
                                 " right: (expression_list . (_) @v .))", fn):
        defs.setdefault(caps["n"][0].text, caps["v"][0])
    stack, followed = [key], set()
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            if n.text in typed:
                return True
            if n.text in defs and n.text not in followed:
                followed.add(n.text)
                stack.append(defs[n.text])
            continue
        if "reflect.Type" in text(n):
            return True
        stack.extend(n.named_children)
    return False


def use_of(ident) -> str | None:
    """'insert', 'index-set', 'evict' or None (a read) for one mention of a container."""
    p = ident.parent
    while p is not None and p.type == "parenthesized_expression":
        p = p.parent
    if p is None:
        return None
    t = p.type
    if t == "index_expression" and p.child_by_field_name("operand") is not None \
            and strip_parens(p.child_by_field_name("operand")) == ident:
        lst = p.parent
        if lst is not None and lst.type == "expression_list" and lst.parent is not None \
                and lst.parent.type == "assignment_statement" \
                and lst.parent.child_by_field_name("left") == lst:
            op = lst.parent.child_by_field_name("operator")
            return "index-set" if op is not None and text(op) == "=" else None
        return None
    if t == "selector_expression" and p.child_by_field_name("operand") == ident:
        method = text(p.child_by_field_name("field"))
        if method in _SYNC_MAP_INSERT:
            return "insert"
        if method in _SYNC_MAP_EVICT:
            return "evict"
        return None
    if t == "argument_list":
        call = p.parent
        callee = callee_text(call) if call is not None else ""
        if callee in ("delete", "clear"):
            return "evict"
        if callee == "append":
            args = [a for a in p.named_children if a.type != "comment"]
            if args and args[0] == ident and _appended_back(call, ident):
                return "insert"
            return None
        if callee in ("len", "cap"):
            return "evict" if _size_checked(call) else None
        return "evict"  # handed to a function: it may evict, we cannot see
    if t == "expression_list" and p.parent is not None:
        stmt = p.parent
        if stmt.type == "assignment_statement" and stmt.child_by_field_name("left") == p:
            right = stmt.child_by_field_name("right")
            if right is not None and len(right.named_children) == 1:
                r = strip_parens(right.named_children[0])
                if r.type == "call_expression" and callee_text(r) == "append":
                    args = r.child_by_field_name("arguments").named_children
                    if args and text(strip_parens(args[0])) == text(ident):
                        return None  # counted at the append argument
            return "evict"  # reassigned: replaced, reset or truncated
        if stmt.type in ("assignment_statement", "short_var_declaration", "var_spec") \
                or (stmt.type == "return_statement"):
            return "evict"  # aliased or returned: someone else may evict
    if t == "literal_element" and p.parent is not None and p.parent.type == "keyed_element" \
            and p.parent.named_children and p.parent.named_children[0] == p:
        return None  # the field name of a keyed literal (`seen: ...`), not the variable
    if t in ("keyed_element", "literal_element", "send_statement", "return_statement"):
        return "evict"
    if t == "unary_expression" and text(p.child_by_field_name("operator")) == "&":
        return "evict"
    return None


def _appended_back(call, ident) -> bool:
    p = call.parent
    while p is not None and p.type == "parenthesized_expression":
        p = p.parent
    if p is None or p.type != "expression_list" or p.parent is None:
        return False
    stmt = p.parent
    if stmt.type != "assignment_statement":
        return False
    left = stmt.child_by_field_name("left")
    return left is not None and len(left.named_children) == 1 and text(left.named_children[0]) == text(ident)


def _size_checked(call) -> bool:
    p = call.parent
    while p is not None and p.type == "parenthesized_expression":
        p = p.parent
    if p is None or p.type != "binary_expression":
        return False
    op = p.child_by_field_name("operator")
    return op is not None and text(op) in (">", ">=", "<", "<=", "==")


def _receiver(fn) -> str | None:
    """"T r" for a method `func (r *T) ...`, else None."""
    if fn is None or fn.type != "method_declaration":
        return None
    recv = fn.child_by_field_name("receiver")
    for p in (recv.named_children if recv is not None else []):
        t = p.child_by_field_name("type")
        names = p.children_by_field_name("name")
        if t is not None and names:
            return text(t).lstrip("*").strip() + " " + text(names[0])
    return None


def _method_of(fn):
    while fn is not None and fn.type == "func_literal":
        fn = enclosing_function(fn)
    return fn


def _is_init(fn) -> bool:
    fn = _method_of(fn)
    name = fn.child_by_field_name("name") if fn is not None else None
    return name is not None and text(name) == "init"
