"""LL612 goroutine-loop-without-exit: A goroutine loops forever on blocking operations with no
way to stop it.
"""

from __future__ import annotations

from ...ir import Leaf
from ...languages.go import callee_text, enclosing_function
from ...languages.go_syntax import text
from .channels import as_exit_loop, leaking_exits, loop_block
from .goroutines import creator_name, line_of, started_goroutines
from .package import is_command

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("bline", "blocking", "line")


# creators whose goroutines live as long as the process by design
PROCESS_LIFETIME = {"main", "init"}


def check(ctx, rule) -> None:
    """A goroutine runs an endless loop of blocking operations with no way out."""
    seen = set()
    command = is_command(ctx.src.path, ctx.tree.root_node)
    for adapter, g in started_goroutines(ctx):
        if command:  # a command's goroutines live as long as its process by design
            ctx.count(rule.code, g.stmt, ok=True)
            continue
        if creator_name(g.creator) in PROCESS_LIFETIME or _started_once(g.stmt):
            continue
        fn = g.body.parent
        for loop in _endless_loops(g.body, fn):
            blocking = _first_blocking(loop, fn)
            if blocking is None:
                continue
            lowered = loop_block(adapter, fn, loop)
            if lowered is None:
                continue
            start = Leaf(loop, "loop-start")
            exits = leaking_exits(adapter, fn, loop, [], body=as_exit_loop(lowered, start),
                                  end_node=loop)
            if exits is None:
                continue
            ctx.count(rule.code, g.stmt, ok=bool(exits))
            key = (g.stmt.start_byte, loop.start_byte)
            if exits or key in seen:
                continue
            seen.add(key)
            ctx.emit(rule, g.stmt, rule.message.format(line=line_of(loop), blocking=blocking[1],
                                                       bline=line_of(blocking[0])),
                     related=[(loop, "this loop has no return, break or stop case"),
                              (blocking[0], "blocks here on every turn")])
            break


def _started_once(stmt) -> bool:
    """Is the go statement inside a function literal given to `once.Do` (one per process)?"""
    fn = enclosing_function(stmt)
    while fn is not None and fn.type == "func_literal":
        call = fn.parent.parent if fn.parent is not None else None
        if call is not None and call.type == "call_expression" and callee_text(call).endswith(".Do"):
            return True
        fn = enclosing_function(fn)
    return False


def _endless_loops(body, fn) -> list:
    out = []
    stack = list(body.named_children)
    while stack:
        n = stack.pop()
        if n.type == "func_literal":
            continue
        if n.type == "for_statement" and enclosing_function(n) == fn:
            clause = [c for c in n.named_children if c != n.child_by_field_name("body")]
            if _leaves_by_goto(n, fn):
                pass  # a `goto` to a label after the loop leaves it
            elif not clause:
                out.append(n)
            elif clause[0].type == "for_clause" and clause[0].child_by_field_name("condition") is None:
                out.append(n)
            elif clause[0].type == "range_clause" and \
                    text(clause[0].child_by_field_name("right")).replace(" ", "").startswith("time.Tick("):
                out.append(n)
        stack.extend(n.named_children)
    return sorted(out, key=lambda n: n.start_byte)


def _leaves_by_goto(loop, fn) -> bool:
    """Does a `goto` in the loop (not in a nested function) jump to a label outside it?"""
    inside, gotos = set(), []
    stack = [loop]
    while stack:
        n = stack.pop()
        if n.type == "func_literal":
            continue
        if n.type == "labeled_statement":
            inside.add(text(n.child_by_field_name("label")))
        elif n.type == "goto_statement":
            gotos.extend(text(c) for c in n.named_children if c.type == "label_name")
        stack.extend(n.named_children)
    return any(label not in inside for label in gotos)


def _first_blocking(loop, fn):
    """(node, description) of a blocking operation in the loop, or None."""
    stack = [loop]
    found = []
    while stack:
        n = stack.pop()
        if n.type == "func_literal":
            continue
        t = n.type
        if t == "send_statement":
            found.append((n, "a channel send"))
        elif t == "unary_expression" and text(n.child_by_field_name("operator")) == "<-":
            found.append((n, "a channel receive"))
        elif t == "select_statement" and not any(c.type == "default_case" for c in n.named_children):
            found.append((n, "a select"))
        elif t == "range_clause" and n.parent == loop:
            found.append((n, "a ticker"))
        elif t == "call_expression":
            callee = text(n.child_by_field_name("function")).replace(" ", "")
            if callee == "time.Sleep" or (callee.endswith(".Wait") and "." in callee):
                found.append((n, f"{callee}()"))
        stack.extend(n.named_children)
    return min(found, key=lambda f: f[0].start_byte) if found else None
