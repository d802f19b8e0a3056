"""Goroutines that block forever: LL610-LL613.

Each check starts from a `go` statement and the channels its creator made. Whether the
creator has a path that leaves without the partner operation is asked of the lifecycle
engine (``go_chans.leaking_exits``); this module only says what the goroutine does and
which operations of the creator count as its partner.
"""

from __future__ import annotations

from ..analysis.ir import Leaf
from ..languages.go import enclosing_function
from .go_chans import (CLOSE, RANGE, RECV, SEND, VERB, as_exit_loop, channel_makes, channel_ops,
                       go_statements, goroutine, in_loop, inner_name, leaking_exits, loop_block,
                       mentions, release_node, text, unexplained_uses, within)

# creators whose goroutines live as long as the process by design
PROCESS_LIFETIME = {"main", "init"}


def _line(node) -> int:
    return node.start_point[0] + 1


def _goroutines(ctx):
    adapter = ctx.adapter()
    for stmt in go_statements(ctx.tree.root_node):
        g = goroutine(adapter, stmt)
        if g.creator is not None and g.body is not None:
            yield adapter, g


def _creator_name(fn) -> str:
    name = fn.child_by_field_name("name")
    return text(name) if name is not None else "the function literal"


def _other_goroutines(creator, stmt):
    """The creator's other go statements (their uses of a channel are judged by the caller)."""
    return [g for g in go_statements(creator) if g != stmt and enclosing_function(g) == creator]


def _closes_in(adapter, go_stmt, name) -> bool:
    g = goroutine(adapter, go_stmt)
    inner = inner_name(g, name)
    return g.body is not None and bool(inner) and any(
        o.kind == CLOSE for o in channel_ops(g.body, inner))


def _closing_calls(adapter, creator, name) -> list:
    """Calls in ``creator`` passing the channel to a same-file function that closes it."""
    out = []
    for m in channel_mentions_as_args(creator, name):
        call = m.parent.parent
        short = text(call.child_by_field_name("function")).rsplit(".", 1)[-1]
        args = [a for a in m.parent.named_children if a.type != "comment"]
        index = args.index(m) if m in args else -1
        for fn, params in adapter.functions().get(short, ()):
            body = fn.child_by_field_name("body")
            if body is not None and 0 <= index < len(params) and params[index] not in ("_", "") \
                    and any(o.kind == CLOSE for o in channel_ops(body, params[index])):
                out.append(call)
                break
    return out


def channel_mentions_as_args(creator, name):
    return [m for m in mentions(creator, name)
            if m.parent is not None and m.parent.type == "argument_list"
            and m.parent.parent is not None and m.parent.parent.type == "call_expression"
            and enclosing_function(m) == creator and m.parent.parent.parent is not None
            and m.parent.parent.parent.type not in ("go_statement",)]


def _left(leak, creator, without: str) -> str:
    """How the creator leaves a goroutine behind: '<f> returns at line N without <...>'."""
    who = _creator_name(creator)
    if leak.kind == "return":
        return f"{who} returns at line {_line(leak.node)} without {without}"
    return f"{who} can end at line {leak.node.end_point[0] + 1} without {without}"


# -- LL610 ------------------------------------------------------------------------------

def abandoned_channel(ctx, rule) -> None:
    """A goroutine blocks on an unbuffered channel the creator may stop serving."""
    for adapter, g in _goroutines(ctx):
        if in_loop(g.stmt, g.creator):
            continue  # one goroutine per iteration: several senders (LL613)
        for name, (make, cap) in channel_makes(g.creator).items():
            if make.start_byte > g.stmt.start_byte or (in_loop(make, g.creator)
                                                        and not _same_loop(make, g.stmt, g.creator)):
                continue
            inner = inner_name(g, name)
            if not inner:
                continue
            gops = channel_ops(g.body, inner)
            kinds = {o.kind for o in gops}
            if not gops or RANGE in kinds or (SEND in kinds and RECV in kinds):
                continue
            blocking = [o for o in gops if o.kind in (SEND, RECV) and not o.in_select]
            if not blocking:
                continue
            if SEND in kinds:
                sends = [o for o in gops if o.kind == SEND]
                if cap is None or (cap > 0 and (any(o.in_loop for o in sends) or len(sends) <= cap)):
                    continue
                partner, verb_needed = (RECV, RANGE), "receiving from"
            else:
                if CLOSE in kinds:
                    continue
                partner, verb_needed = (SEND, CLOSE), "sending on or closing"
            cops = channel_ops(g.creator, name, skip=g.stmt)
            if any(o.kind == blocking[0].kind for o in cops):
                continue  # the creator plays the goroutine's part too: a protocol, not a pair
            if unexplained_uses(g.creator, name, make, cops, allow=(g.stmt,)):
                continue  # handed to someone else who may be the partner
            releases = [release_node(o) for o in cops if o.kind in partner]
            leaks = leaking_exits(adapter, g.creator, g.stmt, releases)
            ctx.count(rule.code, ok=not leaks)
            if not leaks:
                continue
            op = blocking[0]
            kind = "unbuffered" if cap == 0 else f"buffered ({cap})"
            where = (_left(leaks[0], g.creator, f"{verb_needed} it") if releases
                     else f"nothing in {_creator_name(g.creator)} is {verb_needed} it")
            related = [(op.node, f"blocks here: {VERB[op.kind]} {name}")]
            related += [(l.node, f"the creator leaves here without {verb_needed} {name}")
                        for l in leaks]
            ctx.emit(rule, g.stmt, rule.message.format(
                op=VERB[op.kind], kind=kind, chan=name, line=_line(op.node), where=where),
                related=related)


