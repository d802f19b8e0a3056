"""Goroutines blocked on channels kept in struct fields (part of LL610).

A goroutine that sends on `s.results`, receives from `s.quit` or ranges over `s.jobs`
is served by whatever code of the package works that field: the partner of a send is
a receive or range, of a receive a send or close, of a range a close. The goroutine
blocks forever when

- nothing in the package performs the partner operation (or only functions nothing
  calls, in package main or unexported), or
- every partner can stop serving: it is one case of a `select` with a `default` (it
  only takes a value that is ready), or it sits in a loop that has a way out (a
  `return` or `break`), after which nobody is left.

What the goroutine runs is its own body and the same-file functions it calls (a few
calls deep, methods matched by name); the field's other uses in the file are read from
the tree and those of the other files of the directory from their text
(``facts/go_channels.py``, ``ctx.reads["channel_fields"]``). Anything that lets the
channel escape (the field returned other than by an accessor, passed, stored, assigned
something else than `make(chan ...)` or nil), a partner in another file, a channel no
code of the package makes: no finding. A buffered channel only fills up when the
goroutine sends repeatedly (a send in a loop, or goroutines started in a loop).
"""

from __future__ import annotations

from ...languages import within
from ...languages.go import enclosing_function
from ...languages.go_syntax import own_nodes, package_name, strip_parens, text
from .channels import CLOSE, RANGE, RECV, SEND, VERB, Op, in_loop, resolve_int
from .field_reach import reached
from .field_uses import FileFields, declaration
from .goroutines import creator_name, innermost_loop, line_of, started_goroutines

# partner operations of a blocking one, and how the rule words them
PARTNERS = {SEND: ((RECV, RANGE), "receives from"), RECV: ((SEND, CLOSE), "sends on or closes"),
            RANGE: ((CLOSE,), "closes")}
# methods the standard library calls through its interfaces: never "called by nothing"
INTERFACE_METHODS = frozenset({"Close", "Read", "Write", "String", "Error", "ServeHTTP", "Len", "Less",
                               "Swap", "Push", "Pop", "Format", "Unwrap", "WriteTo", "ReadFrom", "Seek"})


class Partners:
    """Who serves a channel field: this file's tree and the other files' facts."""

    def __init__(self, ctx, fields: FileFields):
        self.fields = fields
        reads = ctx.reads.get("channel_fields", "unknown")
        self.elsewhere = reads.get("fields", {}) if isinstance(reads, dict) else None
        self.named = set(reads.get("named", [])) if isinstance(reads, dict) else set()
        self.main = package_name(fields.root) == "main"

    def judge(self, name: str, op: Op, owner: str, again: bool):
        """None (served, or unknown) or (wording of who fails to serve, related nodes);
        ``owner``: the struct type the blocked operation's field is known to be of."""
        use = self.fields.uses[name].of(owner)
        if self.elsewhere is None or use.escapes or self._exported(name, owner):
            return None
        other = set(self.elsewhere.get(name, []))
        for t in ([owner] if owner else self.fields.owners[name]):
            other.update(self.elsewhere.get(f"{t}.{name}", []))
        kinds, needed = PARTNERS[op.kind]
        if "value" in other or other & set(kinds):
            return None  # the channel goes elsewhere, or another file serves it
        if not use.caps and "made" not in other:
            return None  # made by nobody here: it comes from elsewhere
        caps = [c for c, *_ in use.caps]
        repeats = again or (op.in_loop and not _once(op) and not (
            "made" not in other and caps and None not in caps and _counted(op) <= min(caps)))
        if op.kind == SEND and ("made" in other or any(c != 0 for c in caps)) and not repeats:
            return None  # one send into a buffer: it completes
        partners = [o for o, _ in use.ops if o.kind in kinds]
        live = [o for o in partners if not self._dead(o.node)]
        if not live:
            if partners:
                names = sorted({self._function_name(o.node) for o in partners})
                return (f"only {', '.join(names)}, which nothing calls, {needed} it",
                        [(o.node, f"{VERB[o.kind]} {name}, never run") for o in partners])
            return f"nothing in the package {needed} it", []
        reasons = [_stops_serving(o) for o in live]
        if any(r is None for r in reasons):
            return None
        first, (how, where) = live[0], reasons[0]
        who = self._function_name(first.node)
        return (f"{who} {needed} it only {how} (line {line_of(where)})",
                [(o.node, f"{VERB[o.kind]} {name}") for o in live])

    def _exported(self, name: str, owner: str) -> bool:
        """Can other packages work the field: it is exported, or an exported accessor
        returns it (package main has no importers)?"""
        if self.main:
            return False
        return name[:1].isupper() or any(
            method[:1].isupper() and f == name and (not owner or not o or o == owner)
            for method, (f, o) in self.fields.accessors.items())

    def _function_name(self, node) -> str:
        fn = declaration(node)
        return creator_name(fn) if fn is not None else "the package"

    def _dead(self, node) -> bool:
        """Is ``node`` in a function that nothing in the package names (and nothing
        outside can call: an unexported name, or package main)?"""
        fn = declaration(node)
        if fn is None or fn.child_by_field_name("name") is None:
            return False
        name = text(fn.child_by_field_name("name"))
        if name in ("main", "init") or name in INTERFACE_METHODS:
            return False
        if name[:1].isupper() and not self.main:
            return False
        return name not in self.fields.referenced and name not in self.named


