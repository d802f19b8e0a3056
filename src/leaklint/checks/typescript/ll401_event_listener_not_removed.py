"""LL401 event-listener-not-removed: An addEventListener without a matching removeEventListener
in the scope's release.
"""

from __future__ import annotations

from ...languages.javascript import (args, callee, enclosing_function, method_of, norm, receiver,
                                     strip, text, up)
from ...languages.javascript_scopes import model
from ...languages.javascript_values import declares, local_value
from .pairing import handler_aliases, inline_handler, relevant, report, target_text

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("event", "reason", "target", "where")


def _options(node):
    """(capture, once, signal node) of an addEventListener third argument."""
    node = strip(node)
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
                    capture = norm(v) == "true"
                elif k == "once":
                    once = norm(v) == "true"
                elif k == "signal":
                    signal = v
            elif p.type == "shorthand_property_identifier" and text(p) == "signal":
                signal = p
    return capture, once, signal


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
           and f.type == "function_declaration"]
    return bool(top) or name in m.module_names()


def check(ctx, rule):
    if ctx.is_test:
        return  # a test process is short-lived
    m = model(ctx)
    for call in m.calls():
        if call.type != "call_expression" or method_of(call) != "addEventListener":
            continue
        a = args(call)
        if len(a) < 2 or strip(a[1]) is None or strip(a[1]).type in ("null", "undefined"):
            continue
        tnode = receiver(call)
        if tnode is None and ("addEventListener" in m.module_names()
                              or "addEventListener" in m.functions()):
            continue  # a same-file or imported helper of that name, not the DOM method
        p, _ = up(call)
        if p is not None and p.type != "expression_statement":
            continue  # its result is used: an API that returns its own cleanup
        scope = m.scope_of(call)
        if scope is None or not relevant(m, scope, tnode, call):
            ctx.count(rule.code, call, ok=True)  # the target or the owner decides: fine
            continue
        target = target_text(tnode)
        event, handler = norm(a[0]), norm(a[1])
        handlers = handler_aliases(call, handler)
        if handlers is None:
            ctx.count(rule.code, call, ok=True)  # the handler is handed on: removed elsewhere
            continue
        capture, once, signal = _options(a[2] if len(a) > 2 else None)
        if once or (not scope.strict and _module_handler(m, a[1], call)):
            # once: gone after the first event; a module-level handler: the DOM keeps one
            # registration per (type, handler, capture), so calls again add nothing
            ctx.count(rule.code, call, ok=True)
            continue
        if signal is not None:
            if _aborted(m, scope, signal, call):
                ctx.count(rule.code, call, ok=True)
            else:
                report(ctx, rule, call, target=target, event=event, where=scope.where,
                        reason=f": its signal {norm(signal)} is never aborted there")
            continue
        removed, near = False, None
        for c in m.release_calls(scope):
            if method_of(c) != "removeEventListener":
                continue
            ra = args(c)
            rt = receiver(c)
            if len(ra) < 2 or target_text(rt) != target \
                    or norm(ra[0]) != event:
                continue
            if norm(ra[1]) in handlers and not inline_handler(a[1]) \
                    and _options(ra[2] if len(ra) > 2 else None)[0] == capture:
                removed = True
                break
            near = c
        if removed:
            ctx.count(rule.code, call, ok=True)
            continue
        kind = inline_handler(a[1])
        if kind:
            reason = f": its handler is an {kind}, which no removeEventListener can match" \
                if kind == "inline function" else \
                f": its handler is a {kind}, a new function no removeEventListener can match"
        elif near is not None:
            reason = ": the removeEventListener there differs in handler or capture flag"
        else:
            reason = ""
        related = [(near, "a removeEventListener that does not match")] if near is not None else []
        report(ctx, rule, call, related, target=target, event=event, where=scope.where,
                reason=reason)
