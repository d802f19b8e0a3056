"""LL402 emitter-listener-not-removed: EventEmitter .on/.addListener without
.off/.removeListener in the scope's release.
"""

from __future__ import annotations

from ...languages.javascript import (args, enclosing_function, function_name, method_of,
                                     norm, receiver, strip, up)
from ...facts import lifetimes
from ...languages.javascript_runs import PER_CALL, per_call
from ...languages.javascript_children import parameter_fields
from ...languages.javascript_modules import parameters
from ...languages.javascript_scopes import GLOBALS, model
from ...languages.javascript_values import declaring_function
from .pairing import ends_target, handler_aliases, inline_handler, relevant, report, target_text

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("event", "reason", "target", "where")


EMITTER_ADD = {"on", "addListener", "prependListener"}
EMITTER_REMOVE = {"off", "removeListener"}
EMITTER_END = {"removeAllListeners", "close", "destroy", "end", "disconnect", "terminate",
               "dispose", "kill"}


def check(ctx, rule):
    if ctx.is_test:
        return  # a test process is short-lived
    m = model(ctx)
    for call in m.calls():
        if call.type != "call_expression" or method_of(call) not in EMITTER_ADD:
            continue
        a = args(call)
        tnode = receiver(call)
        if len(a) < 2 or tnode is None or strip(a[0]).type not in ("string", "template_string",
                                                                    "member_expression"):
            continue
        if per_call(call, ((ctx.reads or {}).get("js-startup") or {}).get("started") or ()).kind == PER_CALL:
            continue  # LL407 judges what a function that runs per call registers
        scope = m.scope_of(call)
        if scope is None or not relevant(m, scope, tnode, call) or _owned_subject(m, scope, call) \
                or _given_property(scope, target_text(tnode)):
            ctx.count(rule.code, call, ok=True)  # the target or the owner decides: fine
            continue
        p, _ = up(call)
        if p is not None and p.type not in ("expression_statement", "member_expression"):
            # its result is used: a bus whose on() returns the unsubscribe function
            # (returned, kept or passed on), not a Node emitter returning itself
            ctx.count(rule.code, call, ok=True)
            continue
        target, event, handler = target_text(tnode), norm(a[0]), norm(a[1])
        handlers = handler_aliases(call, handler)
        if handlers is None:
            ctx.count(rule.code, call, ok=True)
            continue
        if _cleared_wholesale(m, call, target, event):
            ctx.count(rule.code, call, ok=True)
            continue
        removed, near = False, None
        for c in m.release_calls(scope):
            if ends_target(c, target, EMITTER_END):
                removed = True  # the emitter, or the object holding it, is ended whole
                break
            meth, rt = method_of(c), receiver(c)
            if rt is None or target_text(rt) != target:
                continue
            ra = args(c)
            if meth in EMITTER_REMOVE and ra and norm(ra[0]) == event:
                if len(ra) == 1:
                    removed = True  # off(event): every listener of the event (socket.io)
                    break
                if len(ra) > 1 and norm(ra[1]) in handlers and not inline_handler(a[1]):
                    removed = True
                    break
                near = c
        if removed:
            ctx.count(rule.code, call, ok=True)
            continue
        kind = inline_handler(a[1])
        reason = f": its handler is {kind}, which no removeListener can match" if kind \
            else (": the removeListener there has another handler" if near is not None else "")
        related = [(near, "a removeListener that does not match")] if near is not None else []
        report(ctx, rule, call, related, target=target, event=event, where=scope.where,
                reason=reason)


def _cleared_wholesale(m, call, target: str, event: str) -> bool:
    """Does code of the file (another function's teardown: a window's close handler) clear
    every listener of ``event`` on ``target`` at once (``ipcMain.removeAllListeners()``,
    or with the event), where ``target`` is a module-level name or a global, one object
    for all the file's functions? Then the registrations do not pile up: each new run
    starts from an emitter cleared by the one before, whatever runs it."""
    root = target.split(".", 1)[0]
    if not root.isidentifier() or root not in m.module_names() | GLOBALS \
            or declaring_function(enclosing_function(call), root) is not None:
        return False
    for c in m.calls():
        rt = receiver(c)
        if c.type != "call_expression" or method_of(c) != "removeAllListeners" or rt is None \
                or target_text(rt) != target or declaring_function(enclosing_function(c),
                                                                   root) is not None:
            continue
        a = args(c)
        if not a or norm(a[0]) == event:
            return True
    return False


def _owned_subject(m, scope, call) -> bool:
    """``Events.on(this.swipes, "swipeleft", fn)``: a bus that keeps listeners per object
    (its first argument; the event second), on an object the class makes itself or that
    dies with the code registering: the listeners go with that object."""
    a = args(call)
    subject = strip(a[0]) if len(a) >= 3 else None
    if subject is None or subject.type not in ("identifier", "member_expression") \
            or strip(a[1]).type not in ("string", "template_string"):
        return False
    return m.created_field(scope.owner, norm(subject)) \
        or lifetimes.dies_with("javascript", subject, call)


def _given_property(scope, target: str) -> bool:
    """``this.pool.on(..)`` where ``pool`` is a TypeScript parameter property of the class
    (``constructor(private pool: Pool)``): the object its maker handed it, which made
    both, as a JavaScript field assigned from a constructor parameter (``owners_js``
    ``dies_with``). Not in a decorated class, whose constructor a framework's injector
    calls with its long-lived services."""
    owner, parts = scope.owner, target.split(".")
    if owner is None or owner.type != "class_body" or len(parts) < 2 or parts[0] != "this":
        return False
    cls = owner.parent
    if cls is None or any(c.type == "decorator" for c in cls.children) or (
            cls.parent is not None and any(c.type == "decorator" for c in cls.parent.children)):
        return False
    ctor = next((c for c in owner.named_children if c.type == "method_definition"
                 and function_name(c) == "constructor"), None)
    return ctor is not None and any(parts[1] in parameter_fields(ctor, i) and parts[1] == name
                                    for i, name in enumerate(parameters(ctor)))
