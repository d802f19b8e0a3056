"""LL105: `rows.Err()` is not checked after iterating SQL rows with `rows.Next()`.

`Next` returns false both at the end of the result set and when fetching the next row
failed; only `Err` tells them apart. The acquisitions are LL101's (`Query`, `Queryx`...).
Nothing accumulates from an unchecked error, so the context policy leaves it out of tests
and scripts, in a loop or not; a helper shared by tests hands its partial result to each
test's assertions, like the test's own query (trait ``contexts.UNCHECKED``).
"""

from __future__ import annotations

from ... import contexts
from ...catalogue import acquisitions_of
from ...languages import matches
from ...languages.spelled import spelled
from ...languages.go import enclosing_function
from ...tracks import pattern_matches

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("call", "handle")


def check(ctx, rule) -> None:
    patterns = acquisitions_of(rule, "LL101")
    if not patterns:
        return
    root = ctx.tree.root_node
    q = " ".join("(%s left: (expression_list . (identifier) @h . (identifier) .)"
                 " right: (expression_list . (call_expression) @call .)) @assign" % t
                 for t in ("short_var_declaration", "assignment_statement"))
    for _, caps in matches("go", q, root):
        assign = caps["assign"][0]
        call = caps["call"][0]
        fn_node = call.child_by_field_name("function")
        callee = fn_node.text.decode() if fn_node is not None else ""
        if not any(pattern_matches(p, callee) for p in patterns):
            continue
        handle = caps["h"][0].text.decode()
        fn = enclosing_function(assign)
        if fn is None or handle == "_":
            continue
        uses = _uses(fn, handle, assign)
        if uses is None or "Next" not in uses:
            continue  # handed on, or not iterated here
        ok = "Err" in uses
        ctx.count(rule.code, uses["Next"], ok=ok)
        if not ok:
            ctx.emit(rule, uses["Next"], rule.message.format(handle=handle, call=callee),
                     related=[(call, f"{handle} acquired here")], acquired=call,
                     traits={contexts.UNCHECKED})


def _uses(fn, handle: str, assign):
    """Methods called on ``handle`` after ``assign`` ({method: first node}), up to the next
    assignment of the name; None when the handle is used any other way (handed on)."""
    out = {}
    for n in spelled(fn, (handle,)):
        if n.start_byte < assign.end_byte:
            continue
        p = n.parent
        if p.type == "selector_expression" and p.child_by_field_name("operand") == n:
            method = p.child_by_field_name("field").text.decode()
            call = p.parent
            if method == "Next" and not (call is not None and call.parent is not None
                                         and call.parent.type == "for_statement"):
                method = "Next()"  # a single Next, not a loop over the rows
            out.setdefault(method, p)
            continue
        if p.type == "expression_list" and p.parent is not None \
                and p.parent.type in ("assignment_statement", "short_var_declaration") \
                and p.parent.child_by_field_name("left") == p:
            break  # a new value: what follows is another acquisition's business
        return None
    return out
