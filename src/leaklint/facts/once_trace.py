"""The fixed point of the once-per-process traces (Go's ``go_entry``, Python's
``python_entry``): the functions reached from the program's entries by calls that do not
repeat, less those other code calls too, until no more are left out.

A node is a (path, key) pair; ``edges(node)`` lists ``(target, repeats)``: the nodes a
node's calls run, and whether the call may run more than once per run of the node.
"""

from __future__ import annotations

ROUNDS = 16  # the trace settles in a few rounds; one that does not is left unknown


def reach(starts, banned: set, edges) -> set:
    """The nodes reached from ``starts`` through calls that do not repeat, avoiding
    ``banned`` ones."""
    once, work = set(), [s for s in starts if s not in banned]
    while work:
        node = work.pop()
        if node in once:
            continue
        once.add(node)
        work += [t for t, repeats in edges(node) if not repeats and t not in banned
                 and t not in once]
    return once


def settle(starts, edges, elsewhere, banned=()) -> set | None:
    """The once nodes: reached from ``starts``, none of them in ``elsewhere(once)`` (the
    nodes other code also calls, from a loop or from code that is not once); None when
    the trace does not settle."""
    banned = set(banned)
    for _ in range(ROUNDS):
        once = reach(starts, banned, edges)
        bad = elsewhere(once)
        if not bad:
            return once
        banned |= bad
    return None


def by_file(nodes) -> dict:
    """{path: sorted keys} of (path, key) nodes."""
    out: dict = {}
    for path, key in nodes:
        out.setdefault(path, []).append(key)
    return {p: sorted(k) for p, k in out.items()}
