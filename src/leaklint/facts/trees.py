"""Trees handed from the facts phase to the analysis of the same files, so that a file
the run analyses is parsed once, not once for its facts and again for its rules.

The facts phase parses the files it is asked to analyse in the order of the run, and
the analysis takes them in that order too: ``Trees`` keeps the earliest of them, up to a
budget of source bytes (a tree takes some 25 times its source in memory), and the
analysis takes each one out as it starts on its file. A tree is handed over only for the
very text the analysis would parse (the decoded bytes are compared), so the analysis
sees exactly the tree it would have made. Worker processes forked after the facts phase
inherit the trees; a process started afresh (spawn) parses as before.
"""

from __future__ import annotations

import os

# source bytes whose trees may wait for their analysis at once (about 200 MB of trees),
# in a run whose files' bytes are at most WHOLE_RUN_BYTES: there the trees held cover
# most of the run, and the facts phase's parsed files as many (summaries.Project)
MAX_HELD_BYTES = 8 * 1024 * 1024
WHOLE_RUN_BYTES = 2 * MAX_HELD_BYTES
# the same for a larger run, where the trees held could cover only a small share of its
# files while costing as much memory whatever the run's size (a run over 25,000 files
# would hold the trees of the first few hundred): a window of the first files
WINDOW_BYTES = 2 * 1024 * 1024


def budget_for(paths) -> int:
    """Source bytes whose trees may wait at once in a run over ``paths``."""
    total = 0
    for p in paths:
        try:
            total += os.stat(p).st_size
        except OSError:
            continue
        if total > WHOLE_RUN_BYTES:
            return WINDOW_BYTES
    return MAX_HELD_BYTES


class Trees:
    """The trees of ``wanted`` files (the ones the run analyses) that the facts phase
    parsed, until the analysis takes them: path -> (text, tree, queries)."""

    def __init__(self, wanted, budget: int | None = None):
        """``budget``: source bytes held at once (default: ``budget_for(wanted)``)."""
        self.wanted = {os.path.normpath(p) for p in wanted}
        self.budget = budget_for(self.wanted) if budget is None else budget
        self._held: dict = {}
        self._bytes = 0

    def offer(self, path: str, text: bytes, tree, queries=None) -> None:
        """``queries``: the facts phase's ``languages.FileQueries`` of ``tree`` (its
        answers are the analysis' too), or None."""
        path = os.path.normpath(path)
        if path in self.wanted and path not in self._held and self._bytes + len(text) <= self.budget:
            self._held[path] = (text, tree, queries)
            self._bytes += len(text)

    def take(self, path: str):
        """(text, tree, queries) of ``path`` if held, else None; either way it is no longer held.
        The caller uses the tree only if it would parse that very text."""
        held = self._held.pop(os.path.normpath(path), None)
        if held is not None:
            self._bytes -= len(held[0])
        return held

    def __len__(self) -> int:
        return len(self._held)
