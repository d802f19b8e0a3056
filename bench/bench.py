#!/usr/bin/env python3
"""Benchmark leaklint against a bare tree-sitter parse of the same files, and against
semgrep on the same files, in one interleaved series.

    python bench/bench.py DIR [DIR ...] [--rounds N] [--jobs N] [--semgrep PATH]
                          [--baseline SRC]

Each round runs every measurement once, in this order, each in a fresh process (so
start-up counts for all of them):
  parse      a bare loop that reads and parses every file leaklint scans (one process)
  cold       `leaklint check` with every rule on, one process (-j 1), no cache
  cold-default  the same with the default rules (the opt-in ones off), as a user runs it
  jobs=N     the same with -j N (default: all cores)
  warm       the same as cold with a result cache filled before the series (an unchanged
             tree run again: the cache's record of the last run answers it)
  hook       a pre-commit-sized run on 10 files of the tree, no cache
  hook-warm  the same 10 files with the cache of a full run (its results and facts; the
             records of earlier runs are dropped before each hook run)
  hook-pkg   a pre-commit run on 10 files of the tree's largest package (the directory
             with the most analysed files): its siblings' facts are read too; no cache
  hook-pkg-warm  the same 10 files with the cache of a full run
  core5      leaklint with only the five rules bench/semgrep-rules.yml expresses
  semgrep    semgrep with bench/semgrep-rules.yml (when semgrep is found)
With --baseline SRC (the src directory of another checkout, say main before a change),
cold, warm, hook-pkg and hook-pkg-warm also run with that version (name@base, its own
cache) in every round, and the baseline / this ratios are printed.
Rounds repeat that sequence (A, B, C, A, B, C, ...), so a ratio is taken between runs
that were seconds apart, and the min and median of each ratio over the rounds are
printed: on a busy machine the median is the figure to read, the min the best case.
CPU seconds (user + system of the process and its children) are printed beside the wall
times, with the ratios they give: when other work shares the cores, wall times swell and
the CPU ratios still say what each run costs (a parallel speed-up is a matter of wall
time only).

Before the series leaklint's modules are compiled to bytecode once (as an installed
package is): start-up then costs what it costs a user, whether or not the environment
lets Python write bytecode caches itself (PYTHONDONTWRITEBYTECODE).

Like with like against semgrep: every rule of bench/semgrep-rules.yml must load (the
bench stops if semgrep reports a rule error or a skipped rule), and semgrep must scan
exactly the files leaklint analyses: its ignore files and built-in excludes (tests,
vendored code...) are turned off, leaklint's default excludes and whatever else leaklint
leaves out (.gitignore'd, minified, oversized files) are excluded by name, and each run's
list of scanned files is checked against leaklint's (the bench stops on a difference).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", "src"))
SEMGREP_RULES = os.path.join(HERE, "semgrep-rules.yml")
# the rules that bench/semgrep-rules.yml expresses: rows, ticker, cancel, listener, open
CORE_RULES = "LL101,LL201,LL301,LL401,LL110"
HOOK_FILES = 10
# the runs repeated with --baseline's version of leaklint
BASELINE_RUNS = ("cold", "warm", "hook-pkg", "hook-pkg-warm")

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


class BenchError(SystemExit):
    """Stops the bench with a message: the comparison would not be like with like."""

    def __init__(self, message: str):
        super().__init__(f"bench: error: {message}")


def run(cmd, env=None) -> tuple[float, float, str, int, float]:
    """Wall seconds, peak RSS (MB), stdout, exit status and CPU seconds (user + system,
    the process and its children) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = proc.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    cpu = usage.ru_utime + usage.ru_stime
    return wall, usage.ru_maxrss / 1024.0, out, os.waitstatus_to_exitcode(status), cpu


def forget_runs(cache_dir: str) -> None:
    """Drop the cache's records of earlier runs (``unchanged.Runs``), keeping results and
    facts: a warm hook then runs on the cache of a full run, as a commit after it would,
    not as the same hook run again (which a record answers without either phase)."""
    shutil.rmtree(os.path.join(cache_dir, "v2", "runs"), ignore_errors=True)


def leaklint_cmd(*args) -> list:
    return [sys.executable, "-m", "leaklint", "check", *args]


def baseline_env(src: str) -> dict:
    """The environment that runs the leaklint whose sources are in ``src``."""
    return {**os.environ, "PYTHONPATH": os.path.abspath(src)}


