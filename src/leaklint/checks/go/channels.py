"""Go channel and goroutine facts shared by the concurrency checks.

A *goroutine* here is a `go` statement together with the body it runs: the function
literal it calls, or a same-file function or method it names. Arguments map to that
body's parameters so that `go worker(ch)` and `go func(c chan int) {...}(ch)` both
show which of the creator's channels the goroutine touches.

Path questions ("does the creator return without receiving?") are not answered here
but by the lifecycle engine: ``leaking_exits`` runs ``analysis.lifecycle.Follow`` over
the creator's lowered body with the `go` statement as the acquisition and the partner
operations as releases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...analysis.lifecycle import Follow
from ...ir import ACQUIRE, RELEASE, Block, Branch, If, Leaf, Loop, TooDeep
from ...languages import matches, tree_root, within
from ...languages.go import FUNCTIONS, callee_text, enclosing_function
from ...languages.go_returns import assigned
from ...languages.go_syntax import declared_names, strip_parens, text

SEND, RECV, RANGE, CLOSE = "send", "receive", "range", "close"
VERB = {SEND: "sends on", RECV: "receives from", RANGE: "ranges over", CLOSE: "closes"}


@dataclass(eq=False)
class Op:
    kind: str  # send | receive | range | close
    node: object  # the statement or expression that performs it
    in_select: bool = False  # one case of a select with other ways out (not blocking forever)
    in_loop: bool = False  # inside a loop of its own function: executed an unknown number of times


@dataclass(eq=False)
class Goroutine:
    stmt: object  # the go_statement
    creator: object  # the function (declaration or literal) the go statement is in
    body: object | None  # block the goroutine runs (None: not in this file)
    names: dict = field(default_factory=dict)  # creator's name -> name inside the body


def channel_makes(fn) -> dict:
    """Channels made in ``fn`` (not in nested function literals): name -> (node, capacity).

    capacity is 0 for unbuffered, the literal for `make(chan T, 3)`, None when not a
    literal (sized at run time: assumed large enough)."""
    out = {}
    local = None
    for _, caps in matches("go", "(call_expression function: (identifier) @f"
                                 " arguments: (argument_list . (channel_type)) (#eq? @f \"make\")) @call",
                           fn):
        call = caps["call"][0]
        if enclosing_function(call) != fn:
            continue
        name = _assigned_name(call)
        if name is None:
            continue
        if local is None:
            local = declared_names(fn)
        if name not in local:
            continue  # assigns a package variable or a captured one: not the function's own
        args = [a for a in call.child_by_field_name("arguments").named_children if a.type != "comment"]
        cap = 0
        if len(args) > 1:
            cap = resolve_int(args[1])
        if name in out:
            out[name] = (out[name][0], None)  # made twice: too clever to follow
        else:
            out[name] = (call, cap)
    return out


def _assigned_name(call):
    """The one name `ch := make(...)`, `ch = make(...)` or `var ch = make(...)` binds."""
    target = assigned(call, 0)
    if target is not None:
        return text(target) if len(target.parent.named_children) == 1 else None
    p = call.parent
    while p is not None and p.type == "parenthesized_expression":
        p = p.parent
    if p is None or p.type != "expression_list" or len(p.named_children) != 1 \
            or p.parent is None or p.parent.type != "var_spec":
        return None
    names = p.parent.children_by_field_name("name")
    return text(names[0]) if len(names) == 1 and names[0].type == "identifier" else None


def go_statements(root) -> list:
    return [caps["g"][0] for _, caps in matches("go", "(go_statement) @g", root)]


def goroutine(adapter, stmt) -> Goroutine:
    """The body a go statement runs, with the creator's names mapped into it."""
    creator = enclosing_function(stmt)
    call = next((c for c in stmt.named_children if c.type == "call_expression"), None)
    g = Goroutine(stmt, creator, None)
    if call is None:
        return g
    fn = strip_parens(call.child_by_field_name("function"))
    args = [a for a in call.child_by_field_name("arguments").named_children if a.type != "comment"]
    params = None
    if fn is not None and fn.type == "func_literal":
        g.body = fn.child_by_field_name("body")
        params = _param_names(fn)
        # a literal sees every name of its creator that it does not redeclare
        g.names = {"*": "*"}
    else:
        defs = [(d, p) for d, p in adapter.definitions(call) if len(p) == len(args)]
        if len(defs) == 1:
            g.body = defs[0][0].child_by_field_name("body")
            params = defs[0][1]
    if params is not None:
        bound = {}
        for param, arg in zip(params, args):
            arg = strip_parens(arg)
            if arg.type == "identifier" and param not in ("_", ""):
                bound[text(arg)] = param
        # parameters hide the creator's names of the same spelling
        hidden = {p: None for p in params if bound.get(p) != p}
        g.names = {**g.names, **hidden, **bound}
    return g


