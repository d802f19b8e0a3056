"""LL603 worker-loop-without-stop: A non-daemon worker thread loops forever with no stop
condition.
"""

from __future__ import annotations

from ...languages import matches
from ...languages.python import callee_text, enclosing_class, enclosing_function, resolve, text
from .concurrency import assigned_to, calls_named, is_daemon, keyword_value

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("function",)


def check(ctx, rule) -> None:
    """LL603: `while True` in a non-daemon thread's target with no way out."""
    adapter = ctx.adapter()
    root = ctx.tree.root_node
    targets = set()
    for call, _ in calls_named(ctx, adapter.names, lambda f: f == "threading.Thread"):
        value = keyword_value(call, "target")
        if value is None or is_daemon(call) or _daemonised_later(call) \
                or call.parent.type == "expression_statement":
            continue  # a daemon, or a Thread dropped as it is made: never started
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
            ctx.count(rule.code, loop, ok=stop)
            if not stop:
                ctx.emit(rule, loop, rule.message.format(function=name))


def _daemonised_later(call) -> bool:
    target, _ = assigned_to(call)
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
