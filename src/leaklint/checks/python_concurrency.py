"""Python timers, tasks and threads that outlive their owner: timers never cancelled
(LL206), tasks nobody keeps (LL601), threads never joined (LL602), worker loops with no
way to stop (LL603)."""

from __future__ import annotations

from ..languages import matches
from ..languages.python import (climb, callee_text, enclosing_class, enclosing_function,
                                resolve, text)

CALLS = "(call function: [(identifier) (attribute)] @fn) @call"


def _calls(ctx, names: dict, wanted) -> list:
    """(call, resolved callee) for every call whose resolved callee passes ``wanted``."""
    out = []
    for _, caps in matches("python", CALLS, ctx.tree.root_node):
        call = caps["call"][0]
        full = resolve(callee_text(call), names)
        if wanted(full):
            out.append((call, full))
    return out


def _self_attr(node):
    """``attr`` when ``node`` is ``self.attr``."""
    if node is not None and node.type == "attribute":
        obj = node.child_by_field_name("object")
        if obj is not None and text(obj) == "self":
            return text(node.child_by_field_name("attribute"))
    return None


def _assigned_to(call):
    """(target node, assignment) when ``x = call(...)``/``self.x = call(...)``, else (None, None)."""
    expr, parent = climb(call)
    if parent is not None and parent.type == "assignment" and \
            parent.child_by_field_name("right") == expr:
        return parent.child_by_field_name("left"), parent
    return None, None


def _mentions(scope, name: str) -> list:
    """Identifier nodes named ``name`` inside ``scope``."""
    out, stack, enc = [], [scope], name.encode()
    while stack:
        n = stack.pop()
        if enc not in n.text:
            continue
        if n.type == "identifier" and n.text == enc:
            p = n.parent
            if not (p.type == "attribute" and p.child_by_field_name("attribute") == n) and \
                    not (p.type == "keyword_argument" and p.child_by_field_name("name") == n):
                out.append(n)
            continue
        stack.extend(n.named_children)
    return out


def _method_on(ident, methods) -> bool:
    p = ident.parent
    if p is not None and p.type == "attribute" and p.child_by_field_name("object") == ident:
        return text(p.child_by_field_name("attribute")) in methods
    return False


def _class_uses_attr(cls, attr: str, methods: set, escape: bool = True) -> bool:
    """Does the class call one of ``methods`` on ``self.attr`` (or hand it on)?"""
    body = cls.child_by_field_name("body")
    stack = [body] if body is not None else []
    while stack:
        n = stack.pop()
        if attr.encode() not in n.text:
            continue
        if n.type == "string" and text(n).strip("'\"") == attr:
            return True
        if n.type == "attribute" and text(n.child_by_field_name("attribute")) == attr and \
                text(n.child_by_field_name("object")) in ("self", "cls"):
            p = n.parent
            while p is not None and p.type == "parenthesized_expression":
                n, p = p, p.parent
            if p is not None and p.type == "attribute" and p.child_by_field_name("object") == n \
                    and text(p.child_by_field_name("attribute")) in methods:
                return True
            if escape and p is not None and (
                    p.type in ("argument_list", "return_statement", "await", "tuple", "list",
                               "expression_list", "keyword_argument", "for_statement", "set")
                    or (p.type == "assignment" and p.child_by_field_name("right") == n)):
                return True
            continue
        stack.extend(n.named_children)
    return False


def _keyword(call, name: str):
    args = call.child_by_field_name("arguments")
    for a in (args.named_children if args is not None else []):
        if a.type == "keyword_argument" and text(a.child_by_field_name("name")) == name:
            return a.child_by_field_name("value")
    return None


# -- LL206 ---------------------------------------------------------------------------

LATER_METHODS = {"call_later", "call_at", "add_timeout", "call_at_threadsafe"}


