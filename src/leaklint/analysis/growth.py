"""A container that only grows: one analysis for every language.

Each language describes its containers as facts (``Container``: where it is declared,
what holds it and how long that lives) and every mention of one as a ``Use`` (an
insertion, an eviction, a hand-off, a read), with what the extractor could tell of an
insertion: its key is one of a fixed set (``bounded``: constants, enum values, class
names, configured paths, types), it runs once (``once``: at import, in init, a load-once
fill), it is made per request or per object (``per_item``). This module alone decides
whether the container grows for as long as its holder lives.

A container grows when its holder outlives the calls that fill it (the process, a
page), something inserts into it at run time, and nothing evicts from it: a delete,
a clear, a replacement, a size check, or a hand-off to code that may do one of those.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..facts.lifetimes import PAGE, PROCESS

# what a mention of a container does to it
INSERT = "insert"  # a new key or element (an index write of a new key, add, append, push)
EVICT = "evict"    # delete, clear, pop, a replacement or reset, a size check
ESCAPE = "escape"  # handed to other code (returned, passed, aliased): it may evict there
READ = "read"      # leaves it as it was

# lifetimes of a holder whose containers outlive the calls that fill them
LONG_LIVED = (PROCESS, PAGE)


@dataclass
class Container:
    """A container as its language describes it. ``holder``: what keeps it ("package",
    "module", "class", "singleton field", "instance attribute", ...), for messages;
    ``lifetime``: how long the holder lives (``facts.lifetimes``); ``at``: the
    declaration, in whatever form the language reports it."""

    name: str
    kind: str
    holder: str
    lifetime: str
    at: object = None


@dataclass
class Use:
    """One mention of a container. ``unreachable``: an eviction that only runs from a
    place that cannot run while the container holds its object (a finaliser: the
    ``__del__`` of the object a registry keeps alive), so it evicts nothing."""

    kind: str
    at: object = None
    bounded: bool = False
    once: bool = False
    per_item: bool | None = None
    unreachable: bool = False
    # the insertion runs on each event of a source that fires for as long as the holder
    # lives (what it is, for messages): it grows within the holder's life, however long
    per_event: str = ""


@dataclass
class Growth:
    """The analysis' answer: ``grows`` (the insertions that make it grow, first first),
    ``evicted`` (something takes from it or may), ``filled`` (it is inserted into at
    all), ``why`` (a short reason, for explain and tests)."""

    grows: list = field(default_factory=list)
    evicted: bool = False
    filled: bool = False
    why: str = ""

    @property
    def leaks(self) -> bool:
        return bool(self.grows) and not self.evicted


def analyse(container: Container, uses, per_item_required: bool = False) -> Growth:
    """Does ``container`` only grow? ``per_item_required``: only insertions the extractor
    knows are per request/object count (languages whose keys are read from names)."""
    uses = list(uses)
    inserts = [u for u in uses if u.kind == INSERT]
    evictions = [u for u in uses if u.kind in (EVICT, ESCAPE) and not u.unreachable]
    if evictions:
        return Growth([], True, bool(inserts), "something takes from it or may")
    if not inserts:
        return Growth([], False, False, "nothing inserts into it")
    if container.lifetime not in LONG_LIVED:
        per_event = [u for u in inserts if u.per_event and not u.bounded and not u.once]
        if per_event:
            return Growth(per_event, False, True, "inserted into on each event of a source "
                          "that fires for as long as its holder lives, never evicted")
        return Growth([], False, True, f"its holder lives only for a {container.lifetime}")
    grows = [u for u in inserts if not u.bounded and not u.once
             and (u.per_item or (not per_item_required and u.per_item is None))]
    if not grows:
        return Growth([], False, True, "filled once or with keys from a fixed set")
    unreachable = [u for u in uses if u.kind in (EVICT, ESCAPE) and u.unreachable]
    why = "inserted into at run time, never evicted"
    if unreachable:
        why += " (its only removal runs from a finaliser the container itself keeps from running)"
    return Growth(grows, False, True, why)
