"""Goroutines blocked on channels kept in struct fields (part of LL610).

A goroutine that sends on `s.results`, receives from `s.quit` or ranges over `s.jobs`
is served by whatever code of the package works that field: the partner of a send is
a receive or range, of a receive a send or close, of a range a close. The goroutine
blocks forever when

- nothing in the package performs the partner operation (or only functions nothing
  calls, in package main or unexported), or
- every partner can stop serving: it is one case of a `select` with a `default` (it
  only takes a value that is ready), or it sits in a loop that has a way out (a
  `return` or `break`), after which nobody is left.

What the goroutine runs is its own body and the same-file functions it calls (a few
calls deep, methods matched by name); the field's other uses in the file are read from
the tree and those of the other files of the directory from their text
(``facts/go_channels.py``, ``ctx.reads["channel_fields"]``). Anything that lets the
channel escape (the field returned other than by an accessor, passed, stored, assigned
something else than `make(chan ...)` or nil), a partner in another file, a channel no
code of the package makes: no finding. A buffered channel only fills up when the
goroutine sends repeatedly (a send in a loop, or goroutines started in a loop).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...languages import matches
from ...languages.go import callee_text, enclosing_function
from ...languages.go_syntax import own_nodes, package_name, receiver_of, receiver_type, strip_parens, text
from .channels import CLOSE, RANGE, RECV, SEND, VERB, Op, in_loop, op_at, resolve_int, within
from .goroutines import creator_name, innermost_loop, line_of, started_goroutines

MAX_DEPTH = 4
# partner operations of a blocking one, and how the rule words them
PARTNERS = {SEND: ((RECV, RANGE), "receives from"), RECV: ((SEND, CLOSE), "sends on or closes"),
            RANGE: ((CLOSE,), "closes")}
# methods the standard library calls through its interfaces: never "called by nothing"
INTERFACE_METHODS = frozenset({"Close", "Read", "Write", "String", "Error", "ServeHTTP", "Len", "Less",
                               "Swap", "Push", "Pop", "Format", "Unwrap", "WriteTo", "ReadFrom", "Seek"})


@dataclass
class FieldUse:
    """What the file does with one channel field. Each entry is paired with the struct
    type it is known to be of ("" when any type's field of that name may be meant):
    `s.f` on the receiver of a method of T, or `f:` in a `T{...}` literal, is T's."""
    ops: list = field(default_factory=list)  # (Op, owner)
    caps: list = field(default_factory=list)  # (capacity of a make, None: unknown; owner; the make)
    escapes: list = field(default_factory=list)  # (node where the channel goes elsewhere, owner)

    def of(self, owner: str) -> "FieldUse":
        """The uses that may be of ``owner``'s field ("" : all)."""
        def keep(items):
            return [x for x in items if not owner or not x[1] or x[1] == owner]
        return FieldUse(keep(self.ops), keep(self.caps), keep(self.escapes))


class FileFields:
    """The channel fields the file declares and every use it makes of them."""

    def __init__(self, root):
        self.root = root
        self.owners: dict = {}  # field name -> the struct types declaring it as a channel
        for _, caps in matches("go", "(type_spec name: (type_identifier) @t type: (struct_type (field_declaration_list"
                                     " (field_declaration name: (field_identifier) @n type: (channel_type)))))", root):
            self.owners.setdefault(text(caps["n"][0]), set()).add(text(caps["t"][0]))
        self.fields = set(self.owners)
        # (struct, field) -> the field's type name (pointer stripped), and the interfaces
        self.field_types: dict = {}
        for _, caps in matches("go", "(type_spec name: (type_identifier) @t type: (struct_type (field_declaration_list"
                                     " (field_declaration name: (field_identifier) @n type: (_) @y))))", root):
            self.field_types[(text(caps["t"][0]), text(caps["n"][0]))] = text(caps["y"][0]).lstrip("*")
        self.embedded: dict = {}  # struct -> the types it embeds (whose methods it has)
        for _, caps in matches("go", "(type_spec name: (type_identifier) @t type: (struct_type (field_declaration_list"
                                     " (field_declaration . type: (_) @e .))))", root):
            self.embedded.setdefault(text(caps["t"][0]), set()).add(text(caps["e"][0]).lstrip("*"))
        self.interfaces = {text(caps["t"][0]) for _, caps in matches(
            "go", "(type_spec name: (type_identifier) @t type: (interface_type))", root)}
        self.accessors = self._accessors() if self.fields else {}
        self.uses: dict = {f: FieldUse() for f in self.fields}
        self.referenced: set = set()
        self._functions = None
        self.indirect: set = set()  # ids of operations reached through a parameter
        if self.fields:
            self._collect()

    def _accessors(self) -> dict:
        """Methods whose every return is nil or a channel field of their receiver:
        name -> (field, receiver type)."""
        out = {}
        for _, caps in matches("go", "(method_declaration name: (field_identifier) @m body: (block) @b)",
                               self.root):
            fields = set()
            for n in own_nodes(caps["b"][0]):
                if n.type != "return_statement":
                    continue
                values = [strip_parens(v) for v in (n.named_children[0].named_children if n.named_children else [])]
                if len(values) != 1:
                    fields = None
                    break
                v = values[0]
                if v.type == "nil":
                    continue
                f = v.child_by_field_name("field") if v.type == "selector_expression" else None
                if f is None or text(f) not in self.fields:
                    fields = None
                    break
                fields.add(text(f))
            if fields and len(fields) == 1:
                out[text(caps["m"][0])] = (fields.pop(), receiver_type(caps["m"][0].parent))
        return out

    def _collect(self) -> None:
        for n in _walk(self.root):
            if n.type in ("identifier", "field_identifier", "type_identifier"):
                if n.parent is None or n.parent.child_by_field_name("name") != n:
                    self.referenced.add(text(n))
            if n.type == "selector_expression":
                f = n.child_by_field_name("field")
                name = text(f) if f is not None else ""
                if name in self.fields:
                    self._use(name, n, _owner(n))
                elif name in self.accessors and n.parent is not None and n.parent.type == "call_expression" \
                        and n.parent.child_by_field_name("function") == n:
                    self._use(self.accessors[name][0], n.parent, self.accessors[name][1])
            elif n.type == "keyed_element":
                key = n.named_children[0] if n.named_children else None
                if key is not None and key.type == "literal_element" and key.named_children:
                    key = key.named_children[0]
                value = n.named_children[-1] if len(n.named_children) == 2 else None
                if value is not None and value.type == "literal_element" and value.named_children:
                    value = value.named_children[0]
                if key is not None and text(key) in self.fields and value is not None:
                    literal = n.parent.parent if n.parent is not None else None
                    kind = literal.child_by_field_name("type") if literal is not None else None
                    owner = text(kind) if kind is not None and kind.type == "type_identifier" else ""
                    self._made_or_escape(text(key), value, n, owner)

    def _use(self, name: str, expr, owner: str) -> None:
        use = self.uses[name]
        p = expr.parent
        while p is not None and p.type == "parenthesized_expression":
            expr, p = p, p.parent
        if p is None:
            return
        kind = _op_kind(expr)
        if kind is not None:
            use.ops.append((op_at(kind, _op_node(kind, p)), owner))
            return
        if p.type == "return_statement" or (p.type == "expression_list" and p.parent is not None
                                            and p.parent.type == "return_statement"):
            fn = enclosing_function(expr)
            method = fn.child_by_field_name("name") if fn is not None else None
            if method is not None and self.accessors.get(text(method), ("",))[0] == name:
                return  # the accessor itself: its calls are the uses
        if p.type == "binary_expression" and any(c.type == "nil" for c in p.named_children):
            return
        if p.type == "argument_list" and callee_text(p.parent) in ("len", "cap"):
            return
        if p.type == "expression_list" and p.parent is not None and p.parent.type == "assignment_statement" \
                and p.parent.child_by_field_name("left") == p:
            right = p.parent.child_by_field_name("right")
            values = right.named_children if right is not None else []
            index = p.named_children.index(expr) if expr in p.named_children else -1
            if len(values) == len(p.named_children) and index >= 0:
                self._made_or_escape(name, values[index], expr, owner)
                return
        alias = _alias_ops(expr)
        if alias is None:
            alias = self._passed_ops(expr)
            # a function given this field may be given other channels too: its
            # operations serve the field, but a goroutine there may block on another
            self.indirect.update(op.node.id for op in alias or ())
        if alias is not None:
            use.ops.extend((op, owner) for op in alias)
            return
        use.escapes.append((expr, owner))

    def _passed_ops(self, expr):
        """`f(s.ch)` for a function ``f`` of this file that only works, nil-checks or
        len-checks its parameter: its operations on it; None for any other use."""
        args = expr.parent
        if args.type != "argument_list" or expr not in args.named_children:
            return None
        callee = args.parent.child_by_field_name("function")
        if callee is None or callee.type != "identifier":
            return None
        listed = [a for a in args.named_children if a.type != "comment"]
        fn = self.functions().get(text(callee))
        params = parameter_list(fn) if fn is not None else []
        if len(params) != len(listed) or params[listed.index(expr)] in ("_", ""):
            return None
        return _name_ops(fn, params[listed.index(expr)], None)

    def functions(self) -> dict:
        """The file's plain functions by name (those declared once)."""
        if self._functions is None:
            self._functions, twice = {}, set()
            for n in self.root.named_children:
                if n.type == "function_declaration":
                    name = text(n.child_by_field_name("name"))
                    (twice.add(name) if name in self._functions else None)
                    self._functions[name] = n
            for name in twice:
                del self._functions[name]
        return self._functions

    def _made_or_escape(self, name: str, value, at, owner: str) -> None:
        value = strip_parens(value)
        use = self.uses[name]
        if value.type == "nil":
            return
        if value.type == "call_expression" and callee_text(value) == "make":
            args = [a for a in value.child_by_field_name("arguments").named_children if a.type != "comment"]
            if args and args[0].type == "channel_type":
                use.caps.append((resolve_int(args[1]) if len(args) > 1 else 0, owner, value))
                return
        use.escapes.append((at, owner))


def _owner(selector) -> str:
    """T when ``selector`` is `r.f` on the receiver ``r`` of a method of T, else ""."""
    operand = selector.child_by_field_name("operand")
    return receiver_of(selector, text(operand)) if operand is not None and operand.type == "identifier" else ""


def _walk(root):
    stack = [root]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.named_children)


