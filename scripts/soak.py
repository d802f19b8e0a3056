#!/usr/bin/env python3
"""Soak test: run leaklint over many real repositories and report everything that went wrong.

    python scripts/soak.py REPO [REPO ...] [--children DIR ...] [--parallel N]
                           [--slowest N] [--json OUT] [--timeout SECONDS]

Each repository is scanned in a child process through the real command line
(``leaklint check REPO --select ALL --format sarif --no-cache -j 1``) with a hook that
times every file. ``--children DIR`` adds every directory inside DIR as a repository.
For each repository and in total it reports files scanned, findings, crashes (an exit
code other than 0 or 1, a child that died, internal-error diagnostics, SARIF that does
not parse or validate), timeouts, skipped / unreadable / partly parsed files with their
reasons, and the slowest files. Exits 1 when there was any crash or timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json"


# -- the child: one repository through the CLI, timing every file -----------------------


def scan_one(repo: str, sarif_out: str, files_out: str, timeout: float | None) -> None:
    import leaklint.runner as runner

    real = runner.analyze_file
    records = []

    def timed(path, settings, data=None):
        if timeout is not None:
            settings.timeout = timeout
        t0 = time.perf_counter()
        result = real(path, settings, data)
        records.append({
            "path": path, "seconds": round(time.perf_counter() - t0, 4),
            "findings": len(result.findings),
            "diagnostics": [{"kind": d.kind, "message": d.message,
                             "detail": (d.detail or "")[-3000:]} for d in result.diagnostics],
        })
        return result

    runner.analyze_file = timed
    from leaklint.cli import main

    code = 0
    try:
        main(["check", repo, "--select", "ALL", "--format", "sarif", "-o", sarif_out,
              "--no-cache", "-j", "1", "-q"], standalone_mode=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    finally:
        with open(files_out, "w", encoding="utf-8") as fh:
            json.dump({"exit": code, "files": records}, fh)


# -- the parent ----------------------------------------------------------------------------


def run_repo(repo: str, timeout: float | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="leaklint-soak-") as tmp:
        sarif, files = os.path.join(tmp, "out.sarif"), os.path.join(tmp, "files.json")
        cmd = [sys.executable, __file__, "--child", repo, sarif, files]
        if timeout is not None:
            cmd += ["--timeout", str(timeout)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
        wall = time.perf_counter() - t0
        out = {"repo": repo, "wall": round(wall, 1), "returncode": proc.returncode,
               "stderr": proc.stderr[-4000:], "files": [], "exit": None, "sarif_problem": None}
        try:
            with open(files, encoding="utf-8") as fh:
                data = json.load(fh)
            out["exit"], out["files"] = data["exit"], data["files"]
        except (OSError, ValueError) as exc:
            out["sarif_problem"] = f"no result from the child: {exc}"
            return out
        out["sarif_problem"] = check_sarif(sarif)
        return out


def check_sarif(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as exc:
        return f"SARIF does not parse: {exc}"
    if SCHEMA.is_file():
        try:
            import jsonschema
        except ImportError:
            return None
        schema = json.loads(SCHEMA.read_text())
        errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(doc))
        if errors:
            return f"SARIF is not valid: {errors[0].message[:300]}"
    return None


def reason(message: str) -> str:
    """A diagnostic message with its numbers taken out, to group alike ones."""
    return re.sub(r"\d+", "N", message)


def summarise(results: list, slowest: int) -> tuple[str, bool]:
    lines, totals, failed = [], Counter(), False
    head = f"{'repository':<44} {'files':>6} {'find':>5} {'skip':>5} {'unrd':>5} {'synt':>5} " \
           f"{'tout':>4} {'crash':>5} {'exit':>4} {'wall s':>7}"
    lines += [head, "-" * len(head)]
    all_files, problems, reasons = [], [], Counter()
    for r in results:
        kinds = Counter(d["kind"] for f in r["files"] for d in f["diagnostics"])
        crashes = kinds["internal-error"]
        died = r["exit"] not in (0, 1)
        if died or r["sarif_problem"]:
            crashes += 1
        row = {"files": len(r["files"]), "findings": sum(f["findings"] for f in r["files"]),
               "skipped": kinds["skipped"], "unreadable": kinds["unreadable"],
               "syntax": kinds["syntax-error"], "timeouts": kinds["timeout"], "crashes": crashes}
        totals.update(row)
        totals["wall"] += r["wall"]
        name = os.path.relpath(r["repo"]) if not r["repo"].startswith("/work/corpus") \
            else r["repo"][len("/work/corpus/"):]
        lines.append(f"{name[-44:]:<44} {row['files']:>6} {row['findings']:>5} {row['skipped']:>5} "
                     f"{row['unreadable']:>5} {row['syntax']:>5} {row['timeouts']:>4} "
                     f"{crashes:>5} {str(r['exit']):>4} {r['wall']:>7.1f}")
        if died:
            problems.append(f"{r['repo']}: exit {r['exit']} (process {r['returncode']})\n"
                            f"{r['stderr']}")
        if r["sarif_problem"]:
            problems.append(f"{r['repo']}: {r['sarif_problem']}")
        for f in r["files"]:
            all_files.append((f["seconds"], f["path"]))
            for d in f["diagnostics"]:
                if d["kind"] in ("internal-error", "timeout"):
                    problems.append(f"{f['path']}: {d['kind']}: {d['message']}\n{d['detail']}")
                elif d["kind"] != "syntax-error":
                    reasons[(d["kind"], reason(d["message"]))] += 1
    lines.append("-" * len(head))
    lines.append(f"{'TOTAL (' + str(len(results)) + ' repositories)':<44} {totals['files']:>6} "
                 f"{totals['findings']:>5} {totals['skipped']:>5} {totals['unreadable']:>5} "
                 f"{totals['syntax']:>5} {totals['timeouts']:>4} {totals['crashes']:>5} "
                 f"{'':>4} {totals['wall']:>7.1f}")
    lines += ["", "Skipped and unreadable files by reason:"]
    lines += [f"  {n:6d}  {kind}: {msg}" for (kind, msg), n in reasons.most_common()] or ["  none"]
    lines += ["", f"Slowest {slowest} files (seconds):"]
    lines += [f"  {s:8.3f}  {p}" for s, p in sorted(all_files, reverse=True)[:slowest]]
    if problems:
        failed = True
        lines += ["", "CRASHES AND TIMEOUTS:"] + ["  " + p.replace("\n", "\n    ") for p in problems]
    else:
        lines += ["", "No crashes, no timeouts."]
    return "\n".join(lines) + "\n", failed


def repositories(args) -> list:
    repos = list(args.repos)
    for parent in args.children:
        repos += sorted(str(p) for p in Path(parent).iterdir() if p.is_dir())
    return [os.path.abspath(r) for r in repos]


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        timeout = None
        if "--timeout" in sys.argv:
            timeout = float(sys.argv[sys.argv.index("--timeout") + 1])
        scan_one(sys.argv[2], sys.argv[3], sys.argv[4], timeout)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repos", nargs="*")
    ap.add_argument("--children", action="append", default=[],
                    help="scan every directory inside this one as a repository")
    ap.add_argument("--parallel", type=int, default=1, help="repositories scanned at once")
    ap.add_argument("--slowest", type=int, default=15)
    ap.add_argument("--timeout", type=float, help="per-file time limit (default: leaklint's)")
    ap.add_argument("--json", help="also write the raw per-file results here")
    args = ap.parse_args()
    repos = repositories(args)
    if not repos:
        ap.error("no repositories given")
    with ThreadPoolExecutor(max(1, args.parallel)) as pool:
        results = []
        for r in pool.map(lambda repo: run_repo(repo, args.timeout), repos):
            results.append(r)
            print(f"  {r['repo']}: {len(r['files'])} files, exit {r['exit']}, {r['wall']}s",
                  file=sys.stderr, flush=True)
    text, failed = summarise(results, args.slowest)
    print(text, end="")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
