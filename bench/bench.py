#!/usr/bin/env python3
"""Benchmark leaklint against a bare tree-sitter parse of the same files, in one run.

    python bench/bench.py DIR [DIR ...] [--jobs N] [--repeat N]

For each directory it prints wall time, files/s and MB/s of:
  parse   a bare loop that reads and parses every file leaklint would scan (one process)
  cold    `leaklint check` with every rule on, one process (--jobs 1), no cache
  jobs    the same with --jobs N (default: all cores), when the CLI supports it
  warm    a re-run with the result cache, when the CLI supports it
  hook    a pre-commit-sized run: `leaklint check` on 10 files of the tree, whole process
  semgrep semgrep with bench/semgrep-rules.yml (the core patterns), when semgrep is found
          (--semgrep PATH, or on PATH)
and the ratios cold/parse, cold/jobs, cold/warm and semgrep/cold, with each run's peak RSS.
Every figure is measured in a fresh process, so start-up is included for all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# the rules that bench/semgrep-rules.yml expresses: rows, ticker, cancel, listener, open
CORE_RULES = "LL101,LL201,LL301,LL401,LL110"

BARE_PARSE = r"""
import sys, json
from leaklint import languages
files = json.load(open(sys.argv[1]))
n = 0
for path in files:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        continue
    languages.parser(languages.language_of(path)).parse(data)
    n += 1
print(n)
"""


def run(cmd, env=None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = proc.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    return wall, usage.ru_maxrss / 1024.0, out


def cli_supports(flag: str) -> bool:
    out = subprocess.run([sys.executable, "-m", "leaklint", "check", "--help"],
                         capture_output=True, text=True).stdout
    return flag in out


def bench_dir(directory: str, jobs: int, repeat: int, semgrep: str | None) -> None:
    from leaklint.discovery import discover

    files = discover([directory]).files
    size_mb = sum(os.path.getsize(f) for f in files if os.path.exists(f)) / 1e6
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(files, fh)
        listing = fh.name
    base = [sys.executable, "-m", "leaklint", "check", directory, "--format", "json",
            "--select", "ALL", "--exit-zero"]
    has_jobs, has_cache = cli_supports("--jobs"), cli_supports("--no-cache")

    def best(cmd):
        runs = [run(cmd) for _ in range(repeat)]
        return min(runs, key=lambda r: r[0])

    rows = []
    parse = best([sys.executable, "-c", BARE_PARSE, listing])
    rows.append(("parse", parse))
    cold_cmd = base + (["--jobs", "1"] if has_jobs else []) + (["--no-cache"] if has_cache else [])
    cold = best(cold_cmd)
    rows.append(("cold", cold))
    try:
        findings = len(json.loads(cold[2])["findings"])
    except (ValueError, KeyError):
        findings = -1
    if has_jobs:
        rows.append((f"jobs={jobs}", best(base + ["--jobs", str(jobs)]
                                          + (["--no-cache"] if has_cache else []))))
    if has_cache:
        cache_dir = tempfile.mkdtemp(prefix="leaklint-bench-cache-")
        warm_cmd = base + ["--cache-dir", cache_dir] + (["--jobs", "1"] if has_jobs else [])
        run(warm_cmd)  # fill
        rows.append(("warm", best(warm_cmd)))
    # a pre-commit-sized run: 10 files spread over the tree, no cache
    step = max(1, len(files) // 10)
    hook_files = files[::step][:10]
    rows.append(("hook", best(base[:4] + hook_files + ["--no-cache", "--exit-zero", "-q"])))
    if semgrep:
        # leaklint with the rules that match bench/semgrep-rules.yml, for a like-for-like time
        rows.append(("core5", best(base[:5] + ["--format", "json", "--exit-zero", "-j", "1",
                                               "--no-cache", "--select", CORE_RULES])))
        rules = os.path.join(HERE, "semgrep-rules.yml")
        rows.append(("semgrep", best([semgrep, "scan", "--config", rules, "--metrics=off",
                                      "--disable-version-check", "--quiet", "--json",
                                      "--jobs", "1", directory])))
    os.unlink(listing)

    print(f"\n{directory}: {len(files)} files, {size_mb:.1f} MB, {findings} findings")
    print(f"  {'run':<10} {'wall s':>8} {'files/s':>9} {'MB/s':>7} {'peak MB':>8}")
    for name, (wall, rss, _) in rows:
        print(f"  {name:<10} {wall:8.2f} {len(files) / wall:9.0f} {size_mb / wall:7.1f} {rss:8.0f}")
    times = {name: r[0] for name, r in rows}
    print(f"  cold / parse = {times['cold'] / times['parse']:.2f}x")
    if has_jobs:
        print(f"  speed-up with {jobs} jobs = {times['cold'] / times[f'jobs={jobs}']:.2f}x")
    if has_cache:
        print(f"  cold / warm = {times['cold'] / times['warm']:.1f}x")
    print(f"  pre-commit run on {len(hook_files)} files = {times['hook']:.2f} s")
    if "semgrep" in times:
        print(f"  semgrep / leaklint cold (all rules) = {times['semgrep'] / times['cold']:.2f}x")
        print(f"  semgrep / leaklint with the same 5 rules = {times['semgrep'] / times['core5']:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=1, help="runs per figure; the best is kept")
    ap.add_argument("--semgrep", default=shutil.which("semgrep"),
                    help="the semgrep command to compare with (default: from PATH)")
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(HERE, "..", "src"))
    for d in args.dirs:
        bench_dir(d, args.jobs, args.repeat, args.semgrep)


if __name__ == "__main__":
    main()
