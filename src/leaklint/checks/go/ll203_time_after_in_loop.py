"""LL203 time-after-in-loop: A time.After in a select inside a loop creates a timer per
iteration that outlives it.
"""

from __future__ import annotations

from ...languages import matches
from ...languages.go import callee_text, emit_adjusted, is_noreturn
from .timers import TIME_CALL

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("line",)


def check(ctx, rule) -> None:
    for _, caps in matches("go", TIME_CALL % "After", ctx.tree.root_node):
        call = caps["call"][0]
        case, select, loop = _select_in_loop(call)
        if loop is None:
            continue
        others = [c for c in select.named_children
                  if c.type in ("communication_case", "default_case") and c != case]
        # only a case that goes round the loop again abandons timers one after another;
        # cases that all leave the loop abandon at most one
        looping = [c for c in others if not _leaves_loop(c)]
        if _followed_by_exit(select, loop):
            looping = []  # whatever case runs, the iteration ends by leaving the loop
        reported = bool(looping) and emit_adjusted(
            ctx, rule, call, rule.message.format(line=loop.start_point[0] + 1),
            related=[(loop, "the loop")])
        ctx.count(rule.code, call, ok=not reported)


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


def _followed_by_exit(select, loop) -> bool:
    """After the select, does the iteration go on to a `return` (at the select's level or
    an enclosing one inside the loop body)? Then the select runs at most once."""
    node = select
    while node is not None and node != loop:
        parent = node.parent
        if parent is not None and parent.type in ("statement_list", "block"):
            sib = node.next_named_sibling
            while sib is not None:
                if sib.type in ("return_statement", "goto_statement"):
                    return True
                sib = sib.next_named_sibling
        if parent is not None and parent.type in ("for_statement", "func_literal"):
            return False
        node = parent
    return False


def _select_in_loop(call):
    """(case, select, loop) when ``call`` is the communication of a select case that runs
    in a loop of the same function; (None, None, None) otherwise."""
    p = call.parent
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
        p = p.parent
    return None, None, None
