"""What the timer rules (LL205 in lifecycle scopes, LL207 in fields, LL204 and LL208 for
intervals) share: which calls schedule a timeout or an interval, which are kept in a
field of the object, and which are harmless one-shots (under a second, a callback that
holds nothing, or one that only sets flags of its object)."""

from __future__ import annotations

from ...languages.javascript import (FUNCTIONS, args, enclosing_function, function_body,
                                     function_name, is_literal, method_of, norm, receiver, strip,
                                     text, up, walk)
from ...languages.javascript_members import names_this, this_aliases
from ...languages.javascript_modules import timer_callee
from ...languages.javascript_syntax import member_assigned
from ...languages.javascript_values import declares
from ...languages import tree_root
from ...languages.javascript_runs import EVENT_SUBSCRIPTIONS
from ...languages.javascript_scopes import model
from .pairing import CLEARS, field_scope, value_rule

TIMEOUTS = {"setTimeout", "requestAnimationFrame", "requestIdleCallback"}
INTERVALS = {"setInterval", "window.setInterval", "globalThis.setInterval", "global.setInterval",
             "self.setInterval"}
# the scopes whose own acquisitions a release is owed for (when strict)
LIFECYCLE = ("effect", "hook", "class", "options")


def scheduled(ctx):
    """(model, call, name, scope) of each timeout the file schedules in a lifecycle or
    per-call scope (none at module level, and none in tests: a test process is
    short-lived)."""
    if ctx.is_test:
        return
    m = model(ctx)
    for node in m.calls():
        short = timeout_name(m, node)
        scope = m.scope_of(node) if short else None
        if scope is not None:
            yield m, node, short, scope


def timeout_name(m, call) -> str:
    """``setTimeout``, ``requestAnimationFrame`` or ``requestIdleCallback`` when ``call``
    schedules one (also through the global object, window, globalThis or global, or Node's
    timers module), else ""."""
    if call.type != "call_expression":
        return ""
    short = timer_callee(call, m.imported())
    return short if short in TIMEOUTS else ""


def judge(ctx, rule, node, scope, owned=False) -> None:
    """The verdict on a ``setTimeout`` its rule holds to ``scope``'s release: none for a
    timer made once per event (not the scope's), verified for a one-shot that ends almost
    at once or holds nothing, else the pairing model's (``value_rule``; ``owned``: kept
    in a field of an object, judged by the member analysis)."""
    if in_event_handler(node, scope):
        return  # once per event: not the scope's
    if short_delay(node):
        ctx.count(rule.code, node, ok=True)  # under a second: it ends almost at once
        return
    if captures_nothing(node) or only_sets_fields(node):
        # one shot that holds nothing of its owner, or only flips the owner's own flags:
        # when it fires after the owner ended it calls nothing, and the owner stays alive
        # for it no longer than its delay
        ctx.count(rule.code, node, ok=True)
        return
    value_rule(ctx, rule, node, scope, "setTimeout", functions=CLEARS,
               discarded_reason=": its id is discarded, so it can never be cancelled",
               owned=owned)


def kept_by_object(m, node, scope):
    """The class scope whose object keeps ``node`` in a field (``this.t = setTimeout(...)``
    in any method of a class with a teardown, or a handler inside one), with whether the
    class is a UI component; None otherwise (effects, hooks, plain functions)."""
    if not kept_in_field(node):
        return None
    held = scope if scope.kind == "class" and scope.strict else field_scope(m, node, scope)
    if held is None:
        return None
    owner = held.owner
    return held, owner is not None and owner.type == "class_body" and m.is_component(owner)


def kept_in_field(call) -> bool:
    """``this.t = setTimeout(...)`` (or through ``self = this``): kept on the object."""
    _, obj = member_assigned(call)
    return obj is not None and names_this(text(obj), call)


def captures_nothing(call) -> bool:
    """Is the callback a function that uses no local of the functions around the call
    (no state, props, refs, setters) and no ``this``?"""
    cb = _written_callback(call)
    if cb is None:
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


def _written_callback(call):
    """The function written as the timer's callback (not a name or a bound method)."""
    a = args(call)
    cb = strip(a[0]) if a else None
    return cb if cb is not None and cb.type in FUNCTIONS else None


def callback_steps(call) -> list | None:
    """The expressions of the statements of the function written as the timer's callback
    (an arrow's expression body is its one step); None when no function is written."""
    cb = _written_callback(call)
    body = cb.child_by_field_name("body") if cb is not None else None
    if body is None:
        return None
    steps = [c for c in body.named_children if c.type != "comment"] \
        if body.type == "statement_block" else [body]
    return [strip(step.named_children[0]) if step.type == "expression_statement"
            and step.named_children else strip(step) for step in steps]


def only_sets_fields(call) -> bool:
    """Is the callback a function whose statements only set fields of ``this`` to literal
    values (`() => { this.chordMode = false; }`), calling and awaiting nothing?"""
    steps = callback_steps(call)
    for assigned in steps or ():
        left = assigned.child_by_field_name("left") if assigned is not None \
            and assigned.type == "assignment_expression" else None
        if left is None or left.type != "member_expression" \
                or norm(left.child_by_field_name("object")) != "this" \
                or not is_literal(assigned.child_by_field_name("right")):
            return False
    return bool(steps)