def _op_kind(expr):
    """The channel operation ``expr`` is the channel of, if any."""
    p = expr.parent
    if p.type == "send_statement" and p.child_by_field_name("channel") == expr:
        return SEND
    if p.type == "unary_expression" and p.child_by_field_name("operand") == expr \
            and text(p.child_by_field_name("operator")) == "<-":
        return RECV
    if p.type == "range_clause" and p.child_by_field_name("right") == expr:
        return RANGE
    if p.type == "argument_list" and callee_text(p.parent) == "close" and p.named_children[:1] == [expr]:
        return CLOSE
    return None


def _op_node(kind, parent):
    """The node performing the operation whose channel's parent is ``parent``: the range
    loop, the `close(...)` call, or the send / receive itself."""
    return parent.parent if kind in (RANGE, CLOSE) else parent


def _alias_ops(expr):
    """`c := s.ch` (or `var c = s.ch`) in a function that only works, nil-checks or
    len-checks ``c``: its operations on ``c``; None for any other use."""
    p = expr.parent
    if p.type != "expression_list" or len(p.named_children) != 1:
        return None
    stmt = p.parent
    if stmt is None:
        return None
    if stmt.type == "short_var_declaration" and stmt.child_by_field_name("right") == p:
        left = stmt.child_by_field_name("left").named_children
    elif stmt.type == "var_spec" and stmt.child_by_field_name("value") == p:
        left = stmt.children_by_field_name("name")
    else:
        return None
    if len(left) != 1 or left[0].type != "identifier":
        return None
    return _name_ops(enclosing_function(stmt), text(left[0]), left[0])