def timer_never_cancelled(ctx, rule) -> None:
    """LL206: a timer or scheduled callback kept on self that the class never cancels."""
    adapter = ctx.adapter()
    names = adapter.names

    def wanted(full):
        return full == "threading.Timer" or full.rsplit(".", 1)[-1] in LATER_METHODS

    for call, full in _calls(ctx, names, wanted):
        fn = enclosing_function(call)
        if fn is None:
            continue
        cls = enclosing_class(fn)
        target, _ = _assigned_to(call)
        attr = _self_attr(target)
        if cls is None or attr is None:
            if full == "threading.Timer" and target is not None and target.type == "identifier":
                attr = _stored_on_self(fn, text(target))
                if attr is None or cls is None:
                    continue
            else:
                continue
        if _class_uses_attr(cls, attr, {"cancel"}, escape=False) or _removed_timeout(cls, attr):
            ctx.count(rule.code, ok=True)
            continue
        ctx.count(rule.code, ok=False)
        what = "threading.Timer" if full == "threading.Timer" else callee_text(call)
        ctx.emit(rule, call, rule.message.format(
            what=what, attr=f"self.{attr}", cls=text(cls.child_by_field_name("name"))))


def _removed_timeout(cls, attr: str) -> bool:
    """tornado: `io_loop.remove_timeout(self._timeout)` undoes add_timeout/call_later."""
    body = cls.child_by_field_name("body")
    for _, caps in matches("python", CALLS, body):
        call = caps["call"][0]
        if callee_text(call).endswith("remove_timeout") and f"self.{attr}".encode() in call.text:
            return True
    return False


def _stored_on_self(fn, name: str):
    for ident in _mentions(fn, name):
        p = ident.parent
        if p.type == "assignment" and p.child_by_field_name("right") == ident:
            attr = _self_attr(p.child_by_field_name("left"))
            if attr:
                return attr
    return None


# -- LL601 ---------------------------------------------------------------------------

TASK_CALLS = {"asyncio.create_task", "asyncio.ensure_future", "asyncio.async"}
TASK_GROUPS = ("TaskGroup", "create_task_group", "Nursery", "open_nursery")


def task_not_kept(ctx, rule) -> None:
    """LL601: a task nobody keeps a reference to, awaits or cancels."""
    adapter = ctx.adapter()
    names = adapter.names

    def wanted(full):
        if full in TASK_CALLS:
            return True
        recv, _, method = full.rpartition(".")
        return method in ("create_task", "ensure_future") and "loop" in recv.lower()

    for call, full in _calls(ctx, names, wanted):
        fn = enclosing_function(call)
        if fn is None:
            continue
        reason = _task_leak(call, fn)
        ctx.count(rule.code, ok=reason is None)
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
    target, _ = _assigned_to(call)
    if target is None:
        return None  # awaited, returned, passed on, stored in a container
    attr = _self_attr(target)
    if attr is not None:
        cls = enclosing_class(fn)
        if cls is None or _class_uses_attr(cls, attr, {"cancel", "result", "exception", "done"}):
            return None
        return f"it is stored on self.{attr} but the class never cancels or awaits it"
    if target.type != "identifier":
        return None
    name = text(target)
    for ident in _mentions(fn, name):
        if ident == target or _method_on(ident, ("add_done_callback", "set_name", "get_name")):
            continue
        return None  # awaited, cancelled, stored, returned or passed on
    return f"{name} is never awaited, cancelled or stored"


# -- LL602 ---------------------------------------------------------------------------

def thread_not_joined(ctx, rule) -> None:
    """LL602: a non-daemon thread started in a function that neither joins nor keeps it."""
    adapter = ctx.adapter()
    for call, full in _calls(ctx, adapter.names, lambda f: f == "threading.Thread"):
        fn = enclosing_function(call)
        if fn is None or _daemon(call):
            continue
        reason = _thread_leak(call, fn)
        ctx.count(rule.code, ok=reason is None)
        if reason:
            ctx.emit(rule, call, rule.message.format(reason=reason))


def _daemon(call) -> bool:
    value = _keyword(call, "daemon")
    return value is not None and text(value) != "False"


