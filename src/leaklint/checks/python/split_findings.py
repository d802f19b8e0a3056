"""Rules split from LL110: the LL110 adapter decides each acquisition once, and a verdict
that names another rule (``Verdict.rule``: a handle kept by a class with no teardown,
LL113; a child process started and dropped, LL114) is that rule's finding. The split rules
are opt-in: what they report is a leak only for some of the programs that do it, and the
code at hand does not say which."""

from __future__ import annotations

from ...catalogue import find_rule
from ...tracks import Verdict


def report_split(ctx, rule) -> None:
    """Report every acquisition the LL110 adapter hands to ``rule``."""
    adapter = ctx.adapter()
    source = find_rule("LL110")
    if adapter is None or source is None:
        return
    for cand in adapter.candidates([source]):
        verdict = adapter.track(cand)
        if not isinstance(verdict, Verdict) or verdict.rule != rule.code:
            continue
        ctx.count(rule.code, cand.call, ok=False)
        handle = verdict.node if verdict.node and verdict.node != "_" else "the result"
        ctx.emit(rule, cand.call, rule.message.format(
            handle=handle, call=cand.callee, where=verdict.reason), traits=set(verdict.traits))
