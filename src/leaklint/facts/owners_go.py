"""Go owners for ``lifetimes``: which declaration owns the code at a node.

``main`` and ``init`` (and what they start: goroutines and closures inside them belong
to them), ``TestMain``, package-level ``var`` initialisers; methods and other functions
own their locals for one call. Answers are ``(kind, name)`` pairs; ``lifetimes`` turns
them into an ``Owner``.
"""

from __future__ import annotations

from ..languages.go_syntax import function_name, own_nodes, root_identifier, text

TOP_FUNCTIONS = {"main": "main", "init": "init", "TestMain": "test-main"}


def _top_declaration(node):
    """The declaration directly under the source file that holds ``node``."""
    n = node
    while n.parent is not None and n.parent.type != "source_file":
        n = n.parent
    return n


def owner_kind(node, path: str, reads=None) -> tuple[str, str]:
    top = _top_declaration(node)
    if top.type == "function_declaration":
        name = function_name(top)
        return TOP_FUNCTIONS.get(name, "function"), name
    if top.type == "method_declaration":
        return "function", function_name(top)
    if top.type in ("var_declaration", "const_declaration"):
        return "init", ""  # package var initialisers run once, before main
    return "package", ""


def dies_with(target, at) -> bool:
    """A target declared in the same function as ``at`` (a local it made) dies with it."""
    ident = root_identifier(target)
    if ident is None:
        return False
    fn = at
    while fn is not None and fn.type not in ("function_declaration", "method_declaration",
                                             "func_literal"):
        fn = fn.parent
    if fn is None:
        return False
    name = text(ident)
    for n in own_nodes(fn):
        if n.type == "short_var_declaration":
            left = n.child_by_field_name("left")
            if left is not None and any(text(x) == name for x in left.named_children):
                return True
    return False


def aliases(node) -> set:
    """A method value (``it.Close``) stands for its receiver ``it``."""
    names = {text(node)}
    if node.type == "selector_expression":
        operand = node.child_by_field_name("operand")
        if operand is not None:
            names.add(text(operand))
    return names


def holder_kind(node):
    """Go values do not name their holder themselves."""
    return None
