"""LL403 observer-not-disconnected: ResizeObserver/MutationObserver/IntersectionObserver never
disconnected in the release.
"""

from __future__ import annotations

from ...facts import lifetimes
from ...languages.javascript import args, callee, calls_in, enclosing_function, norm, up, walk
from .pairing import scoped_calls, value_rule

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("reason", "what", "where")


OBSERVERS = {"ResizeObserver", "MutationObserver", "IntersectionObserver",
             "PerformanceObserver", "ReportingObserver"}


def check(ctx, rule):
    for _m, node, scope in scoped_calls(ctx, "new_expression", OBSERVERS):
        if not scope.strict:
            continue
        p, _ = up(node)
        reason = ""
        if p is not None and p.type == "member_expression":
            reason = ": it is not kept, so it can never be disconnected"
        if _unobserved_in_owner(scope, node) or _observes_own_nodes(scope, node):
            ctx.count(rule.code, node, ok=True)
            continue
        value_rule(ctx, rule, node, scope, f"{callee(node)}",
                    methods=("disconnect", "unobserve"), discarded_reason=reason)


def _observes_own_nodes(scope, node) -> bool:
    """A local observer of a class whose every ``observe(target)`` watches a node the
    instance made or was given (not a node a framework renders for it): the nodes hold
    the observer, and all of them go with the instance."""
    p, child = up(node)
    if p is None or p.type != "variable_declarator" or scope.owner is None \
            or scope.owner.type != "class_body":
        return False
    name = norm(p.child_by_field_name("name"))
    fn = enclosing_function(node)
    observed = [c for c in calls_in(fn) if callee(c) == name + ".observe"] if fn else []
    if not observed or any(callee(c) == name + ".disconnect" for c in calls_in(fn)):
        return False
    return all(args(c) and lifetimes.dies_with("javascript", args(c)[0], c) for c in observed)


def _unobserved_in_owner(scope, node) -> bool:
    """An observer kept in a field that the class unobserves each node from when done."""
    p, child = up(node)
    if p is None or p.type != "assignment_expression" or scope.owner is None \
            or scope.owner.type != "class_body":
        return False
    key = norm(p.child_by_field_name("left"))
    return any(c.type == "call_expression" and callee(c) == key + ".unobserve"
               for c in walk(scope.owner))
