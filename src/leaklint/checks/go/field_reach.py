"""What a goroutine runs, for LL610's field analysis (``field_channels``): its body and
the same-file functions it calls a few calls deep (methods narrowed to the operand's
type when the file tells it), and the literals its callers pass for a parameter it calls.
"""

from __future__ import annotations

from ...languages import matches, nearest, tree_root
from ...languages.go import callee_text, enclosing_function
from ...languages.go_syntax import own_nodes, receiver_of, strip_parens, text
from .channels import in_loop
from .field_uses import declaration, parameter_list

MAX_DEPTH = 4


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
    decl = declaration(block) if block.parent is not None and block.parent.type == "func_literal" else block.parent
    if decl is None or decl.type not in ("function_declaration", "method_declaration"):
        return []
    params = parameter_list(decl)
    name = text(callee)
    if name not in params or _rebound(decl, name):
        return []
    index, wanted = params.index(name), text(decl.child_by_field_name("name"))
    root = tree_root(decl)
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
    return nearest(node, ("go_statement",), stop) is not None
