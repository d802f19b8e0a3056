"""LL002: a `leaklint: ignore` comment suppresses no finding (see the rule's rationale for
when it stays quiet). Its fix removes the comment (shape `remove-comment`)."""

from __future__ import annotations

from ...catalogue import META_FAMILY, builtin_rules
from .suppressions import covers, known_names, listed, suppressions

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("names",)


def check(ctx, rule) -> None:
    if ctx.tree.root_node.has_error:
        return  # a partly parsed file can miss the very finding a comment suppresses
    known = known_names(ctx)
    enabled = {n.upper() for r in ctx.enabled for n in (r.code, r.name)}
    # a bare suppression is judged when the default selection ran (opt-in rules aside)
    everything = {r.code for r in builtin_rules()
                  if r.applies_to(ctx.family) and r.family != META_FAMILY and r.precision != "low"}
    for s in suppressions(ctx):
        if rule.code in s.names or rule.name.upper() in s.names or s.names - known:
            continue  # kept on purpose, or LL001's to report
        if s.names and not s.names <= enabled:
            continue  # a rule it names did not run here
        if not s.names and not everything <= {r.code for r in ctx.enabled}:
            continue  # a bare suppression, and not every default rule ran
        used = any(f.suppressed and covers(s, f) for f in ctx.result.findings)
        ctx.count(rule.code, s.node, ok=used)
        if not used:
            names = listed(s, s.names) if s.names else "every rule"
            ctx.emit(rule, s.node, rule.message.format(names=names),
                     fix_anchors={"shape": "remove-comment"})

