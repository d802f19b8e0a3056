"""How far a Go loop turns, as far as its header and its ways out tell: what the context
policy needs to judge something that piles up once per turn (``contexts.PER_TURN``)."""

from __future__ import annotations

from ..languages.go_syntax import local_values, own_nodes, strip_parens, text


def loop_bound(loop) -> str:
    """A phrase saying what bounds the ``for`` statement ``loop``, or "" when nothing does
    (``for { ... }`` without such exits, a benchmark's ``b.N`` / ``b.Loop()``)."""
    if _over_fixed_data(loop):
        return "over the test's own cases or a fixed count"
    body = loop.child_by_field_name("body")
    if body is not None and _until_refused(body):
        return "that ends when its own acquisitions are refused"
    return ""


def _over_fixed_data(loop) -> bool:
    """A loop with a header (a range over a table, a count) that is not a benchmark's: in
    a test it turns over the test's own cases. Not so for ``b.N`` / ``b.Loop()`` (it grows
    with the run) or an open-ended ``for { ... }``."""
    header = [c for c in loop.named_children if c.type != "block"]
    if not header:
        return False
    text = b" ".join(c.text for c in header)
    return b".N" not in text and b".Loop()" not in text


def _until_refused(body) -> bool:
    """An open-ended loop whose only ways out are the failures of its own acquisitions
    (`if err != nil { break }`): a test filling a server up to its limit, holding each
    connection until the test ends. It turns as many times as the limit allows."""
    exits = [n for n in own_nodes(body)
             if n.type in ("break_statement", "return_statement", "goto_statement")
             and _loop_of(n) == body.parent]
    if not exits:
        return False
    errors = set()
    for n in own_nodes(body):
        if n.type in ("short_var_declaration", "assignment_statement"):
            right = n.child_by_field_name("right")
            if right is not None and any(v.type == "call_expression" for v in right.named_children):
                errors |= {c.text.decode() for c in n.child_by_field_name("left").named_children
                           if c.type == "identifier" and c.text != b"_"}
    for e in exits:
        guard = e.parent
        while guard is not None and guard.type in ("block", "statement_list"):
            guard = guard.parent
        cond = guard.child_by_field_name("condition") if guard is not None \
            and guard.type == "if_statement" else None
        if cond is None or cond.type != "binary_expression" \
                or cond.child_by_field_name("operator").type != "!=" \
                or cond.child_by_field_name("right").type != "nil" \
                or cond.child_by_field_name("left").text.decode() not in errors:
            return False
    return True


def _loop_of(node):
    """The loop a break, return or goto at ``node`` leaves: the innermost `for` around an
    unlabeled break outside any switch/select, the function's outermost loop otherwise."""
    p = node.parent
    if node.type == "break_statement" and not node.named_children:
        while p is not None and p.type not in ("for_statement", "expression_switch_statement",
                                              "type_switch_statement", "select_statement",
                                              "func_literal"):
            p = p.parent
        return p if p is not None and p.type == "for_statement" else None
    outer = None
    while p is not None and p.type not in ("func_literal", "function_declaration",
                                          "method_declaration"):
        if p.type == "for_statement":
            outer = p
        p = p.parent
    return outer


# a written-out count above this is a stress loop (it is there to pile things up)
HANDFUL = 100
_FUNCTIONS = ("func_literal", "function_declaration", "method_declaration")


def fixed_handful(loop) -> bool:
    """Does ``loop`` turn over data written out in the source? ``for range 4``, ``for i :=
    0; i < n; i++`` with ``n`` a constant of at most ``HANDFUL``, a range over a composite
    literal or a name bound only to one (a test's table of cases, in its function or at
    package level), or over a field of the element of such a table. Like a Python loop
    over a literal tuple, it turns a fixed handful of times: what each turn holds does not
    pile up in a short run."""
    header = next((c for c in loop.named_children if c.type != "block"), None)
    if header is None:
        return False
    if header.type == "range_clause":
        return _written_out(header.child_by_field_name("right"), loop)
    if header.type == "for_clause":
        cond = header.child_by_field_name("condition")
        if cond is None or cond.type != "binary_expression" \
                or cond.child_by_field_name("operator").type not in ("<", "<="):
            return False
        count = _count(cond.child_by_field_name("right"), loop)
        return count is not None and count <= HANDFUL
    return False


def _written_out(expr, loop) -> bool:
    expr = strip_parens(expr) if expr is not None else None
    if expr is None:
        return False
    if expr.type == "composite_literal":
        return True
    count = _count(expr, loop)
    if count is not None:
        return count <= HANDFUL
    if expr.type == "identifier":
        values = _values(expr, loop)
        return bool(values) and all(v is not None and v.type == "composite_literal"
                                    for v in values)
    if expr.type == "selector_expression":
        # a field of the element a fixed-handful range hands out: `range tc.statuses`
        element = text(expr.child_by_field_name("operand"))
        outer = _ancestor_loops(loop)
        for n in outer:
            header = next((c for c in n.named_children if c.type != "block"), None)
            left = header.child_by_field_name("left") if header is not None \
                and header.type == "range_clause" else None
            if left is not None and element in [text(c) for c in left.named_children]:
                return fixed_handful(n)
    return False


def _count(expr, loop) -> int | None:
    """The value of an int literal, or of a name bound only to int literals."""
    if expr is None:
        return None
    if expr.type == "int_literal":
        try:
            return int(text(expr).replace("_", ""), 0)
        except ValueError:
            return None
    if expr.type != "identifier":
        return None
    values = _values(expr, loop)
    counts = [_count(v, loop) if v is not None and v.type == "int_literal" else None
              for v in values or [None]]
    return None if None in counts else max(counts)


def _ancestor_loops(node):
    n = node.parent
    while n is not None:
        if n.type == "for_statement":
            yield n
        n = n.parent


def _values(name_node, loop) -> list | None:
    """What the name is bound to: the innermost function around ``loop`` declaring it
    (every value it is given there), else a const or var of the file's top level."""
    name = text(name_node)
    n = loop.parent
    while n is not None:
        if n.type in _FUNCTIONS:
            values = local_values(n, name)
            if values is not None:
                return values
            values = _spec_values([c for c in own_nodes(n) if c.type == "const_spec"], name)
            if values is not None:
                return values
        if n.parent is None:
            return _spec_values(_top_specs(n), name)
        n = n.parent
    return None


def _top_specs(root) -> list:
    out, stack = [], [c for c in root.named_children
                      if c.type in ("const_declaration", "var_declaration")]
    while stack:
        node = stack.pop()
        for c in node.named_children:
            if c.type in ("const_spec", "var_spec"):
                out.append(c)
            elif c.type.endswith("_spec_list"):
                stack.append(c)
    return out


def _spec_values(specs, name: str) -> list | None:
    for spec in specs:
        names = [text(c) for c in spec.children_by_field_name("name") if c.is_named]
        if name in names:
            value = spec.child_by_field_name("value")
            values = value.named_children if value is not None else []
            return [values[names.index(name)]] if len(values) == len(names) else [None]
    return None
