"""Python facts for the growth analysis (``analysis.growth``): the containers a module
keeps (module-level and class-level dicts, lists, sets; the container attributes of the
single instance a module makes) and what each mention of one does to it.

Python only names its keys, so an insertion counts when its key or value is made per
request or per object (``PER_ITEM``), and not when it runs at import, in a class's
creation hooks or in the constructor of objects made only at import.
"""

from __future__ import annotations

import re

from ..analysis.growth import ESCAPE, EVICT, INSERT, READ, Container, Use
from ..languages import ancestors, matches, walk, within
from ..languages.python import (body_statements, enclosing_class, enclosing_function,
                                 parameters, resolve, runs_at_import, text)
from ..languages.python_shapes import assigned_value
from . import lifetimes

CONTAINER_CALLS = {"dict", "list", "set", "collections.defaultdict", "defaultdict",
                   "collections.OrderedDict", "OrderedDict", "collections.Counter", "Counter",
                   "collections.deque"}
INSERT_METHODS = {"append", "add", "setdefault", "update", "extend", "insert", "appendleft"}
REMOVE_METHODS = {"pop", "popitem", "remove", "discard", "clear", "popleft", "__delitem__"}
# a finaliser: it runs only once nothing refers to the object any more
FINALISERS = ("__del__",)

_KINDS = {"dictionary": "dict", "list": "list", "set": "set"}


def containers(root, path: str, names: dict) -> list:
    """(Container, [Use], declaration statement) for each container the module keeps:
    ``Container.at`` is the owning class node or None (module level)."""
    out = []
    module = lifetimes.lifetime(lifetimes.owner_of("python", root, path))
    for owner, stmt, name, kind in _containers(root, names):
        holder = "module level" if owner is None else \
            f"class attribute of {text(owner.child_by_field_name('name'))}"
        found = Container(name, kind, holder, module, owner)
        out.append((found, _finalised(_uses(root, owner, name)), stmt))
        _note_finaliser(found, out[-1][1])
    for cls, stmt, name, kind in _instance_containers(root, names):
        instance = lifetimes.instance_of("python", cls, path)
        holder = f"attribute of {instance.name}, the single instance of " \
            f"{text(cls.child_by_field_name('name'))}" if instance.kind == "singleton" else "attribute"
        found = Container(name, kind, holder, lifetimes.lifetime(instance), cls)
        out.append((found, _finalised(_attribute_uses(root, cls, name)), stmt))
        _note_finaliser(found, out[-1][1])
    return out


def _kind(right, names) -> str | None:
    """'dict', 'list', 'set', ... for an empty container expression, else None."""
    if right.type in _KINDS and not right.named_children:
        return _KINDS[right.type]
    if right.type == "call":
        callee = resolve(text(right.child_by_field_name("function")), names)
        args = right.child_by_field_name("arguments")
        small = args is None or len(args.named_children) <= 1
        if callee in CONTAINER_CALLS and small and not _bounded_deque(right):
            return callee.rsplit(".", 1)[-1]
    return None


def _instance_containers(root, names):
    """(class, assignment, attribute, kind) for `self.NAME = {}`-like statements of a
    class's ``__init__`` whose class the module makes exactly once at its top level (the
    attributes of other objects live as long as their object)."""
    out = []
    for _, caps in matches("python", "(class_definition body: (block) @b) @c", root):
        cls = caps["c"][0]
        if enclosing_function(cls) is not None:
            continue
        found = []
        for fn in body_statements(caps["b"][0]):
            if fn.type == "decorated_definition":
                fn = fn.child_by_field_name("definition")
            if fn is None or fn.type != "function_definition" or \
                    text(fn.child_by_field_name("name")) != "__init__":
                continue
            for s in body_statements(fn.child_by_field_name("body")):
                a = s.named_children[0] if s.type == "expression_statement" and s.named_children else None
                if a is None or a.type != "assignment":
                    continue
                left, right = a.child_by_field_name("left"), a.child_by_field_name("right")
                if left is None or right is None or left.type != "attribute" or \
                        text(left.child_by_field_name("object")) != "self":
                    continue
                kind = _kind(right, names)
                if kind is not None:
                    found.append((cls, a, text(left.child_by_field_name("attribute")), kind))
        if found and lifetimes.instance_of("python", cls, "").kind == "singleton":
            out.extend(found)
    return out


def _attribute_uses(root, cls, name) -> list:
    """The uses of ``self.NAME`` in the methods of ``cls`` (the assignment in ``__init__``
    is the declaration); a mention outside the class hands it on."""
    uses = []
    encoded = name.encode()
    stack = [root]
    while stack:
        n = stack.pop()
        if encoded not in n.text:
            continue
        if n.type == "attribute" and text(n.child_by_field_name("attribute")) == name:
            obj = n.child_by_field_name("object")
            fn = enclosing_function(n)
            inside = cls.start_byte <= n.start_byte < cls.end_byte
            if not inside or obj is None or text(obj) != "self" or fn is None:
                uses.append(Use(ESCAPE, (fn, n)))
                continue
            if _is_definition(n) and text(fn.child_by_field_name("name")) == "__init__" \
                    and enclosing_function(fn) is None:
                continue
            uses.append(_fact(_use(n), fn, n, root))
            continue
        stack.extend(n.named_children)
    return uses


