"""`leaklint report`: the Markdown investigation report, pre-filled from a scan and
triage results of the leaking programs."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from leaklint.cli import main
from leaklint.triage import goroutines, heap, tracemalloc
from triage_programs import DATA, PROGRAMS

GOLEAK = str(PROGRAMS / "goleak")
# the programs are read as ordinary code, not as tests (tests/programs/leaklint.toml)
PROGRAMS_CONFIG = str(PROGRAMS / "leaklint.toml")
SERIES = {"name": "rss", "shape": "linear", "confidence": 0.93, "growth_per_hour": 120.5,
          "unit": "MB", "first": 80, "last": 410,
          "thresholds": [{"name": "heap-growth-investigate", "action": "investigate",
                          "threshold": "50 MB per 30 min", "observed": "60.2 MB per 30 min"}]}
# the sections where only a person can add what is missing
HUMAN = ("Incident Timeline", "Detection Method", "3. Retainer Path Analysis",
         "Reproduction Steps", "Code Changes", "Testing and Validation",
         "Deployment and Results", "Lessons Learned")


def triage_file(tmp_path, **parts) -> str:
    path = tmp_path / "triage.json"
    path.write_text(json.dumps(parts))
    return str(path)


def run(*args) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["report", "--no-cache", "--config", PROGRAMS_CONFIG, *args])
    return result.exit_code, result.stdout, result.stderr


def sections(markdown: str) -> dict[str, str]:
    """Text under each heading (any level), keyed by the heading's text."""
    out, name = {}, "top"
    for line in markdown.splitlines():
        m = re.match(r"^#+ (.*)$", line)
        if m:
            name = m.group(1)
            out[name] = ""
        else:
            out[name] = out.get(name, "") + line + "\n"
    return out


@pytest.fixture
def goleak_report(tmp_path):
    dumps = [str(DATA / "goroutines-debug2" / f"goroutines-{i}.txt") for i in range(1, 5)]
    tri = triage_file(tmp_path, series=[SERIES], goroutines=goroutines.analyse(dumps))
    code, out, err = run(GOLEAK, "--triage", tri, "--service", "orders")
    assert code == 0, err
    return out


def test_the_confirmed_goroutine_leak_is_the_suspected_code(goleak_report):
    s = sections(goleak_report)
    suspects = [h for h in s if re.match(r"\d+\. `", h)]
    assert suspects[0].startswith("1. `") and suspects[0].endswith(
        "tests/programs/goleak/main.go:30`: LL610 `goroutine-abandoned-channel` (confirmed)")
    body = s[suspects[0]]
    assert "goroutines blocked in chan send grew 6, 12, 18, 24, started at goleak/main.go:30" \
        in body
    assert "```go\n" in body and "go func() {" in body
    assert "```diff\n" in body and "+    ch := make(chan int, 1)" in body
    assert "LL107" in suspects[1] and "(ranked)" in suspects[1]


def test_symptoms_figures_and_summary_come_from_the_evidence(goleak_report):
    s = sections(goleak_report)
    symptoms = s["Initial Symptoms"]
    assert "- [x] Linear memory growth (+120 MB/hour)" in symptoms
    assert "- [x] Growing number of goroutines" in symptoms
    assert "- [ ] Objects accumulating between heap snapshots" in symptoms
    assert "- [x] Leak thresholds crossed\n  - rss: 60.2 MB per 30 min" in symptoms
    assert "| rss | linear | 0.93 | +120 MB/hour | 80 -> 410 MB | heap-growth-investigate |" \
        in s["Detection Method"]
    summary = s["Executive Summary"]
    assert "2 findings in 1 file scanned; 1 confirmed by the runtime evidence; rss grows " \
           "with a linear shape (+120 MB/hour)." in summary
    assert "- Memory growth: rss: +120 MB/hour (linear), goroutines: 16 -> 46 over 4 dumps" \
        in summary
    assert "| +18 | 6 -> 12 -> 18 -> 24 | chan send | `main.fetch goleak/main.go:30` |" in \
        s["2. Snapshot Comparison Analysis"]
    assert "**Service**: orders" in goleak_report
    assert "(the evidence suggests High" in goleak_report


def test_only_what_a_person_knows_is_left_to_fill_in(goleak_report):
    for name, body in sections(goleak_report).items():
        if "[to fill in:" in body and name not in HUMAN:
            lines = [ln for ln in body.splitlines() if "[to fill in:" in ln]
            allowed = ("**Investigator**", "**Severity**", "- OOM incidents", "- Affected users",
                       "- Duration", "- Fix deployed", "- Status")
            assert all(ln.startswith(allowed) for ln in lines), (name, lines)


def test_strategy_and_checklist(goleak_report):
    s = sections(goleak_report)
    strategy = s["Code Changes"]
    assert "- [x] Give every goroutine" in strategy and "- [x] Close rows" in strategy
    assert "- [ ] Bound caches" in strategy
    assert "- [ ] Goroutines, threads and tasks have exit conditions" in s["Concurrency"]
    assert "0 of 1 places checked are correct (LL610" in s["Concurrency"]


