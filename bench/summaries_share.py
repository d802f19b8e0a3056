#!/usr/bin/env python3
"""What the cross-file function summaries cost a cold scan: leaklint with every rule on,
one process, no cache, once as it is and once with the summaries' work left out: the
summaries' step of the facts phase (``facts.collect._summaries``: no file's answers about
other files' functions, so no factory or helper seen across files) and the shapes taken
as soon as a file is parsed for another fact (``Project._shape_early``), in one
interleaved series.

    python bench/summaries_share.py DIR [DIR ...] [--rounds N]

Each round runs both in a fresh process, one after the other; the ratio with / without is
printed per tree as the min and the median over the rounds, in wall and in CPU seconds
(user + system). The findings of the two runs differ (that is what summaries are for):
only the time is compared. A file the summaries parse is parsed by the analysis
otherwise, so the difference is the summaries' own work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402

DRIVER = r"""
import os, sys
sys.path.insert(0, sys.argv[1])
if sys.argv[3] == "without":
    from leaklint.facts import collect, summaries
    collect._summaries = lambda *args, **kwargs: None
    # the shapes taken as a file is parsed are the summaries' too
    summaries.Project._shape_early = lambda self, unit: None
from leaklint.api import check_paths
from leaklint.config import load_config
os.chdir(sys.argv[2])
report = check_paths(["."], config=load_config(None), select=["ALL"], jobs=1)
print(len(report.findings))
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    bench.compile_leaklint()
    for directory in args.dirs:
        walls, cpus = [], []
        counts = {}
        for _ in range(args.rounds):
            times = {}
            for mode in ("with", "without"):
                wall, _, out, status, cpu = bench.run(
                    [sys.executable, "-c", DRIVER, bench.SRC, os.path.abspath(directory), mode])
                if status != 0:
                    raise bench.BenchError(f"the run {mode} summaries exited {status} on "
                                           f"{directory}")
                times[mode] = (wall, cpu)
                counts[mode] = out.strip()
            walls.append(times["with"][0] / times["without"][0])
            cpus.append(times["with"][1] / times["without"][1])
        print(f"{directory}: {args.rounds} rounds; findings with / without summaries: "
              f"{counts['with']} / {counts['without']}")
        print(f"  cold with / without summaries, wall   min {min(walls):.2f}x  "
              f"median {statistics.median(walls):.2f}x")
        print(f"  cold with / without summaries, CPU    min {min(cpus):.2f}x  "
              f"median {statistics.median(cpus):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