def _same_loop(make, stmt, fn) -> bool:
    """Is the channel made in the same loop iteration as the goroutine (one pair per turn)?"""
    p = make.parent
    while p is not None and p != fn:
        if p.type == "for_statement":
            return within(stmt, p) and not _loop_between(stmt, p)
        p = p.parent
    return False


def _loop_between(node, outer) -> bool:
    p = node.parent
    while p is not None and p != outer:
        if p.type == "for_statement":
            return True
        p = p.parent
    return False


# -- LL611 ------------------------------------------------------------------------------

def range_unclosed(ctx, rule) -> None:
    """A goroutine ranges over a channel that its creator does not close on every path."""
    for adapter, g in _goroutines(ctx):
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
            others = _other_goroutines(g.creator, g.stmt)
            if any(_closes_in(adapter, o, name) for o in others):
                continue  # a producer goroutine closes it
            cops = channel_ops(g.creator, name, skip=g.stmt)
            closers = _closing_calls(adapter, g.creator, name)
            allow = [g.stmt] + others + closers
            if unexplained_uses(g.creator, name, make, cops, allow=allow):
                continue
            releases = [release_node(o) for o in cops if o.kind == CLOSE] + closers
            leaks = leaking_exits(adapter, g.creator, g.stmt, releases)
            ctx.count(rule.code, ok=not leaks)
            if not leaks:
                continue
            where = (_left(leaks[0], g.creator, "closing it") if releases
                     else f"nothing in {_creator_name(g.creator)} closes it")
            related = [(ranges[0].node, f"waits here for {name} to be closed")]
            related += [(l.node, f"the creator leaves here without closing {name}") for l in leaks]
            ctx.emit(rule, g.stmt, rule.message.format(
                chan=name, line=_line(ranges[0].node), where=where), related=related)


# -- LL612 ------------------------------------------------------------------------------

BLOCKING_CALLS = ("time.Sleep", ".Wait", ".Recv", ".Accept")


def loop_without_exit(ctx, rule) -> None:
    """A goroutine runs an endless loop of blocking operations with no way out."""
    seen = set()
    for adapter, g in _goroutines(ctx):
        if _creator_name(g.creator) in PROCESS_LIFETIME:
            continue
        fn = g.body.parent
        for loop in _endless_loops(g.body, fn):
            blocking = _first_blocking(loop, fn)
            if blocking is None:
                continue
            lowered = loop_block(adapter, fn, loop)
            if lowered is None:
                continue
            start = Leaf(loop, "loop-start")
            exits = leaking_exits(adapter, fn, loop, [], body=as_exit_loop(lowered, start),
                                  end_node=loop)
            if exits is None:
                continue
            ctx.count(rule.code, ok=bool(exits))
            key = (g.stmt.start_byte, loop.start_byte)
            if exits or key in seen:
                continue
            seen.add(key)
            ctx.emit(rule, g.stmt, rule.message.format(line=_line(loop), blocking=blocking[1],
                                                       bline=_line(blocking[0])),
                     related=[(loop, "this loop has no return, break or stop case"),
                              (blocking[0], "blocks here on every turn")])
            break


