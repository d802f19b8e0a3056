"""TypeScript/JavaScript facts for the growth analysis (``analysis.growth``): the
collections a module keeps (module-level Maps, Sets, objects and arrays; the Map/Set/
object/array fields of the single instance a module makes) and what each mention does
to one. Keys from a fixed set (literals, enum members, class names, locales, the cases
of a switch) and load-once markers are bounded insertions.
"""

from __future__ import annotations

from ..analysis.growth import ESCAPE, EVICT, INSERT, READ, Container, Use
from ..languages import of_type, tree_root
from ..languages.javascript import (FUNCTIONS, args, enclosing_function, identifiers_named,
                                    is_literal, method_of, norm, receiver, strip, text, up)
from ..languages.javascript_values import declares
from . import lifetimes

CLASSES = ("class_declaration", "class", "abstract_class_declaration")
# what a mention of a collection does to it, as the growth analysis counts it
USE_KINDS = {"grow": INSERT, "shrink": EVICT, "escape": ESCAPE, "read": READ}


def containers(root, path: str) -> list:
    """(Container, [Use], declaration name node) for each collection the module keeps
    (none in a script: its module state ends with the run)."""
    collections = list(_module_collections(root))
    classes = [(cls, fields) for cls in of_type(root, CLASSES) if enclosing_function(cls) is None
               for fields in [list(collection_fields(cls))] if fields]
    if not (collections or classes) or entry_point(root):
        return []
    out = []
    module = lifetimes.lifetime(lifetimes.Owner("javascript", path, "package"))
    for name_node, kind in collections:
        name = text(name_node)
        uses = []
        for n in identifiers_named(root, name):
            if n == name_node or _shadowed(n, name):
                continue
            uses.append(_fact(n, name, kind))
        out.append((Container(name, kind, "module", module, name_node), uses, name_node))
    for cls, fields in classes:
        instance = lifetimes.instance_of("javascript", cls, path)
        if instance.kind != "singleton":
            continue
        for name_node, kind in fields:
            name = text(name_node)
            holder = f"field of {instance.name}, the single instance of {_class_name(cls)}"
            uses = [_fact(n, f"this.{name}", kind) for n in _this_mentions(cls, name)
                    if not _declaration(n, name_node)]
            uses += [Use(ESCAPE, n) for n in identifiers_named(root, instance.name)
                     if instance.name not in ("default", "instance")
                     and n.parent is not None and n.parent.type == "member_expression"
                     and text(n.parent.child_by_field_name("property")) == name]
            out.append((Container(name, kind, holder, lifetimes.lifetime(instance), name_node),
                        uses, name_node))
    return out


def _fact(n, name: str, kind: str) -> Use:
    use = mention_use(n, name, kind)
    if use == "bounded":
        return Use(INSERT, n, bounded=True)
    if use == "module-level":
        return Use(INSERT, n, once=True)
    return Use(USE_KINDS[use], n)


def _class_name(cls) -> str:
    name = cls.child_by_field_name("name")
    return text(name) if name is not None else "its class"


def empty_collection(v) -> str | None:
    """'Map', 'Set', 'object' or 'array' for an empty collection expression."""
    v = strip(v)
    if v is None:
        return None
    if v.type == "new_expression" and norm(v.child_by_field_name("constructor")) in ("Map", "Set"):
        return norm(v.child_by_field_name("constructor"))
    if v.type == "object" and not v.named_children:
        return "object"
    if v.type == "array" and not v.named_children:
        return "array"
    return None


def collection_fields(cls):
    """(name node, kind) of the collection fields of a class: ``cache = new Map()`` in its
    body, or ``this.cache = new Map()`` in its constructor."""
    body = cls.child_by_field_name("body")
    for m in (body.named_children if body is not None else []):
        if m.type in ("public_field_definition", "field_definition"):
            name = m.child_by_field_name("name") or m.child_by_field_name("property")
            kind = empty_collection(m.child_by_field_name("value"))
            if name is not None and kind is not None and m.child_by_field_name("static") is None:
                yield name, kind
        elif m.type == "method_definition" and text(m.child_by_field_name("name")) == "constructor":
            for n in of_type(m, ("assignment_expression",)):
                left = strip(n.child_by_field_name("left"))
                if left is None or left.type != "member_expression" or \
                        text(left.child_by_field_name("object")) != "this" or \
                        enclosing_function(n) != m.child_by_field_name("value") and \
                        enclosing_function(n) != m:
                    continue
                kind = empty_collection(n.child_by_field_name("right"))
                if kind is not None:
                    yield left.child_by_field_name("property"), kind


