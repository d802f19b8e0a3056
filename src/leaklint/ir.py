"""A small structured form of a function body, shared by all languages.

Each language adapter lowers its tree-sitter function body into these nodes; the
lifecycle engine interprets them without knowing the language. Leaves keep their
tree-sitter node so that the adapter can say what they do to a tracked handle, with one
of the events below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# events an adapter reports for a leaf
ACQUIRE = "acquire"
RELEASE = "release"  # released now, or a release is deferred to function exit
HANDOFF = "handoff"  # ownership moved elsewhere: returned, stored, passed to an owner
REASSIGN = "reassign"  # the handle's name gets an unrelated value

# how deep statements may nest before a function is left unanalysed (no RecursionError)
MAX_DEPTH = 150


class TooDeep(Exception):
    """A function nests deeper than MAX_DEPTH; it is reported, not analysed."""


@dataclass(eq=False)
class Leaf:
    node: object
    role: str = ""  # adapter-specific annotation, e.g. "cond", "with-exit", "defer"


@dataclass(eq=False)
class Block:
    stmts: list
    node: object = None  # the syntax node whose end is the end of this scope


@dataclass(eq=False)
class If:
    cond: object  # syntax node of the condition (events and error guards are read from it)
    then: Block
    orelse: Block | None = None
    # the branch stands for the statement before it raising part-way: the condition
    # evaluates nothing itself, and the raise is the branch's own exit
    raises_only: bool = False


@dataclass(eq=False)
class Loop:
    node: object
    body: Block
    infinite: bool = False  # `for {}` / `while True`: left only by break, return or raise
    label: str | None = None
    head: object = None  # the condition / iterable, read once on entry
    runs: bool = False  # known to run at least once (a range over a non-empty literal)
    orelse: "Block | None" = None  # runs when the loop ends without break (Python's `else:`)


@dataclass(eq=False)
class Branch:
    """switch / select / match: one case runs; without a default, possibly none."""

    node: object
    cases: list
    exhaustive: bool = False
    breakable: bool = True  # an unlabeled `break` inside leaves the branch (Go, JS)
    label: str | None = None


@dataclass(eq=False)
class Try:
    node: object
    body: Block
    handlers: list = field(default_factory=list)
    orelse: Block | None = None
    final: Block | None = None


@dataclass(eq=False)
class Exit:
    """A statement that leaves normal flow.

    kind: return | raise | noreturn (panic, os.Exit...) | break | continue | goto
    """

    node: object
    kind: str
    label: str | None = None
