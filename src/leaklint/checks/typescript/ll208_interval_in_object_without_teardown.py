"""LL208 interval-in-object-without-teardown: a setInterval that a method starts in a class
or object literal with no lifecycle of its own (no release method, not a UI component)
and that nothing clears. Judged as LL204 judges intervals; apart because nothing says
when such an object ends: made once for the page it leaks nothing, made per request or
per window it piles up, and which of the two holds is often decided far away.
"""

from __future__ import annotations

from .entries import orphaned
from .pairing import scoped_calls
from .timeouts import INTERVALS, judge_interval, without_lifecycle

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("reason", "what", "where")


def check(ctx, rule):
    for m, node, scope in scoped_calls(ctx, "call_expression", INTERVALS):
        if without_lifecycle(scope) and orphaned(m, node) is None:  # that one is LL204's
            judge_interval(ctx, rule, m, node, scope)