def _fact(kind, fn, node, root) -> Use:
    """One mention as the growth analysis reads it."""
    at = (fn, node)
    if kind == "insert":
        if fn is None:
            return Use(INSERT, at, once=True)  # filled at import
        once = runs_at_import(fn, root) or _constructed_at_import(fn, root)
        return Use(INSERT, at, once=once, per_item=_per_item(node))
    if kind in ("remove", "escape"):
        fact = EVICT if kind == "remove" else ESCAPE
        return Use(fact, at, unreachable=fn is not None and _finaliser(fn))
    return Use(READ, at)


def _finaliser(fn) -> bool:
    return text(fn.child_by_field_name("name")) in FINALISERS


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
    """(owning class or None, assignment, name, kind) for `NAME = {}`-like module/class
    statements."""
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
            kind = _kind(right, names)
            if kind is not None:
                out.append((owner, a, text(left), kind))
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
    return any(_made_per_item(part, ALIAS_DEPTH) for part in parts)


# names that say what a value is for (a key, an element, an outcome), not what it is: such
# a local is judged by what it is built from
ROLE = re.compile(r"(^|_)(key|item|result)$")

# how many local names a key is followed through (``key = (a, b)``, then its parts)
ALIAS_DEPTH = 3


def _made_per_item(part, depth: int) -> bool:
    """Is ``part`` (a key, a value or an argument of an insertion) made per item? A local
    with a name of a role (``key``, ``item``, ``result``) stands for what it is built from
    (``key = (version, status)``; a loop's target for the collection it runs over); a
    parameter, a field or a local named for what it holds (``user_id``) by its name."""
    stack = [part]
    while stack:
        n = stack.pop()
        p = n.parent
        callee = p is not None and p.type == "call" and p.child_by_field_name("function") == n
        named = p is not None and p.type == "keyword_argument" and p.child_by_field_name("name") == n
        if n.type == "identifier" and not callee and not named:
            value = _local_value(n) if depth > 0 else None
            if value is not None and ROLE.search(text(n).lower()):
                if _made_per_item(value, depth - 1):
                    return True
                continue
            if PER_ITEM.search(text(n).lower()) and (text(n) != "self" or part.type == "identifier"):
                return True
        if n.type == "call" and text(n.child_by_field_name("function")) in ("uuid.uuid4", "id"):
            return True  # a fresh id, or an object's identity: one entry per object
        stack.extend(n.named_children)
    return False


def _local_value(name):
    """What the local ``name`` (an identifier inside a function) was built from: the
    collection a loop around it runs over when it is the loop's target, else the value of
    its last assignment before it; None for a parameter, a global or an unknown name."""
    fn = enclosing_function(name)
    if fn is None:
        return None
    for loop in ancestors(name, stop=fn):
        if loop.type in ("for_statement", "for_in_clause"):
            target = loop.child_by_field_name("left")
            if target is not None and any(t.type == "identifier" and t.text == name.text
                                          for t in (target, *walk(target))):
                right = loop.child_by_field_name("right")
                return None if right is None or within(name, right) else right
    value = assigned_value(name, text(name))
    return None if value is None or within(name, value) else value


def _holds_self(node) -> bool:
    """Does this insertion keep the object itself (``R[id(self)] = self``,
    ``R.append(self)``, ``R[self] = ...``)? Then the object's finaliser cannot run while
    the container holds it."""
    p = node.parent
    if p is None:
        return False
    if p.type == "subscript":
        index = [c for c in p.named_children if c != node]
        a = p.parent
        value = a.child_by_field_name("right") if a is not None and a.type == "assignment" else None
        return any(text(c) == "self" for c in index) or (value is not None and text(value) == "self")
    if p.type == "attribute" and p.parent is not None and p.parent.type == "call":
        args = p.parent.child_by_field_name("arguments")
        return any(text(c) == "self" for c in (args.named_children if args is not None else []))
    return False


def _note_finaliser(container: Container, uses: list) -> None:
    if any(u.unreachable for u in uses):
        container.holder += "; its only removal is in __del__, which cannot run while it " \
            "holds the object"


def _finalised(uses: list) -> list:
    """An eviction in a finaliser evicts nothing when the container keeps the object whose
    finaliser it is; otherwise it is an eviction like any other."""
    if any(u.kind == INSERT and _holds_self(u.at[1]) for u in uses):
        return uses
    for u in uses:
        u.unreachable = False
    return uses


def _bounded_deque(call) -> bool:
    return b"maxlen" in call.text


def _uses(root, owner, name) -> list:
    """The mentions of a module/class container as growth facts (its definition and
    reads at module level aside)."""
    uses = []
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
            if kind == "escape" and fn is None and _is_definition(n):
                kind = None  # the declaration itself
            uses.append(_fact(kind, fn, n, root))
            continue
        stack.extend(n.named_children)
    return uses


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
