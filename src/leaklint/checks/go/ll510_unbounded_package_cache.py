"""LL510 unbounded-package-cache: A package-level map, slice or sync.Map is only ever added to.

The package's other files are read through the index: every insertion and eviction of a
package-level container or of a field of a single-instance type, in any non-test file of
the package, arrives in ``ctx.reads["containers"]`` (``facts.go_growth``,
``facts.index.container_reads``); ``analysis.growth`` decides.
"""

from __future__ import annotations

import os

from ...analysis.growth import EVICT, INSERT, LONG_LIVED, Container, Use, analyse
from ...facts.go_package import package_containers
from ...facts.lifetimes import OBJECT, go_package_state
from ...languages.go_syntax import package_name
from ...model import Position, Related

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("kind", "name", "site", "verb")


def _facts(entry: dict, lifetime: str) -> tuple:
    """The Go facts of one container or field, as the growth analysis reads them: the
    package's insertions (those filled once or keyed by a type are bounded) and whether
    any file of the package evicts from it or may."""
    holder = "field" if "type" in entry else "package"
    if entry.get("asserted"):  # its type's only value is an interface assertion's: none
        lifetime = OBJECT
    container = Container(entry["name"], entry["kind"], holder, lifetime, entry["at"])
    uses = [Use(INSERT, at=pos) for pos in entry["inserts"]]
    uses += [Use(INSERT)] * (entry["insert_count"] - len(entry["inserts"]))
    uses += [Use(INSERT, bounded=True)] * entry.get("bounded", 0)
    if entry["evicted"]:
        uses.append(Use(EVICT))
    return container, uses


def _report(ctx, rule, entry: dict, name: str, lifetime: str) -> None:
    container, uses = _facts(entry, lifetime)
    found = analyse(container, uses)
    decl = ctx.tree.root_node.descendant_for_byte_range(*entry["at"])
    if not found.filled and not entry.get("asserted"):
        return
    ctx.count(rule.code, decl, ok=not found.leaks)
    if not found.leaks:
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
    lifetime = go_package_state(ctx.src.path, package_name(ctx.tree.root_node))
    if lifetime not in LONG_LIVED:
        return  # tests and commands end soon: their package state goes with the process
    if not package_containers(ctx.tree.root_node) and b"struct" not in ctx.src.data:
        return
    found = ctx.reads.get("containers") or {}
    for entry in found.get("containers", ()):
        _report(ctx, rule, entry, entry["name"], lifetime)
    for entry in found.get("fields", ()):
        _report(ctx, rule, entry, f"field {entry['type']}.{entry['name']} of {entry['instance']}",
                lifetime)