def _once(op: Op) -> bool:
    """Does a send in a loop run once per channel: the next statement returns, or sets
    the field it sent on to nil (`s.ready <- v; s.ready = nil`)?"""
    if op.kind != SEND:
        return False
    nxt = op.node.next_named_sibling
    while nxt is not None and nxt.type == "comment":
        nxt = nxt.next_named_sibling
    if nxt is None:
        return False
    if nxt.type == "return_statement":
        return True
    if nxt.type != "assignment_statement":
        return False
    left, right = nxt.child_by_field_name("left"), nxt.child_by_field_name("right")
    channel = op.node.child_by_field_name("channel")
    return left is not None and right is not None and channel is not None \
        and text(left).replace(" ", "") == text(channel).replace(" ", "") and text(right) == "nil"


def _counted(op: Op) -> float:
    """How often ``op`` runs per call of its function when its only loop counts
    `for i := 0; i < N; i++` with a constant N; inf for any other loop."""
    fn = enclosing_function(op.node)
    loop = innermost_loop(op.node, fn)
    if loop is None or innermost_loop(loop, fn) is not None:
        return float("inf")
    clause = next((c for c in loop.named_children if c.type == "for_clause"), None)
    cond = clause.child_by_field_name("condition") if clause is not None else None
    init = clause.child_by_field_name("initializer") if clause is not None else None
    if cond is None or cond.type != "binary_expression" or init is None \
            or text(init).replace(" ", "").split(":=")[-1] != "0":
        return float("inf")
    bound = resolve_int(cond.child_by_field_name("right"))
    if bound is None:
        return float("inf")
    return {"<": bound, "<=": bound + 1}.get(text(cond.child_by_field_name("operator")), float("inf"))



def _stops_serving(op: Op):
    """(how, node) when the partner ``op`` may stop serving: it only takes a ready value
    (a select case beside a `default`), or its loop has a way out; else None."""
    node = op.node
    case = node.parent
    while case is not None and case.type not in ("communication_case", "block", "source_file"):
        case = case.parent
    if case is not None and case.type == "communication_case" and any(
            c.type == "default_case" for c in case.parent.named_children):
        return "without waiting (a select with a default)", node
    fn = enclosing_function(node)
    loop = innermost_loop(node, fn)
    if loop is None:
        return None
    # a way out taken right after this very operation has served once
    way_out = next((e for e in _loop_exits(loop) if not _follows(node, e)), None)
    if way_out is None:
        return None
    return "until its loop ends", way_out


def _follows(op_node, exit_node) -> bool:
    """Is ``exit_node`` after ``op_node`` in the select case, switch case or block that
    holds the operation (so the operation has run on the way out)?"""
    if exit_node.start_byte < op_node.start_byte:
        return False
    scope = op_node.parent
    while scope is not None and scope.type not in ("communication_case", "expression_case",
                                                  "default_case", "block"):
        scope = scope.parent
    return scope is not None and scope.start_byte <= exit_node.start_byte < scope.end_byte


def _loop_exits(loop):
    """The `return`s in ``loop`` and the `break`s that leave it."""
    label = loop.parent.named_children[0] if loop.parent is not None and loop.parent.type == "labeled_statement" \
        else None
    body = loop.child_by_field_name("body")
    for n in (own_nodes(body) if body is not None else ()):
        if n.type == "return_statement":
            yield n
        if n.type == "break_statement":
            target = n.named_children[0] if n.named_children else None
            if target is not None:
                if label is not None and text(target) == text(label):
                    yield n
                continue
            p = n.parent
            while p is not None and p != loop and p.type not in ("for_statement", "select_statement",
                                                                 "expression_switch_statement",
                                                                 "type_switch_statement"):
                p = p.parent
            if p == loop:
                yield n


