"""bench/bench.py's guards that keep the semgrep comparison like with like: it stops on a
rule semgrep could not load or skipped, and on any difference in the files scanned."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("leaklint_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def semgrep_json(errors=(), skipped=(), scanned=()) -> str:
    return json.dumps({"results": [], "errors": list(errors), "skipped_rules": list(skipped),
                       "paths": {"scanned": list(scanned)}})


def test_a_rule_that_does_not_parse_stops_the_bench(bench):
    error = {"code": 2, "level": "error", "type": "Rule parse error",
             "rule_id": "ts-listener-not-removed",
             "message": "Rule parse error in rule ts-listener-not-removed:\n Invalid pattern"}
    with pytest.raises(SystemExit, match="rule error.*ts-listener-not-removed"):
        bench.check_semgrep_output(semgrep_json([error]), 2, "tree")


def test_a_skipped_rule_stops_the_bench(bench):
    with pytest.raises(SystemExit, match="skipped rule.*go-ticker-not-stopped"):
        bench.check_semgrep_output(
            semgrep_json(skipped=[{"rule_id": "go-ticker-not-stopped"}]), 0, "tree")


def test_a_file_that_does_not_parse_is_not_a_rule_error(bench):
    warning = {"code": 3, "level": "warn", "type": ["PartialParsing", []],
               "path": "tree/a.ts", "message": "Syntax error at line 3"}
    report = bench.check_semgrep_output(semgrep_json([warning], scanned=["tree/a.ts"]), 0, "tree")
    assert report["paths"]["scanned"] == ["tree/a.ts"]


def test_semgrep_must_scan_exactly_leaklints_files(bench, tmp_path):
    files = []
    for name in ("a.go", "b.py", "tests/c_test.py"):
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x\n")
        files.append(str(p))
    bench.compare_files({str(Path(f).resolve()) for f in files}, files, "tree")
    with pytest.raises(SystemExit, match=r"semgrep scans 2 files of tree, leaklint 3.*c_test"):
        bench.compare_files({str(Path(f).resolve()) for f in files[:2]}, files, "tree")
    with pytest.raises(SystemExit, match="only semgrep.*extra.js"):
        bench.compare_files({str(Path(f).resolve()) for f in files} | {"/x/extra.js"}, files,
                            "tree")


def test_semgrep_is_told_to_read_no_ignore_file(bench):
    cmd = bench.semgrep_cmd("semgrep", "tree", 5_000_000, ["vendor", "gen/big.go"])
    assert "--x-ignore-semgrepignore-files" in cmd and "--no-git-ignore" in cmd
    assert cmd[cmd.index("--max-target-bytes") + 1] == "5000000"
    assert ["--exclude", "gen/big.go"] == cmd[-3:-1] and cmd[-1] == "tree"


def test_the_semgrep_rules_file_keeps_the_fixed_typescript_rule():
    text = (BENCH.parent / "semgrep-rules.yml").read_text(encoding="utf-8")
    # without the ';' semgrep 1.187 drops the rule as a parse error
    assert "removeEventListener($EVENT, $HANDLER, ...); ... }" in text


def test_the_package_hook_takes_ten_files_of_the_largest_directory(bench):
    files = [f"small/f{i}.go" for i in range(5)] + [f"big/pkg/f{i:02}.go" for i in range(30)]
    picked = bench.package_hook_files(files)
    assert len(picked) == 10
    assert all(p.startswith("big/pkg/") for p in picked)
    assert len(set(picked)) == 10
    assert bench.package_hook_files(["a/x.go", "a/y.go"]) == ["a/x.go", "a/y.go"]


def test_a_baseline_without_leaklint_stops_the_bench(bench, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench, "compile_leaklint", lambda: None)
    monkeypatch.setattr("sys.argv", ["bench.py", str(tmp_path), "--baseline", str(tmp_path)])
    with pytest.raises(SystemExit) as stop:
        bench.main()
    assert stop.value.code == 2
    assert "no leaklint package" in capsys.readouterr().err


def test_the_baseline_runs_with_its_own_sources_first(bench, tmp_path):
    env = bench.baseline_env(str(tmp_path))
    assert env["PYTHONPATH"] == str(tmp_path)
