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

from dataclasses import replace
from typing import NamedTuple

from .. import members
from ..members import CALL, ClassFacts, FieldUse
from ..tracks import OWNED, Verdict, pattern_matches
from . import ancestors, matches, nearest, walk, within
from .python_clients import made_by_call, peeled
from .python_lowering import first_call
from .python_shapes import assigned_value
from .python_syntax import CLOSE_METHODS, borrowing, callee_text, resolve, text

# the methods a test framework runs after each test (or class of tests)
TEST_TEARDOWNS = ("tearDown", "asyncTearDown", "tearDownClass", "teardown_method",
                  "teardown_class", "teardown")
# protocol methods that end an object's use (the context manager's exit)
PROTOCOL_TEARDOWNS = ("__exit__", "__aexit__")
# teardowns that end an object (its users call one when they are done with it)
ENDING = ("close", "aclose", "shutdown", "terminate", "stop", "quit", "cleanup", "__exit__",
          "__aexit__", *TEST_TEARDOWNS)
# methods that run once per object, before its use
SETUPS = ("__init__", "__new__", "__post_init__", "setUp", "asyncSetUp", "setUpClass",
          "setup_method", "setup_class")
# base classes that release nothing of their subclasses
PLAIN_BASES = ("object", "ABC", "abc.ABC", "Exception")
_NESTED = ("function_definition", "lambda", "class_definition")
_LEAVING = ("return_statement", "raise_statement", "continue_statement", "break_statement")
_HANDING = ("argument_list", "return_statement", "yield", "with_item", "tuple", "list",
            "expression_list", "keyword_argument", "set", "pair", "for_statement",
            "as_pattern")
# what an argument may sit in on its way to the call (``select.select([self.sock], [], [])``)
_ARGUMENT_WRAPPERS = ("tuple", "list", "set", "parenthesized_expression", "keyword_argument")
# what makes a statement run only sometimes within its function
_CONDITIONS = ("if_statement", "except_clause", "conditional_expression", "while_statement",
               "for_statement", "boolean_operator")


class CallNames(NamedTuple):
    """What a call in the module names: its imports (``python_syntax.imports``), and the
    functions that release a value passed to them (``os.close``)."""

    imports: dict
    release_functions: frozenset


def acquirer(rule):
    """name -> does a call of that (resolved) name make a fresh handle of ``rule``? Only
    its patterns that name one call (``open``, ``socket.socket``), not ``*.open``."""
    exact = [p for p in rule.lifecycle["acquire"] if not p.startswith("*.")]
    return lambda name: bool(name) and any(pattern_matches(p, name) for p in exact)


