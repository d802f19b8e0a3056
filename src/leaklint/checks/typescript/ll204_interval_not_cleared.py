"""LL204 interval-not-cleared: A setInterval whose id is never passed to clearInterval in the
release.

Judged by who owns the interval, as the timeout rules are (timeouts.kept_by_object): one a
UI component's lifecycle starts (an effect, a component class, Vue/Svelte hooks, a custom
element) is owed a clear in the component's release; one a plain object keeps in a field
is judged by the member analysis and by how long that object lives (a module singleton, a
plugin its loader makes per configured name: as long as the page or process); what the
application root or a singleton starts once per object (in a lifecycle hook, the
constructor, a start() behind a run-once flag, a step only those call, a one-shot
callback there) is the program's, as for every value of the pairing model
(``pairing.value_rule``); one a function starts is the function's, unless the function
runs once. An interval a method starts in a class or object that has no lifecycle of its
own (no release method, not a UI component) is LL208's: nothing says when such an object
ends.
"""

from __future__ import annotations

from ...languages.javascript import callee
from ...languages.javascript_scopes import model
from .entries import orphaned
from .pairing import report, scoped_calls
from .timeouts import INTERVALS, judge_interval, without_lifecycle

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("reason", "what", "where")


def check(ctx, rule):
    if ctx.is_test:
        return  # a test process is short-lived
    m = model(ctx)
    scoped = {node.id: scope for _, node, scope in scoped_calls(ctx, "call_expression",
                                                                INTERVALS)}
    for node in m.calls():
        if node.type != "call_expression" or callee(node) not in INTERVALS:
            continue
        dropped = orphaned(m, node)
        if dropped is not None:
            # however often its code runs: the entry goes, the interval runs on
            member, container, removal = dropped
            scope = scoped.get(node.id)
            report(ctx, rule, node, what="setInterval",
                   where=scope.where if scope is not None else "before its entry is removed",
                   reason=f": the object keeping it in .{member} is an entry of {container}, "
                          f"which is removed (line {removal.start_point[0] + 1}) while nothing "
                          f"clears .{member}", related=[(removal, "the entry is removed here")])
        elif node.id not in scoped:
            ctx.count(rule.code, node, ok=True)  # module level, or code that runs once
        elif not without_lifecycle(scoped[node.id]):  # the others are LL208's
            judge_interval(ctx, rule, m, node, scoped[node.id])
