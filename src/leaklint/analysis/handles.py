"""Language-neutral parts of lifecycle checking: candidates, tracks and the runner.

A language adapter (``languages/<lang>.py``) supplies:

- ``candidates(rules)``: acquisition calls matching the rules' ``acquire`` patterns;
- ``track(candidate)``: a ``Track`` (the handle's name, its function, its scope) or a
  ``Verdict`` when the call site alone decides (result discarded, returned directly...);
- ``lower(function)``: the function body as ``leaklint.ir`` nodes;
- ``effects(track)``: what each IR leaf does to the handle;
- optionally ``adjust(rule)``: ``(severity or None or "drop" or "held", note appended to
  messages)`` for facts of the file's build that change how much a leak matters ("held":
  the runtime collects the handle once unreferenced, so only a leak that something still
  holds after the function counts: ``held_after_return(track)`` says whether it is);

``track`` may return None when the call turns out not to be the rule's resource.

``check_lifecycles`` then runs the engine for each candidate and emits findings.
"""

from __future__ import annotations

from .. import contexts
from ..facts import lifetimes
from ..facts.go_build import builds_on
from ..ir import TooDeep
from ..tracks import Verdict
from .lifecycle import Follow, Leak
from .paths import describe_all, describe_one, leak_paths


def check_lifecycles(ctx, adapter, rules) -> None:
    """Run every lifecycle rule of ``rules`` over one parsed file."""
    too_deep = set()  # functions already reported as too deep to analyse
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
            ctx.count(rule.code, cand.call, ok=True)  # not a leak with this build's runtime
            continue
        if severity == "held" and isinstance(verdict, Verdict):
            ctx.count(rule.code, cand.call, ok=True)  # decided at the call: nothing holds it
            continue
        if isinstance(verdict, Verdict) and verdict.leak and spec.get("exits") \
                and "end" not in spec["exits"]:
            verdict = Verdict(False)  # lost at the call: an end the rule does not count
        if isinstance(verdict, Verdict):
            if verdict.leak:
                ctx.emit(rule, cand.call,
                         _message(rule, cand, verdict.reason, handle=verdict.node) + note,
                         severity=severity, traits=set(verdict.traits))
            ctx.count(rule.code, cand.call, ok=not verdict.leak)
            continue
        track = verdict
        try:
            body, end_node, blocks = adapter.lower(track.function)
        except TooDeep:
            if _key(track.function) not in too_deep:
                too_deep.add(_key(track.function))
                what = "module-level code" if track.function.parent is None else \
                    f"function at line {track.function.start_point[0] + 1}"
                ctx.diagnose("skipped", f"{what} nests too deeply to analyse")
            continue
        exits = tuple(spec.get("exits") or Follow.leak_exits)
        unused = False
        if "exits" in track.extra:  # the adapter narrows them (module-level code)
            unused = "unused" in track.extra["exits"]
            exits = tuple(e for e in exits if e in track.extra["exits"]) + (("end",) if unused else ())
        # a handle its owner ends (a transaction's) leaks only on the other ways out
        exits = tuple(e for e in exits if e not in track.extra.get("owned_exits", ()))
        follow = Follow(adapter.effects(track), decl_block=blocks.get(_key(track.decl_block)),
                        leak_exits=exits)
        leaks = follow.run_function(body, end_node)
        if spec.get("rejections_only"):  # a TS/JS rule (the catalogue checks)
            # only a rejected promise counts as a raise, not any call that might throw
            leaks = [l for l in leaks if l.kind != "raise" or adapter.awaits(l.node)]
        if unused:  # the end of a module's code: the handle is lost only if nothing reads it
            leaks = [Leak("unused", track.extra.get("stmt") or l.node) if l.kind == "end" else l
                     for l in leaks]
        if leaks and severity == "held":
            if not adapter.held_after_return(track):
                leaks = []  # unreferenced once the function is left: the runtime collects it
            severity, note = None, note.replace("garbage collected even if never stopped",
                                                "garbage collected, but a goroutine started "
                                                "here still holds this one")
        if leaks and track.extra.get("idle_until_used"):
            # the handle holds nothing until one of these names is used: an exit reached
            # before any use loses nothing
            leaks = [l for l in leaks if _used_before(track, l)]
        if leaks and (track.extra.get("owner_rolls_back") or _run_ends_on_error(adapter, ctx, track)):
            # a test or a command that returns an error here ends with it: what the
            # error path leaves open goes with the run (or with the transaction the
            # caller rolls back)
            leaks = [l for l in leaks if not (l.kind == "return" and adapter.error_exit(l.node))]
        if leaks and lifetimes.return_ends_command(ctx.family, track.function, ctx.reads):
            # a command's action: its return, error or not, ends the command's run; what it
            # acquires once and drops at a block's end it holds until then, no longer
            once = lifetimes.once_per_run(ctx.family, cand.call, track.function)
            leaks = [l for l in leaks
                     if l.kind != "return" and not (once and l.kind in ("end", "scope"))]
        if rethrown_only(leaks, getattr(adapter, "rethrown", None)):
            # dropped only as a failed call's error goes on up (`except OSError: raise
            # ConfigError(...)`): released on the normal path only, the exception rule's
            leaks = []
        ctx.count(rule.code, cand.call, ok=not leaks)
        if not leaks:
            continue
        # one finding for the handle, naming every exit it leaks on, with a path to each
        related = [(l.node, "leaks here: " + describe_one(l)) for l in leaks]
        ctx.emit(rule, cand.call,
                 _message(rule, cand, describe_all(leaks), track.handle) + note,
                 related=related, flows=leak_paths(cand.call, leaks), severity=severity,
                 traits=leak_traits(leaks) | _track_traits(track, ctx))


