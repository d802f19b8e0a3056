"""Timeouts whose owner is not a lifecycle scope of their own: one a component or hook
keeps in a React ref (``timer.current = setTimeout(...)`` in a handler or callback), owed
a clear when the component unmounts (LL205), and one that guards an operation, owed a
clear when the operation ends first (LL209): it rejects the ``new Promise`` the operation
resolves, it is raced (``Promise.race``), it is a deadline that can only reject, or on
expiry it aborts, destroys, kills or rejects the operation.

A ref's timeout is cleared on unmount when the cleanup an effect of the component returns,
or an unmount hook's callback, clears ``timer.current`` (itself, or through a function of
the component it calls); a ref handed anywhere but to its ``.current`` (returned to the
caller, passed to a helper) is the receiver's. A guard is cleared when any clear of the
variable holding its id is written in the function that makes it (a ``finally``, a
settle callback), or, kept in a field of ``this``, by any method of its class; one whose
id is discarded can never be."""

from __future__ import annotations

from ...facts.owners_js_targets import unref_timer
from ...languages import nearest
from ...languages.javascript import (FUNCTIONS, args, callee, calls_in, enclosing_function,
                                     function_body, function_name, identifiers_named,
                                     is_literal, method_of, norm, receiver, returned_values,
                                     strip, text, up, walk)
from ...languages.javascript_scopes import EFFECT_HOOKS
from ...languages.javascript_syntax import member_assigned, stored_in
from ...languages.javascript_values import declaring_function, local_value
from .pairing import CLEARS
from .timeouts import callback_steps, parameter_default

# hooks whose callback runs when the component unmounts (react-use, ahooks, usehooks-ts)
UNMOUNT_USES = {"useUnmount", "useWillUnmount", "useUnmountEffect"}
REF_HOOKS = {"useRef", "React.useRef"}
# what a guard's expiry does to the operation it guards: ends it, or fails the deferred
# result an object holds for it (`command.reject(err)`; not `Promise.reject`)
ABORTS = {"abort", "destroy", "kill", "terminate"}
FAILS = {"reject"}
# a name as an expression and as a shorthand property (`return { timer }`)
SPELLED = ("identifier", "shorthand_property_identifier")


def ref_timer(node):
    """(ref name, the component or hook declaring it) when ``node`` is stored in the
    ``.current`` of a ``useRef`` the function around it declares; None otherwise."""
    left, obj = member_assigned(node)
    if left is None or obj.type != "identifier" \
            or text(left.child_by_field_name("property")) != "current":
        return None
    name = text(obj)
    fn = declaring_function(enclosing_function(node), name)
    value = local_value(fn, name) if fn is not None else None
    if value is None or value.type != "call_expression" or callee(value) not in REF_HOOKS:
        return None
    return name, fn


def caller_delay(node) -> bool:
    """Is the delay a value the caller of the function around passes, with no default of
    its own (a parameter, or a name destructured from one: ``const { wait } = options``)?
    How long such a timeout may outlive an unmount is the caller's to say."""
    a = args(node)
    d = strip(a[1]) if len(a) > 1 else None
    if d is None or d.type != "identifier":
        return False
    fn = declaring_function(enclosing_function(node), text(d))
    return fn is not None and parameter_default(fn, text(d)) is None \
        and local_value(fn, text(d)) is None


def handed_on(component, ref: str) -> bool:
    """Is the ref used other than through its ``.current`` (returned, passed to a call,
    stored): then whoever receives it may clear it?"""
    for n in identifiers_named(component, ref, SPELLED):
        p, child = up(n)
        if p is None or p.type == "variable_declarator" and p.child_by_field_name("name") == n:
            continue
        if p.type == "member_expression" and p.child_by_field_name("object") == child:
            continue
        return True
    return False


def cleared_on_unmount(m, component, ref: str) -> bool:
    """Does a cleanup of one of the component's effects, or an unmount hook's callback,
    clear ``ref.current`` (itself, or through a function of the component it calls)?"""
    clearing = {function_name(f) for f in of_functions(component)
                if any(_clears(c, ref) for c in calls_in(f, stop=FUNCTIONS))} - {""}
    for call in calls_in(component):
        hook = method_of(call)
        first = strip(args(call)[0]) if args(call) else None
        if first is None or first.type not in FUNCTIONS:
            continue
        if hook in EFFECT_HOOKS:
            scope = m.scope_of(function_body(first))
            ends = scope.releases if scope is not None and scope.kind == "effect" else []
        elif hook in UNMOUNT_USES:
            ends = [first]
        else:
            continue
        for f in ends:
            for c in calls_in(f):
                name = norm(c.child_by_field_name("function"))
                if _clears(c, ref) or name in clearing:
                    return True
    return False


