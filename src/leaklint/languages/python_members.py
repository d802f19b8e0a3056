"""Python classes as member facts (``leaklint.members``): every mention of an attribute
``x.attr`` in a class, what it does to the attribute's value, and in which method.

A method called on the attribute (``self.sock.close()``) is a CALL named after the method
(a release when the rule's lifecycle data names it); the attribute aliased (``s =
self.sock``), passed, returned, yielded, put in a collection, iterated, used as a context
manager, or named in a string (``getattr(self, "sock")``) is a HANDOFF; a store
(``self.sock = ...``) is a STORE. Calls on anything else (``sock.close()``,
``self.a.b.close()``) are recorded nameless, so a teardown that closes or signals
something is known (``members.teardown_ends``).
"""

from __future__ import annotations

from .. import members
from ..members import CALL, ClassFacts, FieldUse
from .python_syntax import text

# the methods a test framework runs after each test (or class of tests)
TEST_TEARDOWNS = ("tearDown", "asyncTearDown", "tearDownClass", "teardown_method",
                  "teardown_class", "teardown")
# protocol methods that end an object's use (the context manager's exit)
PROTOCOL_TEARDOWNS = ("__exit__", "__aexit__")
# base classes that release nothing of their subclasses
PLAIN_BASES = ("object", "ABC", "abc.ABC", "Exception")
_HANDING = ("argument_list", "return_statement", "yield", "with_item", "tuple", "list",
            "expression_list", "keyword_argument", "set", "pair", "for_statement",
            "as_pattern")


class PythonMembers:
    """The member facts of one module's classes, extracted once per class."""

    def __init__(self, root, teardowns=()):
        self.root = root
        self.teardowns = tuple(teardowns) + TEST_TEARDOWNS + PROTOCOL_TEARDOWNS
        self._facts = {}
        self._all = None

    def classes(self) -> list:
        """Every class of the module, nested ones included."""
        if self._all is None:
            out, stack = [], [self.root]
            while stack:
                n = stack.pop()
                if n.type == "class_definition":
                    out.append(n)
                stack.extend(n.named_children)
            self._all = out
        return self._all

    def facts(self, cls) -> ClassFacts:
        key = cls.start_byte
        if key not in self._facts:
            self._facts[key] = class_facts(cls, self.teardowns, self._opaque(cls))
        return self._facts[key]

    def _opaque(self, cls) -> bool:
        local = {text(c.child_by_field_name("name")) for c in self.classes()}
        return any(b.type != "keyword_argument" and text(b) not in PLAIN_BASES
                   and text(b) not in local for b in _bases(cls))

    def lineage(self, cls) -> list:
        """The facts that may release a field of ``cls``: its own, or, when it inherits from
        a class of this module, every class of the module (the owner may be any of them)."""
        if _bases(cls):
            return [self.facts(c) for c in self.classes()]
        return [self.facts(cls)]

    def ancestry(self, cls) -> list:
        """``cls`` and the top-level classes of the module it inherits from, by name."""
        top = {text(c.child_by_field_name("name")): c for c in self.root.named_children
               if c.type == "class_definition"}
        seen, out, todo = set(), [], [cls]
        while todo:
            c = todo.pop()
            name = text(c.child_by_field_name("name"))
            if name in seen:
                continue
            seen.add(name)
            out.append(self.facts(c))
            todo += [top[text(b)] for b in _bases(c) if text(b) in top]
        return out

    def released(self, cls, attr: str, release) -> bool:
        """Does the class (or a class it may inherit from) release or hand on ``self.attr``?"""
        owner = self.facts(cls)
        return members.released(owner, attr, set(release), self.lineage(cls))


def _bases(cls) -> list:
    bases = cls.child_by_field_name("superclasses")
    return list(bases.named_children) if bases is not None else []


def class_facts(cls, teardowns, opaque: bool) -> ClassFacts:
    body = cls.child_by_field_name("body")
    methods, calls, uses = [], {}, []
    for member in (body.named_children if body is not None else ()):
        fn = member.named_children[-1] if member.type == "decorated_definition" \
            and member.named_children else member
        if fn.type == "function_definition":
            methods.append(text(fn.child_by_field_name("name")))
    if body is not None:
        _walk(body, "", set(methods), uses, calls)
    return ClassFacts(text(cls.child_by_field_name("name")), tuple(methods),
                      tuple(m for m in methods if m in teardowns), calls, uses, opaque)


def _walk(body, method: str, names: set, uses: list, calls: dict) -> None:
    stack = [(body, method)]
    while stack:
        n, where = stack.pop()
        if n.type == "function_definition" and n.parent is not None \
                and n.parent.type in ("block", "decorated_definition") and where == "" \
                and _member_of_class(n):
            where = text(n.child_by_field_name("name"))
        if n.type == "string":
            s = text(n).strip("'\"")
            if s.isidentifier():
                uses.append(FieldUse(s, members.HANDOFF, where, "string", _at(n)))
        elif n.type == "attribute":
            obj = n.child_by_field_name("object")
            attr = text(n.child_by_field_name("attribute"))
            if obj is not None and obj.type == "identifier":
                kind, how, argc = _use(n)
                uses.append(FieldUse(attr, kind, where, how, _at(n), argc))
                if text(obj) == "self" and _called(n):
                    calls.setdefault(where, []).append(attr)
            elif _called(n):
                uses.append(FieldUse("", CALL, where, attr, _at(n), _argc(n.parent)))
        stack.extend((c, where) for c in n.named_children)


def _member_of_class(fn) -> bool:
    p = fn.parent
    if p is not None and p.type == "decorated_definition":
        p = p.parent
    return p is not None and p.type == "block" and p.parent is not None \
        and p.parent.type == "class_definition"


def _called(n) -> bool:
    return n.parent is not None and n.parent.type == "call" \
        and n.parent.child_by_field_name("function") == n


def _argc(call) -> int:
    args = call.child_by_field_name("arguments")
    return args.named_child_count if args is not None else 0


def _at(n) -> tuple:
    return (n.start_point[0] + 1, n.start_point[1])


def _use(n):
    """What the mention ``x.attr`` does to the attribute's value: (kind, how, argc)."""
    p = n.parent
    while p is not None and p.type in ("parenthesized_expression", "await"):
        n, p = p, p.parent
    if p is None:
        return members.READ, "", -1
    if p.type == "attribute" and p.child_by_field_name("object") == n:
        argc = _argc(p.parent) if _called(p) else -1
        return CALL, text(p.child_by_field_name("attribute")), argc
    if p.type == "assignment":
        if p.child_by_field_name("right") == n:
            return members.HANDOFF, "alias", -1
        if p.child_by_field_name("left") == n:
            return members.STORE, "", -1
        return members.READ, "", -1
    if p.type in _HANDING:
        return members.HANDOFF, p.type, -1
    return members.READ, "", -1