def inner_name(g: Goroutine, name: str):
    """What the creator's ``name`` is called inside the goroutine body (None: unseen)."""
    if name in g.names:
        return g.names[name]
    return name if "*" in g.names else None


def _param_names(fn) -> list:
    out = []
    plist = fn.child_by_field_name("parameters")
    for decl in (plist.named_children if plist is not None else []):
        names = decl.children_by_field_name("name")
        out.extend(text(n) for n in names) if names else out.append("_")
    return out


def channel_ops(scope, name: str, skip=None) -> list[Op]:
    """Sends, receives, ranges and closes of the channel called ``name`` inside ``scope``
    (outside ``skip``, a node to leave out, e.g. the goroutine of the creator)."""
    ops = []
    key = name.encode()
    if key not in scope.text:
        return ops
    stack = [scope]
    while stack:
        n = stack.pop()
        if skip is not None and n.start_byte == skip.start_byte and n.end_byte == skip.end_byte:
            continue
        t = n.type
        if t == "send_statement" and _is(n.child_by_field_name("channel"), key):
            ops.append(_op(SEND, n, scope))
        elif t == "unary_expression" and _is(n.child_by_field_name("operand"), key) \
                and text(n.child_by_field_name("operator")) == "<-":
            ops.append(_op(RECV, n, scope))
        elif t == "range_clause" and _is(n.child_by_field_name("right"), key):
            ops.append(_op(RANGE, n.parent, scope))
        elif t == "call_expression" and callee_text(n) == "close":
            args = n.child_by_field_name("arguments").named_children
            if args and _is(args[0], key):
                ops.append(_op(CLOSE, n, scope))
        if key in n.text:
            stack.extend(n.named_children)
    return sorted(ops, key=lambda o: o.node.start_byte)


def goroutine_ops(adapter, g: Goroutine, inner: str) -> list[Op]:
    """Operations of the goroutine on its channel ``inner``: in its body, and one call deep
    in the same-file functions it passes the channel to (`go func() { produce(ch) }()`)."""
    ops = channel_ops(g.body, inner)
    fn = g.body.parent
    for m in mentions(g.body, inner):
        args = m.parent
        if args is None or args.type != "argument_list" or enclosing_function(m) != fn:
            continue
        call = args.parent
        listed = [a for a in args.named_children if a.type != "comment"]
        defs = [(d, p) for d, p in adapter.definitions(call) if len(p) == len(listed)]
        if len(defs) != 1 or m not in listed:
            continue
        param = defs[0][1][listed.index(m)]
        if param in ("_", ""):
            continue
        repeated = in_loop(call, fn)
        for op in channel_ops(defs[0][0].child_by_field_name("body"), param):
            op.in_loop = op.in_loop or repeated
            ops.append(op)
    return ops


