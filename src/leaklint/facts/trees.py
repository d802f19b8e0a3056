"""Trees handed from the facts phase to the analysis of the same files, so that a file
the run analyses is parsed once, not once for its facts and again for its rules.

The facts phase parses the files it is asked to analyse in the order of the run, and
the analysis takes them in that order too: ``Trees`` keeps the earliest of them, up to a
budget of source bytes (a tree takes some 25 times its source in memory) in a run not
much larger than that budget, and the analysis takes each one out as it starts on its
file. A tree is handed over only for the
very text the analysis would parse (the decoded bytes are compared), so the analysis
sees exactly the tree it would have made. Worker processes forked after the facts phase
inherit the trees; a process started afresh (spawn) parses as before.
"""

from __future__ import annotations

import os

from .. import languages
from ..catalogue import FACTS_ASKER, active_on, query_askers
from ..languages import recent_syntax

# source bytes whose trees may wait for their analysis at once (about 200 MB of trees),
# in a run whose files' bytes are at most WHOLE_RUN_BYTES: there the trees held cover
# most of the run
MAX_HELD_BYTES = 8 * 1024 * 1024
WHOLE_RUN_BYTES = 2 * MAX_HELD_BYTES
# in a larger run, no tree waits for its analysis: the first files' trees would spare a
# small share of its parses for much of its memory. In any run the facts phase keeps the
# parses of a window of files this large only (each file is asked several questions in
# turn); a file whose tree waits for its analysis is served from that tree again
WINDOW_BYTES = 2 * 1024 * 1024


def larger_than_held(paths) -> bool:
    """Do the files ``paths`` hold more than WHOLE_RUN_BYTES?"""
    total = 0
    for p in paths:
        try:
            total += os.stat(p).st_size
        except OSError:
            continue
        if total > WHOLE_RUN_BYTES:
            return True
    return False


class Trees:
    """The trees of ``wanted`` files (the ones the run analyses) that the facts phase
    parsed, until the analysis takes them: path -> (text, tree, queries)."""

    def __init__(self, wanted, budget: int | None = None):
        """``budget``: source bytes held at once (default: MAX_HELD_BYTES, none in a run
        larger than WHOLE_RUN_BYTES). ``window``: the source bytes whose parses the facts
        phase keeps at once (summaries.Project): WINDOW_BYTES, or the budget if smaller,
        and WINDOW_BYTES in a larger run."""
        self.wanted = {os.path.normpath(p) for p in wanted}
        large = budget is None and larger_than_held(self.wanted)
        self.budget = (0 if large else MAX_HELD_BYTES) if budget is None else budget
        self.window = WINDOW_BYTES if large else min(self.budget, WINDOW_BYTES)
        self._held: dict = {}
        self._bytes = 0

    def offer(self, path: str, text: bytes, tree, queries=None) -> None:
        """``queries``: the facts phase's ``languages.FileQueries`` of ``tree`` (its
        answers are the analysis' too), or None."""
        path = os.path.normpath(path)
        if path in self.wanted and path not in self._held and self._bytes + len(text) <= self.budget:
            self._held[path] = (text, tree, queries)
            self._bytes += len(text)

    def held(self, path: str, text: bytes):
        """(tree, queries) of ``path`` if held for that very text, else None; still held."""
        held = self._held.get(os.path.normpath(path))
        return held[1:] if held is not None and held[0] == text else None

    def take(self, path: str):
        """(text, tree, queries) of ``path`` if held, else None; either way it is no longer held.
        The caller uses the tree only if it would parse that very text."""
        held = self._held.pop(os.path.normpath(path), None)
        if held is not None:
            self._bytes -= len(held[0])
        return held

    def __len__(self) -> int:
        return len(self._held)


def tree_for(held: Trees | None, settings, path: str, lang: str, text: bytes, parse):
    """(tree, root-level answers) of a file the facts phase reads: the tree ``held`` keeps
    for its analysis when it is for that very text (the phase's window of parses let the
    file go and the phase asks it again: no second parse), else ``parse(text)`` offered to
    ``held``. One set of answers per tree, for every extraction from it and for its
    analysis: the recurring questions of the rules enabled for its language join the
    facts' in one combined pass, unless no rule can match the file (a file parsed only for
    its facts, which its analysis leaves alone: it is not offered either)."""
    kept = held.held(path, text) if held is not None else None
    if kept is not None:
        return kept
    tree = recent_syntax.parse(lang, text, parse)
    family = languages.FAMILY.get(lang, lang)
    askers = [FACTS_ASKER]
    if active_on([r for r in settings.rules if r.applies_to(family)], text):
        askers += query_askers(settings.rules, family)
    queries = languages.FileQueries(lang, tree.root_node, frozenset(askers))
    if held is not None and len(askers) > 1:
        held.offer(path, text, tree, queries)
    return tree, queries
