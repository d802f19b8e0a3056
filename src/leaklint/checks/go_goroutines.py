"""Goroutines that block forever: LL610-LL613.

Each check starts from a `go` statement and the channels its creator made. Whether the
creator has a path that leaves without the partner operation is asked of the lifecycle
engine (``go_chans.leaking_exits``); this module only says what the goroutine does and
which operations of the creator count as its partner.
"""

from __future__ import annotations

from ..analysis.ir import Block, Leaf, TooDeep
from ..languages import matches
from ..languages.go import _body_statements, callee_text, enclosing_function
from .go_chans import (CLOSE, RANGE, RECV, SEND, VERB, as_exit_loop, channel_makes, channel_ops,
                       go_statements, goroutine, goroutine_ops, in_loop, inner_name, leaking_exits,
                       loop_block, mentions, release_node, text, unexplained_uses, within)
from .go_package import is_command

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
    for m in _passed_as_argument(creator, name):
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


def _passed_as_argument(creator, name):
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
        go_loop = _innermost_loop(g.stmt, g.creator)
        for name, (make, cap) in channel_makes(g.creator).items():
            # one channel per goroutine (both outside loops, or made in the same turn of
            # the same loop); a goroutine per turn on one channel is LL613
            if make.start_byte > g.stmt.start_byte or _innermost_loop(make, g.creator) != go_loop:
                continue
            inner = inner_name(g, name)
            if not inner:
                continue
            gops = goroutine_ops(adapter, g, inner)
            kinds = {o.kind for o in gops}
            if not kinds & {RECV, RANGE}:
                _unsignalled_wait(ctx, rule, adapter, g, name, make, inner, gops)
            if not gops or RANGE in kinds or (SEND in kinds and RECV in kinds):
                continue
            blocking = [o for o in gops if o.kind in (SEND, RECV) and not o.in_select]
            if not blocking:
                continue
            many = False
            if SEND in kinds:
                sends = [o for o in gops if o.kind == SEND]
                per_run = _sends_per_run(sends)
                many = per_run > 1
                if cap is None or per_run <= cap:
                    continue
                partner, verb_needed = (RECV, RANGE), "receiving from"
            else:
                if CLOSE in kinds:
                    continue
                partner, verb_needed = (SEND, CLOSE), "sending on or closing"
            cops = channel_ops(g.creator, name, skip=g.stmt)
            if any(o.kind == blocking[0].kind for o in cops):
                continue  # the creator plays the goroutine's part too: a protocol, not a pair
            handed = unexplained_uses(g.creator, name, make, cops, allow=(g.stmt,))
            if handed:
                # returned: the callers are the partner; one that drops it abandons the goroutine
                dropped = _dropping_call(ctx, g.creator) if _only_returned(handed) else None
                ctx.count(rule.code, ok=dropped is None)
                if dropped is not None:
                    op = blocking[0]
                    where = f"{_creator_name(g.creator)} returns it and the call at line {_line(dropped)} drops it"
                    kind = "unbuffered" if cap == 0 else f"buffered ({cap})"
                    ctx.emit(rule, g.stmt, rule.message.format(
                        what=f"{VERB[op.kind]} {kind} channel {name} at line {_line(op.node)}",
                        where=where, effect="it can block forever"),
                        related=[(op.node, f"blocks here: {VERB[op.kind]} {name}"),
                                 (dropped, "the returned channel is dropped here")])
                continue
            receives = [o for o in cops if o.kind in partner]
            releases = [release_node(o) for o in receives]
            # waiting for the goroutine to finish (ranging over a channel it closes on the
            # way out, or wg.Wait for its deferred Done) means it did not stay blocked
            waits = _waits_for_end(adapter, g)
            leaks = leaking_exits(adapter, g.creator, g.stmt, releases + waits)
            if leaks is None:
                continue
            early = _receive_loop_exits(adapter, g.creator, receives) if many else []
            ctx.count(rule.code, ok=not (leaks or early))
            if not (leaks or early):
                continue
            op = blocking[0]
            kind = "unbuffered" if cap == 0 else f"buffered ({cap})"
            who = _creator_name(g.creator)
            effect = "it can block forever"
            if leaks and op.kind == SEND and any(o.kind == CLOSE for o in cops):
                where = f"{who} can leave at line {_line(leaks[0].node)} and close it first"
                effect = "the late send panics"
            elif leaks:
                where = (_left(leaks[0], g.creator, f"{verb_needed} it") if releases
                         else f"nothing in {who} is {verb_needed} it")
            else:
                where = f"{who} stops receiving at line {_line(early[0].node)} while it may still send"
            related = [(op.node, f"blocks here: {VERB[op.kind]} {name}")]
            related += [(l.node, f"the creator leaves here without {verb_needed} {name}")
                        for l in leaks + early]
            fix = None
            if ctx.settings.fixes and cap == 0 and op.kind == SEND and not op.in_loop \
                    and sum(o.kind == SEND for o in gops) == 1:
                from ..fixes.go import buffer_channel

                fix = buffer_channel(ctx, make, op.node, g.body,
                                     creator_closes=any(o.kind == CLOSE for o in cops))
            ctx.emit(rule, g.stmt, rule.message.format(
                what=f"{VERB[op.kind]} {kind} channel {name} at line {_op_line(op, g)}", where=where,
                effect=effect), related=related, fix=fix)