def analysed_files(directory: str, cache_dir: str, env=None) -> tuple[list, list, dict]:
    """Fill the cache with a full run; return the files leaklint discovers, the ones it
    analyses (not skipped as minified, oversized or unreadable) and its JSON report."""
    from leaklint.discovery import discover

    files = discover([directory]).files
    wall, _, out, status, _ = run(leaklint_cmd(directory, "--format", "json", "--select", "ALL",
                                               "--exit-zero", "-j", "1", "--cache-dir", cache_dir),
                                  env)
    if status != 0:
        raise BenchError(f"leaklint exited {status} on {directory}")
    report = json.loads(out)
    if report["summary"]["files_scanned"] != len(files):
        raise BenchError(f"leaklint scanned {report['summary']['files_scanned']} files of "
                         f"{directory}, discovery finds {len(files)}")
    left_out = {d["path"] for d in report["diagnostics"] if d["kind"] in ("skipped", "unreadable")}
    return files, [f for f in files if f not in left_out], report


# ---- semgrep, like with like ----------------------------------------------------------

def semgrep_cmd(semgrep: str, directory: str, max_bytes: int, excludes=()) -> list:
    cmd = [semgrep, "scan", "--config", SEMGREP_RULES, "--metrics=off",
           "--disable-version-check", "--quiet", "--json", "--jobs", "1",
           # no .semgrepignore (the built-in one skips tests and more), no git
           "--x-ignore-semgrepignore-files", "--no-git-ignore",
           "--max-target-bytes", str(max_bytes)]
    for pattern in excludes:
        cmd += ["--exclude", pattern]
    return cmd + [directory]


def check_semgrep_output(out: str, status: int, directory: str) -> dict:
    """semgrep's JSON report, after checking that every rule ran."""
    try:
        report = json.loads(out)
    except ValueError:
        raise BenchError(f"semgrep exited {status} on {directory} without a JSON report") from None
    rule_errors = [e for e in report.get("errors", [])
                   if not e.get("path") or e.get("level") == "error"
                   or "rule" in str(e.get("type", "")).lower()]
    if rule_errors:
        shown = "; ".join(f"{e.get('type', 'error')} in {e.get('rule_id', '?')}: "
                          f"{' '.join(str(e.get('message', '')).split())[:200]}"
                          for e in rule_errors[:3])
        raise BenchError(f"semgrep reports {len(rule_errors)} rule error(s) on {directory}: {shown}")
    if report.get("skipped_rules"):
        ids = ", ".join(str(r.get("rule_id", r)) for r in report["skipped_rules"][:5])
        raise BenchError(f"semgrep skipped rule(s) on {directory}: {ids}")
    if status not in (0, 1):
        raise BenchError(f"semgrep exited {status} on {directory}")
    return report


def semgrep_scanned(report: dict) -> set:
    return {os.path.realpath(p) for p in report.get("paths", {}).get("scanned", [])}


def compare_files(semgrep_set: set, leaklint_files: list, directory: str) -> None:
    want = {os.path.realpath(p) for p in leaklint_files}
    if semgrep_set != want:
        only_s, only_l = sorted(semgrep_set - want), sorted(want - semgrep_set)
        raise BenchError(
            f"semgrep scans {len(semgrep_set)} files of {directory}, leaklint {len(want)}: "
            f"only semgrep {only_s[:3]}{' ...' if len(only_s) > 3 else ''}, "
            f"only leaklint {only_l[:3]}{' ...' if len(only_l) > 3 else ''}")


def extension(path: str) -> str:
    return os.path.splitext(path)[1].lower()


def semgrep_setup(semgrep: str, directory: str, analysed: list, max_bytes: int):
    """What makes semgrep and leaklint scan the same files: the --exclude patterns for
    semgrep (what it would scan beyond leaklint's files, found by a first, untimed run)
    and the extensions semgrep does not read at all (.mts...), which leaklint then
    leaves out too. Any other difference stops the bench."""
    from leaklint.discovery import DEFAULT_EXCLUDES

    excludes = list(DEFAULT_EXCLUDES)
    _, _, out, status, _ = run(semgrep_cmd(semgrep, directory, max_bytes, excludes))
    scanned = semgrep_scanned(check_semgrep_output(out, status, directory))
    want = {os.path.realpath(p) for p in analysed}
    top = os.path.realpath(directory)
    extra = sorted(os.path.relpath(p, top).replace(os.sep, "/") for p in scanned - want)
    excludes += extra
    if extra:
        _, _, out, status, _ = run(semgrep_cmd(semgrep, directory, max_bytes, excludes))
        scanned = semgrep_scanned(check_semgrep_output(out, status, directory))
    read = {extension(p) for p in scanned}
    unread = sorted({extension(p) for p in want - scanned} - read)
    compare_files(scanned, [p for p in analysed if extension(p) not in unread], directory)
    return excludes, unread


