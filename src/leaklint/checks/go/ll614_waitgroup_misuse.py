"""sync.WaitGroup misuse around goroutines (LL614).

Two shapes: `wg.Add` inside the goroutine it counts (the creator's `Wait` can run
before the `Add` and return early, or panic on reuse), and a goroutine with a path
that returns without `wg.Done()` (so `Wait` never returns). The second is a path
question, answered by the lifecycle engine with the goroutine's start as the
acquisition and `Done` as the release.
"""

from __future__ import annotations

from ...ir import Block, Leaf, TooDeep
from ...languages import matches, within
from ...languages.go import enclosing_function
from ...languages.go_syntax import text
from .channels import go_statements, goroutine, in_loop, leaking_exits

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("problem", "wg")


def _calls(scope, method: str) -> list:
    """(receiver text, call) for every `x.<method>(...)` call inside ``scope``."""
    out = []
    q = ("(call_expression function: (selector_expression operand: (_) @recv"
         " field: (field_identifier) @m) (#eq? @m \"%s\")) @call" % method)
    for _, caps in matches("go", q, scope):
        out.append((text(caps["recv"][0]).replace(" ", ""), caps["call"][0]))
    return out


def _deferred(call) -> bool:
    p = call.parent
    return p is not None and p.type == "defer_statement"


def _starts_goroutines_after(body, add) -> bool:
    return any(g.start_byte > add.start_byte for g in go_statements(body))


def check(ctx, rule) -> None:
    adapter = ctx.adapter()
    root = ctx.tree.root_node
    added = {r for r, _ in _calls(root, "Add")}
    if not added:
        return
    for stmt in go_statements(root):
        g = goroutine(adapter, stmt)
        if g.creator is None or g.body is None:
            continue
        fn = g.body.parent
        own = lambda call: enclosing_function(call) == fn  # noqa: E731
        dones = [(r, c) for r, c in _calls(g.body, "Done") if r in added and own(c)
                 and not c.child_by_field_name("arguments").named_children]
        # Add inside the goroutine it counts, with the matching Done in the same body
        if fn.type == "func_literal":
            waits = {r for r, c in _calls(g.creator, "Wait") if not within(c, stmt)}
            added_before = {r for r, c in _calls(g.creator, "Add")
                            if c.end_byte <= stmt.start_byte and enclosing_function(c) == g.creator}
            for recv, add in _calls(g.body, "Add"):
                if recv in added_before or _starts_goroutines_after(g.body, add):
                    continue  # the goroutine is counted already; this Add counts its children
                if own(add) and recv in waits and any(r == recv for r, _ in dones):
                    ctx.count(rule.code, stmt, ok=False)
                    ctx.emit(rule, stmt, rule.message.format(
                        wg=recv, problem=f"{recv}.Add at line {add.start_point[0] + 1} runs inside the "
                                         "goroutine it counts, so Wait may return before it"),
                             related=[(add, f"{recv}.Add inside the goroutine")])
                    break
        # Done not deferred, with a path that skips it
        for recv in sorted({r for r, _ in dones}):
            calls = [c for r, c in dones if r == recv]
            if any(_deferred(c) for c in calls):
                continue
            if any(in_loop(c, fn) for c in calls):
                continue  # one Done per turn of a loop: a count, not a path question
            if any(r == recv and own(a) and a.start_byte < calls[0].start_byte
                   for r, a in _calls(g.body, "Add")):
                # the goroutine adds to the group itself first: this Done undoes that Add
                # (a child that failed to start), it does not count this goroutine
                ctx.count(rule.code, stmt, ok=True)
                continue
            try:
                lowered, end, _blocks = adapter.lower(fn)
            except TooDeep:
                continue
            start = Leaf(fn.child_by_field_name("parameters") or fn, "goroutine-start")
            body = Block([start, lowered], fn)
            leaks = leaking_exits(adapter, fn, start.node, calls, body=body, end_node=end,
                                  nil_name=recv)
            ctx.count(rule.code, stmt, ok=not leaks)
            if not leaks:
                continue
            first = leaks[0]
            how = (f"returns at line {first.node.start_point[0] + 1}" if first.kind == "return"
                   else f"can end at line {first.node.end_point[0] + 1}")
            ctx.emit(rule, stmt, rule.message.format(
                wg=recv, problem=f"the goroutine {how} without {recv}.Done(), so Wait never returns"),
                related=[(l.node, f"leaves without {recv}.Done()") for l in leaks]
                + [(calls[0], "Done is called here, but not deferred")])