def _endless_loops(body, fn) -> list:
    out = []
    stack = list(body.named_children)
    while stack:
        n = stack.pop()
        if n.type == "func_literal":
            continue
        if n.type == "for_statement" and enclosing_function(n) == fn:
            clause = [c for c in n.named_children if c != n.child_by_field_name("body")]
            if not clause:
                out.append(n)
            elif clause[0].type == "for_clause" and clause[0].child_by_field_name("condition") is None:
                out.append(n)
            elif clause[0].type == "range_clause" and \
                    text(clause[0].child_by_field_name("right")).replace(" ", "").startswith("time.Tick("):
                out.append(n)
        stack.extend(n.named_children)
    return sorted(out, key=lambda n: n.start_byte)


def _first_blocking(loop, fn):
    """(node, description) of a blocking operation in the loop, or None."""
    stack = [loop]
    found = []
    while stack:
        n = stack.pop()
        if n.type == "func_literal":
            continue
        t = n.type
        if t == "send_statement":
            found.append((n, "a channel send"))
        elif t == "unary_expression" and text(n.child_by_field_name("operator")) == "<-":
            found.append((n, "a channel receive"))
        elif t == "select_statement" and not any(c.type == "default_case" for c in n.named_children):
            found.append((n, "a select"))
        elif t == "range_clause" and n.parent == loop:
            found.append((n, "a ticker"))
        elif t == "call_expression":
            callee = text(n.child_by_field_name("function")).replace(" ", "")
            if callee == "time.Sleep" or (callee.endswith(".Wait") and "." in callee):
                found.append((n, f"{callee}()"))
        stack.extend(n.named_children)
    return min(found, key=lambda f: f[0].start_byte) if found else None


# -- LL613 ------------------------------------------------------------------------------

def several_senders(ctx, rule) -> None:
    """Goroutines started in a loop send on one unbuffered channel; the creator may stop
    receiving before it has heard from each."""
    for adapter, g in _goroutines(ctx):
        if not in_loop(g.stmt, g.creator):
            continue
        go_loop = _innermost_loop(g.stmt, g.creator)
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
            others = _other_goroutines(g.creator, g.stmt)
            closers = [o for o in others if _closes_in(adapter, o, name)]
            cops = channel_ops(g.creator, name, skip=g.stmt)
            if any(o.kind == SEND for o in cops):
                continue
            if unexplained_uses(g.creator, name, make, cops, allow=[g.stmt] + closers):
                continue
            receives = [o for o in cops if o.kind in (RECV, RANGE)
                        and enclosing_function(o.node) == g.creator and o.node.start_byte > go_loop.end_byte]
            if len(receives) != len([o for o in cops if o.kind in (RECV, RANGE)]):
                continue  # received inside the starting loop or elsewhere: not this shape
            ctx.count(rule.code, ok=False)
            loops = [(o, _receive_loop(o, g.creator)) for o in receives]
            looped = [(o, l) for o, l in loops if l is not None]
            related = [(sends[0].node, f"each goroutine blocks here until {name} is received")]
            if not looped:
                times = "once" if len(receives) == 1 else f"{len(receives)} times"
                where = (f"{_creator_name(g.creator)} receives only {times}" if receives
                         else "nothing receives from it")
                related += [(o.node, "the only receive") for o in receives]
                ctx.emit(rule, g.stmt, rule.message.format(chan=name, line=_line(go_loop), where=where),
                         related=related)
                continue
            early = []
            for op, loop in looped:
                lowered = loop_block(adapter, g.creator, loop)
                if lowered is None:
                    continue
                start = Leaf(loop, "loop-start") if op.kind == RANGE else None
                anchor = loop if op.kind == RANGE else op.node
                leaks = leaking_exits(adapter, g.creator, anchor, [], body=as_exit_loop(lowered, start),
                                      end_node=loop)
                early += leaks or []
            if not early:
                continue
            first = early[0]
            who = _creator_name(g.creator)
            what = (f"{who} stops receiving at line {_line(first.node)}" if first.kind == "return"
                    else f"{who} can break out of the receiving loop at line {_line(first.node)}")
            related += [(l.node, f"leaves here with senders still blocked on {name}") for l in early]
            ctx.emit(rule, g.stmt, rule.message.format(chan=name, line=_line(go_loop), where=what),
                     related=related)


def _innermost_loop(node, fn):
    p = node.parent
    while p is not None and p != fn:
        if p.type == "for_statement":
            return p
        p = p.parent
    return None


def _receive_loop(op, fn):
    """The loop in which a receive repeats (the range loop itself for `range ch`)."""
    if op.kind == RANGE:
        return op.node
    return _innermost_loop(op.node, fn)
