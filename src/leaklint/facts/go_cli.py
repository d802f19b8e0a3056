"""Command-line frameworks' commands: the literals that declare one, and the call a
command's action ends with (`Run: func(cmd, args) { if err :=
compile(args[0]); err != nil { log.Fatal(err) } }`): when that function returns, so does
the action, and the framework hands the run back to main, which exits. Whatever the
function leaves open, on any of its returns, goes with the process."""

from __future__ import annotations

from ..languages.go_syntax import body_statements, text

# a command-line framework's command types (another package's App or Command: urfave/cli,
# cobra, ffcli and the copies projects keep of them) and the fields that name what a
# command runs: the framework runs the one command its arguments name, once, and hands its
# error back to main
CLI_TYPES = ("App", "Command")
CLI_ACTIONS = ("Action", "Run", "RunE", "Exec")
# kong declares commands as struct types, in a package that imports it
KONG = b'"github.com/alecthomas/kong"'


def final_call(literal):
    """The call the function or function literal ``literal`` makes last: its last statement
    (`run(args)`, `return run(args)`), or the call whose error the last statement tests and
    then only reports (`err := run(args)` or `if err := run(args); ...`), a final `return
    nil` or bare `return` aside."""
    body = literal.child_by_field_name("body")
    statements = body_statements(body) if body is not None else []
    if len(statements) > 1 and _returns_nothing(statements[-1]):
        statements = statements[:-1]
    if not statements:
        return None
    last = statements[-1]
    if last.type in ("expression_statement", "return_statement"):
        value = _single_value(last)
        return value if value is not None and value.type == "call_expression" else None
    if last.type != "if_statement" or last.child_by_field_name("alternative") is not None \
            or _repeats(last.child_by_field_name("consequence")):
        return None
    init = last.child_by_field_name("initializer")
    if init is None and len(statements) > 1:
        init = statements[-2]
    if init is None or init.type not in ("short_var_declaration", "assignment_statement"):
        return None
    right = init.child_by_field_name("right")
    left = init.child_by_field_name("left")
    call = right.named_children[0] if right is not None and len(right.named_children) == 1 \
        else None
    condition = last.child_by_field_name("condition")
    tested = condition is not None and left is not None and any(
        text(n) in text(condition) for n in left.named_children if text(n) != "_")
    return call if call is not None and call.type == "call_expression" and tested else None


def _single_value(statement):
    """The one expression an expression statement or a `return` holds, or None."""
    values = statement.named_children
    value = values[0] if len(values) == 1 else None
    if value is not None and value.type == "expression_list":
        value = value.named_children[0] if len(value.named_children) == 1 else None
    return value


def _returns_nothing(statement) -> bool:
    """``return`` or ``return nil``: the action reports no error of its own."""
    if statement.type != "return_statement":
        return False
    value = _single_value(statement)
    return not statement.named_children or (value is not None and value.type == "nil")


def _repeats(block) -> bool:
    stack = [block] if block is not None else []
    while stack:
        n = stack.pop()
        if n.type in ("for_statement", "func_literal", "go_statement"):
            return True
        stack.extend(n.named_children)
    return False


def ended_by_actions(facts: dict, once, actions, edges, targets) -> set:
    """{(path, key)} of the functions of ``once`` that only the final call of a command's
    action runs (``final_call``, recorded as each file's "finals": {key: callee}), or the
    final call of a function that itself ends an action, across the package's ``facts``."""
    into: dict = {}
    for path, f in facts.items():
        for key in f["functions"]:
            for t, _ in edges((path, key)):
                into.setdefault(t, []).append((path, key))
    ended = set(actions)
    grown = True
    while grown:
        grown = False
        for t, callers in into.items():
            if t in once and t not in ended and len(callers) == len(set(callers)) and all(
                    c in ended and t in targets(facts[c[0]].get("finals", {}).get(c[1], ""))
                    for c in callers):
                ended.add(t)
                grown = True
    return ended - set(actions)


def cli_literal(body) -> bool:
    """Is ``body`` (a literal_value) another package's App or Command: its composite
    literal's type, or for an element written without it (`{Name: ..., Action: f}` in a
    `[]*cli.Command{...}`), the element type of the literal holding it?"""
    literal = body.parent if body is not None else None
    if literal is not None and literal.type == "literal_element":
        holder = literal.parent.parent if literal.parent is not None else None
        if holder is None or holder.type != "composite_literal":
            return False
        kind = holder.child_by_field_name("type")
        while kind is not None and kind.type in ("slice_type", "array_type", "map_type"):
            kind = kind.child_by_field_name("element") or kind.child_by_field_name("value")
    elif literal is not None and literal.type == "composite_literal":
        kind = literal.child_by_field_name("type")
    else:
        return False
    while kind is not None and kind.type in ("pointer_type", "parenthesized_type"):
        kind = kind.named_children[0] if kind.named_children else None
    if kind is None or kind.type != "qualified_type":
        return False
    return text(kind.child_by_field_name("name")) in CLI_TYPES

def has_commands(data: bytes) -> bool:
    """May a Go file's text define a command-line framework's command (a cheap test before
    parsing a package for its command actions)?"""
    return KONG in data or (any(b"." + t.encode() + b"{" in data for t in CLI_TYPES)
                            and any(a.encode() + b":" in data for a in CLI_ACTIONS))
