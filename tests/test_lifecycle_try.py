"""The engine's try/except semantics, on hand-built IR (no language involved)."""

from __future__ import annotations

from dataclasses import dataclass

from leaklint.analysis.lifecycle import Follow
from leaklint.ir import ACQUIRE, RELEASE, Block, Exit, If, Leaf, Try


@dataclass(eq=False)
class Node:
    """A stand-in syntax node: a name and a position."""

    name: str
    start_byte: int = 0
    end_byte: int = 0


class Effects:
    def events(self, leaf):
        name = getattr(leaf.node, "name", "")
        return {"acquire": [ACQUIRE], "release": [RELEASE]}.get(name, [])

    def guard(self, cond):
        return None


def leaf(name, at):
    return Leaf(Node(name, at, at + 1))


def run(body):
    return [l.kind for l in Follow(Effects()).run_function(Block(body), Node("end", 99, 100))]


def test_raise_in_try_body_goes_to_the_handler():
    body = [
        leaf("acquire", 1),
        Try(Node("try", 2, 3), Block([Exit(Node("raise", 3, 4), "raise")]),
            handlers=[Block([leaf("release", 5)])]),
        leaf("release", 6),
    ]
    assert run(body) == []


def test_raise_in_handler_leaves_the_function():
    body = [
        leaf("acquire", 1),
        Try(Node("try", 2, 3), Block([leaf("use", 3)]),
            handlers=[Block([Exit(Node("raise", 5, 6), "raise")])]),
        leaf("release", 7),
    ]
    assert run(body) == ["raise"]


def test_a_release_that_raises_counts_as_released():
    body = [
        leaf("acquire", 1),
        Try(Node("try", 2, 3), Block([leaf("release", 3)]),
            handlers=[Block([Exit(Node("return", 5, 6), "return")])]),
    ]
    assert run(body) == []


def test_finally_runs_before_the_raise_reaches_an_outer_handler():
    inner = Try(Node("inner", 3, 4), Block([Exit(Node("raise", 4, 5), "raise")]),
                final=Block([leaf("release", 6)]))
    body = [
        leaf("acquire", 1),
        Try(Node("outer", 2, 3), Block([inner]),
            handlers=[Block([Exit(Node("return", 8, 9), "return")])]),
    ]
    assert run(body) == []


def test_branch_without_condition_is_a_maybe():
    body = [
        leaf("acquire", 1),
        If(None, Block([Exit(Node("raise", 2, 3), "raise")])),
        leaf("release", 4),
    ]
    assert run(body) == ["raise"]