# ---- the series ---------------------------------------------------------------------

def hook_files(files: list) -> list:
    step = max(1, len(files) // HOOK_FILES)
    return files[::step][:HOOK_FILES]


def package_hook_files(files: list) -> list:
    """10 files of the directory holding the most of ``files`` (for Go, a package)."""
    by_dir: dict = {}
    for f in files:
        by_dir.setdefault(os.path.dirname(f), []).append(f)
    largest = max(by_dir.values(), key=len) if by_dir else []
    return hook_files(sorted(largest))


def compile_leaklint() -> None:
    """Bytecode for leaklint's modules, as an installed package has it, and the memo of
    what its runs derive from its own files, as its first run leaves it (``own_files``)."""
    import compileall

    import leaklint

    compileall.compile_dir(os.path.dirname(leaklint.__file__), quiet=1)
    sys.dont_write_bytecode = False
    from leaklint.cache import code_digest
    from leaklint.catalogue import builtin_rules

    code_digest()
    builtin_rules()


def bench_dir(directory: str, jobs: int, rounds: int, semgrep: str | None,
              baseline: str | None = None) -> None:
    from leaklint.config import Config

    cache_dir = tempfile.mkdtemp(prefix="leaklint-bench-cache-")
    base_cache = tempfile.mkdtemp(prefix="leaklint-bench-base-cache-")
    base_env = baseline_env(baseline) if baseline else None
    # this checkout's leaklint, the one compile_leaklint compiled (the interpreter's own
    # installation may be another checkout, or lack bytecode)
    this_env = baseline_env(SRC)
    try:
        files, analysed, _ = analysed_files(directory, cache_dir, this_env)
        if baseline:
            analysed_files(directory, base_cache, base_env)
        excludes, unread = [], []
        if semgrep:
            max_bytes = Config().max_file_size
            excludes, unread = semgrep_setup(semgrep, directory, analysed, max_bytes)
        # files of a kind semgrep does not read are left out of every run
        files = [f for f in files if extension(f) not in unread]
        analysed = [f for f in analysed if extension(f) not in unread]
        size_mb = sum(os.path.getsize(f) for f in files) / 1e6
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            json.dump(analysed, fh)
            listing = fh.name
        same_files = [arg for ext in unread for arg in ("--exclude", f"*{ext}")]
        everything = ["--format", "json", "--select", "ALL", "--exit-zero", *same_files]
        hook = hook_files(analysed)
        package_hook = package_hook_files(analysed)
        plan = [
            ("parse", [sys.executable, "-c", BARE_PARSE, listing]),
            ("cold", leaklint_cmd(directory, *everything, "-j", "1", "--no-cache")),
            ("cold-default", leaklint_cmd(directory, "--format", "json", "--exit-zero",
                                          *same_files, "-j", "1", "--no-cache")),
            (f"jobs={jobs}", leaklint_cmd(directory, *everything, "-j", str(jobs), "--no-cache")),
            ("warm", leaklint_cmd(directory, *everything, "-j", "1", "--cache-dir", cache_dir)),
            ("hook", leaklint_cmd(*hook, *everything, "-q", "--no-cache")),
            ("hook-warm", leaklint_cmd(*hook, *everything, "-q", "--cache-dir", cache_dir)),
            ("hook-pkg", leaklint_cmd(*package_hook, *everything, "-q", "--no-cache")),
            ("hook-pkg-warm", leaklint_cmd(*package_hook, *everything, "-q",
                                           "--cache-dir", cache_dir)),
        ]
        if semgrep:
            plan.append(("core5", leaklint_cmd(directory, "--format", "json", "--select",
                                               CORE_RULES, *same_files, "--exit-zero",
                                               "-j", "1", "--no-cache")))
            plan.append(("semgrep", semgrep_cmd(semgrep, directory, max_bytes, excludes)))
        if baseline:  # the same runs of the other version, in the same rounds
            plan += [(name + "@base", [a if a != cache_dir else base_cache for a in cmd])
                     for name, cmd in plan if name in BASELINE_RUNS]
        series: dict = {name: [] for name, _ in plan}
        counts = {}
        for _ in range(rounds):
            for name, cmd in plan:
                if name.startswith("hook") and "-warm" in name:
                    forget_runs(base_cache if "@base" in name else cache_dir)
                wall, rss, out, status, cpu = run(cmd, base_env if "@base" in name else this_env)
                if name == "semgrep":
                    result = check_semgrep_output(out, status, directory)
                    compare_files(semgrep_scanned(result), analysed, directory)
                    counts[name] = len(result.get("results", []))
                elif status != 0:
                    raise BenchError(f"{name} exited {status} on {directory}")
                elif name == "cold":
                    result = json.loads(out)
                    if result["summary"]["files_scanned"] != len(files):
                        raise BenchError(f"cold scanned {result['summary']['files_scanned']} "
                                         f"files of {directory}, not {len(files)}")
                    counts[name] = len(result["findings"])
                series[name].append((wall, rss, cpu))
        os.unlink(listing)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
        shutil.rmtree(base_cache, ignore_errors=True)
    print_table(directory, files, analysed, size_mb, counts, series, rounds, jobs, hook, unread,
                package_hook)


def print_table(directory, files, analysed, size_mb, counts, series, rounds, jobs, hook,
                unread, package_hook=()) -> None:
    n = len(analysed)
    print(f"\n{directory}: {len(files)} files ({n} analysed), {size_mb:.1f} MB, "
          f"{counts['cold']} findings; {rounds} interleaved rounds")
    if unread:
        print(f"  left out of every run: {', '.join(unread)} files, which semgrep does not read")
    if package_hook:
        print(f"  hook-pkg: {len(package_hook)} files of {os.path.dirname(package_hook[0])}")
    if "semgrep" in counts:
        print(f"  semgrep scanned the same {n} files with every rule loaded "
              f"({counts['semgrep']} results)")
    print(f"  {'run':<18} {'min s':>8} {'median s':>9} {'files/s':>8} {'MB/s':>6} {'peak MB':>8} "
          f"{'min cpu':>8} {'med cpu':>8}")
    for name, runs in series.items():
        walls = [w for w, _, _ in runs]
        cpus = [c for _, _, c in runs]
        med = statistics.median(walls)
        whole = not name.startswith("hook")
        mb_per_s = f"{size_mb / med:6.1f}" if whole else f"{'-':>6}"
        print(f"  {name:<18} {min(walls):8.2f} {med:9.2f} {(n if whole else len(hook)) / med:8.0f} "
              f"{mb_per_s} {max(r for _, r, _ in runs):8.0f} {min(cpus):8.2f} "
              f"{statistics.median(cpus):8.2f}")

    def ratio(label, top, bottom, field=0):
        if top not in series or bottom not in series:
            return
        values = [a[field] / b[field] for a, b in zip(series[top], series[bottom])]
        print(f"  {label:<44} min {min(values):6.2f}x  median {statistics.median(values):6.2f}x")

    print("  ratios, each from the runs of one round:")
    ratio("cold / parse (lower is better)", "cold", "parse")
    ratio("cold / parse, CPU seconds", "cold", "parse", field=2)
    ratio("cold, default rules / parse", "cold-default", "parse")
    ratio("cold, default rules / parse, CPU seconds", "cold-default", "parse", field=2)
    ratio(f"cold / jobs={jobs} (speed-up)", "cold", f"jobs={jobs}")
    ratio("cold / warm (speed-up)", "cold", "warm")
    ratio("cold / warm, CPU seconds", "cold", "warm", field=2)
    ratio("semgrep / leaklint cold, all rules", "semgrep", "cold")
    ratio("semgrep / leaklint, the same 5 rules", "semgrep", "core5")
    for name in BASELINE_RUNS:
        ratio(f"{name}: baseline / this (speed-up)", name + "@base", name)
        ratio(f"{name}: baseline / this, CPU seconds", name + "@base", name, field=2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--rounds", "--repeat", type=int, default=3,
                    help="interleaved rounds (each runs every measurement once)")
    ap.add_argument("--semgrep", default=shutil.which("semgrep"),
                    help="the semgrep command to compare with (default: from PATH)")
    ap.add_argument("--baseline", metavar="SRC",
                    help="the src directory of another leaklint version (e.g. a checkout of "
                         "main): its cold, warm and package-hook runs join every round")
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    sys.path.insert(0, SRC)
    compile_leaklint()
    if args.baseline:
        if not os.path.isfile(os.path.join(args.baseline, "leaklint", "__init__.py")):
            ap.error(f"--baseline {args.baseline}: no leaklint package in that directory")
        import compileall

        compileall.compile_dir(args.baseline, quiet=1)
    for d in args.dirs:
        if not os.path.isdir(d):
            ap.error(f"{d} is not a directory")
        bench_dir(d, args.jobs, args.rounds, args.semgrep, args.baseline)


if __name__ == "__main__":
    main()
