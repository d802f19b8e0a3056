#!/usr/bin/env python3
"""Score leaklint on built conformance suites (a folder of a peer's test files and its
expected.tsv, see suite.py for the format).

    python scripts/conformance/score.py SUITE_DIR... [--json FILE] [--select RULES]
                                        [--min-recall PCT] [--min-precision PCT]

For each suite, leaklint checks the folder (rules of the families expected.tsv names,
unless --select says otherwise; tests, scripts and examples reported in full, since the
peers' files are ordinary code to their peers, unless --default-contexts) and each finding is matched to a row on (file, line,
family): a finding on a positive row is a hit, one on a `style:`/`optional:` row counts
neither way, any other finding is a false positive. Recall = positive rows hit / positive
rows; precision = hits / (hits + false positives). The misses and false positives are
listed. Exit status: 0, or 1 when a suite is under --min-recall / --min-precision, 2 on
bad input (no suite, malformed expected.tsv, leaklint failing).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
import own_leaklint  # noqa: E402
from suite import Row, SuiteError, read_expected  # noqa: E402


@dataclass(frozen=True)
class Found:
    file: str
    line: int
    family: str
    code: str
    message: str


@dataclass
class Score:
    peer: str
    rows: list[Row]
    hits: list[Found] = field(default_factory=list)
    false_positives: list[Found] = field(default_factory=list)
    neutral: list[Found] = field(default_factory=list)
    found_rows: set[int] = field(default_factory=set)  # indexes of positive rows hit

    @property
    def positives(self) -> list[tuple[int, Row]]:
        return [(i, r) for i, r in enumerate(self.rows) if not r.clean and not r.neutral]

    @property
    def clean_files(self) -> int:
        return len({r.file for r in self.rows if r.clean})

    @property
    def misses(self) -> list[Row]:
        return [r for i, r in self.positives if i not in self.found_rows]

    @property
    def recall(self) -> float | None:
        total = len(self.positives)
        return 100.0 * len(self.found_rows) / total if total else None

    @property
    def precision(self) -> float | None:
        total = len(self.hits) + len(self.false_positives)
        return 100.0 * len(self.hits) / total if total else None

    def tag_recall(self) -> dict[str, tuple[int, int]]:
        """tag -> (positive rows hit, positive rows) over rows carrying the tag."""
        out: dict[str, tuple[int, int]] = {}
        for i, row in self.positives:
            for tag in row.tags:
                hit, total = out.get(tag, (0, 0))
                out[tag] = (hit + (i in self.found_rows), total + 1)
        return dict(sorted(out.items()))

    def as_json(self) -> dict:
        return {
            "peer": self.peer,
            "positive_rows": len(self.positives),
            "clean_files": self.clean_files,
            "found_rows": len(self.found_rows),
            "recall": self.recall,
            "hits": len(self.hits),
            "false_positives": [vars(f) for f in self.false_positives],
            "precision": self.precision,
            "misses": [{"file": r.file, "lines": r.spelled_lines(), "family": r.family, "note": r.note}
                       for r in self.misses],
            "neutral_findings": len(self.neutral),
            "tags": {t: {"found": h, "rows": n} for t, (h, n) in self.tag_recall().items()},
        }


# the peers' files are ordinary code to their peers: every context reported in full
# (docs/contexts.md); --default-contexts scores with leaklint's own policy instead
EVERY_CONTEXT = 'tests = "all"\nscripts = "all"\nexamples = "all"\n'


def leaklint_findings(suite: Path, select: str, leaklint: list[str], every_context: bool = True) -> list[Found]:
    with tempfile.TemporaryDirectory() as scratch:
        command = [*leaklint, "check", "--format", "json", "--no-cache", "--exit-zero", "-j", "1",
                   "--select", select, str(suite)]
        if every_context:
            config = Path(scratch) / "leaklint.toml"
            config.write_text("[contexts]\n" + EVERY_CONTEXT)
            command[len(leaklint) + 1:len(leaklint) + 1] = ["--config", str(config)]
        done = subprocess.run(command, capture_output=True, text=True, cwd=suite,
                              env=own_leaklint.environment())
    if done.returncode != 0:
        raise SuiteError(f"{suite}: leaklint exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SuiteError(f"{suite}: leaklint did not print a JSON report: {done.stdout[:200]!r}") from None
    for diagnostic in report.get("diagnostics", []):
        print(f"{suite.name}: leaklint: {diagnostic}", file=sys.stderr)
    found = []
    for item in report["findings"]:
        rel = Path(item["path"]).resolve().relative_to(suite).as_posix()
        found.append(Found(rel, item["line"], item["family"], item["code"], item["message"]))
    return found


def score(suite: Path, leaklint: list[str], select: str | None = None, every_context: bool = True) -> Score:
    suite = suite.resolve()
    if not suite.is_dir():
        raise SuiteError(f"{suite}: no such suite directory")
    rows = read_expected(suite)
    families = sorted({r.family for r in rows if not r.clean})
    result = Score(suite.name, rows)
    if not (select or families):
        return result
    for finding in leaklint_findings(suite, select or ",".join(families), leaklint, every_context):
        matching = [i for i, r in enumerate(rows)
                    if r.file == finding.file and r.family == finding.family and finding.line in r.lines]
        positive = [i for i in matching if not rows[i].neutral]
        if positive:
            result.hits.append(finding)
            result.found_rows.update(positive)
        elif matching:
            result.neutral.append(finding)
        else:
            result.false_positives.append(finding)
    return result


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} %"


def render(scores: list[Score]) -> str:
    out = [f"{'peer':<18} {'cases':>5} {'clean':>5} {'recall':>16} {'precision':>16}"]
    for s in scores:
        hits = len(s.hits) + len(s.false_positives)
        out.append(f"{s.peer:<18} {len(s.positives):>5} {s.clean_files:>5} "
                   f"{len(s.found_rows):>4}/{len(s.positives):<4} {percent(s.recall):>7} "
                   f"{len(s.hits):>4}/{hits:<4} {percent(s.precision):>7}")
        for tag, (hit, total) in s.tag_recall().items():
            share = percent(100.0 * hit / total if total else None)
            out.append(f"{'  [' + tag + ']':<30} {hit:>4}/{total:<4} {share:>7}")
    for s in scores:
        if s.misses:
            out.append(f"\n{s.peer}: missed")
            out.extend(f"  {r.file}:{r.spelled_lines()} {r.family}  {r.note}".rstrip() for r in s.misses)
        if s.false_positives:
            out.append(f"\n{s.peer}: false positives")
            out.extend(f"  {f.file}:{f.line} {f.code} {f.message}" for f in s.false_positives)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suites", nargs="+", type=Path, help="built suite directories")
    parser.add_argument("--json", type=Path, help="also write the scores as JSON to this file")
    parser.add_argument("--select", help="leaklint --select (default: the families expected.tsv names)")
    parser.add_argument("--leaklint", default=f"{sys.executable} -m leaklint",
                        help="command that runs leaklint (default: this Python's leaklint module)")
    parser.add_argument("--default-contexts", action="store_true",
                        help="report with leaklint's context policy (default: every context in full)")
    parser.add_argument("--min-recall", type=float, help="exit 1 when a suite's recall is below")
    parser.add_argument("--min-precision", type=float, help="exit 1 when a suite's precision is below")
    args = parser.parse_args(argv)
    try:
        scores = [score(s, args.leaklint.split(), args.select, not args.default_contexts) for s in args.suites]
    except SuiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(render(scores))
    if args.json:
        args.json.write_text(json.dumps([s.as_json() for s in scores], indent=2) + "\n")
    below = [s.peer for s in scores
             if (args.min_recall is not None and s.recall is not None and s.recall < args.min_recall)
             or (args.min_precision is not None and s.precision is not None and s.precision < args.min_precision)]
    if below:
        print(f"\nbelow the bar: {', '.join(below)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