def _this_mentions(cls, name: str) -> list:
    """``this.NAME`` in the class (its members' own ``this``, arrows included)."""
    out = []
    for n in of_type(cls, ("member_expression",)):
        obj = n.child_by_field_name("object")
        if obj is not None and obj.type == "this" and text(n.child_by_field_name("property")) == name:
            out.append(n)
    return out


def _declaration(n, name_node) -> bool:
    """Is ``this.NAME`` here the field's declaring assignment in the constructor?"""
    prop = n.child_by_field_name("property")
    return prop is not None and prop.start_byte == name_node.start_byte


GROW = {"set", "add", "push", "unshift"}
SHRINK = {"delete", "clear", "splice", "shift", "pop", "length", "size", "filter", "slice"}
# only these methods leave the collection as it was (anything else: not sure, stay quiet)
READ = {"get", "has", "forEach", "keys", "values", "entries", "map", "find", "some", "every",
        "includes", "indexOf", "join", "reduce", "findIndex", "at", "toString", "concat",
        "sort", "flatMap", "lastIndexOf"}


def _module_collections(root):
    for child in root.named_children:
        if child.type not in ("lexical_declaration", "variable_declaration"):
            continue  # exported collections are managed by their importers too
        for d in child.named_children:
            if d.type != "variable_declarator":
                continue
            name = d.child_by_field_name("name")
            v = strip(d.child_by_field_name("value"))
            if name is None or name.type != "identifier" or v is None:
                continue
            if v.type == "new_expression" and norm(v.child_by_field_name("constructor")) \
                    in ("Map", "Set"):
                yield name, norm(v.child_by_field_name("constructor"))
            elif v.type == "object" and not v.named_children:
                yield name, "object"
            elif v.type == "array" and not v.named_children:
                yield name, "array"


def _flag(assign) -> bool:
    """``seen[k] = true``: a warn-once/dedup table, one flag per distinct key."""
    v = strip(assign.child_by_field_name("right"))
    return v is not None and v.type in ("true", "number")


def _shadowed(n, name: str) -> bool:
    fn = enclosing_function(n)
    while fn is not None:
        if declares(fn, name):
            return True
        fn = enclosing_function(fn)
    return False


def mention_use(n, name, kind=""):
    """'grow', 'shrink', 'read', 'escape', 'bounded' (a key from a fixed set, a load-once
    marker) or 'module-level' (filled as the module loads) for one mention."""
    p, child = up(n)
    if p is None:
        return "escape"
    t = p.type
    if t == "member_expression" and p.child_by_field_name("object") == child:
        meth = text(p.child_by_field_name("property"))
        gp, via = up(p)
        is_call = gp is not None and gp.type == "call_expression" \
            and gp.child_by_field_name("function") == via
        if meth in SHRINK:
            return "shrink"
        if is_call and meth in GROW:
            a = args(gp)
            if meth in ("set", "add") and a and bounded_key(a[0]):
                return "bounded"  # a fixed key
            if meth == "add" and a and _guarded_by_has(gp, name, a[0]):
                return "bounded"  # a load-once marker: one entry per distinct key, like a flag
            return "grow" if enclosing_function(n) is not None else "module-level"
        if meth in READ:
            return "read"
        return "escape"
    if t == "subscript_expression" and p.child_by_field_name("object") == child:
        gp, via = up(p)
        if gp is not None and gp.type == "assignment_expression" \
                and gp.child_by_field_name("left") == via:
            idx = p.child_by_field_name("index")
            if enclosing_function(n) is None:
                return "module-level"
            if bounded_key(idx) or _flag(gp):
                return "bounded"
            if kind == "array" and "length" not in text(idx):
                return "read"  # writes a slot (a worker's index), does not append
            return "grow"
        if gp is not None and gp.type == "unary_expression" and text(gp).startswith("delete"):
            return "shrink"
        return "read"
    if t in ("for_in_statement",) and p.child_by_field_name("right") == child:
        return "read"
    if t in ("binary_expression", "spread_element", "unary_expression") \
            and not text(p).startswith("delete"):
        return "read"
    return "escape"


