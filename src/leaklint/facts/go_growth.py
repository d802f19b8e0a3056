"""Where one Go file adds to and takes from its package's containers: the package-level
maps, slices and sync.Maps, and the container fields of types with a single instance
(asked with their names in a ``Query``, so each file answers only what its package
declares). Plain data, cached by content like every fact.
"""

from __future__ import annotations

import dataclasses
import json

from ..languages import matches
from ..languages.spelled import spelled
from ..languages.go_syntax import (callee_text, declared_names, enclosing_function,
                                   outer_locals, strip_parens, text)
from ..source import SourceFile

_SYNC_MAP_EVICT = {"Delete", "LoadAndDelete", "CompareAndDelete", "Clear"}
_SYNC_MAP_INSERT = {"Store", "LoadOrStore", "Swap"}
# inserting functions of these names fill registries (called from init() elsewhere)
REGISTRY_PREFIXES = ("Register", "register", "MustRegister", "mustRegister", "Add")
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
    """{"containers": {name: {"inserts": [...], "evictions": n, "bounded": n}}, "fields":
    {...}}: where this file inserts into and evicts from the package's containers and
    fields. An insertion is [line, Position fields...]; "bounded" counts the insertions
    made once (init, Register*, once.Do) or keyed by a type (``analysis.growth`` leaves
    them out)."""
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
    """Note one use: an insertion (where), a bounded insertion (filled once, keyed by a
    type: how many) or an eviction (how many)."""
    entry = table.setdefault(name, {"inserts": [], "evictions": 0})
    if verdict == "bounded":
        entry["bounded"] = entry.get("bounded", 0) + 1
    elif verdict == "insert":
        p = src.position(node)
        entry["inserts"].append([p.line, p.col, p.end_line, p.end_col, p.col16, p.end_col16])
    else:
        entry["evictions"] += 1


def _classify(root, src, kinds: dict, once: set, table: dict) -> None:
    scopes: dict = {}
    for ident in spelled(root, kinds):  # only the containers' own names
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
            bounded = filled_once(fn, once) or keyed_by_type(ident, fn)
            _record(table, name, "bounded" if bounded else verdict, src, ident)
        elif verdict == "evict":
            _record(table, name, verdict, src, ident)


def _classify_fields(root, src, fields: dict, once: set, table: dict) -> None:
    """Insertions and evictions of single-instance fields: through the instance's
    variable, or through a method's receiver."""
    for field in spelled(root, fields, ("field_identifier",)):
        node = field.parent
        operand = node.child_by_field_name("operand") if node.type == "selector_expression" \
            else None
        if operand is None or operand.type != "identifier":
            continue
        fld, owner = fields.get(text(field)), text(operand)
        fn = enclosing_function(node)
        if fld is None or fn is None or _is_init(fn):
            continue
        recv = _receiver(_method_of(fn))
        if owner != fld["instance"] and recv != f"{fld['type']} {owner}":
            continue
        verdict = use_of(node)
        if verdict == "index-set":
            verdict = "insert" if fld["kind"] == "map" else None
        if verdict == "insert":
            bounded = filled_once(fn, once)
            _record(table, text(field), "bounded" if bounded else verdict, src, node)
        elif verdict == "evict":
            _record(table, text(field), verdict, src, node)


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
