"""TypeScript/JavaScript classes as member facts (``leaklint.members``).

A class is its methods by name: the members of a ``class`` body, or an ES5 constructor
with the functions assigned to ``Name.prototype.m`` (and ``Object.assign(Name.prototype,
{...})``). Every mention of ``this.f`` (or of ``self.f`` where ``var self = this``) in a
method is one ``FieldUse``: a STORE (``this.t = setInterval(...)``; ``how`` is the stored
call's callee), a RELEASE (passed to one of the rule's release functions:
``clearInterval(this.t)``), a CALL (``this.sub.unsubscribe()``), a HANDOFF (aliased,
returned, passed to other code, put in a collection) or a READ. ``this.m()`` calls make
the method graph a teardown is followed through.
"""

from __future__ import annotations

from .. import members
from ..members import ClassFacts, FieldUse
from . import ancestors, of_type, per_file, tree_root
from .javascript_objects import COMPONENT_ACQUIRE, COMPONENT_RELEASE
from .javascript_values import declaring_function, local_value
from .javascript_syntax import (FUNCTIONS, args, callee, calls_in, enclosing_function,
                                function_name, method_of, norm, receiver, strip, text, up,
                                walk)

# calls whose function argument runs once per event, or again and again
REPEATING = {"on", "addListener", "addEventListener", "prependListener", "subscribe",
             "setInterval"}
# methods an object runs when what it wraps has closed (``transport.on("close",
# this.onClose)``): teardowns of a class that has a teardown of its own
CLOSE_HANDLERS = {"onClose", "_onClose", "onclose", "onDisconnect", "_onDisconnect"}
# statements and expressions whose parts run only on some paths
_CONDITIONAL = ("if_statement", "ternary_expression", "switch_statement", "for_statement",
                "for_in_statement", "while_statement", "do_statement", "try_statement")
# reads of a value that neither release nor keep it
_READING = ("binary_expression", "unary_expression", "if_statement", "ternary_expression",
            "parenthesized_expression", "template_substitution", "while_statement",
            "update_expression", "augmented_assignment_expression", "expression_statement")


def class_facts(name: str, methods: dict, teardowns, setups, release_functions=(),
                body=None) -> ClassFacts:
    """``methods``: method name -> function node; ``teardowns``/``setups``: the lifecycle
    names (from the scope model's tables) that end an object's life / run once per object;
    ``release_functions``: functions that release a value passed to them (``clearTimeout``);
    ``body``: the class body, whose fields initialised to ``this`` (``private _self =
    this``) are the object itself."""
    uses, calls = [], {}
    release_functions = set(release_functions)
    itself = self_fields(body) if body is not None else set()
    bound = _bound_functions(methods)
    methods = {**bound, **methods}
    for method, fn in methods.items():
        selves = this_aliases(fn)
        selves |= {f"{s}.{f}" for s in selves for f in itself}
        handlers = _handlers(fn)
        # `const { timer } = this`: the local is the field under another name
        copies = {local: member.split(".", 1)[1] for local, member in this_members(fn).items()}
        for n in walk(fn):
            if n.type == "call_expression" and _bound_call(n, selves) in bound:
                calls.setdefault(method, []).append(_bound_call(n, selves))
                continue
            if n.type == "identifier" and text(n) in copies:
                field = copies[text(n)]
            elif n.type == "member_expression":
                obj = strip(n.child_by_field_name("object"))
                if obj is None or norm(obj) not in selves:
                    continue
                field = text(n.child_by_field_name("property"))
            else:
                continue
            kind, how, argc = _use(n, release_functions)
            if field in methods and kind != members.STORE:
                # this.m(...), this.m.bind(this), a callback this.m: m may run from here
                calls.setdefault(method, []).append(field)
                continue
            inner = enclosing_function(n)
            uses.append(FieldUse(field, kind, method, how,
                                 (n.start_point[0] + 1, n.start_point[1]), argc,
                                 (inner.start_point[0] + 1, inner.start_point[1])
                                 if inner is not None else (),
                                 _repeats(n, fn, handlers), _guarded(n, inner)))
    names = tuple(methods)
    ending = tuple(m for m in names if m in teardowns)
    if ending:
        # the handler an object runs when its connection closes ends it too
        ending += tuple(m for m in names if m in CLOSE_HANDLERS and m not in ending)
    return ClassFacts(name, names, ending, calls, uses,
                      setups=tuple(m for m in names if m in setups))


