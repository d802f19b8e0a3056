"""LL207 timeout-field-not-cleared: a setTimeout a method keeps in a field of an object that
is not a UI component (``this.t = setTimeout(...)``) and that the object's teardown does
not clear, or that is stored over while the previous one may still be pending; and a
timeout such an object's teardown schedules without keeping it, which nothing can cancel
once the object has ended. (A UI component's timers fire after an unmount at worst: they
are LL205's.)
"""

from __future__ import annotations

from ...languages.javascript import enclosing_function, function_name, up
from ...languages.javascript_scopes import PLAIN_RELEASE
from .pairing import page_lifetime, report
from .timeouts import captures_nothing, judge, kept_by_object, reschedules, scheduled, \
    short_delay

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("reason", "what", "where")


def check(ctx, rule):
    for m, node, short, scope in scheduled(ctx):
        if short != "setTimeout" or reschedules(node) is not None:
            continue  # a frame later, or a loop (LL205's)
        teardown = _scheduled_by_teardown(m, node, scope)
        if teardown:
            if short_delay(node) or captures_nothing(node):
                ctx.count(rule.code, node, ok=True)
            else:
                report(ctx, rule, node, what="setTimeout", where=f"by {teardown}",
                       reason=f": {teardown} schedules it and discards its id, so once the "
                              "object has ended nothing can cancel it, and it keeps the "
                              "object alive until it fires")
            continue
        kept = kept_by_object(m, node, scope)
        if kept is not None and not kept[1]:
            if page_lifetime(ctx, node):
                # the page's own object (a singleton): its field holds one timer at most,
                # and nothing ends the object for the timer to outlive
                ctx.count(rule.code, node, ok=True)
                continue
            judge(ctx, rule, node, scope, owned=True)


def _scheduled_by_teardown(m, node, scope) -> str:
    """The name of the teardown (``close``, ``terminate``...) of a class that is not a
    UI component whose own statements schedule ``node`` and discard its id; "" otherwise."""
    if scope.kind != "method" or not scope.strict or scope.owner is not None \
            and scope.owner.type == "class_body" and m.is_component(scope.owner):
        return ""
    name = function_name(scope.acquire)
    if name not in PLAIN_RELEASE or enclosing_function(node) != scope.acquire:
        return ""
    p, _ = up(node)
    return name if p is not None and p.type == "expression_statement" else ""
