"""LL401 event-listener-not-removed: An addEventListener without a matching removeEventListener
in the scope's release.
"""

from __future__ import annotations

from ...facts.owners_js_targets import OBJECT_ENDS
from ...languages.javascript import (args, callee, enclosing_function, method_of, norm, receiver,
                                     strip, text, up)
from ...languages.javascript_children import constructor_class
from ...languages.javascript_modules import imports, top_functions
from ...languages.javascript_registrations import for_callers, registered, summary
from ...languages.javascript_scopes import model
from ...languages.javascript_values import declares, local_value
from .pairing import ends_target, handler_aliases, inline_handler, relevant, report, target_text
from .removals import DOM, callers_signal, line_of, mismatched

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("event", "reason", "target", "where")



def _options(node):
    """(capture, once, signal node) of an addEventListener third argument: `true`, an
    object literal, or a name or member bound to one in the function around it (the same
    flag spelled `{ capture: true }`, `opts` or `{ capture: opts.capture }`)."""
    node = _literal(node)
    if node is None:
        return False, False, None
    if node.type in ("true", "false"):
        return node.type == "true", False, None
    capture = once = False
    signal = None
    if node.type == "object":
        for p in node.named_children:
            if p.type == "pair":
                k, v = text(p.child_by_field_name("key")), p.child_by_field_name("value")
                if k == "capture":
                    capture = _truthy(v)
                elif k == "once":
                    once = _truthy(v)
                elif k == "signal":
                    signal = v
            elif p.type == "shorthand_property_identifier" and text(p) == "signal":
                signal = p
    return capture, once, signal


def _literal(node, depth: int = 0):
    """The literal a name or `obj.key` stands for, when a local `const` binds it."""
    node = strip(node)
    if node is None or depth > 3:
        return node
    fn = enclosing_function(node)
    if node.type == "identifier":
        while fn is not None:  # a closure sees the constants of the functions around it
            value = local_value(fn, text(node))
            if value is not None:
                return _literal(value, depth + 1)
            fn = enclosing_function(fn)
        return node
    if node.type == "member_expression":
        obj = _literal(node.child_by_field_name("object"), depth + 1)
        key = text(node.child_by_field_name("property"))
        if obj is not None and obj.type == "object":
            for p in obj.named_children:
                if p.type == "pair" and text(p.child_by_field_name("key")) == key:
                    return _literal(p.child_by_field_name("value"), depth + 1)
    return node


def _truthy(value) -> bool:
    value = _literal(value)
    return value is not None and value.type == "true"


def _event_key(node) -> str:
    """The event argument, with a loop variable named by what it walks: `ev` of
    `names.forEach((ev) => ...)` and `e` of `for (const e of names)` are both "each of
    names", so an add and a remove over one array pair up and over two arrays do not."""
    e = strip(node)
    if e is None or e.type != "identifier":
        return norm(node)
    name = text(e)
    p = e.parent
    while p is not None:
        if p.type == "for_in_statement" and norm(p.child_by_field_name("left")) == name:
            return "each of " + norm(p.child_by_field_name("right"))
        if p.type in ("arrow_function", "function_expression", "function"):
            params = p.child_by_field_name("parameters")
            first = params.named_children[0] if params is not None and params.named_children else \
                p.child_by_field_name("parameter")
            if first is not None and norm(first) == name:
                call = p.parent.parent if p.parent is not None and p.parent.type == "arguments" else None
                if call is not None and method_of(call) == "forEach":
                    return "each of " + norm(call.child_by_field_name("function").child_by_field_name("object"))
                return norm(node)
        p = p.parent
    return norm(node)


def _result_ignored(body_of) -> bool:
    """`xs.forEach((x) => t.addEventListener(x, h))`: the arrow's value goes nowhere."""
    if body_of.type != "arrow_function" or body_of.parent is None or body_of.parent.type != "arguments":
        return False
    return method_of(body_of.parent.parent) == "forEach"


def _sibling_cleanups(m, scope, handler) -> list:
    """removeEventListener calls in the cleanups of the component's other effects: all of
    them run when the component unmounts. Only for a handler every effect sees as the same
    object (a ref's `.current`, or a name not declared inside this effect)."""
    if scope.kind != "effect" or scope.owner is None:
        return []
    h = strip(handler)
    if h is None or h.type not in ("identifier", "member_expression"):
        return []
    if h.type == "identifier" and declares(scope.acquire, text(h)):
        return []
    out = []
    for c in m.calls():
        if c.type != "call_expression" or method_of(c) != "removeEventListener":
            continue
        other = m.scope_of(c)
        if other is None or other is scope or other.kind != "effect" or other.owner is None \
                or other.owner.id != scope.owner.id:
            continue
        if any(f.start_byte <= c.start_byte < f.end_byte for f in other.releases):
            out.append(c)
    return out


