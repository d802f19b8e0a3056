"""LL205 timeout-not-cancelled: A setTimeout/requestAnimationFrame in a lifecycle scope or
kept in a React ref is never cancelled, or a self-rescheduling loop has no stop. (A timeout
a method of an object that is not a UI component keeps in a field is LL207's, one that
guards an operation LL209's.)
"""

from __future__ import annotations

from ...languages.javascript import callee, function_name, walk
from .pairing import CLEARS, report
from .timeouts import LIFECYCLE, captures_nothing, judge, kept_by_object, reschedules, \
    scheduled, short_delay
from .timer_guards import caller_delay, cleared_on_unmount, handed_on, only_sets_state, \
    ref_timer

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("reason", "what", "where")


def check(ctx, rule):
    for m, node, short, scope in scheduled(ctx):
        loop = reschedules(node)
        if loop is not None:
            if not _cancelled_anywhere(m, scope, loop):
                report(ctx, rule, node, what=short, where="anywhere",
                        reason=f": {function_name(loop)} reschedules itself unconditionally "
                               "and nothing cancels the loop")
            else:
                ctx.count(rule.code, node, ok=True)
            continue
        kept = kept_by_object(m, node, scope)
        if kept is not None and not kept[1]:
            continue  # kept in a field of an object that is not a UI component: LL207's
        if (scope.kind not in LIFECYCLE or not scope.strict) and kept is None:
            if short == "setTimeout":
                _unowned(ctx, rule, m, node)
            continue  # other one-shot timers in ordinary functions and methods are fine
        if short == "setTimeout":  # a frame later is not the scope's
            judge(ctx, rule, node, scope)


def _cancelled_anywhere(m, scope, loop) -> bool:
    """Does anything that can stop the loop cancel a timer: the scope's release functions,
    or any method of the class the loop belongs to? A clear in the rescheduling function
    ``loop`` itself only restarts the loop (`clearTimeout(this.t); this.t = setTimeout(...)`)."""
    calls = list(m.release_calls(scope))
    if scope.owner is not None and scope.owner.type == "class_body":
        calls += [c for c in walk(scope.owner) if c.type == "call_expression"]
    return any(callee(c).rsplit(".", 1)[-1] in CLEARS for c in calls
               if not loop.start_byte <= c.start_byte < loop.end_byte)


def _unowned(ctx, rule, m, node) -> None:
    """A timeout of an ordinary function that a React ref of the component around it
    keeps: owed a clear when the component unmounts."""
    ref = ref_timer(node)
    if ref is None:
        return
    name, component = ref
    if short_delay(node) or caller_delay(node) or captures_nothing(node) \
            or only_sets_state(node, component):
        ctx.count(rule.code, node, ok=True)
    elif handed_on(component, name) or cleared_on_unmount(m, component, name):
        ctx.count(rule.code, node, ok=True)
    else:
        report(ctx, rule, node, what="setTimeout", where="when the component unmounts",
               reason=f": {function_name(component) or 'the component'} keeps it in "
                      f"{name}.current, and no cleanup of its effects clears it, so it "
                      "fires after the unmount and keeps the component alive until then")
