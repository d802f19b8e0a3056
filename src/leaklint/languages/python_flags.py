"""What the flags and assignments of a Python function say about a handle: where it is
acquired and released under a condition, the flags that record success or that it is
held (``ok = True``, ``self._open = True``), and the names a body assigns. The effects
(``python_effects``) ask these when a guard or a loop's end decides what is held."""

from __future__ import annotations

from . import ancestors
from .python_syntax import FUNCTIONS, callee_text, text

def bare(node):
    while node is not None and node.type == "parenthesized_expression":
        node = node.named_children[0] if node.named_children else None
    return node


def acquired_under(acquire, function) -> dict:
    """The flags that guard an acquisition: {condition text: True when acquired on its
    true branch}, for conditions made of names (and attributes) the function never
    assigns, so a later test of the same flag takes the same branch."""
    flags = {}
    child, node = acquire, acquire.parent
    while node is not None and node != function:
        if node.type == "if_statement":
            cond = bare(node.child_by_field_name("condition"))
            neg = False
            while cond is not None and cond.type == "not_operator":
                neg = not neg
                cond = bare(cond.child_by_field_name("argument"))
            branch = node.child_by_field_name("consequence")
            if cond is not None and child in (branch, *[c for c in node.children
                                                      if c.type == "else_clause"]):
                flags[text(cond)] = (child == branch) != neg
        child, node = node, node.parent
    body = function.child_by_field_name("body") if function is not None else None
    if not flags or body is None:
        return {}
    assigned = _assigned_names(body)
    return {cond: held for cond, held in flags.items()
            if _flag_names(cond) and not (_flag_names(cond) & assigned)}


def released_under(function, name: str, release) -> list:
    """[(end byte, flag, True when released on its true branch)] of each ``if FLAG:`` /
    ``if not FLAG:`` whose branch releases the handle (`if not connected: sock.close()`),
    where FLAG is a name the function assigns only before that test: a state flag that
    records whether the handle is still wanted, so a later test of it agrees."""
    body = function.child_by_field_name("body") if function is not None else None
    if body is None or not name:
        return []
    out, stack = [], [body]
    while stack:
        n = stack.pop()
        stack.extend(c for c in n.named_children if c.type not in FUNCTIONS)
        if n.type != "if_statement" or n.child_by_field_name("alternative") is not None:
            continue
        cond, neg = bare(n.child_by_field_name("condition")), False
        while cond is not None and cond.type == "not_operator":
            neg = not neg
            cond = bare(cond.child_by_field_name("argument"))
        branch = n.child_by_field_name("consequence")
        if cond is None or cond.type != "identifier" or branch is None:
            continue
        calls = [f"{name}.{m}(" for m in release]
        if not any(text(stmt).startswith(tuple(calls)) for stmt in branch.named_children):
            continue
        flag = text(cond)
        if all(a < n.start_byte for a in _assignment_starts(body, flag)):
            out.append((n.end_byte, flag, not neg))
    return out


def success_flags(function) -> list:
    """[(finally clause, try body, flag, byte where `flag = True` runs)] for each
    ``flag = False`` / ``try: ... flag = True ... finally:`` of the function: a flag that
    says whether the try body got past a point (the handle is wanted from there on)."""
    body = function.child_by_field_name("body") if function is not None else None
    if body is None:
        return []
    out, stack = [], [body]
    while stack:
        n = stack.pop()
        stack.extend(c for c in n.named_children if c.type not in FUNCTIONS)
        if n.type != "try_statement":
            continue
        final = next((c for c in n.named_children if c.type == "finally_clause"), None)
        tbody = n.child_by_field_name("body")
        if final is None or tbody is None:
            continue
        for stmt in tbody.named_children:
            flag = literal_assignment(stmt, ("True",))
            if flag is None:
                continue
            before = [s for s in (n.parent.named_children if n.parent is not None else ())
                      if s.end_byte <= n.start_byte and literal_assignment(s, ("False",)) == flag]
            others = [a for a in _assignment_starts(body, flag)
                      if tbody.start_byte <= a < tbody.end_byte and a != stmt.start_byte]
            if before and not others:
                out.append((final, tbody, flag, stmt.start_byte))
    return out


def held_flags(acquire, function) -> set:
    """Names that record whether the handle is held: the acquisition runs only in the
    branch of an ``if`` that sets ``held = True`` after it, while every other assignment
    of the name comes earlier and sets it false (``is_temp = False`` ... ``if not is_temp
    and big: f = TemporaryFile(); is_temp = True``; ``close_dst = False`` ... ``if
    isinstance(dst, str): dst = open(dst, "wb"); close_dst = True``), before any loop
    around that test. Where the flag is false the handle was never taken."""
    body = function.child_by_field_name("body") if function is not None else None
    if acquire is None or body is None:
        return set()
    out = set()
    child, node = acquire, acquire.parent
    while node is not None and node != function:
        if node.type == "if_statement" and child == node.child_by_field_name("consequence"):
            loops = [n for n in ancestors(node, function)
                     if n.type in ("for_statement", "while_statement")]
            set_true = {literal_assignment(stmt, ("True",)) for stmt in child.named_children
                        if stmt.start_byte > acquire.start_byte} - {None}
            for flag in set(negated_names(node.child_by_field_name("condition"))) | set_true:
                sets = [a for a in _assignments(body, flag) if a[0] >= node.start_byte]
                earlier = [a for a in _assignments(body, flag) if a[0] < node.start_byte]
                if len(sets) == 1 and sets[0][1] == "True" \
                        and child.start_byte <= sets[0][0] < child.end_byte \
                        and sets[0][0] > acquire.start_byte \
                        and all(value == "False" and not any(
                            loop.start_byte <= at < loop.end_byte for loop in loops)
                            for at, value in earlier):
                    out.add(flag)
        child, node = node, node.parent
    return out


