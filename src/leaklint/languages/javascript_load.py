"""What a TypeScript/JavaScript module's load runs, once: the top-level functions that only
the load calls (the program's main of a script, ``contexts``), told by where they are
called, never by their names."""

from __future__ import annotations

from . import nearest
from .javascript_runs import at_load
from .javascript_syntax import FUNCTIONS, LOOPS, enclosing_function, identifiers_named, strip, text, up

# a name's mentions: `{ init }` in an object literal hands the function on too
USES = ("identifier", "shorthand_property_identifier")


def load_time_functions(root) -> set:
    """The ids of the module's top-level functions that only its load runs, once: each
    (``function init() {...}``, ``var init = function () {...}``) is called only directly,
    outside loops, from the top level (``init();``), from a callback the top level hands to
    a call that runs it at most once (``setTimeout(() => init(), 100)``), or from another
    such function."""
    declared = {}
    for d in root.named_children:
        if d.type == "function_declaration":
            declared[text(d.child_by_field_name("name"))] = (d, d.child_by_field_name("name"))
        elif d.type in ("lexical_declaration", "variable_declaration"):
            for v in d.named_children:
                value = strip(v.child_by_field_name("value")) \
                    if v.type == "variable_declarator" else None
                if value is not None and value.type in FUNCTIONS \
                        and v.child_by_field_name("name").type == "identifier":
                    declared[text(v.child_by_field_name("name"))] = \
                        (value, v.child_by_field_name("name"))
    # none runs at load unless a top-level statement calls one (`init();`, `await init()`,
    # `init().catch(..)`, in a callback it hands on): most modules call none. Found by
    # searching the text for each name, not by walking those statements' nodes
    statements = [(c.start_byte, c.end_byte) for c in root.named_children
                  if c.type == "expression_statement"]
    if not any(_called_within(root, name, statements) for name in declared):
        return set()
    found: set = set()
    changed = True
    while changed:
        changed = False
        for name, (d, declared_name) in declared.items():
            if d.id in found:
                continue
            uses = [n for n in identifiers_named(root, name, USES) if n != declared_name]
            if uses and all(_loading_call(n, found) for n in uses):
                found.add(d.id)
                changed = True
    return found


def _called_within(root, name: str, spans: list) -> bool:
    """Is a function named ``name`` called (as ``name(...)``) inside one of ``spans``?"""
    for n in identifiers_named(root, name):
        call = n.parent
        if call is not None and call.type == "call_expression" \
                and call.child_by_field_name("function") == n \
                and any(a <= n.start_byte < b for a, b in spans):
            return True
    return False


def _loading_call(ident, found: set) -> bool:
    """Is ``ident`` the callee of a call that runs once when the module loads?"""
    p, child = up(ident)
    if p is None or p.type != "call_expression" or p.child_by_field_name("function") != child \
            or nearest(p, LOOPS) is not None:
        return False
    fn = enclosing_function(p)
    return fn is None or fn.id in found or at_load(fn)
