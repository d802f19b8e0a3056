"""LL511 map-cleared-by-delete-loop: A long-lived map is emptied by deleting every key instead
of being replaced.
"""

from __future__ import annotations

from ...facts.go_package import package_containers
from ...languages import matches
from ...languages.go_syntax import (callee_text, declared_names, enclosing_function, outer_locals,
                                    strip_parens, text)

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("name",)


def check(ctx, rule) -> None:
    if ctx.is_test:
        return  # benchmarks and tests reset their maps for reuse
    q = ("(for_statement (range_clause left: (expression_list . (identifier) @k) right: (_) @m)"
         " body: (block) @body) @loop")
    package = package_containers(ctx.tree.root_node)
    for _, caps in matches("go", q, ctx.tree.root_node):
        loop, body, key, m = caps["loop"][0], caps["body"][0], caps["k"][0], caps["m"][0]
        stmts = [s for s in body.named_children if s.type != "comment"]
        if len(stmts) == 1 and stmts[0].type == "statement_list":
            stmts = [s for s in stmts[0].named_children if s.type != "comment"]
        if len(stmts) != 1 or stmts[0].type != "expression_statement":
            continue
        call = stmts[0].named_children[0] if stmts[0].named_children else None
        if call is None or call.type != "call_expression" or callee_text(call) != "delete":
            continue
        args = [a for a in call.child_by_field_name("arguments").named_children if a.type != "comment"]
        if len(args) != 2 or text(args[0]) != text(m) or text(args[1]) != text(key):
            continue
        target = strip_parens(m)
        fn = enclosing_function(loop)
        long_lived = target.type == "selector_expression" or (
            target.type == "identifier" and text(target) in package
            and (fn is None or text(target) not in declared_names(fn) | outer_locals(fn)))
        ctx.count(rule.code, loop, ok=not long_lived)
        if long_lived:
            ctx.emit(rule, loop, rule.message.format(name=text(m)))
