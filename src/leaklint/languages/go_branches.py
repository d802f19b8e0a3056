"""Which two Go statements never both run: they are in different branches of one `if`,
or in different cases of one `switch` or `select`."""

from __future__ import annotations

from . import ancestors, within

SWITCHES = ("expression_switch_statement", "type_switch_statement", "select_statement")
CASES = ("expression_case", "type_case", "default_case", "communication_case")


def other_branches(first, later) -> bool:
    """Are the two nodes in different branches of one `if` (one in its consequence, the
    other in its `else`, an `else if` chain included), or in different cases of one
    `switch` or `select` (one without a `fallthrough`: a case that falls through runs the
    next one too), so that never both run?"""
    for branch in ancestors(later):
        if branch.type in SWITCHES:
            cases = [c for c in branch.named_children if c.type in CASES]
            one = next((c for c in cases if within(first, c)), None)
            other = next((c for c in cases if within(later, c)), None)
            if one is not None and other is not None and one != other \
                    and b"fallthrough" not in branch.text:
                return True
            continue
        if branch.type != "if_statement":
            continue
        yes, no = branch.child_by_field_name("consequence"), branch.child_by_field_name("alternative")
        if (within(first, yes) and within(later, no)) or (within(first, no) and within(later, yes)):
            return True
    return False