def _aborted(m, scope, signal, call) -> bool:
    s = norm(signal)
    if s.endswith(".signal"):
        owner = s[: -len(".signal")]
        return any(callee(c) == owner + ".abort" for c in m.release_calls(scope))
    if s.startswith(("AbortSignal.", "AbortSignal")):
        return True
    fn = enclosing_function(call)
    v = local_value(fn, s) if fn is not None and s.isidentifier() else None
    if v is None:
        return True  # a signal from a parameter or elsewhere: its owner aborts it
    if norm(v).endswith(".signal"):
        owner = norm(v)[: -len(".signal")]
        return any(callee(c) == owner + ".abort" for c in m.release_calls(scope))
    return True


def _module_handler(m, handler, call) -> bool:
    """Is the handler a function of the module itself (declared at top level or bound to
    a module-level name), the same object on every call?"""
    h = strip(handler)
    if h is None or h.type != "identifier":
        return False
    name = text(h)
    fn = enclosing_function(call)
    while fn is not None:
        if declares(fn, name) or any(f.parent is not None and f.parent.id == fn.id
                                     for f in m.functions().get(name, ())):
            return False
        fn = enclosing_function(fn)
    top = [f for f in m.functions().get(name, ()) if enclosing_function(f) is None
           and (f.type == "function_declaration"
                or up(f)[0] is not None and up(f)[0].type == "variable_declarator")]
    return bool(top) or name in m.module_names()  # `const onKey = (e) => ...` at top too


def check(ctx, rule):
    if ctx.is_test:
        return  # a test process is short-lived
    m = model(ctx)
    top = top_functions(m.root)
    helpers = _helpers(ctx, m, top)
    top_spans = {(f.start_byte, f.end_byte) for f in top.values()}
    imported = imports(m.root)
    for call in m.calls():
        if call.type != "call_expression":
            continue
        helper = helpers.get(text(call.child_by_field_name("function")))
        if helper is not None:
            # a call of a registration helper: the listener is this code's to remove
            a, targets = registered(call, helper)
            for target in targets:
                _judge(ctx, rule, m, call, a, target)
            continue
        if method_of(call) != "addEventListener":
            continue
        a = args(call)
        if len(a) < 2 or strip(a[1]) is None or strip(a[1]).type in ("null", "undefined"):
            continue
        tnode = receiver(call)
        if _target_first(a, tnode, imported):
            continue  # a project's helper that takes the target first: its body is not seen
        if tnode is None and ("addEventListener" in m.module_names()
                              or "addEventListener" in m.functions()):
            continue  # a same-file or imported helper of that name, not the DOM method
        p, _ = up(call)
        if p is not None and p.type != "expression_statement" and not _result_ignored(p):
            continue  # its result is used: an API that returns its own cleanup
        fn = enclosing_function(call)
        if fn is not None and (fn.start_byte, fn.end_byte) in top_spans and for_callers(call):
            # a module's registration helper: each call of it is judged where it is made
            ctx.count(rule.code, call, ok=True)
            continue
        _judge(ctx, rule, m, call, a, tnode)


def _target_first(a, tnode, imported) -> bool:
    """``dom.addEventListener(view, "click", fn)``: the event type is the second argument
    (a string, or a choice of strings) and the first is not one, or the receiver is an
    imported module (``import dom from "utils/dom"``) given more than a type and a
    handler: the call is no EventTarget's method (whose second argument is the handler)
    but a helper that takes the target first."""
    def typed(n):
        n = strip(n)
        if n is not None and n.type == "ternary_expression":
            return typed(n.child_by_field_name("consequence")) \
                and typed(n.child_by_field_name("alternative"))
        return n is not None and n.type in ("string", "template_string")
    module = tnode is not None and tnode.type == "identifier" and text(tnode) in imported
    return len(a) >= 3 and not typed(a[0]) and (typed(a[1]) or module)


def _helpers(ctx, m, top: dict) -> dict:
    """Local name -> summary of each registration helper the file can call: its own
    top-level functions (``top``) and what it imports from a module of the run (``reads
    ["js-startup"]["helpers"]``, facts.js_startup)."""
    out = {name: found for name, fn in top.items()
           for found in [summary(fn)] if found is not None}
    read = (getattr(ctx, "reads", None) or {}).get("js-startup") or {}
    known = {(spec, name): found for spec, name, found in read.get("helpers") or ()}
    for local, (spec, name) in imports(m.root).items() if known else ():
        if (spec, name) in known:
            out[local] = known[(spec, name)]
        elif name == "*":  # `const kit = require("./kit")`: `kit.listen(...)`
            out.update({f"{local}.{n}": found for (s, n), found in known.items() if s == spec})
    return out


