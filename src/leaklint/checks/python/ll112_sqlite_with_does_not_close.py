"""LL112 sqlite-with-does-not-close: A `with sqlite3.connect(...)` block commits or rolls back
but does not close the connection.
"""

from __future__ import annotations

from ...languages import matches, walk
from ...languages.python import callee_text, enclosing_function, resolve, text
from ...languages.python_syntax import SCOPES
from ...languages.summaries import made_by

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("call", "handle")
# the lifecycle rule whose factory summaries say what a function of the tree returns
FACTORY_RULE = "LL110"


def check(ctx, rule) -> None:
    """LL112: `with sqlite3.connect(...) as conn:` (or another connect of the rule's
    `connects` option) commits or rolls back, it does not close."""
    adapter = ctx.adapter()
    if adapter is None:
        return
    connects = set(rule.options.get("connects", ("sqlite3.connect",)))
    # a function of the tree that returns one of them fresh (``def connect(self): return
    # sqlite3.connect(self.path)``): the file's reads name such factories by LL110's answer
    factories = (getattr(ctx, "reads", None) or {}).get("factories") or {}
    q = "(with_item value: (as_pattern (call) @call alias: (as_pattern_target) @target)) @item"
    q2 = "(with_item value: (call) @call) @item"
    seen = set()
    for query in (q, q2):
        for _, caps in matches("python", query, ctx.tree.root_node):
            call = caps["call"][0]
            if call.start_byte in seen:
                continue
            seen.add(call.start_byte)
            full = _connect(call, adapter, connects, factories)
            if not full:
                continue
            target = caps.get("target", [None])[0]
            name = text(target) if target is not None else ""
            if name and _closed_later(call, name):
                ctx.count(rule.code, call, ok=True)
                continue
            ctx.count(rule.code, call, ok=False)
            ctx.emit(rule, call, rule.message.format(call=full, handle=name or "the connection"))
    _blocks_on_names(ctx, rule, adapter, connects, factories)


def _connect(call, adapter, connects: set, factories: dict) -> str:
    """How ``call`` is named in the message when it makes a connection of ``connects``
    (resolved through the imports), or a function of the tree that returns one fresh (as
    written); "" for any other call."""
    full = resolve(callee_text(call), adapter.names)
    if full in connects:
        return full
    made = made_by(factories, adapter.call_keys(call)).get(FACTORY_RULE)
    return callee_text(call) if made in connects else ""


def _blocks_on_names(ctx, rule, adapter, connects: set, factories: dict) -> None:
    """`conn = sqlite3.connect(p)` then `with conn:` in one function: the block ends a
    transaction and the function never closes the connection nor hands it on."""
    seen = set()
    for _, caps in matches("python", "(with_item value: (identifier) @name) @item",
                           ctx.tree.root_node):
        name = text(caps["name"][0])
        fn = enclosing_function(caps["item"][0])
        call = _connected(fn, name) if fn is not None else None
        if call is None or call.start_byte in seen:
            continue  # not bound to a call here, or judged at an earlier `with` on it
        seen.add(call.start_byte)
        full = _connect(call, adapter, connects, factories)
        if not full:
            continue
        if _closed_later(call, name) or not _only_used_here(fn, name):
            ctx.count(rule.code, call, ok=True)
            continue
        ctx.count(rule.code, call, ok=False)
        ctx.emit(rule, call, rule.message.format(call=full, handle=name))


def _connected(fn, name: str):
    """The call whose result the function binds to ``name`` (``name = connect(...)``), when
    it binds it exactly once; None otherwise."""
    found = [a.child_by_field_name("right") for a in walk(fn, stop=SCOPES)
             if a.type == "assignment" and a.child_by_field_name("left") is not None
             and a.child_by_field_name("left").type == "identifier"
             and text(a.child_by_field_name("left")) == name]
    return found[0] if len(found) == 1 and found[0] is not None \
        and found[0].type == "call" else None


def _only_used_here(fn, name: str) -> bool:
    """Is every use of ``name`` in the function a member of it (``conn.execute(..)``), a
    ``with`` on it or its binding: never handed to a call, stored or kept by a closure?"""
    for n in walk(fn):
        if n.type != "identifier" or text(n) != name:
            continue
        p = n.parent
        if p.type == "attribute" and p.child_by_field_name("object") == n:
            continue
        if p.type == "with_item" or (p.type == "assignment"
                                     and p.child_by_field_name("left") == n):
            continue
        return False
    return True


def _closed_later(call, name: str) -> bool:
    """Is ``name.close()`` called, or is the connection handed on, in the same function?"""
    scope = enclosing_function(call) or call
    while scope.parent is not None and enclosing_function(call) is None:
        scope = scope.parent
    stack = [scope]
    while stack:
        n = stack.pop()
        if n.type == "call":
            fn = n.child_by_field_name("function")
            if fn is not None and text(fn) in (f"{name}.close", "closing", "contextlib.closing"):
                if text(fn) == f"{name}.close":
                    return True
                args = n.child_by_field_name("arguments")
                if args is not None and text(args).strip("()") == name:
                    return True
        if n.type in ("return_statement", "yield") and _returns_name(n, name):
            return True
        stack.extend(n.named_children)
    return False


def _returns_name(stmt, name: str) -> bool:
    """`return conn` / `return conn, x` hand the connection on; `return conn.execute()` not."""
    values = [c for c in stmt.named_children]
    while len(values) == 1 and values[0].type in ("expression_list", "tuple", "parenthesized_expression"):
        values = values[0].named_children
    return any(v.type == "identifier" and text(v) == name for v in values)
