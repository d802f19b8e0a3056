"""What a Go function returns of a call it makes: the name a call's result is bound to
(``assigned``), whether the function returns that result as it is (``returned``: the
test that makes a function a factory in ``facts/shapes``), and whether a wrapper made
around a handle outlives the function (``kept_wrapper``)."""

from __future__ import annotations

from . import matches, tree_root
from .go_syntax import (callee_text, declared_names, enclosing_function, parameter_names,
                        receiver_names, root_identifier, strip_parens, text)


def assigned(call, index: int):
    """The identifier that ``x, err := call(...)`` (or ``=``) binds the call's result
    ``index`` to (-1: the last), when the call is the statement's only value; None
    otherwise (and for ``_``)."""
    parent = call.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    if parent is None or parent.type != "expression_list" or len(parent.named_children) != 1:
        return None
    stmt = parent.parent
    if stmt is None or stmt.type not in ("short_var_declaration", "assignment_statement") \
            or stmt.child_by_field_name("right") != parent:
        return None
    names = stmt.child_by_field_name("left").named_children
    if not names or index >= len(names) or names[index].type != "identifier" \
            or names[index].text == b"_":
        return None
    return names[index]


def returned(call, fn, handle_index: int, memo: dict) -> bool:
    """Does ``fn`` return what ``call`` (its own code) yields, in the same shape: as
    ``return call(...)``, or as ``x, err := call(...)`` and a ``return`` with x at
    ``handle_index`` among as many results? ``memo``: one per file (its returns)."""
    parent = call.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    if parent is not None and parent.type == "expression_list" and len(parent.named_children) == 1 \
            and parent.parent is not None and parent.parent.type == "return_statement":
        return True
    target = assigned(call, handle_index)
    if target is None:
        return False
    names = target.parent.named_children
    name = names[handle_index].text
    return (len(names), handle_index, name) in _returns(fn, memo) \
        and not _released_on_return(fn, name, memo) and not _kept(fn, name, memo) \
        and not _release_registered(fn, name, memo)


def _kept(fn, name: bytes, memo: dict) -> bool:
    """Does ``fn`` also store ``name`` in a field, an element or a map (`s.cache[k] = x`),
    appended to a field (`s.all = append(s.all, x)`) or through a field's store method
    (`s.root.Store(x)`, an atomic pointer or a sync.Map)? What it returns is then shared
    with what keeps it, not fresh for the caller. ``memo`` (one per file) keeps every
    function's stored names, from one query of the file."""
    if "kept" not in memo:
        memo["kept"] = found = {}
        for _, caps in matches("go", _STORES, tree_root(fn)):
            targets, values = caps["l"][0].named_children, caps["r"][0].named_children
            owner = enclosing_function(caps["l"][0])
            if owner is None or len(targets) != len(values):
                continue
            for v, t in zip(values, targets):
                v = strip_parens(v)
                if t.type not in ("selector_expression", "index_expression"):
                    continue
                if v.type == "identifier":
                    found.setdefault(owner.id, set()).add(v.text)
                elif v.type == "call_expression" and callee_text(v) == "append":
                    found.setdefault(owner.id, set()).update(_identifiers(v))
        root = tree_root(fn)
        source = root.text
        stores = any(b"." + m.encode() + b"(" in source for m in STORE_METHODS)
        for _, caps in matches("go", _STORE_CALLS, root) if stores else ():
            call = caps["c"][0]
            owner = enclosing_function(call)
            if owner is not None and text(caps["m"][0]) in STORE_METHODS:
                found.setdefault(owner.id, set()).update(_identifiers(call))
    return name in memo["kept"].get(fn.id, ())


# methods that keep their argument in the field they are called on: atomic.Pointer and
# atomic.Value, sync.Map
STORE_METHODS = {"Store", "Swap", "CompareAndSwap", "LoadOrStore"}
_STORES = ("(assignment_statement left: (expression_list) @l right: (expression_list) @r)")
_STORE_CALLS = ("(call_expression function: (selector_expression operand: (selector_expression)"
                " field: (field_identifier) @m)) @c")


def _identifiers(call) -> set:
    """The bare names among a call's arguments."""
    args = call.child_by_field_name("arguments")
    return {strip_parens(a).text for a in (args.named_children if args is not None else ())
            if strip_parens(a).type == "identifier"}


def returns_at(fn, name: bytes, memo: dict, index: int = 0) -> bool:
    """Does a `return` of ``fn`` return the name ``name`` at ``index``?"""
    return any(i == index and v == name for _, i, v in _returns(fn, memo))


def _returns(fn, memo: dict) -> set:
    """(number of values, place, name) of each name a `return` of ``fn`` (not of a closure
    in it) returns; every function's, from one query of the file, kept in ``memo``."""
    if "returns" not in memo:
        memo["returns"] = found = {}
        for _, caps in matches("go", "(return_statement (expression_list) @l)", tree_root(fn)):
            values = caps["l"][0].named_children
            owner = enclosing_function(caps["l"][0])
            for i, v in enumerate(values):
                v = strip_parens(v)
                if v.type == "identifier" and owner is not None:
                    found.setdefault(owner.id, set()).add((len(values), i, v.text))
    return memo["returns"].get(fn.id, set())


