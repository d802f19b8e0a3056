"""Go constructors whose result owns a handle: `func Open(p string) (*Store, error)` that
keeps `os.Open`'s file in a field of the *Store it returns, when a method of Store named
for the rule's release (`Close`) releases that field. Calling such a constructor makes a
fresh resource, as calling a factory does, and its caller owes the object's `Close`.

The handle reaches the field as a keyed element of a composite literal of the type
(`&Store{f: f}`, `Store{t: time.NewTicker(d)}`), or by a store into a field of the
value the function returns (`s.f = f`, `s.f, err = os.Open(p)`); the literal or the
value must be the function's first result. The release method must be in the same file
(precision first: a type whose methods are not in view is no owner here)."""

from __future__ import annotations

from . import matches, tree_root
from .go_returns import assigned, returns_at
from .go_functions import result_types
from .go_syntax import local_values, own_nodes, receiver_names, receiver_type, strip_parens, text

_METHODS = "(method_declaration name: (field_identifier) @m) @d"


def _kept_field(call, fn, handle_index: int, memo: dict) -> tuple[str, str] | None:
    """(the type, the field) when ``fn`` keeps the handle ``call`` yields at
    ``handle_index`` in a field of the value of its own type that it returns first."""
    owner = _first_result_type(fn)
    if not owner:
        return None
    value = strip_parens(call)
    if value.parent is not None and value.parent.type == "literal_element":
        return _literal_field(value.parent, fn, owner, memo)
    stored = _stored_field(value, handle_index, fn, memo)
    if stored:
        return (owner, stored)
    target = assigned(call, handle_index)
    body = fn.child_by_field_name("body")
    if target is None or body is None:
        return None
    for n in own_nodes(body):
        if n.type == "identifier" and n.text == target.text and n.id != target.id:
            p = n.parent
            if p is not None and p.type == "literal_element":
                found = _literal_field(p, fn, owner, memo)
                if found:
                    return found
            elif p is not None and p.type == "expression_list":
                found = _stored_field(n, 0, fn, memo)
                if found:
                    return (owner, found)
    return None


def _releases_field(root, owner: str, field: str, release) -> bool:
    """Does a method of ``owner`` declared in the file ``root``, named for one of
    ``release``, call one of them on the receiver's ``field``
    (`func (s *Store) Close() error { return s.f.Close() }`)?"""
    for _, caps in matches("go", _METHODS, root):
        method = caps["d"][0]
        if text(caps["m"][0]) not in release or receiver_type(method) != owner:
            continue
        recv = receiver_names(method)
        for n in own_nodes(method.child_by_field_name("body")):
            f = n.child_by_field_name("function") if n.type == "call_expression" else None
            if f is None or f.type != "selector_expression" \
                    or text(f.child_by_field_name("field")) not in release:
                continue
            kept = f.child_by_field_name("operand")
            if kept.type == "selector_expression" \
                    and text(kept.child_by_field_name("field")) == field \
                    and text(kept.child_by_field_name("operand")) in recv:
                return True
    return False


def owned_by_result(call, fn, handle_index: int, release, memo: dict) -> bool:
    """Does ``fn`` return an object of its own type that keeps the handle ``call`` yields
    in a field one of its ``release`` methods releases?"""
    kept = _kept_field(call, fn, handle_index, memo)
    return bool(kept) and _releases_field(tree_root(fn), *kept, release)


def _first_result_type(fn) -> str:
    """`T` when ``fn`` declares its first result `*T` or `T` (a type of this package)."""
    if fn is None or fn.type not in ("function_declaration", "method_declaration"):
        return ""
    types = result_types(fn)
    first = types[0].lstrip("*") if types else ""
    return first if first.isidentifier() else ""


def _literal_field(element, fn, owner: str, memo: dict):
    """(owner, key) when ``element`` (a literal_element) is the value of a keyed element
    of an ``owner`` composite literal that ``fn`` returns first."""
    keyed = element.parent
    if keyed is None or keyed.type != "keyed_element" or keyed.named_children[-1] != element:
        return None
    key = keyed.named_children[0]
    literal = keyed.parent.parent if keyed.parent is not None else None
    if literal is None or literal.type != "composite_literal" \
            or text(literal.child_by_field_name("type")) != owner:
        return None
    value = literal
    if value.parent is not None and value.parent.type == "unary_expression":
        value = value.parent
    if _first_returned(value, fn, memo):
        return (owner, text(key))
    return None


def _first_returned(value, fn, memo: dict) -> bool:
    """Is ``value`` what ``fn`` returns first: `return value, nil`, or `x := value`
    with `return x, ...`?"""
    values = value.parent
    if values is None or values.type != "expression_list" or values.parent is None:
        return False
    stmt = values.parent
    if stmt.type == "return_statement":
        return values.named_children[0] == value
    if stmt.type not in ("short_var_declaration", "assignment_statement") \
            or stmt.child_by_field_name("right") != values or len(values.named_children) != 1:
        return False
    names = stmt.child_by_field_name("left").named_children
    return len(names) == 1 and names[0].type == "identifier" and returns_at(fn, names[0].text, memo)


def _stored_field(value, index: int, fn, memo: dict) -> str:
    """The field when ``value`` (a call's result at ``index``, or a name) is stored into
    `x.f` of a local ``x`` that ``fn`` returns first (`s.f = f`, `s.f, err = open()`)."""
    values = value.parent
    if values is None or values.type != "expression_list" or values.parent is None:
        return ""
    stmt = values.parent
    if stmt.type != "assignment_statement" or stmt.child_by_field_name("right") != values:
        return ""
    targets = stmt.child_by_field_name("left").named_children
    if len(values.named_children) > 1:
        index = values.named_children.index(value)
    if index >= len(targets) or targets[index].type != "selector_expression":
        return ""
    holder = targets[index].child_by_field_name("operand")
    if holder.type != "identifier" or not returns_at(fn, holder.text, memo) \
            or not _made_fresh(fn, holder.text):
        return ""
    return text(targets[index].child_by_field_name("field"))


def _made_fresh(fn, name: bytes) -> bool:
    """Is every value ``fn`` gives the local ``name`` a new one it makes (`&T{...}`,
    `T{...}`, `new(T)`), not one it was given or found (the receiver, `svc := d.shared`)?"""
    values = local_values(fn, name.decode())
    return bool(values) and all(v is not None and _new_value(strip_parens(v)) for v in values)


def _new_value(v) -> bool:
    if v.type == "unary_expression":
        v = v.child_by_field_name("operand")
    return v.type == "composite_literal" or (
        v.type == "call_expression" and text(v.child_by_field_name("function")) == "new")