def _judge(ctx, rule, m, call, a, tnode) -> None:
    """The verdict on a listener ``call`` adds to ``tnode`` (a node, or a fixed target
    as text) with the arguments ``a`` (event, handler, options)."""
    scope = m.scope_of(call)
    node = tnode if not isinstance(tnode, str) else None
    if scope is None or not relevant(m, scope, node, call):
        if node is None or not _own_fault(ctx, rule, m, call, a, node):
            ctx.count(rule.code, call, ok=True)  # the target or the owner decides: fine
        return
    target = tnode if isinstance(tnode, str) else target_text(tnode)
    event, handler = norm(a[0]), norm(a[1])
    handlers = handler_aliases(call, handler)
    if handlers is None:
        ctx.count(rule.code, call, ok=True)  # the handler is handed on: removed elsewhere
        return
    capture, once, signal = _options(a[2] if len(a) > 2 else None)
    waits = once and (not scope.strict or scope.kind != "effect"
                      or enclosing_function(call) != scope.acquire)
    if waits and node is not None and callers_signal(m, call) \
            and _own_fault(ctx, rule, m, call, a, node):
        return  # a plain function's one-time wait on its caller's signal: it stays
    if waits or (not scope.strict and _module_handler(m, a[1], call)):
        # once: gone after the first event. Added by an effect itself, the event may
        # never come before the cleanup, so there it is owed a removal; in a method
        # (a handler waiting for the next event) or inside a callback or promise of
        # the effect it is a one-time wait.
        # A module-level handler: the DOM keeps one registration per (type, handler,
        # capture)
        ctx.count(rule.code, call, ok=True)
        return
    if signal is not None and _aborted(m, scope, signal, call):
        ctx.count(rule.code, call, ok=True)
        return
    removed, near = _removal(m, scope, a, target, handlers, capture)
    if removed:
        ctx.count(rule.code, call, ok=True)
        return
    kind = inline_handler(a[1])
    if signal is not None:
        reason = f": its signal {norm(signal)} is never aborted there"
    elif kind:
        reason = f": its handler is {kind}, which no removeEventListener can match"
    elif near is not None:
        reason = ": the removeEventListener there differs in handler or capture flag"
    else:
        reason = ""
    related = [(near, "a removeEventListener that does not match")] if near is not None else []
    report(ctx, rule, call, related, target=target, event=event, where=scope.where,
           reason=reason)


def _own_fault(ctx, rule, m, call, a, tnode) -> bool:
    """Report a listener whatever its owner's lifetime when the code itself shows that it
    must go and that it stays: its function removes it with a function that was never
    added (``removals.mismatched``), or it is added to the caller's AbortSignal and never
    removed (``removals.callers_signal``). True when reported."""
    _, once, signal = _options(a[2] if len(a) > 2 else None)
    if signal is not None or once and not _plain_function(call):
        return False  # with the signal it is registered with; an object's own one-time wait
    target, event = target_text(tnode), norm(a[0])
    near = mismatched(m, call, DOM) if not once else None  # a one-time one goes at its event
    if near is not None:
        line = line_of(near)
        what = inline_handler(args(near)[1]) or f"{norm(args(near)[1])}, which was never added"
        report(ctx, rule, call, [(near, "a removeEventListener that removes another function")],
               target=target, event=event, where="where its function removes it",
               reason=f": the removeEventListener at line {line} passes {what}, so each run "
                      "adds one more")
        return True
    if not callers_signal(m, call):
        return False
    report(ctx, rule, call, target=target, event=event, where="when the call is done",
           reason=": the signal is the caller's, which may serve many calls and keeps every "
                  "listener until it aborts" + (" (once: true removes it only then)"
                                                if once else ""))
    return True


def _plain_function(call) -> bool:
    """Is the code at ``call`` in a plain function (no class's method or constructor)?
    Its call ends when its work does, and nothing of it but the listener stays on the
    caller's signal; an object made per signal may keep a one-time wait on it for its own
    life."""
    top, fn = None, enclosing_function(call)
    while fn is not None:
        top, fn = fn, enclosing_function(fn)
    return top is not None and top.type != "method_definition" and not constructor_class(top)


def _removal(m, scope, a, target: str, handlers: set, capture: bool):
    """(removed, near): does a release of ``scope`` remove the listener added with the
    arguments ``a`` to ``target`` (a matching ``removeEventListener``, or the end of the
    target itself), and else the ``removeEventListener`` of that target and event whose
    handler or capture flag differs (or None)?"""
    key, near = _event_key(a[0]), None
    for c in m.release_calls(scope) + _sibling_cleanups(m, scope, a[1]):
        if ends_target(c, target, OBJECT_ENDS):
            return True, None
        ra = args(c)
        if method_of(c) != "removeEventListener" or len(ra) < 2 \
                or target_text(receiver(c)) != target or _event_key(ra[0]) != key:
            continue
        if norm(ra[1]) in handlers and not inline_handler(a[1]) \
                and _options(ra[2] if len(ra) > 2 else None)[0] == capture:
            return True, None
        near = c
    return False, near
