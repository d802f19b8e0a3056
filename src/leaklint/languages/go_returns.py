"""What a Go function returns of a call it makes: the name a call's result is bound to
(``assigned``), and whether the function returns that result as it is (``returned``: the
test that makes a function a factory in ``facts/shapes``)."""

from __future__ import annotations

from . import matches
from .go_syntax import enclosing_function, strip_parens


def assigned(call, index: int):
    """The identifier that ``x, err := call(...)`` (or ``=``) binds the call's result
    ``index`` to, when the call is the statement's only value; None otherwise (and for
    ``_``)."""
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
    if index >= len(names) or names[index].type != "identifier" or names[index].text == b"_":
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
    if "returns" not in memo:  # every function's returned names, from one query
        memo["returns"] = found = {}
        root = fn
        while root.parent is not None:
            root = root.parent
        for _, caps in matches("go", "(return_statement (expression_list) @l)", root):
            values = caps["l"][0].named_children
            owner = enclosing_function(caps["l"][0])
            for i, v in enumerate(values):
                v = strip_parens(v)
                if v.type == "identifier" and owner is not None:
                    found.setdefault(owner.id, set()).add((len(values), i, v.text))
    returns = memo["returns"].get(fn.id, ())
    return (len(names), handle_index, names[handle_index].text) in returns \
        and not _released_on_return(fn, names[handle_index].text, memo)


# methods whose deferred call releases a handle before its function's caller gets it
DEFERRED_RELEASES = ("Close", "Stop")
_DEFERRED = """(defer_statement (call_expression
  function: (selector_expression operand: (identifier) @name field: (field_identifier) @method)))"""


def _released_on_return(fn, name: bytes, memo: dict) -> bool:
    """Does ``fn`` defer `name.Close()` (or `.Stop()`)? What it returns is then already
    released: the caller gets a closed file to read the name of, not a resource.
    ``memo`` (one per file) keeps every function's deferred releases, from one query."""
    if "deferred" not in memo:
        memo["deferred"] = found = {}
        root = fn
        while root.parent is not None:
            root = root.parent
        for _, caps in matches("go", _DEFERRED, root):
            if caps["method"][0].text.decode() in DEFERRED_RELEASES:
                owner = enclosing_function(caps["name"][0])
                if owner is not None:
                    found.setdefault(owner.id, set()).add(caps["name"][0].text)
    return name in memo["deferred"].get(fn.id, ())