def test_heap_and_tracemalloc_evidence(tmp_path):
    snaps = [str(DATA / "heapsnapshots" / f"step-{i}.heapsnapshot.gz") for i in (1, 2, 3)]
    stats = [str(DATA / "tracemalloc" / f"statistics-{i}.txt") for i in (1, 2, 3)]
    tri = triage_file(tmp_path, heap=heap.analyse(snaps), tracemalloc=tracemalloc.analyse(stats))
    code, out, err = run(str(PROGRAMS / "pyleak.py"), "--triage", tri)
    assert code == 0, err
    s = sections(out)
    assert "- [x] Objects accumulating between heap snapshots" in s["Initial Symptoms"]
    assert "| `onTick` | closure | 300 -> 600 -> 900 | +600 |" in \
        s["2. Snapshot Comparison Analysis"]
    suspects = [h for h in s if re.match(r"\d+\. `", h)]
    assert "LL504" in suspects[0] and suspects[0].endswith("(confirmed)")
    assert "tracemalloc: tests/programs/pyleak.py:17 grew by 2751 KiB" in s[suspects[0]]


def test_without_triage_every_finding_is_listed_in_scan_order(tmp_path):
    code, out, _ = run(GOLEAK)
    assert code == 0
    s = sections(out)
    assert "ranked by the scan order" in s["Suspected Code"]
    assert "**Memory growth**" not in out and "- Memory growth: [to fill in: X MB/hour]" in out
    assert "(the evidence suggests Low: leak-prone code, no runtime evidence given)" in out


def outside_code(markdown: str) -> str:
    """The Markdown with fenced blocks (fence length respected) and code spans removed."""
    out, fence = [], None
    for line in markdown.splitlines():
        m = re.match(r"^(`{3,})", line)
        if fence is None and m:
            fence = m.group(1)
        elif fence is not None and line.rstrip() == fence:
            fence = None
        elif fence is None:
            out.append(re.sub(r"(`+)(?:(?!\1).)*?\1", "", line))
    return "\n".join(out)


def test_tree_text_is_escaped(tmp_path):
    name = "evil`<img src=x onerror=alert(1)>.py"
    (tmp_path / name).write_text(
        '"""\n```\n# injected heading\n```\n"""\n_seen = {}\n\n\n'
        "def remember(key):\n"
        "    _seen[key] = 1\n")
    code, out, err = run(str(tmp_path), "-o", str(tmp_path / "report.md"))
    assert code == 0, err
    text = (tmp_path / "report.md").read_text()
    assert "<img src=x onerror=alert(1)>" in text  # shown, in code
    assert "# injected heading" in text
    rest = outside_code(text)
    assert "<img" not in rest and "# injected heading" not in rest
    assert "LL504" in rest


def test_bad_triage_input_is_one_line(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n")
    code, out, err = run(GOLEAK, "--triage", str(bad))
    assert code == 2 and out == ""
    assert err.startswith("leaklint: error: ") and str(bad) in err and len(err.splitlines()) == 1


def test_raw_inputs_go_through_the_triage_pipeline():
    args = [GOLEAK]
    for i in range(1, 5):
        args += ["--triage", str(DATA / "goroutines-debug2" / f"goroutines-{i}.txt")]
    args += ["--triage", str(DATA / "series" / "python-linear.csv")]
    code, out, err = run(*args)
    assert code == 0, err
    s = sections(out)
    assert re.search(r"- \[x\] Linear memory growth \(\+[\d,]+ MB/hour\)", s["Initial Symptoms"])
    assert "- [x] Growing number of goroutines" in s["Initial Symptoms"]
    assert "| rss\\_bytes | linear | 0.95 | +43,810 MB/hour |" in s["Detection Method"]
    suspects = [h for h in s if re.match(r"\d+\. `", h)]
    assert suspects[0].endswith("LL610 `goroutine-abandoned-channel` (confirmed)")


def test_the_json_of_leaklint_triage_is_read_as_it_is(tmp_path):
    result = CliRunner().invoke(main, ["triage", str(DATA / "series" / "python-step.csv"),
                                       "--format", "json", "--exit-zero"])
    assert result.exit_code == 0, result.stderr
    saved = tmp_path / "triage.json"
    saved.write_text(result.stdout)
    code, out, err = run(str(PROGRAMS / "pyleak.py"), "--triage", str(saved))
    assert code == 0, err
    assert "- [x] Memory grows in steps and plateaus" in sections(out)["Initial Symptoms"]


@pytest.mark.parametrize("doc, message", [
    ({"series": "rss"}, "'series' is not as"),
    ({"series": [{"name": "rss", "shape": "linear", "confidence": "high"}]},
     "series entry 1: 'confidence' is missing or not a number"),
    ({"goroutines": {"stacks": [{"blocked": "select"}]}}, "goroutines entry 1: 'counts'"),
    ({"heap": []}, "'heap' is not as"),
    ({"tracemalloc": {"sites": [{"file": "a.py", "line": "12"}]}}, "'line' is missing or not int"),
])
def test_a_damaged_triage_json_is_one_clear_line(tmp_path, doc, message):
    code, out, err = run(GOLEAK, "--triage", triage_file(tmp_path, **doc))
    assert code == 2 and out == ""
    assert message in err and len(err.splitlines()) == 1