class PythonMembers:
    """The member facts of one module's classes, extracted once per class."""

    def __init__(self, root, teardowns=(), names=None, release_functions=()):
        self.root = root
        self.names = CallNames(names or {}, frozenset(release_functions))
        self.teardowns = tuple(teardowns) + TEST_TEARDOWNS + PROTOCOL_TEARDOWNS
        self._facts = {}
        self._all = None

    def classes(self) -> list:
        """Every class of the module, nested ones included."""
        if self._all is None:
            self._all = [caps["c"][0] for _, caps in matches("python", "(class_definition) @c",
                                                             self.root)]
        return self._all

    def facts(self, cls) -> ClassFacts:
        key = cls.start_byte
        if key not in self._facts:
            self._facts[key] = class_facts(cls, self.teardowns, self._opaque(cls), self.names)
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

    def stored_over(self, cls, attr: str, at: tuple, acquires, release) -> str:
        """The setup of ``cls`` that kept a handle in ``self.attr`` (``acquires(name)``: a
        call of that name makes one) when the store at ``at`` replaces it without a
        release first; else ""."""
        facts = self.facts(cls)
        store = next((u for u in facts.uses if u.name == attr and u.kind == members.STORE
                      and u.at == at), None)
        if store is None or store.method in RESTORES:
            return ""
        return members.stored_over(facts, store, lambda u: acquires(u.how), set(release),
                                   bases=self.ancestry(cls)[1:])

    def owned(self, cls, acquires, release, kept=()) -> str:
        """What making an object of ``cls`` acquires: the resolved name of the call
        (``acquires(name)``: it makes a fresh handle; or a store at one of ``kept``, where
        a setup keeps an acquisition's handle: ``self.sock = context.socket(kind)``)
        whose handle a setup keeps in a field that one of the ``release`` methods of the
        class releases; else ""."""
        kept = members.owned(self.facts(cls), lambda u: acquires(u.how) or u.at in kept,
                             set(release))
        return kept.how if kept is not None else ""

    def stored_again(self, left, release):
        """The next store of the same attribute (``left``: ``self.x`` being stored) in
        the same function that may run after it with nothing in between closing,
        testing or handing on the attribute: the first handle is dropped there
        (``self.sock = socket.socket(AF_INET6)``, a failed bind, ``self.sock = None``).
        None when there is none."""
        fn = nearest(left, ("function_definition",))
        first = nearest(left, ("expression_statement",))
        if fn is None or first is None:
            return None
        name = text(left)
        later = [n for n in walk(fn.child_by_field_name("body"), stop=_NESTED)
                 if n.start_byte >= first.end_byte and (n.type in _LEAVING or (
                     n.type == "attribute" and text(n) == name))]
        for n in later:
            if n.type in _LEAVING:
                return None  # the store may be left before the next one (precision first)
            kind, how, argc = _use(n, self.names)
            if kind == members.STORE:
                right = n.parent.child_by_field_name("right")
                if right is not None and any(m.type == "attribute" and text(m) == name
                                             for m in walk(right)):
                    return None  # wrapped (``self.sock = wrap(self.sock)``): handed on
                return None if _exclusive(first, n) else n
            if kind != CALL or argc < 0 or how in release:
                return None  # closed, tested, read or handed on first
        return None

    def raised_before(self, left, again):
        """When ``again`` (a later store of the attribute ``left`` stores) is in an
        ``except`` clause of a ``try`` whose body holds the first store: a call after
        the first store in that body that may raise (the last one: the connect or bind
        the others prepare). None when the second store is on the normal path."""
        first = nearest(left, ("expression_statement",))
        for clause in (a for a in ancestors(again) if a.type == "except_clause"):
            body = clause.parent.child_by_field_name("body") if clause.parent is not None else None
            if body is not None and within(first, body):
                after = [s for s in body.named_children if s.start_byte >= first.end_byte]
                calls = [c for c in map(first_call, after) if c is not None] or \
                    [n for s in after for n in walk(s, stop=_NESTED) if n.type == "call"]
                return calls[-1] if calls else first
        return None

    def unreleased_by_teardown(self, cls, attr: str, release) -> tuple:
        """The teardowns of ``cls`` that end its objects (``close``, ``shutdown``,
        ``__exit__``..., its own or one it inherits: ``Base.close``) when none of the
        module's classes releases ``self.attr`` in a method that ends or cleans up an
        object (those, ``disconnect``, ``__del__``...) or one such a method calls on the
        object (an inherited teardown runs the hooks a subclass overrides); () when one
        does, or ``cls`` has no such teardown, or a base out of view may release it. The
        classes asked: ``cls``, the classes of the module it inherits from and those
        inheriting from it."""
        facts = self.facts(cls)
        ends = tuple(m for m in facts.teardowns if m in ENDING) + self.inherited_ends(cls)
        if not ends or facts.opaque:
            return ()
        run = {m for f in self.ancestry(cls)[1:] for m in members.teardown_closure(f)}
        for other in self._family(cls):
            if members.released_by_teardown(other, attr, release,
                                            ending=CLOSE_METHODS | set(other.teardowns) | run):
                return ()
        return ends

    def inherited_ends(self, cls) -> tuple:
        """The teardowns that end objects of ``cls`` (``close``, ``shutdown``...) that it
        inherits from classes of its module (``Base.close``: its users end it with that)."""
        return tuple(f"{f.name}.{m}" for f in self.ancestry(cls)[1:] for m in f.teardowns
                     if m in ENDING)

    def closed_by_use(self, cls, attr: str, release, lent=None) -> tuple:
        """The methods of ``cls`` that close ``self.attr`` when its classes close it only
        where they read it and only under a condition (``if not line: self.f.close()``,
        an ``except`` clause): the end of its data or a failed read. () when a method
        that ends or cleans up an object (``close``, ``stop``, ``reset``, ``__del__``...)
        or one it calls releases it, it is handed on, a close is a restart, or a base out
        of view may release it. The classes asked are those of ``unreleased_by_teardown``."""
        if self.facts(cls).opaque:
            return ()
        family = self._family(cls)
        if any(members.released_by_teardown(f, attr, release,
                                            ending=CLOSE_METHODS | set(f.teardowns))
               for f in family):
            return ()
        uses = [u for f in family for u in f.uses if u.name == attr]
        if any(u.kind == members.HANDOFF and not (lent is not None and lent(u)) for u in uses):
            return ()
        # a close that its function follows with a new handle in the field is a restart
        # (``self.sock.close(); self.sock = socket.socket()``): the object lives on with it
        if any(members.restarted(f, u, lambda s: bool(s.how)) for f in family
               for u in f.uses if u.name == attr and members.releases(u, release)):
            return ()
        closing = [u for u in uses if members.releases(u, release)]
        reading = {u.method for u in uses if u.kind == CALL and u.argc >= 0
                   and u.how not in release}
        if not closing or any(u.method not in reading or u.method in SETUPS
                              or not self._conditional(cls, u.at) for u in closing):
            return ()
        return tuple(sorted({u.method for u in closing}))

    def _family(self, cls) -> list:
        """The facts of ``cls``, the module's classes it inherits from and those inheriting
        from it, each for what its own methods do (a base out of view set aside)."""
        name = text(cls.child_by_field_name("name"))
        kin = [c for c in self.classes() if any(text(b) == name for b in _bases(c))]
        return [replace(f, opaque=False) for f in (*self.ancestry(cls), *map(self.facts, kin))]

    def _conditional(self, cls, at: tuple) -> bool:
        """Does the mention at ``at`` run only under a condition of its method?"""
        node = self.root.descendant_for_point_range((at[0] - 1, at[1]), (at[0] - 1, at[1]))
        for a in ancestors(node):
            if a.type in _CONDITIONS:
                return True
            if a.type == "function_definition" or a == cls:
                return False
        return False

    def released(self, cls, attr: str, release, lent=None) -> bool:
        """Does the class (or a class it may inherit from) release or hand on ``self.attr``?
        ``lent(use)``: is this hand-off only a loan (a call that reads it)?"""
        owner = self.facts(cls)
        return members.released(owner, attr, set(release), self.lineage(cls), lent)