def _unsignalled_wait(ctx, rule, adapter, g, name, make, inner, gops) -> None:
    """The other direction: the creator waits to receive from the channel and the goroutine,
    its only possible sender, can finish without sending on it or closing it."""
    cops = channel_ops(g.creator, name, skip=g.stmt)
    waits = [o for o in cops if o.kind == RECV and not o.in_select and o.node.start_byte > g.stmt.end_byte
             and enclosing_function(o.node) == g.creator]
    if not waits or any(o.kind in (SEND, CLOSE) for o in cops):
        return
    if unexplained_uses(g.creator, name, make, cops, allow=(g.stmt,)):
        return
    fn = g.body.parent
    own = [o for o in gops if enclosing_function(o.node) == fn or fn.type != "func_literal"
           and within(o.node, g.body)]
    if len(own) != len(gops):
        return  # signalled through a helper: not followed here
    if any(m.parent is not None and m.parent.type == "argument_list"
           and callee_text(m.parent.parent) not in ("close", "len", "cap")
           for m in mentions(g.body, inner)):
        return  # handed to a function that may signal
    if any(o.in_loop for o in gops):
        return  # sent from a loop: how often is beyond a path walk
    signals = [o.node for o in gops if o.kind in (SEND, CLOSE)]
    try:
        lowered, end, _blocks = adapter.lower(fn)
    except TooDeep:
        return
    start = Leaf(fn.child_by_field_name("parameters") or fn, "goroutine-start")
    leaks = leaking_exits(adapter, fn, start.node, signals, body=Block([start, lowered], fn), end_node=end)
    ctx.count(rule.code, ok=not leaks)
    if not leaks:
        return
    wait = waits[0]
    where = (f"the goroutine {('returns at line %d' % _line(leaks[0].node)) if leaks[0].kind == 'return' else 'can finish'}"
             f" without sending on it or closing it" if signals
             else "the goroutine never sends on it or closes it")
    ctx.emit(rule, g.stmt, rule.message.format(
        what=f"is the only sender on channel {name}, which {_creator_name(g.creator)} receives from "
             f"at line {_line(wait.node)},", where=where,
        effect=f"{_creator_name(g.creator)} blocks forever"),
        related=[(wait.node, f"waits here for {name}")]
        + [(l.node, f"the goroutine leaves here without signalling {name}") for l in leaks])


def _waits_for_end(adapter, g) -> list:
    """Nodes of the creator that return only once the goroutine has finished: a range over
    a channel the goroutine closes by defer, a Wait on a WaitGroup it marks Done by defer."""
    out = []
    for d in _body_statements(g.body):
        if d.type != "defer_statement":
            continue
        call = next((c for c in d.named_children if c.type == "call_expression"), None)
        if call is None:
            continue
        callee = callee_text(call)
        args = call.child_by_field_name("arguments").named_children
        if callee == "close" and args and args[0].type == "identifier":
            outer = _outer_name(g, text(args[0]))
            out += [release_node(o) for o in channel_ops(g.creator, outer, skip=g.stmt) if o.kind == RANGE] \
                if outer else []
        elif callee.endswith(".Done") and not args:
            wg = callee[:-len(".Done")]
            outer = _outer_name(g, wg.split(".", 1)[0])
            if outer:
                wg = outer + wg[len(wg.split(".", 1)[0]):]
                out += [c for _r, c in _method_calls(g.creator, wg, "Wait") if not within(c, g.stmt)]
    return out


