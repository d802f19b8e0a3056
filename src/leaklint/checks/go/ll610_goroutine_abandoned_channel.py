"""LL610 goroutine-abandoned-channel: A goroutine blocks on an unbuffered channel that its
creator may stop serving.
"""

from __future__ import annotations

from ...ir import Block, Leaf, TooDeep
from ...languages import matches, within
from ...languages.go import body_statements, callee_text, enclosing_function
from ...languages.go_syntax import own_nodes, text
from .channels import (CLOSE, RANGE, RECV, SEND, VERB, channel_makes, channel_ops,
                       goroutine_ops, inner_name, leaking_exits, mentions, release_node,
                       unexplained_uses)
from .field_channels import check as check_field_channels
from .goroutines import (creator_name, innermost_loop, left_without, line_of, receive_loop_exits,
                         started_goroutines)

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("effect", "what", "where")


def check(ctx, rule) -> None:
    """A goroutine blocks on an unbuffered channel the creator may stop serving, or on a
    channel field nothing (left) in the package serves."""
    check_field_channels(ctx, rule)
    for adapter, g in started_goroutines(ctx):
        go_loop = innermost_loop(g.stmt, g.creator)
        for name, (make, cap) in channel_makes(g.creator).items():
            # one channel per goroutine (both outside loops, or made in the same turn of
            # the same loop); a goroutine per turn on one channel is LL613
            if make.start_byte > g.stmt.start_byte or innermost_loop(make, g.creator) != go_loop:
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
                ctx.count(rule.code, g.stmt, ok=dropped is None)
                if dropped is not None:
                    op = blocking[0]
                    where = f"{creator_name(g.creator)} returns it and the call at line {line_of(dropped)} drops it"
                    kind = "unbuffered" if cap == 0 else f"buffered ({cap})"
                    ctx.emit(rule, g.stmt, rule.message.format(
                        what=f"{VERB[op.kind]} {kind} channel {name} at line {line_of(op.node)}",
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
            early = receive_loop_exits(adapter, g.creator, receives) if many else []
            heard = _heard_last(g)
            early = [e for e in early if not any(_waited_before(w, e.node) for w in heard)]
            ctx.count(rule.code, g.stmt, ok=not (leaks or early))
            if not (leaks or early):
                continue
            op = blocking[0]
            kind = "unbuffered" if cap == 0 else f"buffered ({cap})"
            who = creator_name(g.creator)
            effect = "it can block forever"
            if leaks and op.kind == SEND and any(o.kind == CLOSE for o in cops):
                where = f"{who} can leave at line {line_of(leaks[0].node)} and close it first"
                effect = "the late send panics"
            elif leaks:
                where = (left_without(leaks[0], g.creator, f"{verb_needed} it") if releases
                         else f"nothing in {who} is {verb_needed} it")
            else:
                where = f"{who} stops receiving at line {line_of(early[0].node)} while it may still send"
            related = [(op.node, f"blocks here: {VERB[op.kind]} {name}")]
            related += [(l.node, f"the creator leaves here without {verb_needed} {name}")
                        for l in leaks + early]
            anchors = None
            if cap == 0 and op.kind == SEND and not op.in_loop \
                    and sum(o.kind == SEND for o in gops) == 1:
                anchors = {"shape": "buffer-channel", "make": make, "send": op.node,
                           "body": g.body, "creator_closes": any(o.kind == CLOSE for o in cops)}
            ctx.emit(rule, g.stmt, rule.message.format(
                what=f"{VERB[op.kind]} {kind} channel {name} at line {_op_line(op, g)}", where=where,
                effect=effect), related=related, fix_anchors=anchors)


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
    ctx.count(rule.code, g.stmt, ok=not leaks)
    if not leaks:
        return
    wait = waits[0]
    where = (f"the goroutine {('returns at line %d' % line_of(leaks[0].node)) if leaks[0].kind == 'return' else 'can finish'}"
             f" without sending on it or closing it" if signals
             else "the goroutine never sends on it or closes it")
    ctx.emit(rule, g.stmt, rule.message.format(
        what=f"is the only sender on channel {name}, which {creator_name(g.creator)} receives from "
             f"at line {line_of(wait.node)},", where=where,
        effect=f"{creator_name(g.creator)} blocks forever"),
        related=[(wait.node, f"waits here for {name}")]
        + [(l.node, f"the goroutine leaves here without signalling {name}") for l in leaks])


def _waits_for_end(adapter, g) -> list:
    """Nodes of the creator that return only once the goroutine has finished: a range over
    a channel the goroutine closes by defer, a Wait on a WaitGroup it marks Done by defer."""
    out = []
    for d in body_statements(g.body):
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
    return out + _heard_last(g)


def _heard_last(g) -> list:
    """Receives in the creator from the channel the goroutine sends on right before each
    of its ways out: after one of them the goroutine has finished."""
    last = _last_words(g.body)
    outer = _outer_name(g, last) if last else None
    if not outer:
        return []
    return [release_node(o) for o in channel_ops(g.creator, outer, skip=g.stmt) if o.kind == RECV]


def _waited_before(wait, exit_node) -> bool:
    """Does the path to ``exit_node`` go through ``wait`` first (in the same select case,
    switch case or block, before it)?"""
    if wait.start_byte >= exit_node.start_byte:
        return False
    scope = wait.parent
    while scope is not None and scope.type not in ("communication_case", "expression_case",
                                                  "default_case", "block"):
        scope = scope.parent
    return scope is not None and within(exit_node, scope)


def _last_words(body) -> str | None:
    """The channel a goroutine body sends on right before every way out: each `return` is
    preceded by `ch <- x`, and its end is never reached (it ends in an endless `for`
    without a `break`); None when there is no such single channel."""
    stmts = [s for s in body_statements(body) if s.type != "comment"]
    if not stmts or stmts[-1].type != "for_statement" or any(
            c.type != "block" for c in stmts[-1].named_children) or any(
            n.type == "break_statement" for n in own_nodes(stmts[-1])):
        return None
    channels = set()
    for n in own_nodes(body):
        if n.type != "return_statement":
            continue
        before = n.prev_named_sibling
        while before is not None and before.type == "comment":
            before = before.prev_named_sibling
        if before is None or before.type != "send_statement":
            return None
        channels.add(text(before.child_by_field_name("channel")))
    return channels.pop() if len(channels) == 1 else None


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


# statements that neither branch nor loop: control goes on to the next one
_STRAIGHT = ("comment", "expression_statement", "assignment_statement", "short_var_declaration",
             "inc_statement", "dec_statement", "var_declaration", "defer_statement")


def _op_line(op, g) -> str:
    """'12', or '40 (in produce)' when the operation is in a helper the goroutine calls."""
    fn = enclosing_function(op.node)
    if fn is None or fn == g.body.parent or fn.type == "func_literal":
        return str(line_of(op.node))
    return f"{line_of(op.node)} (in {creator_name(fn)})"


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
