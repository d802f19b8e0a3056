"""Files a Go test opens in its own temporary directory (``t.TempDir()``): the test's
cleanup removes that directory, which fails on Windows while a file in it is open."""

from __future__ import annotations

from .go_syntax import enclosing_function, local_values, own_nodes, text


def in_test_temp_dir(call, fn, depth: int = 3) -> bool:
    """Is ``call`` given a path in a test's ``t.TempDir()`` (not ``os.TempDir()``), directly
    or through locals of ``fn`` or the functions around it derived from it?"""
    args = call.child_by_field_name("arguments")
    return args is not None and _from_temp_dir(args, fn, depth)


def _from_temp_dir(expr, fn, depth: int) -> bool:
    for node in own_nodes(expr):
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is not None and callee.type == "selector_expression" \
                    and text(callee.child_by_field_name("field")) == "TempDir" \
                    and text(callee.child_by_field_name("operand")) != "os":
                return True
        elif node.type == "identifier" and depth > 0:
            scope = fn
            while scope is not None:
                values = local_values(scope, text(node))
                if values is not None:
                    if any(v is not None and _from_temp_dir(v, scope, depth - 1) for v in values):
                        return True
                    break
                scope = enclosing_function(scope)
    return False
