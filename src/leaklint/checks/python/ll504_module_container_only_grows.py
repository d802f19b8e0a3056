"""LL504 module-container-only-grows: A module- or class-level dict, list or set that functions
only insert into.
"""

from __future__ import annotations

import re

from ...languages import matches
from ...languages.python import (body_statements, enclosing_class, enclosing_function,
                                 parameters, resolve, runs_at_import, text)
from .caches import python_adapter

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("function", "line", "name", "where")


CONTAINER_CALLS = {"dict", "list", "set", "collections.defaultdict", "defaultdict",
                   "collections.OrderedDict", "OrderedDict", "collections.Counter", "Counter",
                   "collections.deque"}
INSERT_METHODS = {"append", "add", "setdefault", "update", "extend", "insert", "appendleft"}
REMOVE_METHODS = {"pop", "popitem", "remove", "discard", "clear", "popleft", "__delitem__"}


def check(ctx, rule) -> None:
    """LL504: a module- or class-level dict/list/set that functions only insert into."""
    root = ctx.tree.root_node
    names = python_adapter(ctx).names
    for owner, stmt, name in _containers(root, names):
        scope = root if owner is None else owner
        inserts, removed = _uses(root, scope, owner, name)
        if removed:
            ctx.count(rule.code, stmt, ok=True)
            continue
        runtime = [(fn, node) for fn, node in inserts
                   if not runs_at_import(fn, root) and not _constructed_at_import(fn, root)
                   and _per_item(node)]
        if not runtime:
            if inserts:  # filled only at import, by an init-only step or with bounded keys
                ctx.count(rule.code, stmt, ok=True)
            continue
        ctx.count(rule.code, stmt, ok=False)
        fn, node = runtime[0]
        where = "module level" if owner is None else \
            f"class attribute of {text(owner.child_by_field_name('name'))}"
        ctx.emit(rule, stmt, rule.message.format(
            name=name, where=where, function=text(fn.child_by_field_name("name")),
            line=node.start_point[0] + 1), related=[(node, "inserted here")])


CONSTRUCTORS = ("__init__", "__post_init__", "__new__")


def _constructed_at_import(fn, root) -> bool:
    """``fn`` is a constructor of a class (or of a base of classes) that this module
    instantiates only at its top level, as a registry of its definitions does
    (`CommandRunner("startup", ...)` lines): filled once at import, bounded."""
    if text(fn.child_by_field_name("name")) not in CONSTRUCTORS:
        return False
    cls = enclosing_class(fn)
    if cls is None:
        return False
    family = {text(cls.child_by_field_name("name"))}
    classes = [c["c"][0] for _, c in matches("python", "(class_definition) @c", root)]
    grew = True
    while grew:
        grew = False
        for c in classes:
            bases = c.child_by_field_name("superclasses")
            name = text(c.child_by_field_name("name"))
            if name not in family and bases is not None and \
                    any(text(b) in family for b in bases.named_children):
                family.add(name)
                grew = True
    made = [c["call"][0] for _, c in matches("python", "(call function: (identifier) @f) @call", root)
            if text(c["f"][0]) in family]
    return bool(made) and all(enclosing_function(call) is None for call in made)


def _containers(root, names):
    """(owning class or None, assignment, name) for `NAME = {}`-like module/class statements."""
    out = []
    bodies = [(None, root)]
    for _, caps in matches("python", "(class_definition body: (block) @b) @c", root):
        cls = caps["c"][0]
        if enclosing_function(cls) is None:
            bodies.append((cls, caps["b"][0]))
    for owner, body in bodies:
        for s in body_statements(body):
            if s.type != "expression_statement" or not s.named_children:
                continue
            a = s.named_children[0]
            if a.type != "assignment":
                continue
            left, right = a.child_by_field_name("left"), a.child_by_field_name("right")
            if left is None or right is None or left.type != "identifier":
                continue
            if right.type in ("dictionary", "list", "set") and not right.named_children:
                out.append((owner, a, text(left)))
            elif right.type == "call":
                callee = resolve(text(right.child_by_field_name("function")), names)
                args = right.child_by_field_name("arguments")
                small = args is None or len(args.named_children) <= 1
                if callee in CONTAINER_CALLS and small and not _bounded_deque(right):
                    out.append((owner, a, text(left)))
    return out


# what an entry is keyed by, or what is appended, when it grows with the traffic
PER_ITEM = re.compile(
    r"(^|_)(id|ids|uuid|key|request|req|session|user|token|item|conn|connection|client|task|"
    r"job|event|self|result|response|callback|cb|handler)$")


