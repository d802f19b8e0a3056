"""The ways out of a function that leak one handle, told once: the words of a finding's
message that name every leaking exit, and the path to each (the branches it takes after
the acquisition), for SARIF code flows.

Both work on tree-sitter nodes of any language: the branch node types below are those
of the Go, Python and TypeScript/JavaScript grammars.
"""

from __future__ import annotations

from ..languages import within

# (kind, one exit, several exits): what a leak at such an exit is called
_WORDS = {
    "return": ("on the return at line {}", "on the returns at lines {}"),
    "raise": ("when the raise at line {} leaves the function",
              "when the raises at lines {} leave the function"),
    "end": ("when the function ends at line {}", "when the function ends at line {}"),
    "scope": ("when its block ends at line {}", "when its blocks end at lines {}"),
    "overwrite": ("before it is overwritten at line {}", "before it is overwritten at lines {}"),
    "reacquire": ("before it is acquired again at line {}",
                  "before it is acquired again at lines {}"),
    "unused": ("by the module's code, which never uses the name bound at line {}",
               "by the module's code, which never uses the names bound at lines {}"),
}
_ORDER = ("return", "raise", "scope", "end", "overwrite", "reacquire", "unused")

# conditional statements: the condition field, the branch taken when it holds, the other
_IFS = {"if_statement": ("condition", "consequence", "alternative")}
# one arm of a multi-way branch (switch/select/match cases, except handlers, elif/else)
_ARMS = {
    "expression_case": "in this case", "type_case": "in this case",
    "communication_case": "when this case is chosen", "default_case": "in the default case",
    "switch_case": "in this case", "switch_default": "in the default case",
    "case_clause": "in this case", "except_clause": "when this exception is caught",
    "catch_clause": "when this exception is caught", "elif_clause": "when this condition holds",
}


def exit_line(leak) -> int:
    node = leak.node
    return (node.end_point[0] if leak.kind in ("end", "scope") else node.start_point[0]) + 1


def _lines(numbers: list) -> str:
    text = [str(n) for n in numbers]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]


def describe_one(leak) -> str:
    return _WORDS[leak.kind][0].format(exit_line(leak))


def describe_all(leaks) -> str:
    """Every leaking exit in one phrase: "on the returns at lines 12 and 18, and when the
    function ends at line 30" (one exit reads as before: "on the return at line 12")."""
    groups = []
    for kind in _ORDER:
        lines = sorted({exit_line(leak) for leak in leaks if leak.kind == kind})
        if lines:
            one, several = _WORDS[kind]
            groups.append((one if len(lines) == 1 else several).format(_lines(lines)))
    if len(groups) <= 2:
        plural = len(groups) == 2 and (" and " in groups[0] or "," in groups[0])
        return ", and ".join(groups) if plural else " and ".join(groups)
    return ", ".join(groups[:-1]) + ", and " + groups[-1]


def branch_steps(acquired, exit_node) -> list:
    """(node, text) for each branch the path from ``acquired`` to ``exit_node`` enters
    after the acquisition, outermost first: the condition of an `if` (held or not), the
    head of a case or handler."""
    steps = []
    child, node = exit_node, exit_node.parent
    while node is not None and not within(acquired, node):
        fields = _IFS.get(node.type)
        if fields is not None:
            cond = node.child_by_field_name(fields[0])
            if cond is not None and not within(child, cond):
                held = within(child, node.child_by_field_name(fields[1]))
                steps.append((cond, "when this condition holds" if held
                              else "when this condition does not hold"))
        elif node.type in _ARMS and child != node:
            steps.append((node, _ARMS[node.type]))
        child, node = node, node.parent
    if exit_node.type in _ARMS:
        steps.insert(0, (exit_node, _ARMS[exit_node.type]))
    return list(reversed(steps))


def leak_paths(acquired, leaks) -> list:
    """One code-flow path per leaking exit: the branches taken, then the exit."""
    return [branch_steps(acquired, leak.node) + [(leak.node, "leaks here: " + describe_one(leak))]
            for leak in leaks]
