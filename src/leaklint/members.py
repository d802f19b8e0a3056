"""Released in another method: one analysis of what a class keeps in its fields.

A handle, timer, thread or subscription stored in a field (``self.sock``, ``this.timer``,
``s.cancel``) is not released where it is stored: some other method of the owner must
release it. Each language describes a class as plain facts (``ClassFacts``: its methods,
which of them end the object's life, which methods each calls on the object itself, and
every mention of a field as a ``FieldUse``), and this module alone answers the questions
the rules ask:

- ``released``: does any method of the class (or a class it may inherit from) release
  the field or hand it on? (a field no code releases is a leak of its class);
- ``released_by_teardown``: does a teardown, or a method a teardown calls on the object,
  release it? (a per-object timer or socket left running when the object is closed; a
  release its function follows with a new value in the field is a restart, not an end);
- ``teardown_ends``: does a teardown release or signal anything of a given kind (a test
  case whose tearDown closes the socket its server thread serves);
- ``overwritten``: is the field stored again while the previous value may still be live
  (no release of it before the store in the storing method)? ``stored_by_rerun``: the
  same for a store a teardown makes, which a second call of the teardown repeats;
- ``stored_over``: does a method store over the handle the object was made with (kept
  by its constructor or another setup), with no release of it first?
- ``owned``: which handle a setup keeps that the class's own release method releases
  (making an object of the class acquires it).
- ``field_leak``: the verdict for a field of an owner that lives only for a call, a
  request or a component (not the process): stored, and released by no teardown.

The facts hold no syntax nodes (positions are ``(line, column)``), so they can be cached
and compared; the module imports nothing of the languages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# what a mention of a field does to the value it holds
STORE = "store"      # a new value is stored in it (``self.f = open(p)``)
RELEASE = "release"  # a release is called on it (``self.f.close()``, ``clearTimeout(this.t)``)
HANDOFF = "handoff"  # handed to other code, aliased or named in a string: it may be released
CALL = "call"        # a member of it is called or read (``self.f.close()``): a release when
                     # the rule's lifecycle data names that member
READ = "read"        # anything else

# lifetimes of an owner whose fields nobody is owed a release for (facts.lifetimes)
LIVES_TO_EXIT = ("process", "page", "run")


@dataclass(frozen=True)
class FieldUse:
    """One mention of field ``name`` in method ``method`` ("" outside any method).
    ``how``: for a release, the release's name (``close``, ``clearTimeout``); for a store,
    the kind of value stored when the extractor knows it (``timer``, ``interval``,
    ``socket``...); for a CALL, the member's name. ``at``: (line, column) of the mention;
    ``argc``: for a CALL, how many arguments the member was called with (-1: not called);
    ``within``: where the innermost function around the mention starts (a callback inside
    the method runs at another time than the method's own statements); ``repeats``: the
    mention runs once per event of something the method subscribes to (a handler, an
    interval's callback), so a store there may run many times per object; ``guarded``: the
    mention runs only under a condition of its function (an ``if``, a ``? :``, a loop);
    ``into``: for a hand-off to a call whose result the object keeps in another field
    (``self.f = File(fd=self.fd)``), that field."""

    name: str
    kind: str
    method: str = ""
    how: str = ""
    at: tuple = (0, 0)
    argc: int = -1
    within: tuple = ()
    repeats: bool = False
    guarded: bool = False
    into: str = ""


@dataclass
class ClassFacts:
    """A class (or an ES5 constructor with its prototype methods, or a Go type with its
    methods) as its language describes it.

    ``teardowns``: the methods that end an object's life (from the lifecycle data: close,
    stop, dispose, ``__exit__``, ``componentWillUnmount``, a test's ``tearDown``...);
    ``calls``: for each method, the methods it calls on the object itself (a teardown that
    calls ``this.onClose()`` releases what ``onClose`` releases); ``opaque``: the class
    inherits from a class whose code is not in view (it may release anything);
    ``lifetime``: how long its objects live (``facts.lifetimes``); ``""`` when unknown;
    ``setups``: the methods that run once per object (the constructor, ``start``,
    ``componentDidMount``...)."""

    name: str
    methods: tuple = ()
    teardowns: tuple = ()
    calls: dict = field(default_factory=dict)
    uses: list = field(default_factory=list)
    opaque: bool = False
    lifetime: str = ""
    setups: tuple = ()


def uses_of(classes, name: str):
    for c in classes:
        for u in c.uses:
            if u.name == name:
                yield c, u


def releases(u: FieldUse, names=None) -> bool:
    """Does the mention release the field's value (by one of ``names``, any release when
    None) or hand it on?"""
    if u.kind == HANDOFF:
        return True
    if u.kind == RELEASE:
        return names is None or u.how in names
    return u.kind == CALL and names is not None and u.how in names


def released(owner: ClassFacts, name: str, names=None, others=(), lent=None) -> bool:
    """Is field ``name`` of ``owner`` released (by one of ``names``) or handed on anywhere
    in the class, or in ``others`` (the classes its owner may inherit from or be)? A class
    with a base out of view may release it. ``lent(use)``: a hand-off the caller knows to
    be a loan (the callee only reads it)."""
    if owner.opaque:
        return True
    return any(releases(u, names) and not (lent is not None and lent(u))
               for _, u in uses_of([owner, *others], name))


def teardown_closure(facts: ClassFacts) -> set:
    """The teardowns and every method they call on the object, transitively."""
    return _called_closure(facts, *facts.teardowns)


def released_by_teardown(facts: ClassFacts, name: str, names=None, ending=None,
                         fresh=None) -> bool:
    """Does a teardown (one of ``ending`` when given), or a method it calls on the object,
    release or hand on ``name``? With ``fresh`` (is this store a new value of the kind
    released?), a release that the same function follows with such a store is a restart
    (``clearTimeout(this.t); this.t = setTimeout(...)``): the field is live again after it."""
    if facts.opaque:
        return True
    ending = teardown_closure(facts) if ending is None else \
        _called_closure(facts, *(m for m in facts.methods if m in ending))
    return any(u.method in ending and releases(u, names)
               and not (fresh is not None and restarted(facts, u, fresh))
               for u in facts.uses if u.name == name) or any(
        # handed to an object kept in another field, which a teardown releases: the
        # value goes with that object (``self.f = File(fd=self.fd)``, ``self.f.close()``)
        u.kind == HANDOFF and u.into not in ("", name) and any(
            v.method in ending and releases(v, names) and v.kind != HANDOFF
            for v in facts.uses if v.name == u.into)
        for u in facts.uses if u.name == name)


def restarted(facts: ClassFacts, release: FieldUse, fresh) -> bool:
    """Is ``release`` followed, in the same function and on every path, by a store of a
    fresh value (``fresh(use)``) in the same field? (A store under a condition may be
    the one a teardown's flag turns off.)"""
    return any(u.name == release.name and u.kind == STORE and u.method == release.method
               and u.within == release.within and u.at > release.at and not u.guarded
               and fresh(u) for u in facts.uses)


def teardown_ends(classes, ends, teardowns=None) -> bool:
    """Does a teardown of one of ``classes`` (one of ``teardowns`` when given) end
    something: ``ends(use)`` for one of its mentions (named or not: the facts list calls
    on any receiver)?"""
    for c in classes:
        ending = set(c.teardowns if teardowns is None else
                     (m for m in c.methods if m in teardowns))
        if any(u.method in ending and ends(u) for u in c.uses):
            return True
    return False


def overwritten(facts: ClassFacts, store: FieldUse, names=None) -> bool:
    """Is ``store`` a store over a value that may still be live: made once per event of
    something the method subscribes to (not in the constructor or another setup, not in
    a teardown), with no release, hand-off or test of the field before the store in the
    function that makes it?"""
    if not store.repeats or store.method in ("", *facts.setups, *facts.teardowns):
        return False
    return not any(u.name == store.name and u.method == store.method and u.at < store.at
                   and u.within == store.within and (u.kind == READ or releases(u, names))
                   for u in facts.uses)


def stored_by_rerun(facts: ClassFacts, store: FieldUse) -> bool:
    """Is ``store`` made by a teardown that may run again over the value it stored the
    first time: nothing in its function mentions the field before the store (no release,
    no test), and it tests no flag of its own that it sets first (``if (this.closing)
    return; this.closing = true``, which makes it run once)?"""
    if store.method not in facts.teardowns:
        return False
    before = [u for u in facts.uses if u.method == store.method and u.within == store.within
              and u.at < store.at]
    if any(u.name == store.name for u in before):
        return False
    flags = {u.name for u in before if u.kind == STORE}
    return not any(u.kind == READ and u.name in flags for u in before)


def stored_over(facts: ClassFacts, store: FieldUse, holds, names=None, bases=()) -> str:
    """Is ``store`` (in a method that is neither a setup nor a teardown) a store over the
    handle a setup kept in the same field (``holds(use)``: that setup's store keeps a
    fresh handle), with no release, hand-off or test of the field before it in its
    method? The setup's name, else "" (a method that may run many times per object
    drops the handle the object was made with). ``bases``: the facts of the classes it
    inherits from, where a method it calls on the object but does not define is found."""
    if store.method in ("", *facts.setups, *facts.teardowns):
        return ""
    first = next((u.method for u in facts.uses if u.name == store.name and u.kind == STORE
                  and u.method in facts.setups and holds(u)), "")
    if not first:
        return ""
    if any(u.name == store.name and u.method == store.method and u.at < store.at
           and (u.kind == READ or releases(u, names) or (u.kind == CALL and u.argc < 0))
           for u in facts.uses):
        return ""  # released, tested (``if self.f``, ``self.f.closed``) or handed on first
    called = _called_closure(facts, store.method) - {store.method}
    if any(u.name == store.name and u.method in called and releases(u, names)
           for u in facts.uses):
        return ""  # a method it calls on the object (``self.close()``) releases it
    inherited = {c for m in called | {store.method} for c in facts.calls.get(m, ())
                 if c not in facts.methods}
    for base in bases:
        ending = _called_closure(base, *(inherited & set(base.methods)))
        if any(u.name == store.name and u.method in ending and releases(u, names)
               for u in base.uses):
            return ""  # an inherited method it calls (a base class's ``close()``) releases it
    return first


def _called_closure(facts: ClassFacts, *methods) -> set:
    """``methods`` and every method they call on the object, transitively."""
    seen, work = set(), list(methods)
    while work:
        m = work.pop()
        if m in seen:
            continue
        seen.add(m)
        work.extend(c for c in facts.calls.get(m, ()) if c in facts.methods)
    return seen


def owned(facts: ClassFacts, holds, release) -> FieldUse | None:
    """The first store by a setup of a fresh handle (``holds(use)``) that a method named
    as one of ``release`` (or a method it calls on the object) releases: the object owns
    that handle, and whoever makes one owes it that release. None when there is none."""
    ending = _called_closure(facts, *(m for m in facts.methods if m in release))
    for u in facts.uses:
        if u.kind == STORE and u.method in facts.setups and holds(u) and any(
                r.name == u.name and r.method in ending and releases(r, release)
                for r in facts.uses):
            return u
    return None


@dataclass
class FieldLeak:
    """The verdict on a value stored in a field: ``leaks``, and why (for the message)."""

    leaks: bool
    why: str = ""
    teardowns: str = ""  # the teardowns that should release it, for the message


def field_leak(facts: ClassFacts, store: FieldUse, names=None, fresh=None) -> FieldLeak:
    """A value stored in a field of an object that lives shorter than the process, by a
    class that has a teardown: stored over a value that may still be live, or released
    by none of its teardowns (nor a method they call on the object; ``fresh`` as for
    ``released_by_teardown``)."""
    if facts.opaque:
        return FieldLeak(False, "a base class out of view may release it")
    if facts.lifetime in LIVES_TO_EXIT:
        return FieldLeak(False, f"its owner lives as long as the {facts.lifetime}")
    if not facts.teardowns:
        return FieldLeak(False, "its class has no teardown: its owner decides")
    if any(u.kind == HANDOFF for u in facts.uses if u.name == store.name):
        return FieldLeak(False, "handed on: the code it goes to may release it")
    ending = "/".join(sorted(facts.teardowns))
    if stored_by_rerun(facts, store):
        return FieldLeak(True, f"a second {store.method}() stores a new one in {store.name} "
                               f"while the first may still be pending", ending)
    if overwritten(facts, store, names):
        return FieldLeak(True, f"{store.method} stores a new one in {store.name} on every "
                               f"event while the previous one may still be running",
                         ending)
    if not released_by_teardown(facts, store.name, names, fresh=fresh):
        return FieldLeak(True, f"{store.name} is not released by {ending}", ending)
    return FieldLeak(False, "released by a teardown")
