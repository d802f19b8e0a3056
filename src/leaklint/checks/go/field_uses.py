"""What a Go file does with the channels kept in its struct fields (for LL610's field
analysis, ``field_channels``): every operation on `x.f`, every make, every use that lets
the channel go elsewhere, each paired with the struct type it is known to belong to;
accessors (`func (s *T) Done() <-chan struct{} { return s.done }`), local aliases and
same-file functions given the field count as the field's own operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...languages import matches, walk
from ...languages.go import callee_text, enclosing_function
from ...languages.go_syntax import channel_operation, own_nodes, receiver_of, receiver_type, strip_parens, text
from .channels import CLOSE, RANGE, op_at, resolve_int


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
        # in a fixed order (by name; each field's uses in source order): the goroutine's
        # first blocking operation found is the one reported, the same in every run
        self.uses: dict = {f: FieldUse() for f in sorted(self.fields)}
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
        for n in walk(self.root):
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
        kind = channel_operation(expr)
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
        kind = channel_operation(n)
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


def declaration(node):
    """The function or method declaration around ``node`` (out of any literal)."""
    fn = enclosing_function(node)
    while fn is not None and fn.type == "func_literal":
        fn = enclosing_function(fn)
    return fn