def _handlers(fn) -> set:
    """The functions of ``fn`` that run once per event: passed inline, or by the name of a
    local function, to an event subscription or an interval."""
    out = set()
    for c in of_type(fn, ("call_expression",)):
        if method_of(c) not in REPEATING and callee(c) not in REPEATING:
            continue
        for a in args(c):
            a = strip(a)
            if a is not None and a.type in FUNCTIONS:
                out.add(a.start_byte)
            elif a is not None and a.type == "identifier":
                out.update(f.start_byte for f in of_type(fn, FUNCTIONS)
                           if function_name(f) == text(a))
    return out


def _bound_call(call, selves) -> str:
    """``f`` when ``call`` runs or binds the plain function ``f`` with the object as its
    ``this``: ``f.call(this, ...)``, ``f.apply(self, ...)``, ``f.bind(this)``; else ""."""
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "member_expression" \
            or text(fn.child_by_field_name("property")) not in ("call", "apply", "bind"):
        return ""
    target, first = strip(fn.child_by_field_name("object")), args(call)[:1]
    if target is None or target.type != "identifier" or not first or norm(first[0]) not in selves:
        return ""
    return text(target)


def _bound_functions(methods) -> dict:
    """The file's function declarations that methods run with the object as ``this``
    (``cleanup.call(this)``): for the facts, methods of the class."""
    names = set()
    for fn in methods.values():
        selves = None  # the method's names for the object, found once it binds anything
        for n in of_type(fn, ("call_expression",)):
            f = n.child_by_field_name("function")
            if f is not None and f.type == "member_expression" and text(
                    f.child_by_field_name("property")) in ("call", "apply", "bind"):
                selves = this_aliases(fn) if selves is None else selves
                names.add(_bound_call(n, selves))
    names -= {""} | set(methods)
    if not names:
        return {}
    root = tree_root(next(iter(methods.values())))
    return {function_name(f): f for f in of_type(root, ("function_declaration",))
            if function_name(f) in names}


def _guarded(n, fn) -> bool:
    """Does ``n`` run only under a condition of ``fn``: inside a branch, a loop, a
    ``try``/``catch``, or the right side of ``&&``/``||``/``??``?"""
    for a in ancestors(n, stop=fn):
        if a.type in _CONDITIONAL or a.type == "binary_expression" and any(
                c.type in ("&&", "||", "??") for c in a.children):
            return True
    return False


def _repeats(n, method, handlers) -> bool:
    f = enclosing_function(n)
    while f is not None and f.start_byte != method.start_byte:
        if f.start_byte in handlers:
            return True
        f = enclosing_function(f)
    return False


def self_fields(body) -> set:
    """Fields of a class body that hold the object itself: ``_self = this``."""
    out = set()
    for mem in body.named_children:
        if mem.type in ("public_field_definition", "field_definition"):
            value = strip(mem.child_by_field_name("value"))
            name = mem.child_by_field_name("name") or mem.child_by_field_name("property")
            if value is not None and value.type == "this" and name is not None:
                out.add(text(name))
    return out


def this_members(fn) -> dict:
    """The locals of ``fn`` destructured from `this` (`const { props, state: s } = this`),
    each with the member it names: {"props": "this.props", "s": "this.state"} (found once
    per function and file)."""
    return dict(per_file(("this_members", fn.id, fn.start_byte), lambda: _this_members(fn)))


def _this_members(fn) -> dict:
    out = {}
    for n in of_type(fn, ("variable_declarator",)):
        value = strip(n.child_by_field_name("value"))
        pattern = n.child_by_field_name("name")
        if value is None or value.type != "this" or pattern is None or pattern.type != "object_pattern":
            continue
        for c in pattern.named_children:
            if c.type == "shorthand_property_identifier_pattern":
                out[text(c)] = "this." + text(c)
            elif c.type == "pair_pattern":
                key, local = c.child_by_field_name("key"), c.child_by_field_name("value")
                if key is not None and local is not None and local.type == "identifier":
                    out[text(local)] = "this." + text(key)
    return out


def this_aliases(fn) -> set:
    """`this` and the locals of ``fn`` that hold it (`var self = this`), found once per
    function and file."""
    return set(per_file(("this_aliases", fn.id, fn.start_byte), lambda: _this_aliases(fn)))


def names_this(name: str, at) -> bool:
    """Is ``name`` the object itself where ``at`` is: `this`, or a local that a function
    around ``at`` holds it in (`var self = this`)?"""
    fn = enclosing_function(at)
    while fn is not None:
        if name in this_aliases(fn):
            return True
        fn = enclosing_function(fn)
    return False


def _this_aliases(fn) -> set:
    out = {"this"}
    for n in of_type(fn, ("variable_declarator",)):
        value = strip(n.child_by_field_name("value"))
        name = n.child_by_field_name("name")
        if value is not None and value.type == "this" and name is not None \
                and name.type == "identifier":
            out.add(text(name))
    return out


