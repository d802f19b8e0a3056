"""A small service with a known leak, used by the triage tests: every request is
remembered in a module-level dict that nothing ever evicts, while the per-step buffer
is replaced and stays the same size. After each step it writes the tracemalloc
statistics and the comparison with the first snapshot as text (what `print(stat)` shows).

usage: python pyleak.py OUT_DIR [STEPS]
"""

import os
import sys
import tracemalloc

_seen = {}


def remember(request_id):
    _seen[request_id] = "payload-%d " % request_id * 40


def handle(request_id, buffer):
    remember(request_id)
    buffer.append(request_id)


def write(path, stats):
    with open(path, "w") as fh:
        for stat in stats[:15]:
            print(stat, file=fh)


def main():
    out = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    only_here = [tracemalloc.Filter(True, __file__)]
    tracemalloc.start()
    first = tracemalloc.take_snapshot().filter_traces(only_here)
    for step in range(1, steps + 1):
        buffer = []
        for i in range(2000):
            handle(step * 100000 + i, buffer)
        snapshot = tracemalloc.take_snapshot().filter_traces(only_here)
        write(os.path.join(out, "statistics-%d.txt" % step), snapshot.statistics("lineno"))
        write(os.path.join(out, "compare-%d.txt" % step), snapshot.compare_to(first, "lineno"))


if __name__ == "__main__":
    main()