def _name_ops(fn, name: str, declaration):
    """The channel operations on the local name (or parameter) ``name`` in ``fn``, when
    ``fn`` only works, nil-checks or len-checks it; None for any other use."""
    if fn is None or fn.child_by_field_name("body") is None:
        return None  # a package-level variable: it may go anywhere
    ops = []
    for n in own_nodes(fn.child_by_field_name("body")):
        if n.type != "identifier" or text(n) != name or n == declaration:
            continue
        kind = _op_kind(n)
        q = n.parent
        if kind is not None:
            ops.append(op_at(kind, _op_node(kind, q)))
        elif q.type == "binary_expression" and any(c.type == "nil" for c in q.named_children):
            continue
        elif q.type == "argument_list" and callee_text(q.parent) in ("len", "cap"):
            continue
        else:
            return None
    return ops


def parameter_list(fn) -> list:
    """The parameter names of a function or literal, "_" for an unnamed one."""
    out = []
    plist = fn.child_by_field_name("parameters")
    for decl in (plist.named_children if plist is not None else []):
        if decl.type not in ("parameter_declaration", "variadic_parameter_declaration"):
            continue
        names = decl.children_by_field_name("name")
        out.extend(text(n) for n in names) if names else out.append("_")
    return out


def definitions(adapter, call, fields) -> list:
    """The same-file functions ``call`` may run (``GoAdapter.resolve``), narrowed to the
    methods of the operand's type when the file tells that type: `s.ranges.delete()`
    on a field of type `*rangeSet` runs no other type's `delete`."""
    keys = adapter.resolve(call)
    callee = call.child_by_field_name("function")
    if keys and callee is not None and callee.type == "selector_expression":
        known = static_type(callee.child_by_field_name("operand"), fields)
        if known and known not in fields.interfaces:
            types, todo = set(), [known]
            while todo:  # the type and what it embeds
                t = todo.pop()
                if t not in types:
                    types.add(t)
                    todo.extend(fields.embedded.get(t, ()))
            keys = [k for k in keys if k.rsplit(".", 1)[0] in types]
    table = adapter.functions()
    return [table[k][0] for k in keys]


