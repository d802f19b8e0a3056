"""LL405 unsubscribe-function-not-called: A store or event-bus subscribe() whose returned
unsubscribe function is never called.
"""

from __future__ import annotations

from ...languages.javascript import args, method_of, norm, receiver
from ...languages.javascript_scopes import model
from .pairing import relevant, value_rule
from .subscriptions import subscriptions

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("reason", "what", "where")


def check(ctx, rule):
    subscriptions(ctx, rule, rx=False)
    if not ctx.is_test:
        _renderer_listeners(ctx, rule)


RENDERER_GLOBALS = {"'window'", '"window"', "'document'", '"document"', "'body'", '"body"'}


def _renderer_listeners(ctx, rule):
    """Angular ``Renderer2.listen(target, event, handler)`` returns the function that
    removes the listener: it must be called in the release unless the target is the
    component's own element."""
    m = model(ctx)
    for call in m.calls():
        if call.type != "call_expression" or method_of(call) != "listen" \
                or receiver(call) is None or not norm(receiver(call)).lower().endswith("renderer") \
                or len(args(call)) < 3:
            continue
        scope = m.scope_of(call)
        if scope is None or not scope.strict:
            continue
        target = norm(args(call)[0])
        if target not in RENDERER_GLOBALS and not relevant(m, scope, args(call)[0], call):
            continue
        if target not in RENDERER_GLOBALS and ("elementRef" in target or "nativeElement" in target
                                              or target == "this"):
            continue  # the component's own element goes with it
        value_rule(ctx, rule, call, scope, f"renderer.listen({target})", called=True,
                    discarded_reason=": the function it returns, which removes the listener, "
                                     "is discarded")
