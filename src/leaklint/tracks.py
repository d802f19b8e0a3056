"""What a language adapter tells the lifecycle engine about one acquisition: the
``Candidate`` call, the ``Track`` of its handle (or a ``Verdict`` decided at the call
site), and ``SpecEffects``, the part of every adapter's effects read from the rule's
``[lifecycle]`` table. Also the callee patterns of that table (``*.Query``, ``os.Open``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase


@dataclass
class Candidate:
    rule: object
    call: object  # the acquiring call's syntax node
    callee: str  # its callee as written, e.g. "db.Query"
    # a call of a function that returns a fresh resource of the rule (a factory): the
    # acquisition it returns (e.g. "http.Get"); an exact acquisition stands as evidence
    factory_of: str = ""
    # an acquisition whose result is a tuple of handles (`r, w = os.pipe()`): which element
    # this candidate stands for (-1: the whole result is the handle)
    part: int = -1
    # what a direct acquisition calls, its module's name resolved (`requests.get`)
    maker: str = ""


@dataclass
class Track:
    candidate: Candidate
    function: object  # the syntax node of the owning function
    handle: str
    error: str | None = None
    decl_block: object = None  # syntax node of the block the variable is declared in
    extra: dict = field(default_factory=dict)


# a trait of the context policy (contexts.TRAITS) that an adapter's verdict may carry: a
# handle nothing references once its statement ends (`open(p).read()`), which the
# runtime's reference counting closes there, so a loop alone does not pile it up
COLLECTED = "collected"
# a trait of the context policy: the handle's only reference is a name (a module's
# variable), so binding the name again, as the next turn of a loop does, lets the runtime
# close the one before: the loop holds one at a time (the last stays until the name goes)
REBOUND = "rebound"
# a trait of the context policy: the handle is kept in a field of an object whose class
# has no method that ends it (no close, stop, teardown...), and it closes itself when
# collected (a file, a socket): it lives as long as that object and goes with it
OWNED = "owned"
# a trait of the context policy: the handle outlives its owner. An adapter's track says
# so with ``extra["outlives_on"]`` = the operating system where it does (a file left open
# in a Go test's temporary directory, whose removal when the test ends fails on Windows)
OUTLIVES = "outlives"


@dataclass
class Verdict:
    """Decided at the call site: ``leak`` with a reason, or not (handed on at once)."""

    leak: bool
    reason: str = ""
    node: object = None
    traits: frozenset = frozenset()  # what the context policy needs to know (contexts.TRAITS)
    # not this rule's leak but the finding of another (opt-in) rule, by code: one that
    # reads this rule's verdicts reports it (checks/python/split_findings.py)
    rule: str = ""


class SpecEffects:
    """What every adapter's effects read from the rule's ``[lifecycle]`` table and the
    track; the language's own class adds how its syntax releases and hands on."""

    def __init__(self, adapter, track: Track, rule=None, depth: int = 0):
        self.a = adapter
        self.track = track
        self.rule = rule or track.candidate.rule
        # while the engine runs finally blocks for a return or a raise: (kind, node of the
        # exit), so a guard can tell what a flag holds there; None on the normal path
        self.leaving = None
        spec = self.rule.lifecycle
        self.name = track.handle
        self.release = set(spec["release"])
        self.views = set(spec.get("views", ()))
        self.borrow = set(spec.get("borrow_calls", ()))
        # calls (globs over the callee's text) that only borrow what this acquisition makes
        made = track.candidate.callee if track.candidate else None
        self.borrowed_by = tuple(c for acquire, calls in spec.get("borrowed_by", {}).items()
                                 if made and pattern_matches(acquire, made) for c in calls)
        # what methods of an object make (`Maker(*).get`: an HTTP response) is also
        # released by the methods ``released_by`` lists for that maker (reading it whole)
        # (what a direct acquisition makes, by the name it calls: `requests.get`)
        maker = track.candidate.factory_of.partition("(*)")[0] or track.candidate.maker \
            if track.candidate else ""
        self.release |= set(spec.get("released_by", {}).get(maker, ()))
        self.handoff_calls = set(spec.get("handoff_calls", ()))
        self.release_fns = set(spec.get("release_functions", ()))
        self.exhausted_by = set(spec.get("exhausted_by", ()))
        # methods returning the channel that closes once the handle has ended by itself
        self.ended_by = set(spec.get("ended_by", ()))
        self.depth = depth
        self.acquire = track.candidate.call if track.candidate else None
        self.stmt = track.extra.get("stmt")

    def borrows(self, callee: str) -> bool:
        """Does the call ``callee`` only borrow the handle (``borrow_calls``, or a glob of
        ``borrowed_by`` for this acquisition)?"""
        return callee in self.borrow or any(fnmatchcase(callee, c) for c in self.borrowed_by)


def pattern_matches(pattern: str, callee: str) -> bool:
    """``*.Query`` matches any receiver; ``os.Open`` exactly; ``new X`` a constructor;
    ``http.Dir(*).Open`` a method of the value a call with any arguments makes; ``*`` any
    call (for a rule whose ``evidence`` picks its acquisitions out)."""
    if pattern == "*":
        return True
    if "(*)" in pattern:
        head, _, tail = pattern.partition("(*)")
        return (callee.startswith(head + "(") and callee.endswith(")" + tail)
                and len(callee) > len(head) + len(tail) + 1)
    if pattern.startswith("*."):
        tail = pattern[1:]
        return callee.endswith(tail) and len(callee) > len(tail)
    return callee == pattern


def candidate_names(ctx, rules) -> list[str]:
    """Last names of the acquire patterns of every enabled lifecycle rule for this file's
    language: the same for every file of a run, so its query is compiled once (the rules
    active on a file, after the prefilter, are picked out of the matches)."""
    every = [r for r in ctx.settings.rules if r.lifecycle and r.applies_to(ctx.family)]
    return sorted({last_name(p) for r in (every or rules) for p in r.lifecycle["acquire"]}
                  | {m for r in (every or rules) for methods in
                     r.lifecycle.get("methods_of", {}).values() for m in methods})


def last_name(pattern: str) -> str:
    return pattern.rsplit(".", 1)[-1].split()[-1]


def element(rule, made: str) -> int:
    """Which element of what ``made`` returns is the rule's handle: 0 for a ``first_of``
    acquisition (`fd, path = tempfile.mkstemp()`), 1 for a ``second_of`` one (`reader,
    writer = await asyncio.open_connection()`), -1 when the whole result is."""
    return next((i for i, key in enumerate(("first_of", "second_of")) if any(
        pattern_matches(p, made) for p in rule.lifecycle.get(key, ()))), -1)