def static_type(expr, fields) -> str:
    """The type name of ``expr`` when the file tells it ("" when it does not): a
    method's receiver, a parameter, a local made from a composite literal or `new`,
    and fields of those by their struct's declaration."""
    expr = strip_parens(expr)
    if expr is None:
        return ""
    if expr.type == "unary_expression" and text(expr.child_by_field_name("operator")) in ("&", "*"):
        return static_type(expr.child_by_field_name("operand"), fields)
    if expr.type == "selector_expression":
        outer = static_type(expr.child_by_field_name("operand"), fields)
        name = expr.child_by_field_name("field")
        return fields.field_types.get((outer, text(name)), "") if outer and name is not None else ""
    if expr.type != "identifier":
        return ""
    name = text(expr)
    owner = receiver_of(expr, name)
    if owner:
        return owner
    fn = enclosing_function(expr)
    while fn is not None:
        plist = fn.child_by_field_name("parameters")
        for decl in (plist.named_children if plist is not None else []):
            if any(text(n) == name for n in decl.children_by_field_name("name")):
                kind = decl.child_by_field_name("type")
                return text(kind).lstrip("*") if kind is not None and kind.type in (
                    "type_identifier", "pointer_type") else ""
        for n in own_nodes(fn.child_by_field_name("body")) if fn.child_by_field_name("body") else ():
            if n.type == "short_var_declaration":
                left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
                pairs = list(zip(left.named_children, right.named_children)) \
                    if len(left.named_children) == len(right.named_children) else []
                for k, v in pairs:
                    if text(k) == name:
                        return _made_type(v)
        fn = enclosing_function(fn)
    return ""


