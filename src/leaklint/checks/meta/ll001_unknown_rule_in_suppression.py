"""LL001: a `leaklint: ignore[...]` comment names no existing rule."""

from __future__ import annotations

from .suppressions import known_names, listed, suppressions

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("names",)


def check(ctx, rule) -> None:
    known = known_names(ctx)
    for s in suppressions(ctx):
        unknown = s.names - known
        ctx.count(rule.code, s.node, ok=not unknown)
        if unknown:
            ctx.emit(rule, s.node, rule.message.format(names=listed(s, unknown)))
