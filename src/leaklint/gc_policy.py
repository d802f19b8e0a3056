"""How a scan uses Python's cycle collector.

A scan allocates millions of small containers (query captures, facts, findings) and
almost none of them form cycles: reference counting frees them. With the default
thresholds the collector still walks the young objects every 700 allocations and the
whole heap every few hundred thousand, which cost a quarter of a cold run's CPU. During
a scan the collector runs less often, and what the facts phase built (the index, the
trees held for the analysis) is frozen once that phase is over: later collections skip
it, and worker processes forked from then on do not touch (and so copy) its pages.
"""

from __future__ import annotations

import contextlib
import gc

# young objects allocated between two collections of the youngest generation (default 700)
SCAN_THRESHOLD = 20000
# a run of at most this many files freezes what it built without collecting first: that
# collection walks everything young since start-up (3 to 7 ms of a pre-commit run) for a
# few cycles, which the collector still finds once the scan unfreezes them
FEW_FILES = 32


@contextlib.contextmanager
def scanning():
    """The collector's settings for one scan; the process's own are back afterwards
    (the language server scans again and again)."""
    before = gc.get_threshold()
    gc.set_threshold(SCAN_THRESHOLD, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def settled(files: int) -> None:
    """What exists now lives until the scan ends: leave it out of later collections
    (after one last collection of the young objects, unless the scan has only a few
    ``files``: a full one walks every live object, the trees and answers kept for the
    analysis included, to free a few cycles)."""
    if files > FEW_FILES:
        gc.collect(1)
    gc.freeze()
