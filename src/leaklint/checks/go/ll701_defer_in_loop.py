"""LL701: a `defer` inside a loop that releases something acquired in the same iteration.

Deferred calls run when the function returns, not when the iteration ends: files opened
per iteration and closed by `defer` pile up until the loop is over. Func literals are
separate functions (the per-iteration `func() { ... }()` idiom, goroutine and `t.Run`
bodies), so their loops are checked on their own and their defers never count for an
enclosing loop.
"""

from __future__ import annotations

from ...contexts import PER_TURN as _PER_TURN
from ...languages import matches
from ...languages.go import callee_text, own_nodes, root_identifier

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("line", "name")


_LOCKS = {"Unlock": "Lock", "RUnlock": "RLock"}
PER_TURN = (_PER_TURN,)


def check(ctx, rule) -> None:
    seen = set()
    for _, caps in matches("go", "(defer_statement) @d", ctx.tree.root_node):
        node = caps["d"][0]
        for body in _enclosing_loop_bodies(node):
            key = (node.start_byte, node.end_byte)
            if key in seen:
                continue
            call = node.named_children[0] if node.named_children else None
            if call is None or call.type != "call_expression":
                continue
            if _last_iteration(node, body):
                ctx.count(rule.code, node, ok=True)  # the turn that defers is the last
                continue
            found = _released_here(call, body, node, rule.options.get("consumers", ()))
            # the context policy judges what piles up once per turn of THIS loop (a test's
            # loop over its own cases holds them on purpose until the test ends)
            if found is not None and not ctx.reported_here(body, PER_TURN).keep:
                found = None  # an enclosing loop may still be one that piles them up
            ctx.count(rule.code, node, ok=found is None)
            if found is None:
                continue
            seen.add(key)
            name, acquired = found
            ctx.emit(rule, node,
                     rule.message.format(name=name, line=acquired.start_point[0] + 1),
                     related=[(acquired, f"{name} acquired here, once per iteration")],
                     traits=PER_TURN, acquired=body)


def _enclosing_loop_bodies(node):
    """Bodies of the `for` loops around ``node`` in the same function, innermost first."""
    out = []
    child, p = node, node.parent
    while p is not None and p.type not in ("func_literal", "function_declaration",
                                          "method_declaration"):
        if p.type == "for_statement" and p.child_by_field_name("body") == child:
            out.append(child)
        child, p = p, p.parent
    return out


def _released_here(call, body, defer_node, consumers=()):
    """(name, acquiring node) when the deferred call releases a value the loop body
    acquires before the defer, else None. ``consumers``: calls that read their argument
    and return what they read (`parser.ParseFile`), whose result keeps nothing of it."""
    fn = call.child_by_field_name("function")
    names = []
    lock = method_name = None
    if fn is not None and fn.type == "selector_expression":
        method = method_name = fn.child_by_field_name("field").text.decode()
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
                if _kept_beyond_iteration(body, _derived_names(body, node, consumers)):
                    break  # stored for later use: living until the function returns is the point
                if method_name and _released_in_iteration(body, name, method_name, defer_node):
                    break  # also released by hand each time round: only the defers pile up
                return name, node
    return None


def _derived_names(body, acquisition, consumers=()) -> set:
    """The names the acquisition assigns (`ctx, cancel`), and the names later assigned
    from expressions that use them (`stream := client.Watch(ctx)`), except the result of
    a call of ``consumers`` (`f, err := parser.ParseFile(fset, name, rd, 0)` holds what
    was read, not ``rd``)."""
    names = {c.text.decode() for c in acquisition.child_by_field_name("left").named_children
             if c.type == "identifier" and c.text != b"_"}
    for node in own_nodes(body):
        if node.start_byte <= acquisition.start_byte or \
                node.type not in ("short_var_declaration", "assignment_statement"):
            continue
        right, left = node.child_by_field_name("right"), node.child_by_field_name("left")
        if right is None or left is None:
            continue
        values = right.named_children
        if len(values) == 1 and values[0].type == "call_expression" \
                and callee_text(values[0]) in consumers:
            continue
        used = {n.text.decode() for n in own_nodes(right) if n.type == "identifier"}
        if used & names:
            names |= {c.text.decode() for c in left.named_children if c.type == "identifier"}
    return names


def _released_in_iteration(body, name: str, method: str, defer_node) -> bool:
    """Is ``name.method()`` also called outside a defer in the loop body?"""
    for node in own_nodes(body):
        if node.type == "defer_statement":
            continue
        if node.type == "call_expression" and not _inside(node, defer_node):
            fn = node.child_by_field_name("function")
            if fn is not None and fn.type == "selector_expression":
                root = root_identifier(fn.child_by_field_name("operand"))
                if root is not None and root.text.decode() == name \
                        and fn.child_by_field_name("field").text.decode() == method:
                    return True
    return False


def _inside(node, outer) -> bool:
    return outer.start_byte <= node.start_byte < outer.end_byte


def _kept_beyond_iteration(body, names: set) -> bool:
    """Is one of ``names`` appended to a slice, stored in an element or field (also as part
    of the stored expression), put in a literal or sent on a channel inside the loop body?"""
    for node in own_nodes(body):
        if node.type != "identifier" or node.text.decode() not in names:
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
        stmt = p
        while stmt is not None and stmt != body and stmt.type != "assignment_statement":
            stmt = stmt.parent
        if stmt is not None and stmt.type == "assignment_statement":
            right, left = stmt.child_by_field_name("right"), stmt.child_by_field_name("left")
            if right is not None and _inside(node, right) and any(
                    c.type in ("index_expression", "selector_expression")
                    for c in left.named_children):
                return True
    return False


def _last_iteration(defer_node, body) -> bool:
    """After the defer, the iteration goes on to a `return` (or a `break` of the loop) at
    the defer's level or at an enclosing level inside the loop body: it is the last one."""
    node, in_case = defer_node, False
    while node is not None and node != body:
        parent = node.parent
        if parent is None or (node != defer_node and node.type in ("for_statement", "func_literal")):
            return False
        in_case |= node.type in ("expression_case", "type_case", "communication_case",
                                 "default_case")
        if parent.type in ("statement_list", "block"):
            sib = node.next_named_sibling
            while sib is not None:
                if sib.type == "return_statement" or (sib.type == "break_statement" and not in_case):
                    return True
                if _continues(sib):
                    return False  # a way to the next iteration with the defer still pending
                sib = sib.next_named_sibling
        node = parent
    return False


def _continues(node) -> bool:
    """Does ``node`` hold a `continue` of the loop around it (not of a loop or a function
    literal inside it)?"""
    if node.type in ("for_statement", "func_literal"):
        return False
    return node.type == "continue_statement" or any(_continues(c) for c in node.named_children)


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
    calls = [v for v in right.named_children if v.type == "call_expression"
             and callee_text(v) not in ("make", "new", "append", "len")]
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