# keys named for a locale or a language: one entry per translation table, a bounded set
LOCALE_KEYS = {"lang", "language", "locale", "languageCode", "langCode", "localeCode",
               "timezone", "timeZone"}


def bounded_key(key) -> bool:
    """Is the key one of a fixed set: a literal, an enum member (or a member of a
    capitalised constant object), a class name (``x.constructor.name``), the
    discriminant of the ``switch`` whose ``case "x":`` holds the write, an element of a
    literal array being iterated, or a locale or language name?"""
    key = strip(key)
    if key is None:
        return False
    if is_literal(key):
        return True
    if key.type == "member_expression":
        return _enum_member(key) or norm(key).endswith(".constructor.name")
    if key.type != "identifier":
        return False
    name = text(key)
    if name in LOCALE_KEYS:
        return True
    n = key.parent
    while n is not None:
        if n.type == "switch_case" and is_literal(n.child_by_field_name("value")):
            sw = n.parent.parent if n.parent is not None else None
            if sw is not None and sw.type == "switch_statement" \
                    and norm(sw.child_by_field_name("value")) == name:
                return True
        if n.type in FUNCTIONS:
            p, child = up(n)
            if p is not None and p.type == "arguments" and args(p.parent)[:1] == [child] \
                    and method_of(p.parent) in ("forEach", "map") \
                    and _literal_array(receiver(p.parent)) and _first_param(n) == name:
                return True
        if n.type == "for_in_statement" and norm(n.child_by_field_name("left")) == name \
                and _literal_array(n.child_by_field_name("right")):
            return True
        n = n.parent
    return False


def _enum_member(key) -> bool:
    """``Color.Red`` of an ``enum Color`` of this file, or of a module-level constant
    object named in capitals (``EVENTS.CLICK``): one of a fixed set of values."""
    obj = strip(key.child_by_field_name("object"))
    if obj is None or obj.type != "identifier":
        return False
    name = text(obj)
    root = tree_root(key)
    for child in root.named_children:
        node = child.child_by_field_name("declaration") if child.type == "export_statement" \
            else child
        if node is None:
            continue
        if node.type == "enum_declaration" and text(node.child_by_field_name("name")) == name:
            return True
        if node.type == "lexical_declaration" and name.isupper() and any(
                d.type == "variable_declarator" and text(d.child_by_field_name("name")) == name
                and strip(d.child_by_field_name("value")) is not None
                and strip(d.child_by_field_name("value")).type == "object"
                for d in node.named_children):
            return True
    return False


def _literal_array(node) -> bool:
    node = strip(node)
    return node is not None and node.type == "array" and bool(node.named_children) \
        and all(is_literal(c) for c in node.named_children)


def _first_param(fn) -> str:
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    if params is None:
        return ""
    if params.type == "identifier":
        return text(params)
    first = next((c for c in params.named_children if c.type != "comment"), None)
    return text(first) if first is not None and first.type == "identifier" else ""


def _guarded_by_has(call, name: str, key) -> bool:
    """``if (!seen.has(k)) { seen.add(k); ... }``: the add runs once per distinct key."""
    n = call.parent
    while n is not None and n.type not in FUNCTIONS:
        if n.type == "if_statement":
            cond = norm(n.child_by_field_name("condition")).strip("()")
            if cond.startswith("!") and f"{name}.has({norm(key)})" in cond:
                return True
        n = n.parent
    return False


ENTRY_FUNCTIONS = {"main", "run", "start", "cli", "bootstrap", "execute", "init"}


def entry_point(root) -> bool:
    """A script (shebang, top-level ``await``, a top-level ``main()``): one process per run,
    so its module state ends with the run."""
    if root.text.startswith(b"#!"):
        return True
    for n in of_type(root, ("member_expression",)):
        if norm(n) in ("process.argv", "process.exit") and enclosing_function(n) is None:
            return True
    for child in root.named_children:
        if child.type != "expression_statement" or not child.named_children:
            continue
        e = child.named_children[0]
        if e.type == "await_expression":
            return True
        e = strip(e)
        while e is not None and e.type == "call_expression" and method_of(e) in ("then", "catch",
                                                                               "finally"):
            e = strip(receiver(e))
        if e is not None and e.type == "call_expression" and receiver(e) is None \
                and method_of(e) in ENTRY_FUNCTIONS:
            return True
    return False


