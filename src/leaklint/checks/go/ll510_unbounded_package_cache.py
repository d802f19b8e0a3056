"""LL510 unbounded-package-cache: A package-level map, slice or sync.Map is only ever added to.
"""

from __future__ import annotations

import os

from ...model import Related
from .caches import Uses, package_containers, package_facts, package_files
from .package import is_command

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("kind", "name", "site", "verb")


def _report(ctx, rule, decl, kind: str, name: str, u: Uses) -> None:
    if not u.inserts:
        return
    ctx.count(rule.code, decl, ok=bool(u.evictions))
    if u.evictions:
        return
    pf, first = u.inserts[0]
    where = os.path.basename(pf.path)
    verb = "appended to" if kind == "slice" else "inserted into"
    ctx.emit(rule, decl, rule.message.format(
        kind=kind, name=name, verb=verb, site=f"{where}:{first.start_point[0] + 1}" + (
            f" and {len(u.inserts) - 1} more place(s)" if len(u.inserts) > 1 else "")))
    finding = ctx.result.findings[-1]
    for pf, node in u.inserts[:5]:
        finding.related.append(Related(pf.path, pf.src.position(node), f"{verb} here"))


def check(ctx, rule) -> None:
    if ctx.is_test or is_command(ctx.src.path, ctx.tree.root_node):
        return  # tests and commands end soon: their package state goes with the process
    if not package_containers(ctx.tree.root_node) and b"struct" not in ctx.src.data:
        return
    facts = package_facts(ctx, package_files(ctx))
    me = os.path.abspath(ctx.src.path)
    for name, decls in facts.containers.items():
        for path, decl, kind in decls:
            if os.path.abspath(path) == me:
                _report(ctx, rule, decl, kind, name, facts.uses[name])
    for name, decls in facts.fields.items():
        for path, f in decls:
            if os.path.abspath(path) == me:
                _report(ctx, rule, f.decl, f.kind, f"field {f.type_name}.{name} of {f.instance}",
                        facts.field_uses[name])
