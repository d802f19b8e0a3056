"""What the Go cache rules read: package-level maps and slices and struct fields holding
containers, and every insertion into and eviction from them across the package (LL510);
package-level names for the delete-loop rule (LL511).

A package lives in one directory, so LL510 reads the sibling `.go` files of the same
package (not `_test.go`) to see every insertion and every eviction of a package-level
variable. Each directory is parsed once per process and kept in a small cache.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from dataclasses import dataclass, field

from ... import languages
from ...languages import matches, recent_syntax
from ...languages.go import callee_text, enclosing_function
from ...source import SourceFile
from .channels import declared_names, strip_parens, text
from .package import package_name


# inserting functions of these names fill registries (called from init() elsewhere)
REGISTRY_PREFIXES = ("Register", "register", "MustRegister", "mustRegister", "Add")
_SYNC_MAP_INSERT = {"Store", "LoadOrStore", "Swap"}
_SYNC_MAP_EVICT = {"Delete", "LoadAndDelete", "CompareAndDelete", "Clear"}
_DIR_CACHE_SIZE = 8
_dir_cache: OrderedDict = OrderedDict()


@dataclass
class PackageFile:
    path: str
    src: SourceFile
    root: object


@dataclass
class Uses:
    inserts: list = field(default_factory=list)  # (PackageFile, node)
    evictions: list = field(default_factory=list)


# -- the package ---------------------------------------------------------------------

def _parse(path: str, limit: int):
    try:
        if os.path.getsize(path) > limit:
            return None
        with open(path, "rb") as fh:
            data = fh.read()
        data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return PackageFile(path, SourceFile(path, data, "go"), recent_syntax.parse("go", data, languages.parser("go").parse).root_node)


def package_files(ctx) -> list[PackageFile]:
    """This file and the other non-test files of its package in the same directory."""
    here = PackageFile(ctx.src.path, ctx.src, ctx.tree.root_node)
    directory = os.path.dirname(ctx.src.path) or "."
    try:
        names = sorted(n for n in os.listdir(directory)
                       if n.endswith(".go") and not n.endswith("_test.go"))
    except OSError:
        return [here]
    stamp = []
    for n in names:
        try:
            st = os.stat(os.path.join(directory, n))
            stamp.append((n, st.st_mtime_ns, st.st_size))
        except OSError:
            continue
    key = (os.path.abspath(directory), tuple(stamp))
    ctx.cache["go_package_key"] = key
    files = _dir_cache.get(key)
    if files is None:
        files = []
        for n, _m, _s in stamp:
            pf = _parse(os.path.join(directory, n), ctx.settings.max_file_size)
            if pf is not None:
                files.append(pf)
        _dir_cache[key] = files
        while len(_dir_cache) > _DIR_CACHE_SIZE:
            _dir_cache.popitem(last=False)
    pkg = package_name(ctx.tree.root_node)
    me = os.path.abspath(ctx.src.path)
    return [here] + [f for f in files if os.path.abspath(f.path) != me and package_name(f.root) == pkg]


# -- package-level containers --------------------------------------------------------

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


def once_functions(files) -> set:
    """Names of functions passed to `once.Do(f)` anywhere in the package: they run once."""
    out = set()
    for pf in files:
        for _, caps in matches("go", "(call_expression function: (selector_expression field: (field_identifier) @m)"
                                     " arguments: (argument_list . (identifier) @f .) (#eq? @m \"Do\"))",
                               pf.root):
            out.add(text(caps["f"][0]))
    return out


def _filled_once(fn, once: set) -> bool:
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


def _keyed_by_type(ident, fn) -> bool:
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


def classify(pf: PackageFile, kinds: dict, uses: dict, scopes: dict, once: set) -> None:
    """Add every insertion and eviction of the package-level containers (name -> kind)
    in one file."""
    if not kinds:
        return
    # only the containers' own names: asking for every identifier of a package is slow
    names = " ".join(json.dumps(n) for n in sorted(kinds))
    for _, caps in matches("go", "((identifier) @id (#any-of? @id %s))" % names, pf.root):
        ident = caps["id"][0]
        name = text(ident)
        if name not in kinds:
            continue
        fn = enclosing_function(ident)
        if fn is None:
            continue  # package level: the declaration or a registry literal
        key = (pf.path, fn.start_byte)
        if key not in scopes:
            scopes[key] = declared_names(fn) | outer_locals(fn)
        if name in scopes[key]:
            continue
        verdict = _use(ident)
        if verdict == "index-set":  # a new key in a map; an overwritten element in a slice
            verdict = "insert" if kinds[name] == "map" else None
        if verdict == "insert":
            if not _filled_once(fn, once) and not _keyed_by_type(ident, fn):
                uses[name].inserts.append((pf, ident))
        elif verdict == "evict":
            uses[name].evictions.append((pf, ident))


def outer_locals(fn) -> set:
    out = set()
    f = enclosing_function(fn)
    while f is not None:
        out |= declared_names(f)
        f = enclosing_function(f)
    return out


def _use(ident) -> str | None:
    """'insert', 'evict' or None (a read) for one mention of a package-level container."""
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


# -- fields of a type with a single, package-level instance --------------------------

@dataclass
class Field:
    type_name: str
    name: str
    decl: object  # the field's name node
    kind: str
    instance: str = ""  # the package-level variable holding the only instance


def _field_kind(typ) -> str | None:
    if typ is None:
        return None
    if typ.type == "map_type":
        return "map"
    if typ.type == "slice_type":
        return "slice"
    return "sync.Map" if text(typ).replace(" ", "").lstrip("*") == "sync.Map" else None


def struct_container_fields(root) -> list[Field]:
    """Map, slice and sync.Map fields of the unexported-or-not struct types of a file."""
    out = []
    q = "(type_spec name: (type_identifier) @t type: (struct_type) @s)"
    for _, caps in matches("go", q, root):
        tname = text(caps["t"][0])
        for fd in caps["s"][0].named_children:
            for decl in (fd.named_children if fd.type == "field_declaration_list" else [fd]):
                if decl.type != "field_declaration":
                    continue
                kind = _field_kind(decl.child_by_field_name("type"))
                if kind is None:
                    continue
                for n in decl.children_by_field_name("name"):
                    out.append(Field(tname, text(n), n, kind))
    return out


def single_instances(files) -> dict:
    """Type name -> the package-level variable that holds the only value of that type made
    in the package (`var x = &T{...}`, `var x T`); types made anywhere else are left out."""
    made, holder = {}, {}
    for pf in files:
        for _, caps in matches("go", "[(composite_literal type: (type_identifier) @t) @c"
                                     " (call_expression function: (identifier) @f"
                                     " arguments: (argument_list . (type_identifier) @t)) @c"
                                     " (var_spec type: [(type_identifier) (pointer_type)] @t) @c]",
                               pf.root):
            t = text(caps["t"][0]).lstrip("*").strip()
            node = caps["c"][0]
            if node.type == "call_expression" and text(caps.get("f", [node])[0]) != "new":
                continue
            if node.type == "var_spec" and text(caps["t"][0]).startswith("*"):
                continue  # a nil pointer, made elsewhere
            made[t] = made.get(t, 0) + 1
            spec = node
            while spec is not None and spec.type != "var_spec":
                spec = spec.parent
            if spec is not None and enclosing_function(spec) is None:
                names = spec.children_by_field_name("name")
                if len(names) == 1:
                    holder[t] = text(names[0])
    return {t: holder[t] for t, n in made.items() if n == 1 and t in holder}


def _receiver_type(fn) -> str | None:
    if fn is None or fn.type != "method_declaration":
        return None
    recv = fn.child_by_field_name("receiver")
    for p in (recv.named_children if recv is not None else []):
        t = p.child_by_field_name("type")
        names = p.children_by_field_name("name")
        if t is not None and names:
            return text(t).lstrip("*").strip() + " " + text(names[0])
    return None


def classify_fields(pf: PackageFile, fields: dict, uses: dict, once: set) -> None:
    """Insertions and evictions of single-instance fields (name -> Field) in one file:
    through the instance's variable, or through a method's receiver."""
    names = " ".join(json.dumps(n) for n in sorted(fields))
    q = ("((selector_expression operand: (identifier) @o field: (field_identifier) @f) @s"
         " (#any-of? @f %s))" % names)
    for _, caps in matches("go", q, pf.root):
        fld = fields.get(text(caps["f"][0]))
        node, owner = caps["s"][0], text(caps["o"][0])
        fn = enclosing_function(node)
        if fld is None or fn is None or _is_init(fn):
            continue
        recv = _receiver_type(_method_of(fn))
        if owner != fld.instance and recv != f"{fld.type_name} {owner}":
            continue
        verdict = _use(node)
        if verdict == "index-set":
            verdict = "insert" if fld.kind == "map" else None
        if verdict == "insert" and not _filled_once(fn, once):
            uses[fld.name].inserts.append((pf, node))
        elif verdict == "evict":
            uses[fld.name].evictions.append((pf, node))


def _method_of(fn):
    while fn is not None and fn.type == "func_literal":
        fn = enclosing_function(fn)
    return fn


def _is_init(fn) -> bool:
    fn = _method_of(fn)
    name = fn.child_by_field_name("name") if fn is not None else None
    return name is not None and text(name) == "init"


@dataclass
class PackageFacts:
    """Every insertion and eviction of the package's containers and single-instance
    fields, computed once per package and shared by its files."""

    containers: dict  # name -> [(path, decl node, kind)]: build-tagged files may each declare it
    uses: dict  # name -> Uses
    fields: dict  # field name -> [(path, Field)]
    field_uses: dict  # field name -> Uses


_facts_cache: OrderedDict = OrderedDict()


def package_facts(ctx, files) -> PackageFacts:
    key = (ctx.cache.get("go_package_key"), package_name(ctx.tree.root_node))
    hit = _facts_cache.get(key) if key[0] is not None else None
    if hit is not None:
        return hit
    once = once_functions(files)
    containers = {}
    for pf in files:
        for name, (decl, kind) in package_containers(pf.root).items():
            containers.setdefault(name, []).append((pf.path, decl, kind))
    uses = {n: Uses() for n in containers}
    kinds = {n: decls[0][2] for n, decls in containers.items()}
    scopes: dict = {}
    for pf in files:
        classify(pf, kinds, uses, scopes, once)
    instances = single_instances(files)
    fields = {}
    for pf in files:
        for f in struct_container_fields(pf.root):
            f.instance = instances.get(f.type_name, "")
            if f.instance:
                fields.setdefault(f.name, []).append((pf.path, f))
    field_uses = {n: Uses() for n in fields}
    if fields:
        by_name = {n: decls[0][1] for n, decls in fields.items()}
        for pf in files:
            classify_fields(pf, by_name, field_uses, once)
    facts = PackageFacts(containers, uses, fields, field_uses)
    if key[0] is not None:
        _facts_cache[key] = facts
        while len(_facts_cache) > _DIR_CACHE_SIZE:
            _facts_cache.popitem(last=False)
    return facts