def resolve_int(node):
    """The value of an int literal, or of a constant declared as one in the file."""
    try:
        return int(text(node), 0)
    except ValueError:
        pass
    if node.type != "identifier":
        return None
    root = tree_root(node)
    for _, caps in matches("go", "(const_spec name: (identifier) @n value: (expression_list . (int_literal) @v .))",
                           root):
        if caps["n"][0].text == node.text:
            try:
                return int(text(caps["v"][0]), 0)
            except ValueError:
                return None
    return None


def _is(node, key: bytes) -> bool:
    node = strip_parens(node)
    return node is not None and node.type == "identifier" and node.text == key


def op_at(kind, node) -> Op:
    """The operation ``kind`` performed by ``node``, judged within its own function."""
    return _op(kind, node, enclosing_function(node))


def _op(kind, node, scope) -> Op:
    op = Op(kind, node)
    p, child = node.parent, node
    while p is not None and p != scope and p.type not in FUNCTIONS:
        if p.type == "communication_case" and p.child_by_field_name("communication") == child:
            select = p.parent
            others = [c for c in select.named_children
                      if c.type in ("communication_case", "default_case") and c != p]
            op.in_select = bool(others)
        if p.type == "for_statement" and child == p.child_by_field_name("body"):
            op.in_loop = True
        child, p = p, p.parent
    return op


def mentions(scope, name: str, skip=None) -> list:
    """Identifiers spelled ``name`` inside ``scope`` (outside ``skip``)."""
    key = name.encode()
    out = []
    if key not in scope.text:
        return out
    stack = [scope]
    while stack:
        n = stack.pop()
        if skip is not None and n.start_byte == skip.start_byte and n.end_byte == skip.end_byte:
            continue
        if n.type == "identifier":
            if n.text == key:
                out.append(n)
            continue
        if key in n.text:
            stack.extend(n.named_children)
    return out


def in_loop(node, fn) -> bool:
    """Is ``node`` inside a loop body of ``fn`` (so it runs an unknown number of times)?"""
    p, child = node.parent, node
    while p is not None and p != fn:
        if p.type == "for_statement" and child == p.child_by_field_name("body"):
            return True
        child, p = p, p.parent
    return False


class _Partner:
    """Effects for the engine: the go statement acquires, a partner operation releases."""

    def __init__(self, fn, start, releases, nil_name=None):
        self.fn = fn
        self.start = start
        self.releases = releases
        self.nil_name = nil_name

    def guard(self, cond):
        """`if x != nil { release }`: nothing is owed when ``nil_name`` is nil."""
        if self.nil_name is None or cond is None or cond.type != "binary_expression":
            return None
        left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
        if left is None or right is None:
            return None
        if left.type == "nil":
            left, right = right, left
        if right.type != "nil" or text(left).replace(" ", "") != self.nil_name:
            return None
        return {"==": "then", "!=": "else"}.get(text(cond.child_by_field_name("operator")))

    def events(self, leaf) -> list:
        node = leaf.node
        lo, hi = node.start_byte, node.end_byte
        out = []
        if self.start is not None and lo <= self.start.start_byte < hi:
            out.append(ACQUIRE)
        for r in self.releases:
            if lo <= r.start_byte < hi and (leaf.role == "defer" or enclosing_function(r) == self.fn):
                if out and r.start_byte < self.start.start_byte:
                    continue  # released before this statement's goroutine starts
                out.append(RELEASE)
                break
        return out


def release_node(op: Op):
    """The node of ``op`` that the lowered body has in a leaf (a range loop: its clause)."""
    if op.kind == RANGE:
        return next((c for c in op.node.named_children if c.type == "range_clause"), op.node)
    return op.node


def released_before(fn, start, releases) -> bool:
    """Is one of ``releases`` a statement of ``fn`` before ``start`` in a block enclosing it:
    deferred (it runs on every exit after ``start``), or done already (a channel closed
    before the goroutine that ranges over it starts)?"""
    for r in releases:
        stmt = r  # climb to the statement of fn itself (out of a deferred closure, too)
        while stmt is not None and stmt != fn and not (
                stmt.parent is not None and stmt.parent.type in ("statement_list", "block")
                and enclosing_function(stmt) == fn):
            stmt = stmt.parent
        if stmt is None or stmt == fn:
            continue
        if stmt.end_byte <= start.start_byte and within(start, stmt.parent):
            return True
    return False