def _use(n, release_functions):
    """(kind, how, argc) of the mention ``this.f``."""
    p, child = up(n)
    if p is None:
        return members.READ, "", -1
    t = p.type
    if t == "call_expression" and p.child_by_field_name("function") == child:
        return members.CALL, "", len(args(p))  # this.f(...): a method of the object
    if t == "member_expression" and p.child_by_field_name("object") == child:
        gp, via = up(p)
        member = text(p.child_by_field_name("property"))
        if gp is not None and gp.type == "call_expression" \
                and gp.child_by_field_name("function") == via:
            return members.CALL, member, len(args(gp))
        return members.READ, "", -1
    if t == "assignment_expression":
        if p.child_by_field_name("left") == child:
            right = strip(p.child_by_field_name("right"))
            how = callee(right) if right is not None and right.type in (
                "call_expression", "new_expression") else (right.type if right else "")
            return members.STORE, how, -1
        return members.HANDOFF, "alias", -1
    if t == "arguments":
        call = p.parent
        name = callee(call)
        if name in release_functions or name.rsplit(".", 1)[-1] in release_functions:
            return members.RELEASE, name.rsplit(".", 1)[-1], -1
        return members.HANDOFF, "argument", -1
    if t in _READING or t.endswith("_statement") and t != "return_statement":
        return members.READ, "", -1
    if t == "subscript_expression":
        return members.READ, "", -1
    return members.HANDOFF, t, -1


# a resource's end, as its owner hears of it: hooks that take the callback, and events
END_HOOKS = {"onExit", "onClose"}
END_EVENTS = {"exit", "close", "end"}
_TEARDOWN_WORDS = (b"onDestroy", b"onExit", b"onClose", b"exit", b"close", b"'end'", b'"end"')


def stands_for(name_node) -> str:
    """What the local ``name_node`` names stands for, as compared structurally: the member
    or other name it was bound to (`const el = this.el`, `const sock = this._sock = new
    Socket()`, `const interval = rotationInterval`) or the member of `this` it was
    destructured from (`const { el } = this`); "" when it is no such local."""
    fn = declaring_function(enclosing_function(name_node), text(name_node))
    if fn is None:
        return ""
    value = local_value(fn, text(name_node))
    while value is not None and value.type == "assignment_expression":
        left = value.child_by_field_name("left")  # `a = this.x = ...`: the member named
        if left is not None and left.type == "member_expression":
            return norm(left)
        value = strip(value.child_by_field_name("right"))
    if value is not None and (value.type == "member_expression" or (
            value.type == "identifier" and text(value) != text(name_node))):
        return norm(value)
    return this_members(fn).get(text(name_node), "")


def _field_receiver(call) -> bool:
    """Is a registration ``call`` made on a field of the object: `this.x.on(...)`, a chain
    of registrations (`this.x.on("end", f).on("close", g)`: each returns its emitter) or a
    local standing for the field (`const sock = this._sock = new Socket()`)?"""
    r = strip(receiver(call))
    while r is not None and r.type == "call_expression" and method_of(r) in REPEATING:
        r = strip(receiver(r))
    if r is None:
        return False
    alias = stands_for(r) if r.type == "identifier" else ""
    return (alias or norm(r)).startswith("this.")