def only_sets_state(node, component) -> bool:
    """Is the timer's callback a function whose statements only set the component's state
    (``setCopied(false)``, a setter of its ``useState``) or a ref's ``.current`` to
    literal values? Run after an unmount it changes nothing, and keeps the component no
    longer than its delay."""
    steps = callback_steps(node)
    for e in steps or ():
        if e is not None and e.type == "call_expression" and norm(e.child_by_field_name(
                "function")) in _setters(component) and all(is_literal(x) for x in args(e)):
            continue
        left = e.child_by_field_name("left") if e is not None \
            and e.type == "assignment_expression" else None
        if left is None or not norm(left).endswith(".current") \
                or not is_literal(e.child_by_field_name("right")):
            return False
    return bool(steps)


def _setters(component) -> set:
    """The state setters of the component: ``const [x, setX] = useState(...)``."""
    out = set()
    for n in walk(function_body(component), stop=FUNCTIONS):
        name = n.child_by_field_name("name") if n.type == "variable_declarator" else None
        value = strip(n.child_by_field_name("value")) if name is not None else None
        if name is not None and name.type == "array_pattern" \
                and value is not None and value.type == "call_expression" \
                and callee(value).rsplit(".", 1)[-1] in ("useState", "useReducer"):
            kids = [c.type for c in name.children]
            second = name.children[kids.index(",") + 1] if "," in kids else None
            if second is not None and second.type == "identifier":
                out.add(text(second))  # `[, setX]` too
    return out


def of_functions(node) -> list:
    return [n for n in walk(node) if n.type in FUNCTIONS]


def _clears(call, held: str) -> bool:
    """Is ``call`` a clear (``clearTimeout``...) of ``held.current`` or of ``held``?"""
    if callee(call).rsplit(".", 1)[-1] not in CLEARS or not args(call):
        return False
    return norm(args(call)[0]) in (held + ".current", held)


def guarded_promise(node):
    """The ``new Promise(...)`` that the timeout ``node`` settles on expiry while the
    operation it guards may settle it first: its expiry rejects the promise, which the
    executor resolves outside the timer's callback too, the promise can only be rejected
    (a deadline, made to lose a race), or it is raced (``Promise.race([op, new
    Promise(...)])``, also through a name); None otherwise."""
    executor = enclosing_function(node)
    p, child = up(executor) if executor is not None else (None, None)
    made = p.parent if p is not None and p.type == "arguments" else None
    if made is None or made.type != "new_expression" \
            or norm(made.child_by_field_name("constructor")) != "Promise" \
            or args(made)[:1] != [child]:
        return None
    params = executor.child_by_field_name("parameters") \
        or executor.child_by_field_name("parameter")
    names = [n.split(":")[0].strip() for n in (
        [text(c) for c in params.named_children] if params is not None
        and params.type != "identifier" else [text(params)])]
    names = [n if n and not n.startswith("_") else "" for n in names[:2]]
    a = args(node)
    cb = strip(a[0]) if a else None
    settled = {text(i) for i in [cb] + list(walk(cb)) if cb is not None
               and i.type == "identifier"} & (set(names) - {""})
    if not settled:
        return None  # its expiry does not settle the promise
    own = {i.id for i in walk(node)}
    if len(names) == 2 and names[1] in settled and names[0] and any(
            i.id not in own and text(i) == names[0]
            for i in walk(function_body(executor)) if i.type == "identifier"):
        return made  # it rejects on expiry, and the operation resolves the promise
    if len(names) == 2 and names[1] in settled and not any(
            text(i) == names[0] for i in walk(function_body(executor))
            if i.type == "identifier"):
        return made  # a promise that can only fail: a deadline, made to lose a race
    return made if _raced(made) else None


