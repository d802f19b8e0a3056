"""LL113 python-resource-in-object-without-close: a handle LL110 would track, kept in an
attribute of a class that has no method to end its objects. It closes when the object
is collected; whether that piles up depends on how many objects their maker makes, which
the class does not show.
"""

from __future__ import annotations

from ...catalogue import find_rule
from ...tracks import OWNED, Verdict

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("call", "handle", "where")


def check(ctx, rule) -> None:
    adapter = ctx.adapter()
    source = find_rule("LL110")
    if adapter is None or source is None:
        return
    for cand in adapter.candidates([source]):
        verdict = adapter.track(cand)
        if not isinstance(verdict, Verdict) or OWNED not in verdict.traits:
            continue
        ctx.count(rule.code, cand.call, ok=False)
        ctx.emit(rule, cand.call, rule.message.format(
            handle=verdict.node, call=cand.callee, where=verdict.reason),
            traits=set(verdict.traits))