def _made_type(value) -> str:
    """T of `T{...}`, `&T{...}`, `new(T)`; "" otherwise."""
    value = strip_parens(value)
    if value.type == "unary_expression" and text(value.child_by_field_name("operator")) == "&":
        value = strip_parens(value.child_by_field_name("operand"))
    if value.type == "composite_literal":
        kind = value.child_by_field_name("type")
        return text(kind) if kind is not None and kind.type == "type_identifier" else ""
    if value.type == "call_expression" and callee_text(value) == "new":
        args = value.child_by_field_name("arguments").named_children
        return text(args[0]) if args and args[0].type == "type_identifier" else ""
    return ""


def reached(adapter, body, repeated: bool, fields) -> list:
    """(function body, runs repeatedly) for the goroutine's body and the same-file
    functions it calls, up to MAX_DEPTH calls deep (not what it starts as goroutines)."""
    out, seen = [], {}
    todo = [(body, repeated, 0)]
    while todo:
        block, again, depth = todo.pop()
        if block is None or seen.get(block.id, False) or (block.id in seen and not again):
            continue  # seen already (running repeatedly, or now once again)
        if block.id in seen:
            out = [(b, a) for b, a in out if b.id != block.id]
        seen[block.id] = again
        out.append((block, again))
        if depth >= MAX_DEPTH:
            continue
        fn = block.parent
        for n in own_nodes(block):
            if n.type == "go_statement":
                continue
            if n.type == "call_expression" and not _in_go(n, block):
                repeats = again or in_loop(n, fn)
                for d in definitions(adapter, n, fields):
                    todo.append((d.child_by_field_name("body"), repeats, depth + 1))
                todo.extend((literal.child_by_field_name("body"), repeats, depth + 1)
                            for literal in callbacks(n, block))
    return out


def callbacks(call, block) -> list:
    """The function literals a call of a parameter runs: `f()` in a function (or a
    literal in it) whose parameter ``f`` its same-file callers fill with a literal, or
    with a local variable bound to one (`run := func() {...}; w.Start(run)`)."""
    callee = call.child_by_field_name("function")
    if callee is None or callee.type != "identifier":
        return []
    decl = _declaration(block) if block.parent is not None and block.parent.type == "func_literal" else block.parent
    if decl is None or decl.type not in ("function_declaration", "method_declaration"):
        return []
    params = parameter_list(decl)
    name = text(callee)
    if name not in params or _rebound(decl, name):
        return []
    index, wanted = params.index(name), text(decl.child_by_field_name("name"))
    root = decl
    while root.parent is not None:
        root = root.parent
    out = []
    for _, caps in matches("go", "(call_expression function: [(identifier) @f (selector_expression field: "
                                 "(field_identifier) @f)] arguments: (argument_list) @a) @c", root):
        if text(caps["f"][0]) != wanted:
            continue
        args = [a for a in caps["a"][0].named_children if a.type != "comment"]
        if len(args) != len(params):
            continue
        arg = strip_parens(args[index])
        if arg.type == "identifier":
            arg = _bound_literal(arg)
        if arg is not None and arg.type == "func_literal":
            out.append(arg)
    return out


def _rebound(fn, name: str) -> bool:
    """Is ``name`` assigned anywhere in ``fn`` (then it is not only the caller's)?"""
    for n in own_nodes(fn.child_by_field_name("body")):
        if n.type == "assignment_statement":
            left = n.child_by_field_name("left")
            if left is not None and any(text(x) == name for x in left.named_children):
                return True
    return False


def _bound_literal(ident):
    """The function literal a local ``name := func(...) {...}`` binds, if any."""
    fn = enclosing_function(ident)
    if fn is None:
        return None
    for n in own_nodes(fn.child_by_field_name("body")):
        if n.type == "short_var_declaration":
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            names, values = left.named_children, right.named_children
            if len(names) == len(values):
                for k, v in zip(names, values):
                    if text(k) == text(ident) and strip_parens(v).type == "func_literal":
                        return strip_parens(v)
    return None


def _in_go(node, stop) -> bool:
    p = node.parent
    while p is not None and p != stop:
        if p.type == "go_statement":
            return True
        p = p.parent
    return False


