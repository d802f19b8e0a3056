"""LL510 unbounded-package-cache: A package-level map, slice or sync.Map is only ever added to.

The package's other files are read through the index: every insertion and eviction of a
package-level container or of a field of a single-instance type, in any non-test file of
the package, arrives in ``ctx.reads["containers"]`` (``facts.go_package``,
``facts.index.container_reads``).
"""

from __future__ import annotations

import os

from ...facts.go_package import package_containers
from ...facts.lifetimes import PROCESS, go_package_state
from ...languages.go_syntax import package_name
from ...model import Position, Related

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("kind", "name", "site", "verb")


def _report(ctx, rule, entry: dict, name: str) -> None:
    if entry.get("asserted"):  # its type's only value is an interface assertion's
        ctx.count(rule.code, ctx.tree.root_node.descendant_for_byte_range(*entry["at"]), ok=True)
        return
    if not entry["insert_count"]:
        return
    decl = ctx.tree.root_node.descendant_for_byte_range(*entry["at"])
    ctx.count(rule.code, decl, ok=entry["evicted"])
    if entry["evicted"]:
        return
    kind = entry["kind"]
    first = entry["inserts"][0]
    verb = "appended to" if kind == "slice" else "inserted into"
    more = entry["insert_count"] - 1
    before = len(ctx.result.findings)
    ctx.emit(rule, decl, rule.message.format(
        kind=kind, name=name, verb=verb, site=f"{os.path.basename(first[0])}:{first[1]}" + (
            f" and {more} more place(s)" if more else "")))
    if len(ctx.result.findings) == before:
        return  # left out by the context policy
    finding = ctx.result.findings[-1]
    for path, *pos in entry["inserts"]:
        finding.related.append(Related(path, Position(*pos), f"{verb} here"))


def check(ctx, rule) -> None:
    if go_package_state(ctx.src.path, package_name(ctx.tree.root_node)) != PROCESS:
        return  # tests and commands end soon: their package state goes with the process
    if not package_containers(ctx.tree.root_node) and b"struct" not in ctx.src.data:
        return
    found = ctx.reads.get("containers") or {}
    for entry in found.get("containers", ()):
        _report(ctx, rule, entry, entry["name"])
    for entry in found.get("fields", ()):
        _report(ctx, rule, entry, f"field {entry['type']}.{entry['name']} of {entry['instance']}")