def aborts(node) -> bool:
    """Does the timeout's callback end an operation on expiry (``() => controller.abort()``,
    ``() => req.destroy(new Error("timed out"))``, ``() => child.kill("SIGKILL")``,
    ``ac.abort.bind(ac)``) or reject the result an object holds for it
    (``() => command.reject(new Error("timed out"))``): a guard of that operation?"""
    a = args(node)
    cb = strip(a[0]) if a else None
    if cb is not None and cb.type == "call_expression" and method_of(cb) == "bind":
        cb = strip(cb.child_by_field_name("function"))
        return cb is not None and cb.type == "member_expression" \
            and norm(cb).rsplit(".", 2)[-2:-1] == ["abort"]
    body = cb.child_by_field_name("body") if cb is not None and cb.type in FUNCTIONS else None
    calls = ([body] if body.type == "call_expression" else []) + calls_in(body, FUNCTIONS) \
        if body is not None else []
    # `process.kill(process.pid)` ends the program: there is nothing left to outlive
    ended = [c for c in calls if norm(receiver(c)) != "process" and (
        method_of(c) in ABORTS or method_of(c) in FAILS and norm(receiver(c)) not in ("", "Promise"))]
    fn = enclosing_function(node)
    # a controller returned (its signal) is the caller's timeout: no operation here ends
    returned = {norm(r) for r in (returned_values(fn) if fn is not None else ())}
    return any(not {norm(receiver(c)), norm(receiver(c)) + ".signal"} & returned
               for c in ended)


def _raced(made) -> bool:
    """Is the promise an element of the array given to ``Promise.race``, itself or
    through the const that holds it?"""
    p, child = up(made)
    if p is not None and p.type == "array":
        race = p.parent.parent if p.parent is not None else None
        return race is not None and race.type == "call_expression" \
            and callee(race) == "Promise.race"
    if p is None or p.type != "variable_declarator":
        return False
    name = text(p.child_by_field_name("name"))
    around = enclosing_function(made) or made.parent
    return any(callee(c) == "Promise.race" and args(c)
               and strip(args(c)[0]).type == "array"
               and name in (norm(e) for e in strip(args(c)[0]).named_children)
               for c in calls_in(around))


def guard_cleared(node, made) -> bool:
    """Is the guard ``node`` cleared, or exempt: unref'd, kept where its holder may clear
    it (a field, a name handed on), or cleared anywhere in the function making ``made``
    (the promise it settles, or the guard itself)? A discarded id can never be cleared."""
    if unref_timer(node):
        return True
    target = stored_in(node)
    if target is None:
        p, _ = up(node)  # discarded as a statement or an arrow's result: never cleared
        return p is None or p.type not in ("expression_statement", "arrow_function")
    if target.type != "identifier":
        return _cleared_by_class(node, target)
    held = text(target)
    around = enclosing_function(made) or made
    while around is not None and declaring_function(around, held) is None \
            and enclosing_function(around) is not None:
        around = enclosing_function(around)
    for i in identifiers_named(around, held, SPELLED):
        if i.type != "identifier":
            return True  # `return { answer, timer }`: handed on with the promise
        q, _ = up(i)
        if q is not None and q.type == "arguments" and _clears(q.parent, held):
            return True
        if q is not None and q.type in ("return_statement", "arguments", "pair", "array"):
            return True  # handed on: the receiver may clear it
    return False


def _cleared_by_class(node, field) -> bool:
    """A guard kept in a field of ``this`` (``this.connectTimer = setTimeout(...)``): is
    it cleared by some method of its class, or kept where leaklint cannot follow (another
    object, an ES5 class)? A guard no method clears fires after every operation it
    guards, however that ended."""
    body = nearest(node, ("class_body",))
    if field is None or field.type != "member_expression" or body is None \
            or norm(field.child_by_field_name("object")) != "this":
        return True
    held = norm(field)
    return any(_clears(c, held) or held in (norm(a) for a in args(c)) or _clears_alias(c, held)
               for c in calls_in(body))


def _clears_alias(call, held: str) -> bool:
    """Is ``call`` a clear of a local read from ``held`` (``const t = this.timer;
    clearTimeout(t)``)?"""
    first = strip(args(call)[0]) if args(call) else None
    if first is None or first.type != "identifier" \
            or callee(call).rsplit(".", 1)[-1] not in CLEARS:
        return False
    fn = declaring_function(enclosing_function(call), text(first))
    return fn is not None and norm(local_value(fn, text(first))) == held