def in_event_handler(node, scope) -> bool:
    """Inside a callback that runs per event (``x.on("e", () => ...)``), not at acquisition."""
    fn = enclosing_function(node)
    while fn is not None and fn != scope.acquire:
        p, _ = up(fn)
        if p is not None and p.type == "arguments" and method_of(p.parent) in EVENT_SUBSCRIPTIONS:
            return True
        fn = enclosing_function(fn)
    return False


def short_delay(call) -> bool:
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
    declares it (or the default of its parameter ``name``), else at the module's top level
    (None when it may be reassigned)."""
    fn = enclosing_function(at)
    while fn is not None:
        if declares(fn, name):
            default = parameter_default(fn, name)
            return default if default is not None \
                else _const_initializer(function_body(fn), name)
        fn = enclosing_function(fn)
    return _const_initializer(tree_root(at), name)


def parameter_default(fn, name: str):
    """The default value of ``fn``'s parameter ``name`` (``ms = 300``): what the delay is
    unless a caller says otherwise; None when it has none."""
    params = fn.child_by_field_name("parameters")
    for p in params.named_children if params is not None else ():
        left = p.child_by_field_name("left") or p.child_by_field_name("pattern")
        value = p.child_by_field_name("right") or p.child_by_field_name("value")
        if left is not None and value is not None and text(left) == name:
            return value
    return None


def _const_initializer(block, name: str):
    for n in walk(block, stop=FUNCTIONS) if block is not None else ():
        if n.type == "variable_declarator" and text(n.child_by_field_name("name")) == name:
            decl = n.parent
            if decl is None or decl.type != "lexical_declaration" or not decl.children \
                    or decl.children[0].type != "const":
                return None
            return n.child_by_field_name("value")
    return None


def reschedules(call):
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
    if not name or (norm(cb) not in (name, "this." + name)
                    and not _calls_back(cb, (name, "this." + name))):
        return None
    # conditional rescheduling or an earlier return is a way out of the loop
    return fn if _every_run(call, fn) else None


def _calls_back(cb, names) -> bool:
    """Is ``cb`` a function written in place whose every run calls one of ``names``
    (`() => { try { sweep(); } finally { this.schedule(); } }`)?"""
    return cb.type in FUNCTIONS and any(
        n.type == "call_expression" and norm(n.child_by_field_name("function")) in names
        and _every_run(n, cb, tries=True) for n in walk(cb, stop=FUNCTIONS))


# where code may not run on every run of the function it is in
_CONDITIONAL = ("if_statement", "ternary_expression", "binary_expression", "switch_case",
                "catch_clause", "for_statement", "for_in_statement", "while_statement")


def _every_run(node, fn, tries: bool = False) -> bool:
    """Does every run of ``fn`` reach ``node``: not under a condition, a loop or a `catch`
    of its own (nor a `try`, unless ``tries``: a `finally` always runs), nor after a
    `return` or a `throw`?"""
    stops = _CONDITIONAL if tries else _CONDITIONAL + ("try_statement",)
    p = node.parent
    while p is not None and p != fn:
        if p.type in stops:
            return False
        p = p.parent
    body = function_body(fn) if fn.child_by_field_name("body") is not None else fn
    return not any(n.type in ("return_statement", "throw_statement")
                   and n.start_byte < node.start_byte for n in walk(body, stop=FUNCTIONS))


def without_lifecycle(scope) -> bool:
    """Is ``scope`` a method of a class or object with no lifecycle of its own (no release
    method, not a UI component), or the constructor function of an ES5 class (``function
    ViewModel() { var self = this; ... }``), which has none either? When such an object
    ends is not known."""
    if scope.kind == "method" and not scope.strict:
        return True
    return scope.kind == "function" and constructor_function(scope.acquire)


def constructor_function(fn) -> bool:
    """Is ``fn`` an ES5 class's constructor: a function declaration named like a class
    that keeps state on the object it makes (``this.x = ..``, or through ``self = this``)?"""
    if fn is None or fn.type != "function_declaration":
        return False
    name = function_name(fn)
    if not name[:1].isupper():
        return False
    aliases = this_aliases(fn)
    return any(n.type == "assignment_expression"
               and norm(n.child_by_field_name("left")).split(".", 1)[0] in aliases
               and "." in norm(n.child_by_field_name("left"))
               for n in walk(function_body(fn), stop=FUNCTIONS))


def judge_interval(ctx, rule, m, node, scope) -> None:
    """An interval must be cleared in its scope's release (``pairing.value_rule``); one an
    acquisition method keeps in a field is judged by the member analysis too."""
    kept = kept_by_object(m, node, scope)
    value_rule(ctx, rule, node, scope, "setInterval", functions=CLEARS,
               discarded_reason=": its id is discarded, so it can never be cleared",
               owned=kept is not None and not kept[1])
