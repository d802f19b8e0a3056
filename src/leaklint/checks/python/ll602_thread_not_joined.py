"""LL602 thread-not-joined: A non-daemon thread started in a function that neither joins nor
keeps it.
"""

from __future__ import annotations

from ... import contexts
from ...languages.python import climb, enclosing_class, enclosing_function, text
from .concurrency import assigned_to, calls_named, is_daemon, keyword_value, mentions_of, method_on

# the methods a test framework runs after each test (or class of tests)
TEARDOWNS = ("tearDown", "asyncTearDown", "tearDownClass", "teardown_method", "teardown_class",
             "teardown")

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
        if reason and ctx.context.kind == contexts.TEST and _ended_by_teardown(call, fn):
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


def _ended_by_teardown(call, fn) -> bool:
    """A test case's server thread: its target is a method of the test class, and the
    teardown of the class (or of a base class in this file) closes or signals what the
    test set up (`self.sock.close()`, `self.kill_event.set()`), which ends the thread
    after each test."""
    target = keyword_value(call, "target")
    cls = enclosing_class(fn)
    if target is None or cls is None or not text(target).startswith("self."):
        return False
    root = cls
    while root.parent is not None:
        root = root.parent
    classes = {text(c.child_by_field_name("name")): c for c in root.named_children
               if c.type == "class_definition"}
    seen, todo = set(), [cls]
    while todo:
        c = todo.pop()
        name = text(c.child_by_field_name("name"))
        if name in seen:
            continue
        seen.add(name)
        if _teardown_ends_things(c):
            return True
        bases = c.child_by_field_name("superclasses")
        todo += [classes[text(b)] for b in (bases.named_children if bases is not None else ())
                 if text(b) in classes]
    return False


def _teardown_ends_things(cls) -> bool:
    body = cls.child_by_field_name("body")
    for member in body.named_children if body is not None else ():
        method = member.named_children[-1] if member.type == "decorated_definition" else member
        if method.type == "function_definition" and \
                text(method.child_by_field_name("name")) in TEARDOWNS:
            code = method.text
            if b".close()" in code or b".set()" in code or b".shutdown(" in code:
                return True
    return False
