"""Go locals that record whether a tracked handle is held, read as guards of the
lifecycle engine (``GoEffects.guard``): where such a test says "not held", there is
nothing to release, and a new acquisition there overwrites nothing.

- a held flag: ``opened`` starts false and is set true right after the acquisition, in its
  block, and is never set to anything else afterwards (``if !opened``: not held);
- a sentinel: the acquisition runs only under ``if size > 0`` (or ``size != 0``), and
  after it ``size`` is only ever set back to that value where the handle is not held, in
  the acquisition's own error branch or after a release of the handle in the same block
  (``f.Close(); size = 0``): ``if size == 0`` then means not held (a resumed download
  that starts afresh when the partial file could not be reused).
"""

from __future__ import annotations

from .go_syntax import own_of_type, strip_parens, text


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