class Partners:
    """Who serves a channel field: this file's tree and the other files' facts."""

    def __init__(self, ctx, fields: FileFields):
        self.fields = fields
        reads = ctx.reads.get("channel_fields", "unknown")
        self.elsewhere = reads.get("fields", {}) if isinstance(reads, dict) else None
        self.named = set(reads.get("named", [])) if isinstance(reads, dict) else set()
        self.main = package_name(fields.root) == "main"

    def judge(self, name: str, op: Op, owner: str, again: bool):
        """None (served, or unknown) or (wording of who fails to serve, related nodes);
        ``owner``: the struct type the blocked operation's field is known to be of."""
        use = self.fields.uses[name].of(owner)
        if self.elsewhere is None or use.escapes or self._exported(name, owner):
            return None
        other = set(self.elsewhere.get(name, []))
        for t in ([owner] if owner else self.fields.owners[name]):
            other.update(self.elsewhere.get(f"{t}.{name}", []))
        kinds, needed = PARTNERS[op.kind]
        if "value" in other or other & set(kinds):
            return None  # the channel goes elsewhere, or another file serves it
        if not use.caps and "made" not in other:
            return None  # made by nobody here: it comes from elsewhere
        caps = [c for c, *_ in use.caps]
        repeats = again or (op.in_loop and not _once(op) and not (
            "made" not in other and caps and None not in caps and _counted(op) <= min(caps)))
        if op.kind == SEND and ("made" in other or any(c != 0 for c in caps)) and not repeats:
            return None  # one send into a buffer: it completes
        partners = [o for o, _ in use.ops if o.kind in kinds]
        live = [o for o in partners if not self._dead(o.node)]
        if not live:
            if partners:
                names = sorted({self._function_name(o.node) for o in partners})
                return (f"only {', '.join(names)}, which nothing calls, {needed} it",
                        [(o.node, f"{VERB[o.kind]} {name}, never run") for o in partners])
            return f"nothing in the package {needed} it", []
        reasons = [_stops_serving(o) for o in live]
        if any(r is None for r in reasons):
            return None
        first, (how, where) = live[0], reasons[0]
        who = self._function_name(first.node)
        return (f"{who} {needed} it only {how} (line {line_of(where)})",
                [(o.node, f"{VERB[o.kind]} {name}") for o in live])

    def _exported(self, name: str, owner: str) -> bool:
        """Can other packages work the field: it is exported, or an exported accessor
        returns it (package main has no importers)?"""
        if self.main:
            return False
        return name[:1].isupper() or any(
            method[:1].isupper() and f == name and (not owner or not o or o == owner)
            for method, (f, o) in self.fields.accessors.items())

    def _function_name(self, node) -> str:
        fn = _declaration(node)
        return creator_name(fn) if fn is not None else "the package"

    def _dead(self, node) -> bool:
        """Is ``node`` in a function that nothing in the package names (and nothing
        outside can call: an unexported name, or package main)?"""
        fn = _declaration(node)
        if fn is None or fn.child_by_field_name("name") is None:
            return False
        name = text(fn.child_by_field_name("name"))
        if name in ("main", "init") or name in INTERFACE_METHODS:
            return False
        if name[:1].isupper() and not self.main:
            return False
        return name not in self.fields.referenced and name not in self.named


def _once(op: Op) -> bool:
    """Does a send in a loop run once per channel: the next statement returns, or sets
    the field it sent on to nil (`s.ready <- v; s.ready = nil`)?"""
    if op.kind != SEND:
        return False
    nxt = op.node.next_named_sibling
    while nxt is not None and nxt.type == "comment":
        nxt = nxt.next_named_sibling
    if nxt is None:
        return False
    if nxt.type == "return_statement":
        return True
    if nxt.type != "assignment_statement":
        return False
    left, right = nxt.child_by_field_name("left"), nxt.child_by_field_name("right")
    channel = op.node.child_by_field_name("channel")
    return left is not None and right is not None and channel is not None \
        and text(left).replace(" ", "") == text(channel).replace(" ", "") and text(right) == "nil"


