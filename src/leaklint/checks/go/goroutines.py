"""What the goroutine rules LL610-LL613 share: the goroutines a file starts, their
creators, the loops that receive from them, and how a leak is worded.

Each rule starts from a `go` statement and the channels its creator made. Whether the
creator has a path that leaves without the partner operation is asked of the lifecycle
engine (``channels.leaking_exits``); the rule modules only say what the goroutine does
and which operations of the creator count as its partner.
"""

from __future__ import annotations

from ...ir import Leaf
from ...languages import nearest
from ...languages.go import enclosing_function
from ...languages.go_syntax import text
from .channels import (CLOSE, RANGE, as_exit_loop, channel_ops, go_statements, goroutine,
                       inner_name, leaking_exits, loop_block)


def line_of(node) -> int:
    return node.start_point[0] + 1


def started_goroutines(ctx):
    adapter = ctx.adapter()
    for stmt in go_statements(ctx.tree.root_node):
        g = goroutine(adapter, stmt)
        if g.creator is not None and g.body is not None:
            yield adapter, g


def creator_name(fn) -> str:
    name = fn.child_by_field_name("name")
    return text(name) if name is not None else "the function literal"


def other_goroutines(creator, stmt):
    """The creator's other go statements (their uses of a channel are judged by the caller)."""
    return [g for g in go_statements(creator) if g != stmt and enclosing_function(g) == creator]


def closes_in(adapter, go_stmt, name) -> bool:
    g = goroutine(adapter, go_stmt)
    inner = inner_name(g, name)
    return g.body is not None and bool(inner) and any(
        o.kind == CLOSE for o in channel_ops(g.body, inner))


def left_without(leak, creator, without: str) -> str:
    """How the creator leaves a goroutine behind: '<f> returns at line N without <...>'."""
    who = creator_name(creator)
    if leak.kind == "return":
        return f"{who} returns at line {line_of(leak.node)} without {without}"
    return f"{who} can end at line {leak.node.end_point[0] + 1} without {without}"


def receive_loop_exits(adapter, creator, receives) -> list:
    """Ways out of the loops that receive from a channel which do not finish receiving:
    a `return` or `break` after a receive (a counted loop), or anywhere in a `range` loop."""
    early = []
    for op in receives:
        loop = receive_loop(op, creator)
        if loop is None:
            continue
        lowered = loop_block(adapter, creator, loop)
        if lowered is None:
            continue
        start = Leaf(loop, "loop-start") if op.kind == RANGE else None
        anchor = loop if op.kind == RANGE else op.node
        exits = leaking_exits(adapter, creator, anchor, [], body=as_exit_loop(lowered, start),
                              end_node=loop) or []
        # a break that lands before a loop draining the rest (`for range ch {}`) is fine
        drained = any(o.node.start_byte >= loop.end_byte and receive_loop(o, creator) is not None
                      for o in receives)
        early += [l for l in exits if not (drained and l.kind == "end")]
    return sorted(early, key=lambda l: l.node.start_byte)


BLOCKING_CALLS = ("time.Sleep", ".Wait", ".Recv", ".Accept")


def innermost_loop(node, fn):
    return nearest(node, ("for_statement",), fn)


def receive_loop(op, fn):
    """The loop in which a receive repeats (the range loop itself for `range ch`)."""
    if op.kind == RANGE:
        return op.node
    return innermost_loop(op.node, fn)
