"""Language-neutral parts of lifecycle checking: candidates, tracks and the runner.

A language adapter (``languages/<lang>.py``) supplies:

- ``candidates(rules)``: acquisition calls matching the rules' ``acquire`` patterns;
- ``track(candidate)``: a ``Track`` (the handle's name, its function, its scope) or a
  ``Verdict`` when the call site alone decides (result discarded, returned directly...);
- ``lower(function)``: the function body as ``analysis.ir`` nodes;
- ``effects(track)``: what each IR leaf does to the handle;
- optionally ``adjust(rule)``: ``(severity or None or "drop", note appended to messages)``
  for facts of the file's build that change how much a leak matters.

``track`` may return None when the call turns out not to be the rule's resource.

``check_lifecycles`` then runs the engine for each candidate and emits findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .ir import TooDeep
from .lifecycle import Follow, Leak


@dataclass
class Candidate:
    rule: object
    call: object  # the acquiring call's syntax node
    callee: str  # its callee as written, e.g. "db.Query"


@dataclass
class Track:
    candidate: Candidate
    function: object  # the syntax node of the owning function
    handle: str
    error: str | None = None
    decl_block: object = None  # syntax node of the block the variable is declared in
    extra: dict = field(default_factory=dict)


@dataclass
class Verdict:
    """Decided at the call site: ``leak`` with a reason, or not (handed on at once)."""

    leak: bool
    reason: str = ""
    node: object = None


class SpecEffects:
    """What every adapter's effects read from the rule's ``[lifecycle]`` table and the
    track; the language's own class adds how its syntax releases and hands on."""

    def __init__(self, adapter, track: Track, rule=None, depth: int = 0):
        self.a = adapter
        self.track = track
        self.rule = rule or track.candidate.rule
        spec = self.rule.lifecycle
        self.name = track.handle
        self.release = set(spec["release"])
        self.views = set(spec.get("views", ()))
        self.borrow = set(spec.get("borrow_calls", ()))
        self.handoff_calls = set(spec.get("handoff_calls", ()))
        self.release_fns = set(spec.get("release_functions", ()))
        self.exhausted_by = set(spec.get("exhausted_by", ()))
        self.depth = depth
        self.acquire = track.candidate.call if track.candidate else None
        self.stmt = track.extra.get("stmt")


def pattern_matches(pattern: str, callee: str) -> bool:
    """``*.Query`` matches any receiver; ``os.Open`` exactly; ``new X`` a constructor."""
    if pattern.startswith("*."):
        tail = pattern[1:]
        return callee.endswith(tail) and len(callee) > len(tail)
    return callee == pattern


def candidate_names(ctx, rules) -> list[str]:
    """Last names of the acquire patterns of every enabled lifecycle rule for this file's
    language: the same for every file of a run, so its query is compiled once (the rules
    active on a file, after the prefilter, are picked out of the matches)."""
    every = [r for r in ctx.settings.rules if r.lifecycle and r.applies_to(ctx.family)]
    return sorted({last_name(p) for r in (every or rules) for p in r.lifecycle["acquire"]})


def last_name(pattern: str) -> str:
    return pattern.rsplit(".", 1)[-1].split()[-1]


def describe(leak: Leak, src) -> str:
    line = leak.node.start_point[0] + 1
    if leak.kind in ("end", "scope"):
        line = leak.node.end_point[0] + 1
    return {
        "return": f"on the return at line {line}",
        "raise": f"when the raise at line {line} leaves the function",
        "end": f"when the function ends at line {line}",
        "scope": f"when its block ends at line {line}",
        "overwrite": f"before it is overwritten at line {line}",
        "reacquire": f"before it is acquired again at line {line}",
    }[leak.kind]


def check_lifecycles(ctx, adapter, rules) -> None:
    """Run every lifecycle rule of ``rules`` over one parsed file."""
    for cand in adapter.candidates(rules):
        ctx.deadline.check()
        rule = cand.rule
        spec = rule.lifecycle
        verdict = adapter.track(cand)
        if verdict is None:
            continue  # not this rule's resource after all (e.g. no evidence of its type)
        adjust = getattr(adapter, "adjust", None)
        severity, note = adjust(rule) if adjust else (None, "")
        if severity == "drop":
            ctx.count(rule.code, ok=True)  # not a leak with this build's runtime
            continue
        if isinstance(verdict, Verdict):
            if verdict.leak:
                ctx.emit(rule, cand.call,
                         _message(rule, cand, verdict.reason, handle=verdict.node) + note,
                         severity=severity)
            ctx.count(rule.code, ok=not verdict.leak)
            continue
        track = verdict
        try:
            body, end_node, blocks = adapter.lower(track.function)
        except TooDeep:
            ctx.diagnose("skipped", f"function at line {track.function.start_point[0] + 1} "
                                    "nests too deeply to analyse")
            continue
        follow = Follow(adapter.effects(track), decl_block=blocks.get(_key(track.decl_block)),
                        leak_exits=tuple(spec.get("exits") or Follow.leak_exits))
        leaks = follow.run_function(body, end_node)
        ctx.count(rule.code, ok=not leaks)
        if not leaks:
            continue
        first = leaks[0]
        related = [(l.node, "leaks here: " + describe(l, ctx.src)) for l in leaks]
        ctx.emit(rule, cand.call,
                 _message(rule, cand, describe(first, ctx.src), track.handle) + note,
                 related=related, severity=severity)


def _key(node):
    return None if node is None else (node.start_byte, node.end_byte)


def short_callee(callee: str) -> str:
    """A callee as messages show it: `db.Query`, or `….Query` for a long chain."""
    if len(callee) <= 40 and all(c.isalnum() or c in "._" for c in callee):
        return callee
    return "…." + callee.rsplit(".", 1)[-1] if "." in callee else callee[:40]


def _message(rule, cand, where: str, handle) -> str:
    spec = rule.lifecycle
    return rule.message.format(
        handle=handle if handle and handle != "_" else "the result", call=cand.callee, where=where,
        verb=spec.get("verb", "released"),
    )