def kept_at(call) -> tuple:
    """Where ``call``'s result is stored in a field of ``self`` (``self.f = open(p)``): the
    position of that mention as ``FieldUse.at``; () for any other call."""
    expr = call
    while expr.parent is not None and expr.parent.type in ("parenthesized_expression", "await"):
        expr = expr.parent
    stmt = expr.parent
    left = stmt.child_by_field_name("left") if stmt is not None and stmt.type == "assignment" \
        and stmt.child_by_field_name("right") == expr else None
    if left is None or left.type != "attribute" \
            or text(left.child_by_field_name("object")) != "self":
        return ()
    return (_at(left),)


def owning_base(cls, classes: dict, factories: dict, functions) -> str:
    """The base of ``cls`` (a class of the module, ``classes``) whose constructor is a
    factory (``factories``: ``"B.__init__"``), when ``cls`` has a constructor of its own
    (``functions``: the module's qualified names) that runs its base's
    (``super().__init__(...)``, ``B.__init__(self, ...)``) and leaves releasing to the
    base: it defines no release method of its own. "" otherwise."""
    name = text(cls.child_by_field_name("name"))
    if f"{name}.__init__" not in functions or f"{name}.__init__" in factories \
            or any(f"{name}.{m}" in functions for m in ENDING):
        return ""
    body = cls.child_by_field_name("body")
    init = next((d for d in (body.named_children if body is not None else ())
                 if d.type == "function_definition"
                 and text(d.child_by_field_name("name")) == "__init__"), None)
    if init is None or not any(n.type == "call" and callee_text(n).endswith(".__init__")
                               for n in walk(init, stop=_NESTED)):
        return ""
    return next((text(b) for b in _bases(cls) if text(b) in classes
                 and f"{text(b)}.__init__" in factories), "")


def kept_by_object(attr: str, reason: str):
    """The verdict on a handle a class with no method that ends its objects keeps for their
    life (or until their use runs to its end), which closes itself when collected: LL113's,
    as how long the object lives is decided by whoever makes it."""
    return Verdict(False, reason, node=f"self.{attr}", traits=frozenset({OWNED}), rule="LL113")


def _exclusive(first, later) -> bool:
    """Are the two statements in different branches of one ``if`` (never both run)?"""
    for clause in (a for a in ancestors(later) if a.type in ("elif_clause", "else_clause")):
        branch = clause.parent
        if branch is not None and branch.type == "if_statement" \
                and within(first, branch) and not within(first, clause):
            return True
    return False


