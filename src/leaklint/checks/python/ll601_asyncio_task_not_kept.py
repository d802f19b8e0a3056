"""LL601 asyncio-task-not-kept: An asyncio task that is neither kept, awaited nor cancelled.

A task stored on an attribute of the one instance its module makes (``client =
MyClient()`` at the top level, a singleton) is held for the process: a background task,
not a lost one. Two facts of the coroutine a task runs, when the module shows it (a method of the class
starting it, a function of the module): the owner may wait for its end through an event
the coroutine sets in a ``finally`` (a join by hand: not lost), and a coroutine with no
open loop ends on its own once its work is done (``contexts.FINISHES``: in tests and
scripts nothing piles up).
"""

from __future__ import annotations

from ... import contexts
from ...facts import lifetimes
from ...languages import of_type, tree_root, walk
from ...languages.python import (SCOPES, climb, callee_text, enclosing_class, enclosing_function,
                                 resolve, text)
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
        runs = _coroutine(call, fn, ctx.tree.root_node)
        reason = _task_leak(call, fn, names, runs)
        if reason and runs is not None and _joined_by_event(runs, enclosing_class(fn)):
            reason = None
        ctx.count(rule.code, call, ok=reason is None)
        if reason:
            traits = (contexts.FINISHES,) if runs is not None and _finishes(runs) else ()
            ctx.emit(rule, call, rule.message.format(call=callee_text(call), reason=reason),
                     traits=traits)


def _task_leak(call, fn, names, runs):
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
        if cls is None or class_uses_attr(cls, attr, {"cancel", "result", "exception", "done"}) \
                or _read_through_objects(cls, attr):
            return None
        if lifetimes.instance_of("python", cls, "").kind == "singleton":
            return None  # the module's only instance holds it for the process: a background task
        if runs is not None and _finishes(runs):
            return None  # the field keeps it from collection, and it ends by itself
        return f"it is stored on self.{attr} but the class never cancels or awaits it"
    if target.type != "identifier":
        return None
    name = text(target)
    for ident in mentions_of(fn, name):
        if ident == target or method_on(ident, ("add_done_callback", "set_name", "get_name")):
            continue
        return None  # awaited, cancelled, stored, returned or passed on
    if _runs_loop_after(fn, call, names):
        return None  # the local holds the task while the function runs the loop that runs it
    return f"{name} is never awaited, cancelled or stored"


def _read_through_objects(cls, attr: str) -> bool:
    """Is the field read from the class's objects elsewhere in the module
    (`[conn.handler_task for conn in self.connections]`)? Whoever holds them manages it."""
    root = tree_root(cls)
    if ("." + attr).encode() not in root.text:
        return False
    return any(text(n.child_by_field_name("attribute")) == attr
               and text(n.child_by_field_name("object")) not in ("self", "cls")
               for n in of_type(root, ("attribute",)))


# what runs an event loop until it is stopped, blocking the function that calls it
LOOP_RUNS = ("run_forever", "run_until_complete")
REACTOR_RUN = "twisted.internet.reactor.run"


def _runs_loop_after(fn, call, names) -> bool:
    """Does ``fn``, a plain (not async) function, run an event loop after ``call`` (a
    `loop.run_forever()`, `run_until_complete()`, Twisted's `reactor.run()`)? Its frame,
    and the task in its local, then lives for as long as the loop runs."""
    if fn.children and fn.children[0].type == "async":
        return False
    for n in _own_nodes(fn):
        if n.type == "call" and n.start_byte > call.end_byte:
            callee = callee_text(n)
            if callee.rsplit(".", 1)[-1] in LOOP_RUNS or resolve(callee, names) == REACTOR_RUN:
                return True
    return False


def _coroutine(call, fn, root):
    """The function the task runs when it is written here: ``self.m(...)`` (a method of
    the class around ``fn``), ``f(...)`` (a function nested in ``fn`` or of the module)."""
    args = call.child_by_field_name("arguments")
    arg = args.named_children[0] if args is not None and args.named_children else None
    if arg is None or arg.type != "call":
        return None
    callee = callee_text(arg)
    recv, dot, name = callee.rpartition(".")
    if dot and recv == "self":
        cls = enclosing_class(fn)
        scopes = [cls.child_by_field_name("body")] if cls is not None else []
    elif not dot:
        scopes = [fn.child_by_field_name("body"), root]
    else:
        return None
    for scope in scopes:
        for c in scope.named_children if scope is not None else ():
            d = c.child_by_field_name("definition") if c.type == "decorated_definition" else c
            if d is not None and d.type == "function_definition" and \
                    text(d.child_by_field_name("name")) == name:
                return d
    return None


def _own_nodes(fn):
    """The nodes of ``fn``'s body outside the functions and classes nested in it."""
    body = fn.child_by_field_name("body")
    return walk(body, stop=SCOPES) if body is not None else ()


def _finishes(coroutine) -> bool:
    """Does the coroutine end on its own: no ``while`` loop and no ``async for`` over a
    stream that may not end?"""
    for n in _own_nodes(coroutine):
        if n.type == "while_statement" or (
                n.type == "for_statement" and n.children and n.children[0].type == "async"):
            return False
    return True


def _joined_by_event(coroutine, cls) -> bool:
    """Does the owner wait for the task's end by hand: the coroutine (a method of ``cls``)
    sets ``self.E`` in a ``finally`` clause, so on every exit, and a method of ``cls``
    awaits ``self.E.wait()``?"""
    if cls is None or enclosing_class(coroutine) != cls:
        return False
    signalled = set()
    for n in _own_nodes(coroutine):
        if n.type == "finally_clause":
            signalled |= {e for e in (_self_event_call(c, "set") for c in walk(n)) if e}
    if not signalled:
        return False
    body = cls.child_by_field_name("body")
    return any(n.type == "await" and n.named_children and
               _self_event_call(n.named_children[0], "wait") in signalled
               for n in (walk(body) if body is not None else ()))


def _self_event_call(node, method: str):
    """``E`` when ``node`` is the call ``self.E.<method>()``."""
    if node.type != "call":
        return None
    callee = callee_text(node)
    parts = callee.split(".")
    if len(parts) == 3 and parts[0] == "self" and parts[2] == method:
        return parts[1]
    return None