class ClassMembers:
    """The methods of the file's classes, for the scope model (``javascript_scopes.Model``,
    which provides ``functions()`` and the ``_scopes`` memo)."""

    def _members(self, owner) -> list:
        """(name, function node) of the methods and function-valued fields of a class/object."""
        out = []
        for m in owner.named_children:
            if m.type == "method_definition":
                out.append((function_name(m), m))
            elif m.type in ("public_field_definition", "field_definition", "pair"):
                v = strip(m.child_by_field_name("value"))
                if v is not None and v.type in FUNCTIONS:
                    out.append((function_name(v), v))
                elif v is not None and v.type == "call_expression" and any(
                        strip(a) is not None and strip(a).type in FUNCTIONS for a in args(v)):
                    # `check = whenTopMost(() => this.show(), () => this.hide())`: calling
                    # the field may run the callbacks it was made from
                    out.append((function_name(v), v))
                elif v is not None and v.type == "object":  # Vue `methods: { ... }`
                    out.extend(self._members(v))
        return out

    def teardown_callbacks(self, body) -> list:
        """The functions a class has run when it or its own resources end: the callback of
        a framework's ``onDestroy(cb)``, and a member or inline function it hands to the end
        of a resource kept in its field (``this.pty.onExit(this.exit)``, ``this.socket.on(
        "close", () => ..)``)."""
        key = ("teardown", body.start_byte, body.end_byte)
        if key in self._scopes:
            return self._scopes[key]
        out = []
        if any(w in body.text for w in _TEARDOWN_WORDS):  # most classes name none of them
            named = dict(self._members(body))
            for c in calls_in(body):
                meth, a, r = method_of(c), args(c), receiver(c)
                if meth == "onDestroy" and r is not None:
                    given = a[:1]
                elif meth in END_HOOKS and norm(r).startswith("this."):
                    given = a[:1]
                elif meth in ("on", "once") and len(a) == 2 \
                        and text(a[0]).strip("'\"`") in END_EVENTS and _field_receiver(c):
                    given = a[1:]
                else:
                    continue
                for g in (strip(x) for x in given):
                    if g is not None and g.type in FUNCTIONS:
                        out.append(g)
                    elif g is not None and norm(g).startswith("this.") \
                            and norm(g)[5:] in named:
                        out.append(named[norm(g)[5:]])
        self._scopes[key] = out
        return out

    def end_handlers(self, body) -> dict:
        """``teardown_callbacks`` by name, an inline one named after its line: what it does
        to the object's fields, a teardown does."""
        return {function_name(f) or f"end handler (line {f.start_point[0] + 1})": f
                for f in self.teardown_callbacks(body)}

    def is_component(self, body) -> bool:
        """Is the class whose body is ``body`` a UI component: a lifecycle method of a
        framework's component (``componentDidMount``, ``ngOnDestroy``...), or a base or
        decorator that makes it one (``extends Component``, ``HTMLElement``, ``@Component``)?"""
        names = {n for n, _ in self._members(body)}
        return bool(names & (COMPONENT_ACQUIRE | COMPONENT_RELEASE)) \
            or _framework_class(body.parent)

    def _prototype_methods(self, name: str) -> dict:
        """``Name.prototype.m = function`` (and ``Object.assign(Name.prototype, {m() {}})``)
        of this file: the methods of an ES5 class."""
        key = ("prototype", name)
        if key not in self._scopes:
            found = {}
            for fns in self.functions().values():
                for f in fns:
                    if prototype_owner(f) == name:
                        found.setdefault(function_name(f), f)
            self._scopes[key] = found
        return self._scopes[key]

    def _constructor(self, name: str):
        """The file's ``function Name() {...}``, the constructor of an ES5 class."""
        return next((f for f in self.functions().get(name, ())
                     if f.type == "function_declaration"), None)

    def class_methods(self, owner, cls: str = "") -> dict:
        """Method name -> function of the class whose body (or ES5 constructor) is ``owner``."""
        if owner is not None and owner.type == "class_body":
            out = {}
            for n, f in self._members(owner):
                out.setdefault(n, f)
            return out
        name = cls or (function_name(owner) if owner is not None else "")
        methods = dict(self._prototype_methods(name)) if name else {}
        ctor = self._constructor(name) if name else None
        if ctor is not None:
            methods.setdefault("constructor", ctor)
        return methods


def prototype_owner(fn) -> str:
    """``Name`` when ``fn`` is a method of an ES5 class: ``Name.prototype.m = fn`` or a
    member of ``Object.assign(Name.prototype, {...})``; "" otherwise."""
    p, _ = up(fn)
    if p is not None and p.type == "assignment_expression":
        left = norm(p.child_by_field_name("left"))
        parts = left.split(".")
        if len(parts) == 3 and parts[1] == "prototype" and parts[0].isidentifier():
            return parts[0]
        return ""
    if p is not None and p.type == "pair" or fn.type == "method_definition":
        obj = p.parent if p is not None and p.type == "pair" else fn.parent
        q, _ = up(obj) if obj is not None and obj.type == "object" else (None, None)
        if q is not None and q.type == "arguments" and callee(q.parent) == "Object.assign":
            first = args(q.parent)[:1]
            target = norm(first[0]).split(".") if first else []
            if len(target) == 2 and target[1] == "prototype" and target[0].isidentifier():
                return target[0]
    return ""


def _framework_class(cls) -> bool:
    """Does the class declaration ``cls`` extend or decorate itself into a component?"""
    if cls is None:
        return False
    head = text(cls)[: max(0, (cls.child_by_field_name("body") or cls).start_byte - cls.start_byte)]
    if any(w in head for w in ("Component", "LitElement", "HTMLElement", "PureComponent")):
        return True
    p = cls.parent
    if p is not None and p.type == "export_statement":
        p = p
    deco = text(p) if p is not None and p.type == "export_statement" else ""
    return any(d in head or d in deco[:300] for d in ("@Component", "@Directive", "@Pipe"))
