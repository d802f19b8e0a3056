"""TypeScript/JavaScript facts for the growth analysis (``analysis.growth``): the
collections an object keeps in a field and fills on each event of an emitter it holds.

A server object that keeps the connections it accepts (``this._server.on("upgrade", (req,
socket) => { const client = new Client(socket); this.clients.push(client); })``) fills
the field once per event, and the event repeats for as long as the object lives: however
long that is, a field nothing removes from (on the element's close, or anywhere) holds
every element the object ever saw. Counted only when what is added has a life of its own
(made there with ``new``, or an object the handler subscribes to: a connection), not the
chunks of a stream read to its end. Classes and ES5 constructors (``function Server() {
this.clients = []; ... }``) of the module's top level.
"""

from __future__ import annotations

from ..analysis.growth import ESCAPE, EVICT, INSERT, READ, Container, Use
from ..languages import of_type
from ..languages.javascript import (FUNCTIONS, args, enclosing_function, function_body,
                                    method_of, norm, receiver, strip, text, up)
from ..languages.javascript_members import names_this, prototype_owner, this_aliases
from ..languages.javascript_runs import REPEATING_SUBSCRIPTIONS
from ..languages.javascript_values import local_value
from . import lifetimes
from .js_growth import CLASSES, USE_KINDS, collection_fields, empty_collection, mention_use

# events an emitter fires once (its start, its end), not per element
ONE_SHOT = {"close", "end", "error", "exit", "ready", "listening", "finish", "open", "load",
            "DOMContentLoaded", "destroy", "destroyed", "disconnect", "shutdown"}
# what a handler does to an object that has a life of its own
SUBSCRIBED = REPEATING_SUBSCRIPTIONS | {"once", "prependOnceListener", "onclose", "onmessage"}


def event_containers(root, path: str) -> list:
    """(Container, [Use], declaration name node) for each collection field of a class or
    an ES5 constructor of the module that a handler of a repeating event of an emitter
    the object holds adds to (``Use.per_event``)."""
    out = []
    lifetime = lifetimes.lifetime(lifetimes.Owner("javascript", path, "field"))
    for _, name, fields in _objects(root):
        for name_node, kind in fields:
            field = text(name_node)
            uses = [_use(n, field, kind) for n in _mentions(root, field)
                    if n.child_by_field_name("property").start_byte != name_node.start_byte
                    and (not _own_object(n) or _object_of(n) in (None, name))]
            events = [u for u in uses if u.kind == INSERT and u.per_event]
            if not events:
                continue
            holder = f"field of each {name}, filled on each {events[0].per_event}"
            out.append((Container(field, kind, holder, lifetime, name_node), uses, name_node))
    return out


def _objects(root):
    """(node, class name, collection fields) of the module's top-level classes and ES5
    constructors (a capitalised function declaration that sets ``this.x = []``)."""
    for cls in of_type(root, CLASSES):
        if enclosing_function(cls) is None:
            fields = list(collection_fields(cls))
            name = cls.child_by_field_name("name")
            if fields:
                yield cls, text(name) if name is not None else "object", fields
    for fn in of_type(root, ("function_declaration",)):
        name = text(fn.child_by_field_name("name"))
        if enclosing_function(fn) is None and name[:1].isupper():
            fields = list(_constructor_fields(fn))
            if fields:
                yield fn, name, fields


def _constructor_fields(fn):
    """(property node, kind) of ``this.x = []`` (or through ``self = this``) among the
    statements of the constructor function ``fn``."""
    aliases = this_aliases(fn)
    for statement in function_body(fn).named_children:
        e = statement.named_children[0] if statement.type == "expression_statement" \
            and statement.named_children else None
        if e is None or e.type != "assignment_expression":
            continue
        left = strip(e.child_by_field_name("left"))
        kind = empty_collection(e.child_by_field_name("right"))
        if kind is not None and left is not None and left.type == "member_expression" \
                and text(left.child_by_field_name("object")) in aliases:
            yield left.child_by_field_name("property"), kind


