"""LL701: a `defer` inside a loop that releases something acquired in the same iteration.

Deferred calls run when the function returns, not when the iteration ends: files opened
per iteration and closed by `defer` pile up until the loop is over. Func literals are
separate functions (the per-iteration `func() { ... }()` idiom, goroutine and `t.Run`
bodies), so their loops are checked on their own and their defers never count for an
enclosing loop.
"""

from __future__ import annotations

from ..languages import matches
from ..languages.go import callee_text, own_nodes, root_identifier

_LOCKS = {"Unlock": "Lock", "RUnlock": "RLock"}


def defer_in_loop(ctx, rule) -> None:
    seen = set()
    for _, caps in matches("go", "(for_statement body: (block) @body) @loop", ctx.tree.root_node):
        body = caps["body"][0]
        for node in own_nodes(body):
            if node.type != "defer_statement":
                continue
            key = (node.start_byte, node.end_byte)
            if key in seen:
                continue
            call = node.named_children[0] if node.named_children else None
            if call is None or call.type != "call_expression" or _last_iteration(node):
                continue
            found = _released_here(call, body, node)
            ctx.count(rule.code, ok=found is None)
            if found is None:
                continue
            seen.add(key)
            name, acquired = found
            ctx.emit(rule, node,
                     rule.message.format(name=name, line=acquired.start_point[0] + 1),
                     related=[(acquired, f"{name} acquired here, once per iteration")])


def _released_here(call, body, defer_node):
    """(name, acquiring node) when the deferred call releases a value the loop body
    acquires before the defer, else None."""
    fn = call.child_by_field_name("function")
    names = []
    lock = None
    if fn is not None and fn.type == "selector_expression":
        method = fn.child_by_field_name("field").text.decode()
        root = root_identifier(fn.child_by_field_name("operand"))
        if root is not None:
            names.append((root.text.decode(), False))
            lock = _LOCKS.get(method)
    elif fn is not None and fn.type == "identifier":
        names.append((fn.text.decode(), True))  # defer cancel()
    args = call.child_by_field_name("arguments")
    for a in (args.named_children if args is not None else ()):
        root = root_identifier(a)
        if root is not None:
            names.append((root.text.decode(), False))
    for name, func_value in names:
        for node in own_nodes(body):
            if node.start_byte >= defer_node.start_byte:
                break
            if lock is not None:
                if _is_lock_call(node, name, lock):
                    return name, node
            elif _assigns_from_call(node, name, func_value):
                if _kept_beyond_iteration(body, name):
                    break  # stored for later use: living until the function returns is the point
                return name, node
    return None


def _kept_beyond_iteration(body, name: str) -> bool:
    """Is ``name`` appended to a slice, stored in an element or field, put in a literal
    or sent on a channel inside the loop body?"""
    for node in own_nodes(body):
        if node.type != "identifier" or node.text.decode() != name:
            continue
        p = node.parent
        if p is None:
            continue
        if p.type == "argument_list" and p.parent is not None \
                and callee_text(p.parent) == "append":
            return True
        if p.type in ("literal_element", "keyed_element", "send_statement") \
                and node != p.named_children[0]:
            return True
        if p.type == "expression_list" and p.parent is not None \
                and p.parent.type == "assignment_statement" \
                and p.parent.child_by_field_name("right") == p:
            left = p.parent.child_by_field_name("left")
            if any(c.type in ("index_expression", "selector_expression")
                   for c in left.named_children):
                return True
    return False


def _last_iteration(defer_node) -> bool:
    """The defer's block goes on to return or break: this iteration is the last one."""
    sib = defer_node.next_named_sibling
    while sib is not None:
        if sib.type in ("return_statement", "break_statement"):
            return True
        sib = sib.next_named_sibling
    return False


def _assigns_from_call(node, name: str, func_value: bool = False) -> bool:
    """``name`` gets the result of a call here. For a deferred func value (`defer stop()`)
    only cancel funcs count: other cleanup funcs made in a loop (test fixtures, mostly)
    are meant to run when the function returns."""
    if node.type not in ("short_var_declaration", "assignment_statement"):
        return False
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if left is None or right is None:
        return False
    if not any(c.type == "identifier" and c.text.decode() == name for c in left.named_children):
        return False
    calls = [v for v in right.named_children if v.type == "call_expression"]
    if func_value:
        return any(callee_text(c).startswith("context.With") or
                   callee_text(c).endswith("NotifyContext") for c in calls)
    return bool(calls)


def _is_lock_call(node, name: str, lock: str) -> bool:
    if node.type != "call_expression":
        return False
    fn = node.child_by_field_name("function")
    if fn is None or fn.type != "selector_expression":
        return False
    root = root_identifier(fn.child_by_field_name("operand"))
    return (fn.child_by_field_name("field").text.decode() == lock and root is not None
            and root.text.decode() == name)
