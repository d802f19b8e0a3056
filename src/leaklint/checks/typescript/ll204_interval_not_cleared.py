"""LL204 interval-not-cleared: A setInterval whose id is never passed to clearInterval in the
release.
"""

from __future__ import annotations

from .pairing import CLEARS, scoped_calls, value_rule

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("reason", "what", "where")


INTERVALS = {"setInterval", "window.setInterval", "globalThis.setInterval", "global.setInterval",
             "self.setInterval"}


def check(ctx, rule):
    for _m, node, scope in scoped_calls(ctx, "call_expression", INTERVALS, rule):
        value_rule(ctx, rule, node, scope, "setInterval", functions=CLEARS,
                    discarded_reason=": its id is discarded, so it can never be cleared")
