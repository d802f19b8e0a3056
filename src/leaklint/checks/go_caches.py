"""Package-level maps and slices that only grow (LL510), and maps "cleared" by a delete
loop (LL511).

LL510 reads the other files of the package through the index: every insertion and
eviction of a package-level container or of a field of a single-instance type, in any
non-test file of the package (``facts.go_package``, ``facts.index.container_reads``).
"""

from __future__ import annotations

import os

from ..facts.go_package import package_containers
from ..facts.lifetimes import PROCESS, go_package_state
from ..languages import matches
from ..languages.go_syntax import (callee_text, declared_names, enclosing_function, outer_locals,
                                   package_name, strip_parens, text)
from ..model import Position, Related


def _report(ctx, rule, entry: dict, name: str) -> None:
    if not entry["insert_count"]:
        return
    ctx.count(rule.code, ok=entry["evicted"])
    if entry["evicted"]:
        return
    decl = ctx.tree.root_node.descendant_for_byte_range(*entry["at"])
    kind = entry["kind"]
    first = entry["inserts"][0]
    verb = "appended to" if kind == "slice" else "inserted into"
    more = entry["insert_count"] - 1
    ctx.emit(rule, decl, rule.message.format(
        kind=kind, name=name, verb=verb, site=f"{os.path.basename(first[0])}:{first[1]}" + (
            f" and {more} more place(s)" if more else "")))
    finding = ctx.result.findings[-1]
    for path, *pos in entry["inserts"]:
        finding.related.append(Related(path, Position(*pos), f"{verb} here"))


def unbounded_package_cache(ctx, rule) -> None:
    if go_package_state(ctx.src.path, package_name(ctx.tree.root_node)) != PROCESS:
        return  # tests and commands end soon: their package state goes with the process
    if not package_containers(ctx.tree.root_node) and b"struct" not in ctx.src.data:
        return
    found = ctx.reads.get("containers") or {}
    for entry in found.get("containers", ()):
        _report(ctx, rule, entry, entry["name"])
    for entry in found.get("fields", ()):
        _report(ctx, rule, entry, f"field {entry['type']}.{entry['name']} of {entry['instance']}")


# -- LL511 ----------------------------------------------------------------------------

def delete_loop_clear(ctx, rule) -> None:
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
        ctx.count(rule.code, ok=not long_lived)
        if long_lived:
            ctx.emit(rule, loop, rule.message.format(name=text(m)))

