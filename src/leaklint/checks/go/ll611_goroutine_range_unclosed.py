"""LL611 goroutine-range-unclosed: A goroutine ranges over a channel that is not closed on
every path.
"""

from __future__ import annotations

from ...languages.go import enclosing_function
from .channels import (CLOSE, RANGE, channel_makes, channel_ops, inner_name, leaking_exits,
                       mentions, release_node, unexplained_uses)
from .goroutines import (closes_in, creator_name, left_without, line_of, other_goroutines,
                         started_goroutines)

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("chan", "line", "where")


def _closing_calls(adapter, creator, name) -> list:
    """Calls in ``creator`` passing the channel to a same-file function that closes it."""
    out = []
    for m in _passed_as_argument(creator, name):
        call = m.parent.parent
        args = [a for a in m.parent.named_children if a.type != "comment"]
        index = args.index(m) if m in args else -1
        for fn, params in adapter.definitions(call):
            body = fn.child_by_field_name("body")
            if body is not None and 0 <= index < len(params) and params[index] not in ("_", "") \
                    and any(o.kind == CLOSE for o in channel_ops(body, params[index])):
                out.append(call)
                break
    return out


def _passed_as_argument(creator, name):
    return [m for m in mentions(creator, name)
            if m.parent is not None and m.parent.type == "argument_list"
            and m.parent.parent is not None and m.parent.parent.type == "call_expression"
            and enclosing_function(m) == creator and m.parent.parent.parent is not None
            and m.parent.parent.parent.type not in ("go_statement",)]


def check(ctx, rule) -> None:
    """A goroutine ranges over a channel that its creator does not close on every path."""
    for adapter, g in started_goroutines(ctx):
        for name, (make, _cap) in channel_makes(g.creator).items():
            if make.start_byte > g.stmt.start_byte:
                continue
            inner = inner_name(g, name)
            if not inner:
                continue
            gops = channel_ops(g.body, inner)
            ranges = [o for o in gops if o.kind == RANGE]
            if not ranges or any(o.kind == CLOSE for o in gops):
                continue
            others = other_goroutines(g.creator, g.stmt)
            if any(closes_in(adapter, o, name) for o in others):
                continue  # a producer goroutine closes it
            cops = channel_ops(g.creator, name, skip=g.stmt)
            closers = _closing_calls(adapter, g.creator, name)
            allow = [g.stmt] + others + closers
            if unexplained_uses(g.creator, name, make, cops, allow=allow):
                continue
            releases = [release_node(o) for o in cops if o.kind == CLOSE] + closers
            leaks = leaking_exits(adapter, g.creator, g.stmt, releases)
            ctx.count(rule.code, g.stmt, ok=not leaks)
            if not leaks:
                continue
            where = (left_without(leaks[0], g.creator, "closing it") if releases
                     else f"nothing in {creator_name(g.creator)} closes it")
            related = [(ranges[0].node, f"waits here for {name} to be closed")]
            related += [(l.node, f"the creator leaves here without closing {name}") for l in leaks]
            ctx.emit(rule, g.stmt, rule.message.format(
                chan=name, line=line_of(ranges[0].node), where=where), related=related)
