"""LL209 guard-timeout-not-cleared: A setTimeout that guards an operation is not cleared
when the operation ends first. (Timeouts of lifecycle scopes and React refs are LL205's,
those an object keeps in a field LL207's.)
"""

from __future__ import annotations

from .pairing import report
from .timeouts import LIFECYCLE, kept_by_object, reschedules, scheduled, short_delay
from .timer_guards import aborts, guard_cleared, guarded_promise, ref_timer

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("reason",)


def check(ctx, rule):
    for m, node, short, scope in scheduled(ctx):
        if short != "setTimeout" or reschedules(node) is not None \
                or scope.kind in LIFECYCLE and scope.strict \
                or kept_by_object(m, node, scope) is not None or ref_timer(node) is not None:
            continue
        made = guarded_promise(node) or (node if aborts(node) else None)
        if made is None:
            continue
        if short_delay(node) or guard_cleared(node, made):
            ctx.count(rule.code, node, ok=True)
            continue
        does = "aborts the operation" if made is node else "settles the promise"
        report(ctx, rule, node,
               reason=f": it {does} on expiry, but nothing clears it when the operation ends "
                      "first, so every call leaves it pending, with what its callback holds, "
                      "for the whole delay")