# methods whose deferred call releases a handle before its function's caller gets it
DEFERRED_RELEASES = ("Close", "Stop")
# `defer f.Close()`, or through a member of the handle (`defer resp.Body.Close()`)
_DEFERRED = """(defer_statement (call_expression
  function: (selector_expression
    operand: [(identifier) @name
              (selector_expression operand: (identifier) @name)]
    field: (field_identifier) @method)))"""


def _released_on_return(fn, name: bytes, memo: dict) -> bool:
    """Does ``fn`` defer `name.Close()` (or `.Stop()`), or the close of one of its members
    (`name.Body.Close()`)? What it returns is then already released: the caller gets a
    closed file to read the name of, or a response whose body was read, not a resource.
    ``memo`` (one per file) keeps every function's deferred releases, from one query."""
    if "deferred" not in memo:
        memo["deferred"] = found = {}
        for _, caps in matches("go", _DEFERRED, tree_root(fn)):
            if caps["method"][0].text.decode() in DEFERRED_RELEASES:
                owner = enclosing_function(caps["name"][0])
                if owner is not None:
                    found.setdefault(owner.id, set()).add(caps["name"][0].text)
    return name in memo["deferred"].get(fn.id, ())


# a release handed to a call that runs it later: a func literal passed as an argument,
# `t.Cleanup(func() { db.Close() })`, or a method value, `t.Cleanup(db.Close)`
_REGISTERED = """(call_expression arguments: (argument_list [
  (func_literal) @lit
  (selector_expression operand: (identifier) @name field: (field_identifier) @method)]))"""
_RELEASE_IN = """(call_expression function: (selector_expression
  operand: (identifier) @name field: (field_identifier) @method))"""


def _release_registered(fn, name: bytes, memo: dict) -> bool:
    """Does ``fn`` hand a release of ``name`` (`Close`, `Stop`) to a call that runs it
    later: a test's cleanup, a context's `AfterFunc`, a pool's finaliser? What it returns
    is then that registration's to release, not the caller's (a test helper that opens a
    database and closes it in `t.Cleanup`). ``memo`` (one per file) keeps every
    function's registered names, from one query."""
    if "registered" not in memo:
        memo["registered"] = found = {}
        for _, caps in matches("go", _REGISTERED, tree_root(fn)):
            if "lit" in caps:
                owner = enclosing_function(caps["lit"][0])
                names = {c["name"][0].text for _, c in matches("go", _RELEASE_IN, caps["lit"][0])
                         if c["method"][0].text.decode() in DEFERRED_RELEASES}
            else:
                owner = enclosing_function(caps["name"][0])
                names = {caps["name"][0].text} \
                    if caps["method"][0].text.decode() in DEFERRED_RELEASES else set()
            if owner is not None and names:
                found.setdefault(owner.id, set()).update(names)
    return name in memo["registered"].get(fn.id, ())


def kept_wrapper(call) -> bool:
    """Is ``call`` a constructor (`NewX(...)`) whose result outlives the function, and
    what it wraps with it: returned, directly or in a composite literal (`return
    bufio.NewReader(f), nil`), or stored in a field, an element or a variable the function
    does not declare (`s.out = bufio.NewWriter(f)`, `logger = log.New(f, "", 0)`)?"""
    if call is None or call.type != "call_expression" \
            or not callee_text(call).rsplit(".", 1)[-1].startswith("New"):
        return False
    value, p = call, call.parent
    while p is not None and p.type in ("literal_element", "keyed_element", "literal_value",
                                       "composite_literal", "unary_expression",
                                       "parenthesized_expression"):
        value, p = p, p.parent
    values = p if p is not None and p.type == "expression_list" else None
    if values is not None:
        p = p.parent
    if p is not None and p.type == "return_statement":
        return True
    if p is None or values is None or p.type != "assignment_statement" \
            or p.child_by_field_name("right") != values \
            or text(p.child_by_field_name("operator")) != "=":
        return False
    targets = p.child_by_field_name("left").named_children
    right = values.named_children
    if len(targets) != len(right):
        return False
    target = next(t for t, v in zip(targets, right) if v == value)
    if target.type == "index_expression":
        return True
    root = root_identifier(target)
    fn = enclosing_function(call)
    if root is None or text(root) == "_" or fn is None:
        return False
    declared = declared_names(fn)
    if target.type == "identifier":
        return text(root) not in declared  # a package variable, or a closure's outer one
    # a field of what a parameter or the receiver points to, or of a package variable
    own = declared - set(parameter_names(fn))
    own -= set(receiver_names(fn))
    # or of a local the function returns (`p.client = pb.NewDNSClient(conn)`, `return p, nil`)
    return text(root) not in own or any(v == root.text for _, _, v in _returns(fn, {}))


def blank_assigned(value) -> bool:
    """Is ``value`` assigned to `_` (`_ = value`, one of `_, _ = a, b`)?"""
    p = value.parent
    stmt = p.parent if p is not None and p.type == "expression_list" else None
    if stmt is None or stmt.type != "assignment_statement":
        return False  # (a value on the left is its own target, never `_`)
    targets, values = stmt.child_by_field_name("left").named_children, p.named_children
    return len(targets) == len(values) and targets[values.index(value)].text == b"_"


def assigned_value(expr) -> bool:
    """Is ``expr`` one of the values an assignment stores (its right side)?"""
    values = expr.parent
    return values is not None and values.type == "expression_list" and values.parent is not None \
        and values.parent.type == "assignment_statement" \
        and values.parent.child_by_field_name("right") == values
