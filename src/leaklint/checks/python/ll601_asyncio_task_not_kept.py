"""LL601 asyncio-task-not-kept: An asyncio task that is neither kept, awaited nor cancelled."""

from __future__ import annotations

from ...languages.python import climb, callee_text, enclosing_class, enclosing_function, text
from .concurrency import (assigned_to, calls_named, class_uses_attr, mentions_of, method_on,
                          self_attribute)

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("call", "reason")


TASK_CALLS = {"asyncio.create_task", "asyncio.ensure_future", "asyncio.async"}


def check(ctx, rule) -> None:
    """LL601: a task nobody keeps a reference to, awaits or cancels."""
    adapter = ctx.adapter()
    names = adapter.names

    def wanted(full):
        if full in TASK_CALLS:
            return True
        recv, _, method = full.rpartition(".")
        return method in ("create_task", "ensure_future") and "loop" in recv.lower()

    for call, full in calls_named(ctx, names, wanted):
        fn = enclosing_function(call)
        if fn is None:
            continue
        reason = _task_leak(call, fn)
        ctx.count(rule.code, call, ok=reason is None)
        if reason:
            ctx.emit(rule, call, rule.message.format(call=callee_text(call), reason=reason))


def _task_leak(call, fn):
    expr, parent = climb(call)
    if parent is None:
        return None
    if parent.type == "expression_statement":
        return "its result is discarded: the event loop keeps only a weak reference, so the " \
               "task can be garbage-collected mid-run and nothing can cancel or await it"
    if parent.type == "attribute" and parent.child_by_field_name("object") == expr:
        method = text(parent.child_by_field_name("attribute"))
        gp = parent.parent
        if method == "add_done_callback" and gp is not None and gp.parent is not None and \
                gp.parent.type == "expression_statement":
            return "only a done callback is attached: nothing keeps, awaits or cancels the task"
        return None
    target, _ = assigned_to(call)
    if target is None:
        return None  # awaited, returned, passed on, stored in a container
    attr = self_attribute(target)
    if attr is not None:
        cls = enclosing_class(fn)
        if cls is None or class_uses_attr(cls, attr, {"cancel", "result", "exception", "done"}):
            return None
        return f"it is stored on self.{attr} but the class never cancels or awaits it"
    if target.type != "identifier":
        return None
    name = text(target)
    for ident in mentions_of(fn, name):
        if ident == target or method_on(ident, ("add_done_callback", "set_name", "get_name")):
            continue
        return None  # awaited, cancelled, stored, returned or passed on
    return f"{name} is never awaited, cancelled or stored"