def _outer_name(g, inner: str):
    for outer, mapped in g.names.items():
        if mapped == inner and outer != "*":
            return outer
    return inner if "*" in g.names and inner not in g.names else None


def _method_calls(scope, recv: str, method: str) -> list:
    out = []
    for _, caps in matches("go", "(call_expression function: (selector_expression field: (field_identifier) @m)) @c",
                           scope):
        c = caps["c"][0]
        if text(caps["m"][0]) == method and callee_text(c) == f"{recv}.{method}":
            out.append((recv, c))
    return out


def _only_returned(mentions_) -> bool:
    """Are all these mentions of the channel `return ch` (possibly converted: `T(ch)`)?"""
    for m in mentions_:
        p = m.parent
        while p is not None and p.type in ("expression_list", "argument_list", "call_expression",
                                           "parenthesized_expression", "type_conversion_expression"):
            if p.type == "call_expression" and callee_text(p)[:1].islower():
                return False  # passed to a function, not converted to a named type
            p = p.parent
        if p is None or p.type != "return_statement":
            return False
    return True


def _dropping_call(ctx, creator):
    """A same-file call of ``creator`` whose result is thrown away, if any."""
    name = creator.child_by_field_name("name")
    if name is None or creator.type == "func_literal":
        return None
    for _, caps in matches("go", "(expression_statement (call_expression) @call)", ctx.tree.root_node):
        call = caps["call"][0]
        if callee_text(call).rsplit(".", 1)[-1] == text(name):
            return call
    return None


def _receive_loop_exits(adapter, creator, receives) -> list:
    """Ways out of the loops that receive from a channel which do not finish receiving:
    a `return` or `break` after a receive (a counted loop), or anywhere in a `range` loop."""
    early = []
    for op in receives:
        loop = _receive_loop(op, creator)
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
        drained = any(o.node.start_byte >= loop.end_byte and _receive_loop(o, creator) is not None
                      for o in receives)
        early += [l for l in exits if not (drained and l.kind == "end")]
    return sorted(early, key=lambda l: l.node.start_byte)


# statements that neither branch nor loop: control goes on to the next one
_STRAIGHT = ("comment", "expression_statement", "assignment_statement", "short_var_declaration",
             "inc_statement", "dec_statement", "var_declaration", "defer_statement")


def _op_line(op, g) -> str:
    """'12', or '40 (in produce)' when the operation is in a helper the goroutine calls."""
    fn = enclosing_function(op.node)
    if fn is None or fn == g.body.parent or fn.type == "func_literal":
        return str(_line(op.node))
    return f"{_line(op.node)} (in {_creator_name(fn)})"


def _ends_path(stmt) -> bool:
    """Does the goroutine finish right after this statement (a `return` follows, or nothing
    follows up to the end of its function, leaving no loop on the way)? Such a statement
    runs at most once."""
    node = stmt
    while True:
        p = node.parent
        if p is None or p.type == "for_statement":
            return False  # the end of a loop body goes round again
        if p.type in ("func_literal", "function_declaration", "method_declaration"):
            return True
        if p.type in ("statement_list", "block"):
            nxt = node.next_named_sibling
            while nxt is not None and nxt.type in _STRAIGHT:
                nxt = nxt.next_named_sibling
            if nxt is not None:
                return nxt.type == "return_statement"
        node = p


def _sends_per_run(sends) -> float:
    """How many of these sends one run of the goroutine can make (inf: unknown)."""
    ending = [o for o in sends if _ends_path(o.node)]
    other = [o for o in sends if o not in ending]
    if any(o.in_loop for o in other):
        return float("inf")
    return len(other) + (1 if ending else 0)


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
    if is_command(ctx.src.path, ctx.tree.root_node):
        return  # a command: its goroutines live as long as the process by design
    for adapter, g in _goroutines(ctx):
        if _creator_name(g.creator) in PROCESS_LIFETIME or _started_once(g.stmt):
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


def _started_once(stmt) -> bool:
    """Is the go statement inside a function literal given to `once.Do` (one per process)?"""
    fn = enclosing_function(stmt)
    while fn is not None and fn.type == "func_literal":
        call = fn.parent.parent if fn.parent is not None else None
        if call is not None and call.type == "call_expression" and callee_text(call).endswith(".Do"):
            return True
        fn = enclosing_function(fn)
    return False


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
            early = _receive_loop_exits(adapter, g.creator, [o for o, _l in looped])
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