def negated_names(cond) -> list:
    """The names ``n`` of a condition ``not n`` or of its conjuncts ``not n and ...``."""
    cond = bare(cond)
    if cond is None:
        return []
    if cond.type == "boolean_operator" and text(cond.child_by_field_name("operator")) == "and":
        return negated_names(cond.child_by_field_name("left")) + \
            negated_names(cond.child_by_field_name("right"))
    if cond.type == "not_operator":
        arg = bare(cond.child_by_field_name("argument"))
        if arg is not None and arg.type == "identifier":
            return [text(arg)]
    return []


def _assignments(body, name: str) -> list:
    """[(start byte, value text or None)] of each assignment to ``name`` in ``body``,
    tuple targets included (``a, flag = x, False``); None when the value is not known."""
    out, stack = [], [body]
    while stack:
        n = stack.pop()
        stack.extend(c for c in n.named_children if c.type not in FUNCTIONS)
        if n.type == "augmented_assignment" and text(n.child_by_field_name("left")) == name:
            out.append((n.start_byte, None))
        if n.type != "assignment":
            continue
        left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
        if left is None:
            continue
        if text(left) == name:
            out.append((n.start_byte, text(right) if right is not None else None))
        elif left.type in ("pattern_list", "tuple_pattern"):
            names = [text(c) for c in left.named_children]
            if name in names:
                values = right.named_children if right is not None and \
                    right.type in ("expression_list", "tuple") else []
                i = names.index(name)
                out.append((n.start_byte, text(values[i]) if len(values) == len(names)
                            else None))
    return sorted(out)


def filled(body, name: str) -> bool:
    """Does ``body`` add to ``name`` (``name[k] = v``, ``name.append(v)``, ``name += 1``)?"""
    stack = [body]
    while stack:
        n = stack.pop()
        stack.extend(n.named_children)
        if n.type == "assignment":
            left = n.child_by_field_name("left")
            if left is not None and left.type == "subscript" and \
                    text(left.child_by_field_name("value")) == name:
                return True
        elif n.type == "augmented_assignment" and text(n.child_by_field_name("left")) == name:
            return True
        elif n.type == "call" and callee_text(n) in (f"{name}.append", f"{name}.add",
                                                     f"{name}.extend", f"{name}.insert"):
            return True
    return False


def len_of(node):
    """``X`` of ``len(X)``, else None."""
    node = bare(node)
    if node is None or node.type != "call" or callee_text(node) != "len":
        return None
    args = node.child_by_field_name("arguments")
    return text(args.named_children[0]) if args is not None and \
        len(args.named_children) == 1 else None


def literal_assignment(stmt, values: tuple):
    """The name a statement `name = <literal>` assigns, when the literal is written as one
    of ``values`` (`("True",)`), else None."""
    if stmt.type != "expression_statement" or not stmt.named_children:
        return None
    a = stmt.named_children[0]
    if a.type != "assignment":
        return None
    left, right = a.child_by_field_name("left"), a.child_by_field_name("right")
    if left is None or right is None or left.type != "identifier" or text(right) not in values:
        return None
    return text(left)


def _assignment_starts(body, name: str) -> list:
    starts, stack = [], [body]
    while stack:
        n = stack.pop()
        if n.type in ("assignment", "augmented_assignment"):
            left = n.child_by_field_name("left")
            if left is not None and text(left) == name:
                starts.append(n.start_byte)
        stack.extend(n.named_children)
    return starts


def _flag_names(cond_text: str) -> set:
    """The names a flag condition reads, when it is only names, attributes and `and`/`or`/
    `not` (a call could answer differently the second time)."""
    words = cond_text.replace("(", " ").replace(")", " ").split()
    names = set()
    for w in words:
        if w in ("and", "or", "not"):
            continue
        if not all(part.isidentifier() for part in w.split(".")):
            return set()
        names.add(w.split(".")[0] if not w.startswith("self.") else w)
    return names


def _assigned_names(body) -> set:
    out, stack = set(), [body]
    while stack:
        n = stack.pop()
        if n.type in ("assignment", "augmented_assignment"):
            left = n.child_by_field_name("left")
            if left is not None:
                out |= {text(left)} | {text(c) for c in left.named_children}
        elif n.type in ("for_statement", "with_item", "named_expression"):
            target = n.child_by_field_name("left") or n.child_by_field_name("name")
            if target is not None:
                out.add(text(target))
        stack.extend(n.named_children)
    return out