def _counted(op: Op) -> float:
    """How often ``op`` runs per call of its function when its only loop counts
    `for i := 0; i < N; i++` with a constant N; inf for any other loop."""
    fn = enclosing_function(op.node)
    loop = innermost_loop(op.node, fn)
    if loop is None or innermost_loop(loop, fn) is not None:
        return float("inf")
    clause = next((c for c in loop.named_children if c.type == "for_clause"), None)
    cond = clause.child_by_field_name("condition") if clause is not None else None
    init = clause.child_by_field_name("initializer") if clause is not None else None
    if cond is None or cond.type != "binary_expression" or init is None \
            or text(init).replace(" ", "").split(":=")[-1] != "0":
        return float("inf")
    bound = resolve_int(cond.child_by_field_name("right"))
    if bound is None:
        return float("inf")
    return {"<": bound, "<=": bound + 1}.get(text(cond.child_by_field_name("operator")), float("inf"))


def _declaration(node):
    fn = enclosing_function(node)
    while fn is not None and fn.type == "func_literal":
        fn = enclosing_function(fn)
    return fn


def _stops_serving(op: Op):
    """(how, node) when the partner ``op`` may stop serving: it only takes a ready value
    (a select case beside a `default`), or its loop has a way out; else None."""
    node = op.node
    case = node.parent
    while case is not None and case.type not in ("communication_case", "block", "source_file"):
        case = case.parent
    if case is not None and case.type == "communication_case" and any(
            c.type == "default_case" for c in case.parent.named_children):
        return "without waiting (a select with a default)", node
    fn = enclosing_function(node)
    loop = innermost_loop(node, fn)
    if loop is None:
        return None
    # a way out taken right after this very operation has served once
    way_out = next((e for e in _loop_exits(loop) if not _follows(node, e)), None)
    if way_out is None:
        return None
    return "until its loop ends", way_out


def _follows(op_node, exit_node) -> bool:
    """Is ``exit_node`` after ``op_node`` in the select case, switch case or block that
    holds the operation (so the operation has run on the way out)?"""
    if exit_node.start_byte < op_node.start_byte:
        return False
    scope = op_node.parent
    while scope is not None and scope.type not in ("communication_case", "expression_case",
                                                  "default_case", "block"):
        scope = scope.parent
    return scope is not None and scope.start_byte <= exit_node.start_byte < scope.end_byte


def _loop_exits(loop):
    """The `return`s in ``loop`` and the `break`s that leave it."""
    label = loop.parent.named_children[0] if loop.parent is not None and loop.parent.type == "labeled_statement" \
        else None
    body = loop.child_by_field_name("body")
    for n in (own_nodes(body) if body is not None else ()):
        if n.type == "return_statement":
            yield n
        if n.type == "break_statement":
            target = n.named_children[0] if n.named_children else None
            if target is not None:
                if label is not None and text(target) == text(label):
                    yield n
                continue
            p = n.parent
            while p is not None and p != loop and p.type not in ("for_statement", "select_statement",
                                                                 "expression_switch_statement",
                                                                 "type_switch_statement"):
                p = p.parent
            if p == loop:
                yield n


def check(ctx, rule) -> None:
    """Report goroutines blocked on a channel field nobody (left) serves."""
    root = ctx.tree.root_node
    if b"chan" not in root.text:
        return
    fields = FileFields(root)
    if not fields.fields:
        return
    partners = Partners(ctx, fields)
    for adapter, g in started_goroutines(ctx):
        many = in_loop(g.stmt, g.creator)
        found = _blocked(adapter, g, fields, partners, many)
        if found is False:
            continue  # no operation on a channel field: nothing judged
        ctx.count(rule.code, g.stmt, ok=found is None)
        if found is None:
            continue
        name, op, (where, related) = found
        fn = _declaration(op.node)
        at = str(line_of(op.node))
        if fn is not None and fn.child_by_field_name("body") is not None and g.body != fn.child_by_field_name("body") \
                and not (g.body.parent is not None and g.body.parent.type == "func_literal"
                         and _declaration(g.body) == fn and enclosing_function(op.node) == g.body.parent):
            at += f" (in {creator_name(fn)})"
        what = (f"leaves its loop only by receiving from field {name} at line {at}" if op.in_select
                else f"{VERB[op.kind]} field {name} at line {at}")
        ctx.emit(rule, g.stmt, rule.message.format(
            what=what, where=where,
            effect="it can block forever"),
            related=[(op.node, f"blocks here: {VERB[op.kind]} {name}")] + related[:4])


