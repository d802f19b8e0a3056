"""LL001: a `leaklint: ignore[...]` comment names no existing rule."""

from __future__ import annotations

from .suppressions import known_names, listed, suppressions


def check(ctx, rule) -> None:
    known = known_names(ctx)
    for s in suppressions(ctx):
        unknown = s.names - known
        ctx.count(rule.code, not unknown)
        if unknown:
            ctx.emit(rule, s.node, rule.message.format(names=listed(s, unknown)))
