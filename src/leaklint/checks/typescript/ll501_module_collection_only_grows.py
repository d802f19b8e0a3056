"""LL501 for JS/TS: a module-level Map, Set, object or array that functions only add to.

A collection that lives as long as the module and grows per call, with nothing in the
file that deletes, clears, trims, replaces or bounds it, grows for the life of the
process. A collection handed to other code (exported, passed as an argument, returned)
may be trimmed there, so it is left alone.
"""

from __future__ import annotations

from ...languages import of_type
from ...languages.javascript import (identifiers_named, args, enclosing_function, is_literal,
                                     method_of, norm, receiver, strip, text, up)
from ...languages.javascript_values import declares

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("advice", "kind", "name")


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


def _use(n, name):
    """'grow', 'shrink', 'read' or 'escape' for one mention of the collection."""
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
            if meth == "set" and a and is_literal(a[0]):
                return "read"  # a fixed key: bounded
            return "grow" if enclosing_function(n) is not None else "read"
        if meth in READ:
            return "read"
        return "escape"
    if t == "subscript_expression" and p.child_by_field_name("object") == child:
        gp, via = up(p)
        if gp is not None and gp.type == "assignment_expression" \
                and gp.child_by_field_name("left") == via:
            idx = p.child_by_field_name("index")
            if is_literal(idx) or enclosing_function(n) is None or _flag(gp):
                return "read"
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


ENTRY_FUNCTIONS = {"main", "run", "start", "cli", "bootstrap", "execute", "init"}


def _entry_point(root) -> bool:
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


def check(ctx, rule):
    root = ctx.tree.root_node
    if ctx.is_test or _entry_point(root):
        return
    collections = list(_module_collections(root))
    if not collections:
        return
    mentions = {}
    names = {text(n) for n, _ in collections}
    for name in names:
        found = identifiers_named(root, name)
        if found:
            mentions[name] = list(found)
    for name_node, kind in collections:
        name = text(name_node)
        grows, verdict = [], "ok"
        for n in mentions.get(name, ()):
            if n == name_node or _shadowed(n, name):
                continue
            use = _use(n, name)
            if use == "grow":
                grows.append(n)
            elif use in ("shrink", "escape"):
                verdict = use
                break
        if verdict != "ok" or not grows:
            ctx.count(rule.code, name_node, ok=True)
            continue
        advice = "a size bound or an LRU" if kind in ("Map", "object") else "a size bound"
        if kind in ("Map", "Set"):
            advice += f", or a Weak{kind} if its keys are objects"
        ctx.emit(rule, name_node, rule.message.format(
            name=name, kind=kind, advice=advice),
            related=[(g, "grows here") for g in grows[:5]])
        ctx.count(rule.code, name_node, ok=False)