def _blocked(adapter, g, fields, partners, many):
    """(field, blocking op, judgement) for the first operation of the goroutine that
    blocks on a channel field nobody serves; None when each is served, False when the
    goroutine blocks on no channel field."""
    judged = False
    for block, again in reached(adapter, g.body, False, fields):
        fn = block.parent
        for name, use in fields.uses.items():
            # goroutines started in a loop share the channel unless each makes its own
            shared = many and not any(within(make, g.body) for *_, make in use.caps) \
                and not _given_fresh(g)
            for op, owner in use.ops:
                if op.kind not in PARTNERS or op.in_select or op.node.id in fields.indirect \
                        or enclosing_function(op.node) != fn \
                        or not (block.start_byte <= op.node.start_byte < block.end_byte):
                    continue
                judged = True
                verdict = partners.judge(name, op, owner, again or shared)
                if verdict is not None:
                    return name, op, verdict
    if judged:
        return None
    return _endless(g, fields, partners, many)


def _given_fresh(g) -> bool:
    """Is the goroutine, started in a loop, given an object declared in that loop's body
    (`ws := ...; go w.serve(ws)`): then each goroutine works channels of its own."""
    call = next((c for c in g.stmt.named_children if c.type == "call_expression"), None)
    loop = innermost_loop(g.stmt, g.creator)
    if call is None or loop is None:
        return False
    body = loop.child_by_field_name("body")
    names = {text(a) for a in call.child_by_field_name("arguments").named_children if a.type == "identifier"}
    callee = call.child_by_field_name("function")
    operand = callee.child_by_field_name("operand") if callee is not None and callee.type == "selector_expression" \
        else None
    if operand is not None and operand.type == "identifier":
        names.add(text(operand))  # `go j.run()` on this turn's j
    declared = [loop.named_children[0].child_by_field_name("left")] \
        if loop.named_children and loop.named_children[0].type == "range_clause" else []
    declared += [n.child_by_field_name("left") for n in (own_nodes(body) if body is not None else ())
                 if n.type == "short_var_declaration"]
    return any(text(x) in names for left in declared if left is not None for x in left.named_children)


def _endless(g, fields, partners, many):
    """A goroutine whose loop is left only from select cases that receive from channel
    fields (`case <-s.done: return`), none of which anything serves: it never ends.
    Same result as ``_blocked``."""
    fn = g.body.parent
    loops = [n for n in own_nodes(g.body) if n.type == "for_statement"
             and not any(c.type != "block" for c in n.named_children)]  # `for { ... }`
    judged = False
    for loop in loops:
        exits = list(_loop_exits(loop))
        cases = [_exit_case(e, loop, fields) for e in exits]
        if not exits or any(c is None for c in cases):
            continue
        judged = True
        verdicts = [partners.judge(name, op, owner, many) for name, op, owner in cases]
        if all(v is not None for v in verdicts) and enclosing_function(loop) == fn:
            name, op, _owner = cases[0]
            return name, op, verdicts[0]
    return None if judged else False


def _exit_case(exit_node, loop, fields):
    """(field, receive, owner) when ``exit_node`` is in a select case of ``loop`` whose
    communication receives from a channel field; None otherwise."""
    p = exit_node.parent
    while p is not None and p != loop and p.type != "communication_case":
        p = p.parent
    if p is None or p == loop:
        return None
    comm = p.child_by_field_name("communication")
    for name, use in fields.uses.items():
        for op, owner in use.ops:
            if op.kind == RECV and comm is not None and comm.start_byte <= op.node.start_byte < comm.end_byte:
                return name, Op(RECV, op.node, True, op.in_loop), owner
    return None
