"""LL602 thread-not-joined: A non-daemon thread started in a function that neither joins nor
keeps it.
"""

from __future__ import annotations

from ... import contexts, members
from ...languages.python import climb, enclosing_class, enclosing_function, text
from ...languages.python_members import TEST_TEARDOWNS
from .concurrency import assigned_to, calls_named, is_daemon, keyword_value, mentions_of, method_on

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("reason",)


def check(ctx, rule) -> None:
    """LL602: a non-daemon thread started in a function that neither joins nor keeps it."""
    adapter = ctx.adapter()
    for call, full in calls_named(ctx, adapter.names, lambda f: f == "threading.Thread"):
        fn = enclosing_function(call)
        if fn is None or is_daemon(call):
            continue
        reason = _thread_leak(call, fn)
        if reason and ctx.context.kind == contexts.TEST and _ended_by_teardown(adapter, call, fn):
            reason = None
        ctx.count(rule.code, call, ok=reason is None)
        if reason:
            ctx.emit(rule, call, rule.message.format(reason=reason))


def _thread_leak(call, fn):
    expr, parent = climb(call)
    if parent is None:
        return None
    if parent.type == "attribute" and parent.child_by_field_name("object") == expr \
            and text(parent.child_by_field_name("attribute")) == "start":
        return "it is started and dropped: nothing can join it"
    target, _ = assigned_to(call)
    if target is None or target.type != "identifier":
        return None
    name = text(target)
    started = False
    for ident in mentions_of(fn, name):
        if ident == target:
            continue
        p = ident.parent
        if method_on(ident, ("start",)):
            started = True
            continue
        if method_on(ident, ("setName", "name", "is_alive", "ident", "native_id")):
            continue
        if p.type == "attribute" and p.child_by_field_name("object") == ident and \
                text(p.child_by_field_name("attribute")) == "daemon":
            return None  # `t.daemon = True`
        return None  # joined, stored, returned, passed on
    if not started:
        return None
    return f"{name} is started but never joined, and is not a daemon"


def _ended_by_teardown(adapter, call, fn) -> bool:
    """A test case's server thread: its target is a method of the test class, and the
    teardown of the class (or of a base class in this file) closes or signals what the
    test set up (`self.sock.close()`, `self.kill_event.set()`), which ends the thread
    after each test."""
    target = keyword_value(call, "target")
    cls = enclosing_class(fn)
    if target is None or cls is None or not text(target).startswith("self."):
        return False
    return members.teardown_ends(adapter.members().ancestry(cls), _ends, TEST_TEARDOWNS)


def _ends(use) -> bool:
    """`x.close()`, `x.set()` or `x.shutdown(...)`: something the thread serves or waits
    on is closed or signalled."""
    return use.kind == members.CALL and ((use.how in ("close", "set") and use.argc == 0)
                                         or (use.how == "shutdown" and use.argc >= 0))
