"""LL302: a context's cancel func stored in a struct field that nothing ever calls.

Storing the cancel func is a handoff for LL301; this rule checks the other half: some
code of the package (a Stop/Close method, usually) must read the field again. The
package is the directory's .go files, found through discovery; which of the fields this
file writes they read comes from the index (``ctx.reads["fields_read"]``). A field that
is only ever assigned is a leak.
"""

from __future__ import annotations

from ...catalogue import find_rule
from ...languages import matches
from ...languages.go_syntax import enclosing_function, own_nodes
from ...tracks import pattern_matches

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("call", "field")


def check(ctx, rule) -> None:
    source = find_rule(rule.options.get("acquisitions_of", "LL301"))
    if source is None or source.lifecycle is None:
        return
    patterns = source.lifecycle["acquire"]
    read = ctx.reads.get("fields_read", "unknown")
    for field_name, node, call in _stored_cancels(ctx.tree.root_node, patterns):
        used = read == "unknown" or field_name in read  # unknown: someone may call it
        ctx.count(rule.code, node, ok=used)
        if not used:
            ctx.emit(rule, node, rule.message.format(field=field_name, call=_callee(call)),
                     related=[(call, "the context is derived here")])


def _callee(call) -> str:
    fn = call.child_by_field_name("function")
    return fn.text.decode() if fn is not None else "?"


def _stored_cancels(root, patterns):
    """(field name, node storing it, deriving call) for every cancel func of a derived
    context stored in a field: `ctx, s.cancel = context.WithCancel(...)`,
    `s.cancel = cancel`, `&T{cancel: cancel}`."""
    q = " ".join("(%s left: (expression_list . (_) . (_) @c .)"
                 " right: (expression_list . (call_expression) @call .)) @assign" % t
                 for t in ("short_var_declaration", "assignment_statement"))
    for _, caps in matches("go", q, root):
        assign, call, target = caps["assign"][0], caps["call"][0], caps["c"][0]
        if not any(pattern_matches(p, _callee(call)) for p in patterns):
            continue
        if target.type == "selector_expression":
            yield target.child_by_field_name("field").text.decode(), target, call
        elif target.type == "identifier" and target.text != b"_":
            fn = enclosing_function(assign)
            if fn is not None:
                yield from _fields_given(fn, target.text.decode(), assign, call)


def _fields_given(fn, name: str, after, call):
    """Fields that the local cancel func ``name`` is stored in after ``after``; none when
    the local is also used some other way (called, deferred, passed on): then the field
    is not the only way to cancel."""
    stores = list(_stores(fn, name, after, call))
    mentions = [n for _, caps in matches("go", "((identifier) @n (#eq? @n \"%s\"))" % name, fn)
                for n in caps["n"] if n.start_byte >= after.end_byte]
    if len(mentions) > len(stores):
        return
    yield from stores


def _stores(fn, name: str, after, call):
    for node in own_nodes(fn):
        if node.start_byte < after.end_byte:
            continue
        if node.type == "assignment_statement":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                continue
            lhs, rhs = left.named_children, right.named_children
            for i, value in enumerate(rhs):
                if value.type == "identifier" and value.text.decode() == name and i < len(lhs) \
                        and lhs[i].type == "selector_expression":
                    yield lhs[i].child_by_field_name("field").text.decode(), lhs[i], call
        elif node.type == "keyed_element":
            kids = node.named_children
            if len(kids) == 2 and kids[1].text.decode() == name:
                key = kids[0]
                while key.named_children and key.type != "field_identifier":
                    key = key.named_children[0]
                yield key.text.decode(), node, call