def leaking_exits(adapter, fn, start, releases, body=None, end_node=None, nil_name=None):
    """The exits of ``fn`` (return or falling off the end) reached after ``start`` with no
    node of ``releases`` on the way; None when the function cannot be analysed.

    ``body``/``end_node`` replace the function's lowered body (e.g. one loop of it);
    on paths where ``nil_name`` is nil nothing is owed."""
    try:
        lowered, end, _blocks = adapter.lower(fn)
    except TooDeep:
        return None
    if body is not None:
        lowered, end = body, end_node
    if body is None and released_before(fn, start, releases):
        return []
    follow = Follow(_Partner(fn, start, releases, nil_name), leak_exits=("return", "end"))
    return follow.run_function(lowered, end)


def loop_block(adapter, fn, loop_node):
    """The lowered ``ir.Loop`` of ``loop_node`` in ``fn``'s body (None if not found)."""
    try:
        lowered, _end, _blocks = adapter.lower(fn)
    except TooDeep:
        return None
    stack = [lowered]
    while stack:
        item = stack.pop()
        if isinstance(item, Loop):
            if item.node == loop_node:
                return item
            stack.append(item.body)
        elif isinstance(item, Block):
            stack.extend(item.stmts)
        elif isinstance(item, If):
            stack.append(item.then)
            if item.orelse is not None:
                stack.append(item.orelse)
        elif isinstance(item, Branch):
            stack.extend(item.cases)
    return None


def as_exit_loop(loop: Loop, start_leaf: Leaf | None) -> Block:
    """``loop`` run on its own (after ``start_leaf``): only its breaks and returns leave it,
    and each is an exit of the result."""
    first = [start_leaf] if start_leaf is not None else []
    return Block(first + [Loop(loop.node, loop.body, True, loop.label, None)], loop.node)


def channel_identifier(op: Op):
    """The identifier naming the channel in an operation."""
    n = op.node
    if op.kind == SEND:
        return strip_parens(n.child_by_field_name("channel"))
    if op.kind == RECV:
        return strip_parens(n.child_by_field_name("operand"))
    if op.kind == RANGE:
        clause = next((c for c in n.named_children if c.type == "range_clause"), None)
        return strip_parens(clause.child_by_field_name("right")) if clause is not None else None
    args = n.child_by_field_name("arguments").named_children
    return strip_parens(args[0]) if args else None


def unexplained_uses(creator, name: str, make, ops, allow=()) -> list:
    """Mentions of the channel ``name`` in ``creator`` that are neither its ``make``, one of
    ``ops`` (directly in the creator or in a deferred closure), len/cap, nor inside one of
    the ``allow`` nodes: the places where the channel may be handed to someone else."""
    ok = set()
    for op in ops:
        fn = enclosing_function(op.node)
        if fn == creator or _deferred_literal(fn):
            ident = channel_identifier(op)
            if ident is not None:
                ok.add(ident.start_byte)
    decl = make.parent
    while decl is not None and decl.type not in ("short_var_declaration", "assignment_statement",
                                                 "var_spec"):
        decl = decl.parent
    out = []
    for m in mentions(creator, name):
        if m.start_byte in ok or (decl is not None and within(m, decl)):
            continue
        if any(within(m, a) for a in allow):
            continue
        p = m.parent
        if p is not None and p.type == "argument_list" and p.parent is not None \
                and callee_text(p.parent) in ("len", "cap"):
            continue
        out.append(m)
    return out


def _deferred_literal(fn) -> bool:
    p = fn.parent if fn is not None else None
    return fn is not None and fn.type == "func_literal" and p is not None \
        and p.type == "call_expression" and p.parent is not None and p.parent.type == "defer_statement"