def _run_ends_on_error(adapter, ctx, track) -> bool:
    """Does an error returned by the track's function end its run: test code (a `_test.go`
    file or a file in the test context, such as a test/ directory's helpers), a script, a
    Go command (save the code that a program running until it is stopped runs again), or
    a function a command-line framework's command runs once, for adapters that can tell
    an error return (``error_exit``)?"""
    if getattr(adapter, "error_exit", None) is None:
        return False
    return ctx.context.kind in (contexts.TEST, contexts.SCRIPT) \
        or lifetimes.error_ends_run(ctx.src.path, adapter.package(), track.function,
                                    ctx.reads) \
        or lifetimes.error_ends_command(ctx.family, track.function, ctx.reads)


def _used_before(track, leak) -> bool:
    """Is one of ``track.extra["idle_until_used"]`` read between the acquisition and the
    leak, in the source's order? A leak that comes back to the acquisition (a loop) counts
    as after a use."""
    start = track.extra["stmt"].end_byte
    end = leak.node.start_byte if leak.kind in ("return", "raise", "overwrite") else leak.node.end_byte
    if end <= start:
        return True
    names = track.extra["idle_until_used"]
    stack = [track.function]
    while stack:
        n = stack.pop()
        if n.end_byte <= start or n.start_byte >= end:
            continue
        if n.type == "identifier" and n.text.decode() in names and not _written(n):
            return True
        stack.extend(n.named_children)
    return False


def _written(ident) -> bool:
    """Is ``ident`` a name being assigned (on the left of `=`, `:=` or a var spec)?"""
    parent = ident.parent
    if parent is not None and parent.type == "expression_list":
        owner = parent.parent
        return owner is not None and owner.type in ("assignment_statement", "short_var_declaration") \
            and owner.child_by_field_name("left") == parent
    return parent is not None and parent.type == "var_spec"


def rethrown_only(leaks, rethrown) -> bool:
    """Is every one of ``leaks`` a ``raise`` that ``rethrown(node)`` says passes a failed
    call's error on up (the adapter's; None: the language has no such raise)?"""
    return bool(leaks) and rethrown is not None and all(
        l.kind == "raise" and rethrown(l.node) for l in leaks)


def leak_traits(leaks) -> set:
    """What the context policy needs to know of a handle's leaks: whether they happen only
    where an exception leaves. (A handle acquired again while still held is in a loop, and
    the policy judges the loop itself: a loop over a fixed handful of values piles nothing
    up.)"""
    kinds = {leak.kind for leak in leaks}
    return {contexts.EXCEPTION_ONLY} if kinds == {"raise"} else set()


def _track_traits(track, ctx) -> set:
    """What the adapter's track tells the context policy: ``outlives_on`` names the
    operating system where the handle outlives its owner, which counts when the file can
    be built for it (a Go test constrained to Linux never runs its cleanup on Windows);
    ``collected``: the trait saying the runtime closes the handle as its last reference
    goes (``COLLECTED``: a Python local, let go at the latest as its function returns;
    ``REBOUND``: a module's variable, let go as it is bound again)."""
    goos = track.extra.get("outlives_on")
    if goos and builds_on(ctx.src.path, ctx.src.data, goos):
        return {contexts.OUTLIVES}
    return {track.extra["collected"]} if track.extra.get("collected") else set()


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