def _per_item(node) -> bool:
    """Is the inserted key/value per request, per object or per call (not a small domain)?"""
    p = node.parent
    if p is None:
        return False
    if p.type == "subscript":
        parts = [c for c in p.named_children if c != node]
    elif p.type == "attribute":
        call = p.parent
        args = call.child_by_field_name("arguments") if call is not None and call.type == "call" else None
        parts = list(args.named_children) if args is not None else []
    else:
        parts = [c for c in p.named_children if c != node]
    for part in parts:
        stack = [part]
        while stack:
            n = stack.pop()
            callee = n.parent is not None and n.parent.type == "call" and \
                n.parent.child_by_field_name("function") == n
            if n.type == "identifier" and not callee and PER_ITEM.search(text(n).lower()) and \
                    (text(n) != "self" or part.type == "identifier"):
                return True
            if n.type == "call" and text(n.child_by_field_name("function")) == "uuid.uuid4":
                return True
            stack.extend(n.named_children)
    return False


def _bounded_deque(call) -> bool:
    return b"maxlen" in call.text


def _uses(root, scope, owner, name):
    """Insertions inside functions, and whether anything removes/reassigns/escapes it."""
    inserts, removed = [], False
    cname = text(owner.child_by_field_name("name")) if owner is not None else None
    stack = [root]
    encoded = name.encode()
    while stack:
        n = stack.pop()
        if encoded not in n.text:
            continue
        if n.type in ("identifier", "attribute") and _refers(n, name, owner, cname):
            fn = enclosing_function(n)
            kind = _use(n)
            if kind == "insert" and fn is not None:
                inserts.append((fn, n))
            elif kind == "escape":
                if fn is not None or not _is_definition(n):
                    removed = True
            elif kind == "remove":
                removed = True
            continue
        stack.extend(n.named_children)
    return inserts, removed


def _is_definition(n) -> bool:
    p = n.parent
    return p is not None and p.type == "assignment" and p.child_by_field_name("left") == n


def _refers(n, name, owner, cname) -> bool:
    if n.type == "identifier":
        if owner is not None:
            # a bare name inside a class body refers to it only at class level
            return text(n) == name and enclosing_function(n) is None and _in(n, owner)
        p = n.parent
        if p is not None and p.type == "attribute" and p.child_by_field_name("attribute") == n:
            return False
        if p is not None and p.type == "keyword_argument" and p.child_by_field_name("name") == n:
            return False
        return text(n) == name and not _local_name(n, name)
    obj = n.child_by_field_name("object")
    if text(n.child_by_field_name("attribute")) != name or obj is None:
        return False
    if owner is None:
        return False
    return text(obj) in ("self", "cls", cname) and _in(n, owner) or text(obj) == cname


def _in(n, owner) -> bool:
    return owner.start_byte <= n.start_byte < owner.end_byte


def _local_name(n, name) -> bool:
    """The name is a parameter or assigned local of the function using it (no `global`)."""
    fn = enclosing_function(n)
    if fn is None or fn.type != "function_definition":
        return False
    if name in parameters(fn):
        return True
    body = fn.child_by_field_name("body")
    if body is None:
        return False
    for s in body_statements(body):
        if s.type in ("global_statement", "nonlocal_statement") and \
                any(text(c) == name for c in s.named_children):
            return False
    stack = list(body.named_children)
    while stack:
        s = stack.pop()
        if s.type == "assignment":
            left = s.child_by_field_name("left")
            if left is not None and left.type == "identifier" and text(left) == name:
                return True
        if s.type not in ("function_definition", "class_definition", "lambda"):
            stack.extend(s.named_children)
    return False


def _use(n) -> str | None:
    """How the container is used here: insert, remove, escape (reassigned/passed) or read."""
    p = n.parent
    if p is None:
        return None
    if p.type == "subscript" and p.child_by_field_name("value") == n:
        gp = p.parent
        if any(c.type == "slice" for c in p.named_children):
            return "remove"  # `X[:] = ...` replaces the contents
        if gp is not None and gp.type == "assignment" and gp.child_by_field_name("left") == p:
            return "insert"
        if gp is not None and gp.type == "delete_statement":
            return "remove"
        if gp is not None and gp.type in ("expression_list",) and gp.parent is not None \
                and gp.parent.type == "delete_statement":
            return "remove"
        return None
    if p.type == "attribute" and p.child_by_field_name("object") == n:
        method = text(p.child_by_field_name("attribute"))
        if method in INSERT_METHODS:
            return "insert"
        if method in REMOVE_METHODS:
            return "remove"
        return None
    if p.type == "assignment" and p.child_by_field_name("left") == n:
        return "escape"  # reassigned: a reset bounds it
    if p.type == "augmented_assignment":
        return "insert" if p.child_by_field_name("left") == n else None
    if p.type == "call" and p.child_by_field_name("function") == n:
        return None
    if p.type in ("argument_list", "return_statement", "assignment", "keyword_argument", "yield"):
        if p.type == "argument_list":
            call = p.parent
            callee = text(call.child_by_field_name("function")) if call is not None else ""
            if callee in ("len", "list", "sorted", "iter", "tuple", "set", "dict", "print",
                          "isinstance", "enumerate", "any", "all", "sum", "max", "min", "repr"):
                return "remove" if callee == "len" else None  # a size check bounds it
        return "escape"
    if p.type == "delete_statement":
        return "remove"
    return None
