"""LL403 observer-not-disconnected: ResizeObserver/MutationObserver/IntersectionObserver never
disconnected in the release.
"""

from __future__ import annotations

from ...facts import lifetimes
from ...languages import of_type
from ...languages.javascript_modules import parameters
from ...languages.javascript import (LOOPS, args, callee, calls_in, enclosing_function, method_of,
                                    norm, text, up)
from .pairing import report, scoped_calls, value_rule

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
        if _unobserved_in_owner(scope, node) or _observes_own_nodes(scope, node) \
                or _released_when_called_with_null(node) or _disconnected_by_ref(scope, node):
            ctx.count(rule.code, node, ok=True)
            continue
        partly = _partly_released(_m, scope, node)
        if partly:
            report(ctx, rule, node, what=callee(node), where=scope.where, reason=partly)
            continue
        value_rule(ctx, rule, node, scope, f"{callee(node)}",
                    methods=("disconnect", "unobserve"), discarded_reason=reason)


def _observes_own_nodes(scope, node) -> bool:
    """A local (or unkept, chained) observer of a class whose every ``observe(target)``
    watches a node the instance made or was given (not a node a framework renders for it): the nodes hold
    the observer, and all of them go with the instance."""
    p, child = up(node)
    if scope.owner is None or scope.owner.type != "class_body":
        return False
    if p is not None and p.type == "member_expression" \
            and text(p.child_by_field_name("property")) == "observe" \
            and p.parent is not None and p.parent.type == "call_expression":
        call = p.parent  # `new ResizeObserver(cb).observe(node)`: it watches that node only
        return bool(args(call)) and lifetimes.dies_with("javascript", args(call)[0], call)
    if p is None or p.type != "variable_declarator":
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
    return any(callee(c) == key + ".unobserve" for c in of_type(scope.owner, ("call_expression",)))


def _released_when_called_with_null(node) -> bool:
    """An observer made in the truthy branch of ``if (param)`` of a function whose
    falsy branch disconnects it: a ref callback, which the framework calls again with
    null when the element goes away, so that call is the teardown."""
    p, _ = up(node)
    if p is None or p.type != "assignment_expression":
        return False
    key = norm(p.child_by_field_name("left"))
    fn = enclosing_function(node)
    if fn is None:
        return False
    names = set(parameters(fn)) - {""}
    branch = p
    while branch is not None and branch != fn:
        parent = branch.parent
        if parent is not None and parent.type == "if_statement" \
                and branch == parent.child_by_field_name("consequence"):
            cond = norm(parent.child_by_field_name("condition")).strip("()").strip()
            other = parent.child_by_field_name("alternative")
            if cond in names and other is not None and any(
                    callee(c) == key + ".disconnect" for c in calls_in(other)):
                return True
        branch = parent
    return False




def _disconnected_by_ref(scope, node) -> bool:
    """An observer kept in a field whose every ``observe(elem)`` is in a ref callback of
    the class (a function of one parameter) that disconnects it when called with null:
    the framework calls a ref callback with null as the element goes away."""
    p, _ = up(node)
    if p is None or p.type != "assignment_expression" or scope.owner is None \
            or scope.owner.type != "class_body":
        return False
    key = norm(p.child_by_field_name("left"))
    observes = [c for c in of_type(scope.owner, ("call_expression",))
                if callee(c) == key + ".observe"]
    for call in observes:
        fn = enclosing_function(call)
        names = [n for n in parameters(fn) if n] if fn is not None else []
        if len(names) != 1 or not any(
                callee(c) == key + ".disconnect" and _runs_on_null(c, fn, names[0])
                for c in calls_in(fn)):
            return False
    return bool(observes)


# a null test of a parameter, as ``norm`` spells it (no spaces)
_NULL_TESTS = ("!{0}", "{0}===null", "{0}==null", "{0}===undefined", "null==={0}", "null=={0}")


def _runs_on_null(call, fn, name: str) -> bool:
    """Does ``call`` run when ``fn`` is called with null for ``name``: every `if` around
    it in ``fn`` tests ``name`` (its null branch holds the call), or there is none?"""
    n = call
    while n.parent is not None and n != fn:
        parent = n.parent
        if parent.type == "if_statement":
            cond = norm(parent.child_by_field_name("condition")).strip("()").strip()
            if n == parent.child_by_field_name("consequence"):
                if cond not in {t.format(name) for t in _NULL_TESTS}:
                    return False
            elif n == parent.child_by_field_name("alternative") and cond != name:
                return False
        n = parent
    return True


def _partly_released(m, scope, node) -> str:
    """Why a local observer's release in the scope does not cover it, or "": a
    `disconnect()` only inside its own callback (which runs only if what it watches
    changes), or `unobserve(x)` that misses one of its `observe(y)` (each target is
    released alone; targets found in a loop may not be the ones unobserved later)."""
    p, _ = up(node)
    if p is None or p.type != "variable_declarator":
        return ""
    name = norm(p.child_by_field_name("name"))
    own = (node.start_byte, node.end_byte)
    outside = [c for c in m.release_calls(scope) if c.type == "call_expression"
               and not own[0] <= c.start_byte < own[1]]
    if any(callee(c) == name + ".disconnect" for c in outside):
        return ""
    unobserved = {norm(args(c)[0]) for c in outside
                  if callee(c) == name + ".unobserve" and args(c)}
    inside = any(callee(c) == name + ".disconnect" for c in calls_in(node))
    if not unobserved:
        return ": it is disconnected only inside its own callback, which may never run" \
            if inside else ""
    observed = [c for c in calls_in(scope.acquire) if callee(c) == name + ".observe"]
    if all(args(c) and norm(args(c)[0]) in unobserved and not _in_loop(c, scope.acquire)
           for c in observed):
        return ""
    return ": unobserve() there does not release every target it observes; disconnect() would"


def _in_loop(call, fn) -> bool:
    n = call.parent
    while n is not None and n != fn:
        if n.type in LOOPS:
            return True
        if n.type == "arguments" and n.parent is not None and \
                method_of(n.parent) in ("forEach", "map"):
            return True
        n = n.parent
    return False
