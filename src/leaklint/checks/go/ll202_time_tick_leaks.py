"""LL202 time-tick-leaks: A time.Tick ticker is created in a function that can return, so it is
never stopped.
"""

from __future__ import annotations

from ...languages import matches
from ...languages.go import emit_adjusted, enclosing_function, function_name, own_nodes
from .timers import TIME_CALL

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("line",)


def check(ctx, rule) -> None:
    for _, caps in matches("go", TIME_CALL % "Tick", ctx.tree.root_node):
        call = caps["call"][0]
        fn = enclosing_function(call)
        if fn is None:
            continue
        exit_node = None
        if not (fn.type == "function_declaration" and function_name(fn) in ("main", "init")):
            exit_node = _way_out(fn, call)
        reported = exit_node is not None and emit_adjusted(
            ctx, rule, call, rule.message.format(line=exit_node.start_point[0] + 1),
            related=[(exit_node, "the function can leave here; the ticker stays")])
        ctx.count(rule.code, call, ok=not reported)


def _way_out(fn, call):
    """A statement after ``call`` by which ``fn`` can return: a return, or the end of its
    body reached by breaking out of (or finishing) the loop that reads the ticks."""
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    loop = None
    for node in own_nodes(body):
        if node.start_byte >= call.start_byte:
            if node.type == "return_statement":
                return node
            if node.type == "for_statement" and loop is None and node.end_byte > call.start_byte:
                loop = node
        elif node.type == "for_statement" and node.end_byte > call.end_byte:
            loop = node  # the call is inside this loop (its range clause or body)
    if loop is None:
        return body  # no loop reads the ticks: the function ends after a few
    clause = [c for c in loop.named_children if c.type not in ("block", "comment")]
    ticks = _assigned_to(call)
    ranges_ticks = any(c.type == "range_clause" and (
        c.start_byte <= call.start_byte < c.end_byte
        or (ticks and (c.child_by_field_name("right") or c).text.decode() == ticks))
        for c in clause)
    endless = not clause or (clause[0].type == "for_clause"
                             and clause[0].child_by_field_name("condition") is None)
    if not endless and not ranges_ticks:
        return loop  # a bounded loop: it ends, and so does the function
    for node in own_nodes(loop.child_by_field_name("body")):
        if node.type == "break_statement" and (node.named_children or _breaks_loop(node, loop)):
            return node
    return None


def _assigned_to(call) -> str | None:
    """`tick` of `tick := time.Tick(d)`."""
    p = call.parent
    if p is None or p.type != "expression_list" or p.parent is None:
        return None
    left = p.parent.child_by_field_name("left")
    if left is None or p.parent.type not in ("short_var_declaration", "assignment_statement"):
        return None
    ids = [c for c in left.named_children if c.type == "identifier"]
    return ids[0].text.decode() if len(ids) == 1 else None


def _breaks_loop(brk, loop) -> bool:
    p = brk.parent
    while p is not None and p != loop:
        if p.type in ("for_statement", "expression_switch_statement", "type_switch_statement",
                      "select_statement"):
            return False
        p = p.parent
    return True
