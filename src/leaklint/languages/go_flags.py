"""Go locals that record whether a tracked handle is held, read as guards of the
lifecycle engine (``GoEffects.guard``): where such a test says "not held", there is
nothing to release, and a new acquisition there overwrites nothing.

- a held flag: ``opened`` starts false and is set true right after the acquisition, in its
  block, and is never set to anything else afterwards (``if !opened``: not held);
- a sentinel: the acquisition runs only under ``if size > 0`` (or ``size != 0``), and
  after it ``size`` is only ever set back to that value where the handle is not held, in
  the acquisition's own error branch or after a release of the handle in the same block
  (``f.Close(); size = 0``): ``if size == 0`` then means not held (a resumed download
  that starts afresh when the partial file could not be reused);
- the same condition: the acquisition runs only under ``if keep`` (or ``if !dry``), and
  nothing changes what the condition reads afterwards (parameters and locals declared
  once, outside a loop around it, never assigned again): a later ``if keep`` is false
  only where the handle was never made.
"""

from __future__ import annotations

from . import ancestors, walk
from .go_syntax import own_of_type, parameter_names, strip_parens, text


def held_flag(fn, stmt, cond):
    """"then"/"else": the branch of ``cond`` where the held flag says the handle acquired
    by ``stmt`` is not held; None when ``cond`` tests no such flag."""
    negated = cond.type == "unary_expression" and text(cond).startswith("!")
    name = strip_parens(cond.child_by_field_name("operand")) if negated else cond
    if name is None or name.type != "identifier" or stmt is None:
        return None
    flag = text(name)
    # set back to false (or to anything else) after the acquisition: not that flag
    for n in own_of_type(fn, ("assignment_statement",)):
        if n.start_byte > stmt.end_byte \
                and any(text(x) == flag for x in n.child_by_field_name("left").named_children) \
                and text(n).replace(" ", "") != f"{flag}=true":
            return None
    after = stmt.next_named_sibling
    while after is not None:
        if after.type == "assignment_statement" and text(after).replace(" ", "") \
                == f"{flag}=true":
            return "then" if negated else "else"
        if after.type not in ("if_statement", "comment", "expression_statement",
                              "short_var_declaration", "assignment_statement"):
            return None
        after = after.next_named_sibling
    return None


def sentinel(fn, stmt, handle: str, error: str | None, releases, cond):
    """"then" when ``cond`` is ``v == C`` for a sentinel ``v`` of the handle ``stmt``
    acquires (see the module's docstring); else None."""
    if stmt is None or cond.type != "binary_expression" or text(
            cond.child_by_field_name("operator")) != "==":
        return None
    name, value = (text(cond.child_by_field_name(k)) for k in ("left", "right"))
    if not name.isidentifier() or not _under(stmt, fn, {f"{name}>{value}", f"{name}!={value}"}):
        return None
    sets = [n for n in own_of_type(fn, ("assignment_statement",))
            if n.start_byte > stmt.end_byte
            and any(text(x) == name for x in n.child_by_field_name("left").named_children)]
    failed = stmt.next_named_sibling
    while failed is not None and failed.type == "comment":
        failed = failed.next_named_sibling
    failed = failed if failed is not None and failed.type == "if_statement" and error \
        and text(failed.child_by_field_name("condition")).replace(" ", "") == f"{error}!=nil" \
        else None
    for n in sets:
        if text(n).replace(" ", "") != f"{name}={value}":
            return None
        in_failed = failed is not None and failed.child_by_field_name("consequence") \
            .start_byte <= n.start_byte < failed.child_by_field_name("consequence").end_byte
        released = any(s.end_byte <= n.start_byte and s.type == "expression_statement"
                       and text(s).replace(" ", "") in {f"{handle}.{r}()" for r in releases}
                       for s in n.parent.named_children)
        if not (in_failed or released):
            return None
    return "then" if sets else None