def _thread_leak(call, fn):
    expr, parent = climb(call)
    if parent is None:
        return None
    if parent.type == "attribute" and parent.child_by_field_name("object") == expr \
            and text(parent.child_by_field_name("attribute")) == "start":
        return "it is started and dropped: nothing can join it"
    target, _ = _assigned_to(call)
    if target is None or target.type != "identifier":
        return None
    name = text(target)
    started = False
    for ident in _mentions(fn, name):
        if ident == target:
            continue
        p = ident.parent
        if _method_on(ident, ("start",)):
            started = True
            continue
        if _method_on(ident, ("setName", "name", "is_alive", "ident", "native_id")):
            continue
        if p.type == "attribute" and p.child_by_field_name("object") == ident and \
                text(p.child_by_field_name("attribute")) == "daemon":
            return None  # `t.daemon = True`
        return None  # joined, stored, returned, passed on
    if not started:
        return None
    return f"{name} is started but never joined, and is not a daemon"


# -- LL603 ---------------------------------------------------------------------------

def worker_loop_without_stop(ctx, rule) -> None:
    """LL603: `while True` in a non-daemon thread's target with no way out."""
    adapter = ctx.adapter()
    root = ctx.tree.root_node
    targets = set()
    for call, _ in _calls(ctx, adapter.names, lambda f: f == "threading.Thread"):
        value = _keyword(call, "target")
        if value is None or _daemon(call) or _daemonised_later(call):
            continue
        targets.add(text(value).rsplit(".", 1)[-1])
    for cls in _thread_subclasses(root, adapter.names):
        if not _sets_daemon(cls):
            targets.add(("run", cls.start_byte))
    if not targets:
        return
    for _, caps in matches("python", "(function_definition name: (identifier) @n) @f", root):
        fn, name = caps["f"][0], text(caps["n"][0])
        cls = enclosing_class(fn)
        key = ("run", cls.start_byte) if name == "run" and cls is not None else None
        if name not in targets and key not in targets:
            continue
        for loop in _infinite_loops(fn):
            stop = _has_exit(loop)
            ctx.count(rule.code, ok=stop)
            if not stop:
                ctx.emit(rule, loop, rule.message.format(function=name))


def _daemonised_later(call) -> bool:
    target, _ = _assigned_to(call)
    fn = enclosing_function(call)
    if target is None or fn is None:
        return False
    return f"{text(target)}.daemon=True".encode() in fn.text.replace(b" ", b"") or \
        f"{text(target)}.setDaemon(True)".encode() in fn.text.replace(b" ", b"")


def _thread_subclasses(root, names):
    out = []
    for _, caps in matches("python", "(class_definition superclasses: (argument_list) @b) @c", root):
        if any(resolve(text(b), names) == "threading.Thread" for b in caps["b"][0].named_children):
            out.append(caps["c"][0])
    return out


def _sets_daemon(cls) -> bool:
    t = cls.text.replace(b" ", b"")
    return b"daemon=True" in t or b"setDaemon(True)" in t


def _infinite_loops(fn):
    out, stack = [], [fn.child_by_field_name("body")]
    while stack:
        n = stack.pop()
        if n is None or n.type in ("function_definition", "lambda", "class_definition"):
            continue
        if n.type == "while_statement" and text(n.child_by_field_name("condition")) in ("True", "1"):
            out.append(n)
        stack.extend(n.named_children)
    return out


def _has_exit(loop) -> bool:
    """A break (of this loop), return, raise or process exit inside the loop body."""
    stack = [(loop.child_by_field_name("body"), 0)]
    while stack:
        n, depth = stack.pop()
        if n is None or n.type in ("function_definition", "lambda", "class_definition"):
            continue
        if n.type in ("return_statement", "raise_statement"):
            return True
        if n.type == "break_statement" and depth == 0:
            return True
        if n.type == "call" and callee_text(n) in ("sys.exit", "os._exit", "exit", "quit"):
            return True
        inner = depth + (1 if n.type in ("for_statement", "while_statement") else 0)
        stack.extend((c, inner) for c in n.named_children)
    return False