def _bases(cls) -> list:
    bases = cls.child_by_field_name("superclasses")
    return list(bases.named_children) if bases is not None else []


def class_facts(cls, teardowns, opaque: bool, names=None) -> ClassFacts:
    body = cls.child_by_field_name("body")
    methods, calls, uses = [], {}, []
    for member in (body.named_children if body is not None else ()):
        fn = member.named_children[-1] if member.type == "decorated_definition" \
            and member.named_children else member
        if fn.type == "function_definition":
            methods.append(text(fn.child_by_field_name("name")))
    if body is not None:
        _walk(body, "", names or CallNames({}, frozenset()), uses, calls)
    return ClassFacts(text(cls.child_by_field_name("name")), tuple(methods),
                      tuple(m for m in methods if m in teardowns), calls, uses, opaque,
                      setups=tuple(m for m in methods if m in SETUPS))


def _walk(body, method: str, names: CallNames, uses: list, calls: dict) -> None:
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
                kind, how, argc = _use(n, names)
                if where in FORWARDING and _forwarded(n):
                    kind, how = members.HANDOFF, "forwarded"
                into = _kept_in(n) if kind == members.HANDOFF else ""
                uses.append(FieldUse(attr, kind, where, how, _at(n), argc, into=into))
                if text(obj) == "self" and _called(n):
                    calls.setdefault(where, []).append(attr)
            elif _called(n):
                uses.append(FieldUse("", CALL, where, attr, _at(n), _argc(n.parent)))
        stack.extend((c, where) for c in n.named_children)


# methods that fill an object made without its constructor (unpickled or copied): they
# replace nothing the constructor kept
RESTORES = ("__setstate__",)
# a proxy class's attribute lookup: `return getattr(self.sock, name)` forwards every
# method its users call, `close` included, to the field, which the object thus releases
FORWARDING = ("__getattr__", "__getattribute__")


def _forwarded(n) -> bool:
    """Is the mention ``self.x`` the object a `getattr(self.x, name)` looks up in?"""
    args = n.parent
    call = args.parent if args is not None and args.type == "argument_list" else None
    return call is not None and call.type == "call" and callee_text(call) == "getattr" \
        and args.named_children[0] == n


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


def _use(n, names):
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
            return members.STORE, _made_by(p.child_by_field_name("right"), names), -1
        return members.READ, "", -1
    if p.type in _HANDING:
        passed = _passed_to(n, names)
        if passed:
            return (*passed, -1)
        return members.HANDOFF, p.type, -1
    return members.READ, "", -1


def _kept_in(n) -> str:
    """The field of ``self`` that keeps the result of the call ``n`` is an argument of
    (``self.f = File(name, fd=self.fd)``); "" for any other mention."""
    p = n.parent
    while p is not None and p.type in _ARGUMENT_WRAPPERS:
        p = p.parent
    call = p.parent if p is not None and p.type == "argument_list" else None
    stmt = call.parent if call is not None and call.type == "call" else None
    left = stmt.child_by_field_name("left") if stmt is not None \
        and stmt.type == "assignment" and stmt.child_by_field_name("right") == call else None
    if left is None or left.type != "attribute" \
            or text(left.child_by_field_name("object")) != "self":
        return ""
    return text(left.child_by_field_name("attribute"))


def _made_by(value, names) -> str:
    """For a store of a call's result (``self.f = open(p)``, or ``s = socket.socket()``
    then ``self.sock = s``), the call's resolved name."""
    value = peeled(value)
    if value is not None and value.type == "identifier":
        value = assigned_value(value, text(value))
    return made_by_call(value, names.imports)


def _passed_to(n, names):
    """A mention that is an argument (or an element of a literal argument) of a release
    function (``os.close(self.fd)``): (RELEASE, its name); of a call that only reads its
    arguments (``len(self.f)``, ``select.select([self.sock], [], [])``): (READ, ""); else
    None."""
    p = n.parent
    while p is not None and p.type in _ARGUMENT_WRAPPERS:
        n, p = p, p.parent
    if p is None or p.type != "argument_list" or p.parent is None or p.parent.type != "call":
        return None
    callee = callee_text(p.parent)
    full = resolve(callee, names.imports)
    if full in names.release_functions or callee in names.release_functions:
        return members.RELEASE, full.rsplit(".", 1)[-1]
    return (members.READ, "") if borrowing(callee, full) else None