def _object_of(n) -> str | None:
    """The class or ES5 constructor whose code holds ``n`` (the constructor, or a method
    ``Name.prototype.m = function``); None for other code, which may reach any object.
    (Another class's ``this.f`` is its own field; ``x.f`` there may be this one's.)"""
    p = n.parent
    while p is not None:
        if p.type in CLASSES:
            name = p.child_by_field_name("name")
            return text(name) if name is not None else "object"
        if p.type in FUNCTIONS:
            owner = prototype_owner(p)
            if owner:
                return owner
            if p.type == "function_declaration" and enclosing_function(p) is None:
                name = text(p.child_by_field_name("name"))
                if name[:1].isupper():
                    return name
        p = p.parent
    return None


def _mentions(root, field: str) -> list:
    """Every ``x.FIELD`` of the file (whatever ``x``: another object's may be this one)."""
    return [n for n in of_type(root, ("member_expression",))
            if text(n.child_by_field_name("property")) == field
            and n.child_by_field_name("object") is not None]


def _use(n, field: str, kind: str) -> Use:
    p, child = up(n)
    if p is not None and p.type == "assignment_expression" \
            and p.child_by_field_name("left") == child:
        return Use(EVICT, n)  # replaced: a reset
    if p is not None and p.type == "member_expression" \
            and text(p.child_by_field_name("property")) == "length":
        return Use(_length_use(p), n)
    use = mention_use(n, field, kind)
    if use == "grow":
        event = _per_event(n) if _own_object(n) else ""
        return Use(INSERT, n, per_item=bool(event) or None, per_event=event)
    if use in ("bounded", "module-level"):
        return Use(INSERT, n, bounded=True)
    return Use(USE_KINDS[use], n)


def _length_use(p) -> str:
    """``x.length``: set (a truncation) or compared with a constant (a bound) evicts; read
    as a loop's end or a count, it does not."""
    q, child = up(p)
    if q is None:
        return ESCAPE
    if q.type == "assignment_expression" and q.child_by_field_name("left") == child:
        return EVICT
    if q.type == "binary_expression":
        other = [c for c in q.named_children if c != child]
        op = q.child_by_field_name("operator")
        if op is not None and text(op) in (">", ">=", "<", "<=", "===", "==") and other \
                and (other[0].type == "number" or text(other[0]).isupper()):
            return EVICT
    return READ


def _own_object(n) -> bool:
    """Is the mention on the object itself (``this.f``, or ``self.f`` where a function
    around it holds ``this`` as ``self``)?"""
    return names_this(text(n.child_by_field_name("object")), n)


def _per_event(n) -> str:
    """``'upgrade' event of this._server`` when the insertion ``n`` runs in the handler of
    a repeating event of the object or of an emitter it keeps in a field, adding an element
    with a life of its own; "" otherwise."""
    call = n.parent.parent
    added = strip(args(call)[0]) if call is not None and call.type == "call_expression" \
        and args(call) else None
    fn = enclosing_function(n)
    for _ in range(3):
        if fn is None:
            return ""
        p, child = up(fn)
        sub = p.parent if p is not None and p.type == "arguments" else None
        if sub is not None and method_of(sub) in REPEATING_SUBSCRIPTIONS and len(args(sub)) >= 2 \
                and strip(args(sub)[-1]) == strip(child):
            event, target = strip(args(sub)[0]), receiver(sub)
            if event is None or event.type != "string" or target is None \
                    or text(event).strip("'\"") in ONE_SHOT or not _held(target, sub) \
                    or not _lives_apart(added, fn):
                return ""
            return f"{text(event)} event of {norm(target)}"
        fn = enclosing_function(fn)
    return ""


def _held(target, at) -> bool:
    """Is ``target`` the object itself or a field of it (``this._server``)?"""
    t = strip(target)
    if t is not None and t.type == "member_expression":
        t = strip(t.child_by_field_name("object"))
    return t is not None and t.type in ("this", "identifier") and names_this(text(t), at)


def _lives_apart(added, handler) -> bool:
    """Has what is added a life of its own: made with ``new`` (here, or as the local it
    names), or an object the handler subscribes to (``socket.on("data", ...)``)?"""
    if added is None:
        return False
    if added.type == "new_expression":
        return True
    if added.type != "identifier":
        return False
    name = text(added)
    value = local_value(handler, name)
    return (value is not None and value.type == "new_expression") or any(
        method_of(n) in SUBSCRIBED and receiver(n) is not None and norm(receiver(n)) == name
        for n in of_type(handler, ("call_expression",)))

