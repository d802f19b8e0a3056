"""LL613 goroutine-several-senders: Goroutines started in a loop send on one unbuffered channel
that the creator stops receiving from early.
"""

from __future__ import annotations

from ...languages import within
from ...languages.go import enclosing_function
from .channels import (CLOSE, RANGE, RECV, SEND, channel_makes, channel_ops, in_loop, inner_name,
                       resolve_int, unexplained_uses)
from ...languages.go_syntax import strip_parens
from .goroutines import (closes_in, creator_name, innermost_loop, line_of, other_goroutines,
                         receive_loop, receive_loop_exits, started_goroutines)

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("chan", "line", "where")


def check(ctx, rule) -> None:
    """Goroutines started in a loop send on one unbuffered channel; the creator may stop
    receiving before it has heard from each."""
    for adapter, g in started_goroutines(ctx):
        if not in_loop(g.stmt, g.creator):
            continue
        go_loop = innermost_loop(g.stmt, g.creator)
        for name, (make, cap) in channel_makes(g.creator).items():
            if cap != 0 or make.start_byte > g.stmt.start_byte or within(make, go_loop):
                continue
            inner = inner_name(g, name)
            if not inner:
                continue
            gops = channel_ops(g.body, inner)
            kinds = {o.kind for o in gops}
            if RECV in kinds or RANGE in kinds or CLOSE in kinds:
                continue
            sends = [o for o in gops if o.kind == SEND and not o.in_select]
            if not sends:
                continue
            others = other_goroutines(g.creator, g.stmt)
            closers = [o for o in others if closes_in(adapter, o, name)]
            cops = channel_ops(g.creator, name, skip=g.stmt)
            if any(o.kind == SEND for o in cops):
                continue
            if unexplained_uses(g.creator, name, make, cops, allow=[g.stmt] + closers):
                continue
            receives = [o for o in cops if o.kind in (RECV, RANGE)
                        and enclosing_function(o.node) == g.creator and o.node.start_byte > go_loop.end_byte]
            if len(receives) != len([o for o in cops if o.kind in (RECV, RANGE)]):
                continue  # received inside the starting loop or elsewhere: not this shape
            ctx.count(rule.code, g.stmt, ok=False)
            loops = [(o, receive_loop(o, g.creator)) for o in receives]
            looped = [(o, l) for o, l in loops if l is not None]
            related = [(sends[0].node, f"each goroutine blocks here until {name} is received")]
            turns = _turns(go_loop)
            if not looped and turns is not None and len(sends) == 1 \
                    and not in_loop(sends[0].node, g.body.parent) and len(receives) >= turns:
                continue  # a fixed number of goroutines, each heard from
            if not looped:
                times = "once" if len(receives) == 1 else f"{len(receives)} times"
                where = (f"{creator_name(g.creator)} receives only {times}" if receives
                         else "nothing receives from it")
                related += [(o.node, "the only receive") for o in receives]
                ctx.emit(rule, g.stmt, rule.message.format(chan=name, line=line_of(go_loop), where=where),
                         related=related)
                continue
            early = receive_loop_exits(adapter, g.creator, [o for o, _l in looped])
            if not early:
                continue
            first = early[0]
            who = creator_name(g.creator)
            what = (f"{who} stops receiving at line {line_of(first.node)}" if first.kind == "return"
                    else f"{who} can break out of the receiving loop at line {line_of(first.node)}")
            related += [(l.node, f"leaves here with senders still blocked on {name}") for l in early]
            ctx.emit(rule, g.stmt, rule.message.format(chan=name, line=line_of(go_loop), where=what),
                     related=related)


def _turns(loop):
    """How many times ``loop`` runs when the code says so: a range over a composite
    literal (its elements), or `for i := 0; i < N; i++` with N a constant; else None."""
    clause = next((c for c in loop.named_children if c != loop.child_by_field_name("body")), None)
    if clause is None:
        return None
    if clause.type == "range_clause":
        right = strip_parens(clause.child_by_field_name("right"))
        body = right.child_by_field_name("body") if right is not None and \
            right.type == "composite_literal" else None
        if body is None:
            return None
        return len([e for e in body.named_children if e.type != "comment"])
    if clause.type == "for_clause":
        init, cond = clause.child_by_field_name("initializer"), clause.child_by_field_name("condition")
        if init is None or cond is None or cond.type != "binary_expression" or \
                cond.child_by_field_name("operator").type != "<":
            return None
        start = init.child_by_field_name("right")
        first = start.named_children[0] if start is not None and start.named_children else None
        low = resolve_int(first) if first is not None else None
        high = resolve_int(cond.child_by_field_name("right"))
        return high - low if low is not None and high is not None and high >= low else None
    return None
