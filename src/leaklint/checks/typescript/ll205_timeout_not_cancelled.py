"""LL205 timeout-not-cancelled: A setTimeout/requestAnimationFrame in a lifecycle scope is
never cancelled, or a self-rescheduling loop has no stop.
"""

from __future__ import annotations

from ...languages.javascript import (FUNCTIONS, args, callee, enclosing_function, function_body,
                                     function_name, method_of, norm, receiver, strip, text, up,
                                     walk)
from ...languages.javascript_members import this_aliases
from ...languages.javascript_values import declares
from ...languages.javascript_scopes import EVENT_SUBSCRIPTIONS, model
from .pairing import CLEARS, field_scope, report, value_rule

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("reason", "what", "where")


TIMEOUTS = {"setTimeout", "requestAnimationFrame", "requestIdleCallback"}
GLOBAL_OBJECTS = ("window.", "globalThis.", "global.")


def check(ctx, rule):
    if ctx.is_test:
        return  # a test process is short-lived
    m = model(ctx)
    for node in m.calls():
        if node.type != "call_expression":
            continue
        name = callee(node)
        # the global object under its names: window, globalThis, global (Node)
        short = name.split(".", 1)[1] if name.startswith(GLOBAL_OBJECTS) else name
        if short not in TIMEOUTS:
            continue
        scope = m.scope_of(node)
        if scope is None:
            continue
        loop = _reschedules(node)
        if loop is not None:
            if not _cancelled_anywhere(m, scope, node):
                report(ctx, rule, node, what=short, where="anywhere",
                        reason=f": {function_name(loop)} reschedules itself unconditionally "
                               "and nothing cancels the loop")
            else:
                ctx.count(rule.code, node, ok=True)
            continue
        if scope.kind not in ("effect", "hook", "class", "options") or not scope.strict:
            # one-shot timers in ordinary functions and methods are fine; one a method
            # keeps in a field of its object is the object's to cancel when it ends
            if not _kept_in_field(node) or field_scope(m, node, scope) is None:
                continue
        if short != "setTimeout" or _in_event_handler(node, scope):
            continue  # a frame later, or once per event: not the scope's
        if _short_delay(node):
            ctx.count(rule.code, node, ok=True)  # under a second: it ends almost at once
            continue
        if _captures_nothing(node):
            # one shot that holds nothing of the component: when it fires after an
            # unmount it touches only module state, and nothing stays alive for it
            ctx.count(rule.code, node, ok=True)
            continue
        value_rule(ctx, rule, node, scope, short, functions=CLEARS,
                    discarded_reason=": its id is discarded, so it can never be cancelled")


def _kept_in_field(call) -> bool:
    """``this.t = setTimeout(...)`` (or through ``self = this``): kept on the object."""
    p, child = up(call)
    if p is None or p.type != "assignment_expression" or p.child_by_field_name("right") != child:
        return False
    left = strip(p.child_by_field_name("left"))
    obj = strip(left.child_by_field_name("object")) if left is not None \
        and left.type == "member_expression" else None
    if obj is None:
        return False
    fn = enclosing_function(call)
    while fn is not None:
        if text(obj) in this_aliases(fn):
            return True
        fn = enclosing_function(fn)
    return False


def _captures_nothing(call) -> bool:
    """Is the callback a function that uses no local of the functions around the call
    (no state, props, refs, setters) and no ``this``?"""
    a = args(call)
    cb = strip(a[0]) if a else None
    if cb is None or cb.type not in FUNCTIONS:
        return False
    outer = []
    fn = enclosing_function(call)
    while fn is not None:
        outer.append(fn)
        fn = enclosing_function(fn)
    for n in walk(cb):
        if n.type == "this":
            return False
        if n.type in ("identifier", "shorthand_property_identifier") \
                and any(declares(f, text(n)) for f in outer):
            return False
    return True


def _in_event_handler(node, scope) -> bool:
    """Inside a callback that runs per event (``x.on("e", () => ...)``), not at acquisition."""
    fn = enclosing_function(node)
    while fn is not None and fn != scope.acquire:
        p, _ = up(fn)
        if p is not None and p.type == "arguments" and method_of(p.parent) in EVENT_SUBSCRIPTIONS:
            return True
        fn = enclosing_function(fn)
    return False


def _short_delay(call) -> bool:
    """Under a second: no delay, a number, a constant bound to one (in a function around
    the call or at module level), or a choice between such values (``a ? 0 : DELAY``)."""
    a = args(call)
    if len(a) < 2:
        return True
    ms = _delay_ms(a[1], call)
    return ms is not None and ms < 1000


def _delay_ms(node, at, depth: int = 0):
    """The value in milliseconds ``node`` stands for, or None when it is not known here."""
    d = strip(node)
    if d is None or depth > 3:
        return None
    if d.type == "number":
        try:
            return float(d.text.decode().replace("_", ""))
        except ValueError:
            return None
    if d.type == "ternary_expression":
        both = [_delay_ms(d.child_by_field_name(f), at, depth + 1)
                for f in ("consequence", "alternative")]
        return None if None in both else max(both)
    if d.type == "identifier":
        value = _constant(text(d), at)
        return _delay_ms(value, at, depth + 1) if value is not None else None
    return None


def _constant(name: str, at):
    """The initializer of ``const name = ...`` in the nearest function around ``at`` that
    declares it, else at the module's top level (None when it may be reassigned)."""
    fn = enclosing_function(at)
    while fn is not None:
        if declares(fn, name):
            return _const_initializer(function_body(fn), name)
        fn = enclosing_function(fn)
    root = at
    while root.parent is not None:
        root = root.parent
    return _const_initializer(root, name)


def _const_initializer(block, name: str):
    for n in walk(block, stop=FUNCTIONS) if block is not None else ():
        if n.type == "variable_declarator" and text(n.child_by_field_name("name")) == name:
            decl = n.parent
            if decl is None or decl.type != "lexical_declaration" or not decl.children \
                    or decl.children[0].type != "const":
                return None
            return n.child_by_field_name("value")
    return None


def _reschedules(call):
    """The function a setTimeout/rAF call schedules when that is the function it is in."""
    a = args(call)
    if not a:
        return None
    cb = strip(a[0])
    if cb is not None and cb.type == "call_expression" and method_of(cb) == "bind":
        cb = strip(receiver(cb))
    fn = enclosing_function(call)
    if fn is None or cb is None:
        return None
    name = function_name(fn)
    cbn = norm(cb)
    if not name or cbn not in (name, "this." + name):
        return None
    # conditional rescheduling or an earlier return is a way out of the loop
    p = call.parent
    while p is not None and p != fn:
        if p.type in ("if_statement", "ternary_expression", "binary_expression", "switch_case",
                      "catch_clause", "try_statement", "for_statement", "while_statement"):
            return None
        p = p.parent
    for n in walk(function_body(fn) if fn.child_by_field_name("body") else fn, stop=FUNCTIONS):
        if n.type in ("return_statement", "throw_statement") and n.start_byte < call.start_byte:
            return None
    return fn


def _cancelled_anywhere(m, scope, node) -> bool:
    """Does anything that can stop the loop cancel a timer: the scope's release functions,
    or any method of the class the loop belongs to?"""
    calls = list(m.release_calls(scope))
    if scope.owner is not None and scope.owner.type == "class_body":
        calls += [c for c in walk(scope.owner) if c.type == "call_expression"]
    return any(callee(c).rsplit(".", 1)[-1] in CLEARS for c in calls)
