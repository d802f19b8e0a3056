"""LL111 python-resource-closed-on-normal-path-only: A resource is released on the normal path
only: an exception before the release skips it.
"""

from __future__ import annotations

from ... import contexts
from ...analysis.handles import rethrown_only
from ...analysis.lifecycle import Follow
from ...catalogue import find_rule
from ...ir import RELEASE, TooDeep
from ...languages.python import callee_text, first_call
from ...languages.python_lowering import failed_call, rethrown
from ...tracks import Track, Verdict

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("call", "handle", "line", "raiser")


def check(ctx, rule) -> None:
    """LL111: every explicit path releases the handle, but a call between the acquisition
    and the release can raise and skip it (no try/finally, with, or except-close-raise)."""
    adapter = ctx.adapter()
    source = find_rule("LL110")
    if adapter is None or source is None:
        return
    collected = set(rule.options.get("collected_on_drop", ()))
    for cand in adapter.candidates([source]):
        if adapter.qualified(cand.call) in collected:
            ctx.count(rule.code, cand.call, ok=True)  # dropped by an exception: the runtime stops it
            continue
        verdict = adapter.track(cand)
        if isinstance(verdict, Verdict) and not verdict.leak:
            _field_dropped(ctx, rule, adapter, cand)
        if isinstance(verdict, Verdict) or not isinstance(verdict, Track):
            continue
        effects = adapter.effects(verdict)
        fn_body = verdict.function.child_by_field_name("body")
        if fn_body is None or RELEASE not in effects.scan(fn_body):
            continue  # handed on rather than released here: the new owner's business
        try:
            body, end, _ = adapter.lower(verdict.function)
            leaks = Follow(adapter.effects(verdict)).run_function(body, end)
            if leaks and not rethrown_only(leaks, rethrown):
                continue  # leaks on an explicit path: LL110 reports it
            if not leaks:
                body, end, _ = adapter.lower(verdict.function, implicit=True)
                leaks = Follow(adapter.effects(verdict), leak_exits=("raise",)).run_function(body, end)
        except TooDeep:
            continue
        ctx.count(rule.code, cand.call, ok=not leaks)
        if not leaks:
            continue
        stmt = leaks[0].node
        # a `raise` in an `except` clause goes on with the failure of a call of its `try`
        raiser = (failed_call(stmt, cand.call.end_byte) if rethrown(stmt) else None) \
            or first_call(stmt) or stmt
        ctx.emit(rule, cand.call, rule.message.format(
            handle=verdict.handle, call=cand.callee, raiser=callee_text(raiser) + "()",
            line=raiser.start_point[0] + 1),
            related=[(raiser, "can raise here, skipping the release")],
            traits={contexts.EXCEPTION_ONLY})


def _field_dropped(ctx, rule, adapter, cand) -> None:
    """A handle stored in ``self.x`` that an ``except`` clause replaces (``self.sock =
    None`` after a failed bind): it is kept on the normal path and dropped on a raise."""
    dropped = adapter.raised_drop(cand)
    if dropped is None:
        return
    handle, raiser = dropped
    ctx.count(rule.code, cand.call, ok=False)
    ctx.emit(rule, cand.call, rule.message.format(
        handle=handle, call=cand.callee, raiser=callee_text(raiser) + "()",
        line=raiser.start_point[0] + 1),
        related=[(raiser, "can raise here, dropping the handle")],
        traits={contexts.EXCEPTION_ONLY})
