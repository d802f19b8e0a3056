"""LL202 `time.Tick` where its ticker cannot live for ever, LL203 `time.After` in a loop.

Both create a timer the code can never stop. Before Go 1.23 the runtime keeps such a
timer until it fires (`time.After`) or for ever (`time.Tick`); since Go 1.23 unreferenced
timers are collected, so both rules drop their findings for modules whose go.mod says
`go 1.23` or later (``[options] collected = "drop"``).
"""

from __future__ import annotations

from ..languages import matches
from ..languages.go import (callee_text, emit_adjusted, enclosing_function, function_name,
                            is_noreturn, own_nodes)

_CALL = ("((call_expression function: (selector_expression operand: (identifier) @pkg"
         " field: (field_identifier) @fn)) @call (#eq? @pkg \"time\") (#eq? @fn \"%s\"))")


def tick_outside_long_lived(ctx, rule) -> None:
    for _, caps in matches("go", _CALL % "Tick", ctx.tree.root_node):
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
        ctx.count(rule.code, ok=not reported)


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


def after_in_loop(ctx, rule) -> None:
    for _, caps in matches("go", _CALL % "After", ctx.tree.root_node):
        call = caps["call"][0]
        case, select, loop = _select_in_loop(call)
        if loop is None:
            continue
        others = [c for c in select.named_children
                  if c.type in ("communication_case", "default_case") and c != case]
        # only a case that goes round the loop again abandons timers one after another;
        # cases that all leave the loop abandon at most one
        looping = [c for c in others if not _leaves_loop(c)]
        reported = bool(looping) and emit_adjusted(
            ctx, rule, call, rule.message.format(line=loop.start_point[0] + 1),
            related=[(loop, "the loop")])
        ctx.count(rule.code, ok=not reported)


def _leaves_loop(case) -> bool:
    """Does this select case end by leaving the loop: return, labeled break, goto, or a
    call that never returns (t.Fatal, panic...)?"""
    stmts = [c for c in case.named_children if c.type == "statement_list"]
    last = stmts[0].named_children[-1] if stmts and stmts[0].named_children else None
    while last is not None and last.type == "comment":
        last = last.prev_named_sibling
    if last is None:
        return False
    if last.type in ("return_statement", "goto_statement"):
        return True
    if last.type == "break_statement":
        return bool(last.named_children)  # an unlabeled break leaves only the select
    if last.type == "expression_statement" and last.named_children \
            and last.named_children[0].type == "call_expression":
        return is_noreturn(last.named_children[0]) or \
            callee_text(last.named_children[0]).rsplit(".", 1)[-1] in ("FailNow", "Fail")
    return False


def _select_in_loop(call):
    """(case, select, loop) when ``call`` is the communication of a select case that runs
    in a loop of the same function; (None, None, None) otherwise."""
    p, child = call.parent, call
    case = select = None
    while p is not None and p.type not in ("func_literal", "function_declaration",
                                          "method_declaration"):
        if p.type == "communication_case" and case is None:
            comm = p.child_by_field_name("communication")
            if comm is None or not (comm.start_byte <= call.start_byte < comm.end_byte):
                return None, None, None
            case = p
        elif p.type == "select_statement" and case is not None and select is None:
            select = p
        elif p.type == "for_statement" and select is not None:
            return case, select, p
        child, p = p, p.parent
    return None, None, None