def check(ctx, rule) -> None:
    """Report goroutines blocked on a channel field nobody (left) serves."""
    root = ctx.tree.root_node
    if b"chan" not in root.text:
        return
    fields = FileFields(root)
    if not fields.fields:
        return
    partners = Partners(ctx, fields)
    for adapter, g in started_goroutines(ctx):
        many = in_loop(g.stmt, g.creator)
        found = _blocked(adapter, g, fields, partners, many)
        if found is False:
            continue  # no operation on a channel field: nothing judged
        ctx.count(rule.code, g.stmt, ok=found is None)
        if found is None:
            continue
        name, op, (where, related) = found
        fn = declaration(op.node)
        at = str(line_of(op.node))
        if fn is not None and fn.child_by_field_name("body") is not None and g.body != fn.child_by_field_name("body") \
                and not (g.body.parent is not None and g.body.parent.type == "func_literal"
                         and declaration(g.body) == fn and enclosing_function(op.node) == g.body.parent):
            at += f" (in {creator_name(fn)})"
        what = (f"leaves its loop only by receiving from field {name} at line {at}" if op.in_select
                else f"{VERB[op.kind]} field {name} at line {at}")
        ctx.emit(rule, g.stmt, rule.message.format(
            what=what, where=where,
            effect="it can block forever"),
            related=[(op.node, f"blocks here: {VERB[op.kind]} {name}")] + related[:4])


def _blocked(adapter, g, fields, partners, many):
    """(field, blocking op, judgement) for the first operation of the goroutine that
    blocks on a channel field nobody serves; None when each is served, False when the
    goroutine blocks on no channel field."""
    judged = False
    for block, again in reached(adapter, g.body, False, fields):
        fn = block.parent
        for name, use in fields.uses.items():
            # goroutines started in a loop share the channel unless each makes its own
            shared = many and not any(within(make, g.body) for *_, make in use.caps) \
                and not _given_fresh(g)
            for op, owner in use.ops:
                if op.kind not in PARTNERS or op.in_select or op.node.id in fields.indirect \
                        or enclosing_function(op.node) != fn \
                        or not (block.start_byte <= op.node.start_byte < block.end_byte):
                    continue
                judged = True
                verdict = partners.judge(name, op, owner, again or shared)
                if verdict is not None:
                    return name, op, verdict
    if judged:
        return None
    return _endless(g, fields, partners, many)


def _given_fresh(g) -> bool:
    """Is the goroutine, started in a loop, given an object declared in that loop's body
    (`ws := ...; go w.serve(ws)`): then each goroutine works channels of its own."""
    call = next((c for c in g.stmt.named_children if c.type == "call_expression"), None)
    loop = innermost_loop(g.stmt, g.creator)
    if call is None or loop is None:
        return False
    body = loop.child_by_field_name("body")
    names = {text(a) for a in call.child_by_field_name("arguments").named_children if a.type == "identifier"}
    callee = call.child_by_field_name("function")
    operand = callee.child_by_field_name("operand") if callee is not None and callee.type == "selector_expression" \
        else None
    if operand is not None and operand.type == "identifier":
        names.add(text(operand))  # `go j.run()` on this turn's j
    declared = [loop.named_children[0].child_by_field_name("left")] \
        if loop.named_children and loop.named_children[0].type == "range_clause" else []
    declared += [n.child_by_field_name("left") for n in (own_nodes(body) if body is not None else ())
                 if n.type == "short_var_declaration"]
    return any(text(x) in names for left in declared if left is not None for x in left.named_children)


def _endless(g, fields, partners, many):
    """A goroutine whose loop is left only from select cases that receive from channel
    fields (`case <-s.done: return`), none of which anything serves: it never ends.
    Same result as ``_blocked``."""
    fn = g.body.parent
    loops = [n for n in own_nodes(g.body) if n.type == "for_statement"
             and not any(c.type != "block" for c in n.named_children)]  # `for { ... }`
    judged = False
    for loop in loops:
        exits = list(_loop_exits(loop))
        cases = [_exit_case(e, loop, fields) for e in exits]
        if not exits or any(c is None for c in cases):
            continue
        judged = True
        verdicts = [partners.judge(name, op, owner, many) for name, op, owner in cases]
        if all(v is not None for v in verdicts) and enclosing_function(loop) == fn:
            name, op, _owner = cases[0]
            return name, op, verdicts[0]
    return None if judged else False


def _exit_case(exit_node, loop, fields):
    """(field, receive, owner) when ``exit_node`` is in a select case of ``loop`` whose
    communication receives from a channel field; None otherwise."""
    p = exit_node.parent
    while p is not None and p != loop and p.type != "communication_case":
        p = p.parent
    if p is None or p == loop:
        return None
    comm = p.child_by_field_name("communication")
    for name, use in fields.uses.items():
        for op, owner in use.ops:
            if op.kind == RECV and comm is not None and comm.start_byte <= op.node.start_byte < comm.end_byte:
                return name, Op(RECV, op.node, True, op.in_loop), owner
    return None