def _under(stmt, fn, conditions: set) -> bool:
    """Does ``stmt`` run only in the consequence of an ``if`` whose condition (blanks
    aside) is one of ``conditions``?"""
    child, node = stmt, stmt.parent
    while node is not None and node != fn:
        if node.type == "if_statement" and child == node.child_by_field_name("consequence") \
                and text(node.child_by_field_name("condition")).replace(" ", "") in conditions:
            return True
        child, node = node, node.parent
    return False


# what a condition may be made of for its value to stay the same along a path: names,
# literals and the operators that combine them (no call, field or index, which another
# statement can change behind the name)
_STABLE = {"identifier", "nil", "true", "false", "int_literal", "interpreted_string_literal",
           "raw_string_literal", "binary_expression", "unary_expression",
           "parenthesized_expression"}


def same_condition(fn, stmt, cond):
    """"then"/"else": the branch of ``cond`` where the handle ``stmt`` acquires is not
    held, because ``stmt`` runs only where the same condition, unchanged since, said the
    opposite (`if open { f, err = Open(p) } ... if open { f.Close() }`: no close is owed
    where `open` is false); None when ``cond`` is no such condition."""
    if stmt is None:
        return None
    negated, tested = _unnegated(cond)
    if tested is None or tested.type not in _STABLE:
        return None
    written = text(tested).replace(" ", "")
    child, node = stmt, stmt.parent
    while node is not None and node != fn:
        guarded = node.child_by_field_name("condition") if node.type == "if_statement" else None
        outer, outer_tested = _unnegated(guarded) if guarded is not None else (False, None)
        if outer_tested is not None and text(outer_tested).replace(" ", "") == written:
            held = "then" if child == node.child_by_field_name("consequence") else \
                "else" if child == node.child_by_field_name("alternative") else None
            if held is None or not _stable(fn, tested, stmt):
                return None
            flip = {"then": "else", "else": "then"}
            # where the acquisition's test held, the handle is; in the other branch not
            return flip[held] if negated == outer else held
        child, node = node, node.parent
    return None


def _unnegated(cond):
    """(negated, the tested expression) of a condition: `!x` is (True, x)."""
    cond = strip_parens(cond)
    if cond is not None and cond.type == "unary_expression" and text(cond).startswith("!"):
        return True, strip_parens(cond.child_by_field_name("operand"))
    return False, cond


def _stable(fn, expr, stmt) -> bool:
    """Does ``expr`` keep its value in ``fn`` from before ``stmt`` on? Its operators are
    comparisons and logic, and each name in it is a parameter, or a local declared once
    outside any loop around ``stmt``, that nothing in ``fn`` (closures included) assigns
    again, increments or takes the address of."""
    names, stack = set(), [expr]
    while stack:
        n = stack.pop()
        if n.type not in _STABLE or (n.type == "unary_expression"
                                     and not text(n).startswith("!")):
            return False
        if n.type == "identifier":
            names.add(text(n))
        stack.extend(n.named_children)
    if not names:
        return False
    params = set(parameter_names(fn))
    declared: dict = {}
    for n in walk(fn):
        if n.type in ("short_var_declaration", "var_spec", "range_clause"):
            left = n.child_by_field_name("left") if n.type != "var_spec" else None
            targets = left.named_children if left is not None else \
                n.children_by_field_name("name")
            for t in targets:
                declared.setdefault(text(t), []).append(n)
        elif n.type == "assignment_statement":
            if names & {text(t) for t in n.child_by_field_name("left").named_children}:
                return False
        elif n.type in ("inc_statement", "dec_statement") and text(n).rstrip("+-") in names:
            return False
        elif n.type == "unary_expression" and text(n).startswith("&") \
                and text(n.child_by_field_name("operand")) in names:
            return False
    for name in names:
        sites = declared.get(name, [])
        if name in params and not sites:
            continue
        if len(sites) != 1 or name in params or any(
                loop.start_byte <= stmt.start_byte < loop.end_byte
                for loop in ancestors(sites[0], fn) if loop.type == "for_statement"):
            return False
    return True
