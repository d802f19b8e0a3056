"""``check --shard K/N`` and ``leaklint merge``: three shards of a multi-package tree,
merged, give exactly the JSON and the SARIF of one whole run; bad input to the merge is
refused with one line and exit code 2."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from leaklint.cli import main
from test_cli import assert_one_line_error as assert_refused
from leaklint.discovery import discover
from leaklint.shard import Shard, parse_shard, select_shard, shard_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SHARDS = 3

SUPPRESSED_TS = """\
export function watch(target: EventTarget, onTick: () => void) {
  // leaklint: ignore[LL204] stopped by the page unload
  setInterval(onTick, 1000);
}
"""


@contextlib.contextmanager
def inside(directory: Path):
    old = os.getcwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(old)


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """Every rule fixture (one package per directory, Go packages of several files), a
    suppressed finding, a file that does not parse, and a .gitignore pattern that is
    reported by every shard, since each walks the whole tree."""
    root = tmp_path_factory.mktemp("sharded")
    shutil.copytree(FIXTURES, root / "src")
    (root / "src" / "web" / "watch.ts").parent.mkdir(parents=True, exist_ok=True)
    (root / "src" / "web" / "watch.ts").write_text(SUPPRESSED_TS, encoding="utf-8")
    (root / "src" / "broken").mkdir()
    (root / "src" / "broken" / "half.go").write_text(
        'package half\n\nfunc f(db *sql.DB) {\n\trows, err := db.Query("SELECT 1"\n',
        encoding="utf-8")
    (root / ".gitignore").write_text("**[z-a]\n", encoding="utf-8")
    return root


def run_all(tree: Path, fmt: str, out: Path) -> tuple[dict, list]:
    """The whole run's report and the report of each shard (also written under ``out``)."""
    out.mkdir(exist_ok=True)
    common = ["--format", fmt, "--no-cache", "-j", "1", "--exit-zero", "-q", "--select", "ALL"]
    if fmt == "sarif":
        common.append("--include-suppressed")
    with inside(tree):
        result = invoke("check", ".", *common, "-o", out / f"whole.{fmt}")
        assert result.exit_code == 0, result.output
        for k in range(1, SHARDS + 1):
            result = invoke("check", ".", *common, "--shard", f"{k}/{SHARDS}",
                            "-o", out / f"shard{k}.{fmt}")
            assert result.exit_code == 0, result.output
    whole = json.loads((out / f"whole.{fmt}").read_text(encoding="utf-8"))
    return whole, [out / f"shard{k}.{fmt}" for k in range(1, SHARDS + 1)]


@pytest.fixture(scope="module")
def json_run(tree, tmp_path_factory):
    return run_all(tree, "json", tmp_path_factory.mktemp("json"))


@pytest.fixture(scope="module")
def sarif_run(tree, tmp_path_factory):
    return run_all(tree, "sarif", tmp_path_factory.mktemp("sarif"))


def merge(*paths, output: Path | None = None):
    args = ["merge", *paths] + (["-o", output] if output else [])
    return invoke(*args)


def test_three_json_shards_merge_into_the_whole_run(json_run, tmp_path):
    whole, shards = json_run
    parts = [json.loads(p.read_text(encoding="utf-8")) for p in shards]
    # the tree is split for real, and what the test compares is not trivial
    assert all(p["summary"]["files_scanned"] > 0 for p in parts)
    assert sum(p["summary"]["files_scanned"] for p in parts) == whole["summary"]["files_scanned"]
    assert [p["run"]["shard"] for p in parts] == [{"index": k, "count": 3} for k in (1, 2, 3)]
    assert "shard" not in whole["run"]
    assert len(whole["findings"]) > 50 and whole["suppressed"]
    assert {"LL510", "LL302"} <= set(whole["summary"]["by_rule"])  # facts across files
    kinds = [d["kind"] for d in whole["diagnostics"]]
    assert "syntax-error" in kinds and "unreadable" in kinds
    # the .gitignore problem is in every shard's report, and once in the merge
    assert all(any(d["path"].endswith(".gitignore") for d in p["diagnostics"]) for p in parts)

    result = merge(*shards, output=tmp_path / "merged.json")
    assert result.exit_code == 1, result.output  # there are findings
    assert f"{len(whole['findings'])} findings" in result.stderr
    merged = json.loads((tmp_path / "merged.json").read_text(encoding="utf-8"))
    assert merged == whole
    # the order the shards are given in does not matter
    result = merge(*reversed(shards))
    assert json.loads(result.stdout) == whole


def test_three_sarif_shards_merge_into_the_whole_run(sarif_run, tmp_path):
    from test_sarif_github import schema_validator

    whole, shards = sarif_run
    validator = schema_validator()
    for p in shards:
        errors = list(validator.iter_errors(json.loads(p.read_text(encoding="utf-8"))))
        assert not errors, errors[0].message
    result = merge(*shards, output=tmp_path / "merged.sarif")
    assert result.exit_code == 1, result.output
    merged = json.loads((tmp_path / "merged.sarif").read_text(encoding="utf-8"))
    errors = list(validator.iter_errors(merged))
    assert not errors, errors[0].message
    run = whole["runs"][0]
    assert len(run["results"]) > 50
    assert any(r.get("suppressions") for r in run["results"])
    assert all("primaryLocationLineHash" in r["partialFingerprints"] for r in run["results"])
    assert len(run["invocations"][0]["toolExecutionNotifications"]) >= 2
    assert merged == whole


def test_a_directory_is_never_split(tree):
    files = discover([str(tree)], root=str(tree)).files
    shard_by_dir: dict = {}
    for f in files:
        shard_by_dir.setdefault(os.path.dirname(f), set()).add(shard_of(f, str(tree), SHARDS))
    assert len(shard_by_dir) > 20
    assert all(len(s) == 1 for s in shard_by_dir.values())
    picked = [select_shard(files, str(tree), Shard(k, SHARDS)) for k in range(1, SHARDS + 1)]
    assert sorted(sum(picked, [])) == sorted(files)  # each file in exactly one shard
    assert all(picked)


def test_shards_do_not_depend_on_where_the_tree_is(tree, tmp_path):
    copy = tmp_path / "elsewhere" / "checkout"
    shutil.copytree(tree, copy)

    def assignment(root: Path) -> dict:
        with inside(root):
            files = discover(["."], root=str(root)).files
            return {f: shard_of(f, str(root), 5) for f in files}

    here = assignment(tree)
    assert here == assignment(copy)
    # a scan given absolute paths, from another directory, agrees too
    absolute = {os.path.relpath(f, tree): shard_of(f, str(tree), 5)
                for f in discover([str(tree)], root=str(tree)).files}
    assert absolute == here
    assert len(set(here.values())) == 5


@pytest.mark.parametrize("text, fragment", [
    ("0/3", "counts from 1 to N"), ("4/3", "shard 4 does not exist"), ("3", "K/N"),
    ("a/b", "K/N"), ("1/0", "between 1 and"), ("1/-2", "K/N"),
])
def test_bad_shard_is_a_usage_error(tree, text, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_shard(text)
    with inside(tree):
        result = invoke("check", "src", "--shard", text)
    assert result.exit_code == 2
    assert fragment in result.output and "Traceback" not in result.output


def test_shard_does_not_apply_to_standard_input(tree):
    with inside(tree):
        result = CliRunner().invoke(main, ["check", "-", "--stdin-filename", "a.go",
                                           "--shard", "1/2"], input="package a\n")
    assert_refused(result, "--shard", "standard input")


def test_merge_refuses_incomplete_or_mixed_sets(json_run, sarif_run, tmp_path, tree):
    _, js = json_run
    _, sarifs = sarif_run
    assert_refused(merge(js[0], js[1]), "shard 3/3 missing")
    assert_refused(merge(js[0], js[0], js[1], js[2]), "shard 1/3 is given twice")
    assert_refused(merge(js[0], sarifs[1], js[2]), "JSON", "SARIF", "one format")
    # another shard count
    with inside(tree):
        invoke("check", "src", "--format", "json", "--shard", "1/2", "--no-cache",
               "-o", tmp_path / "of2.json")
        # other settings (another rule selection)
        invoke("check", ".", "--format", "json", "--shard", "2/3", "--no-cache",
               "--select", "LL101", "-o", tmp_path / "other.json")
        # a whole run
        invoke("check", ".", "--format", "json", "--no-cache", "-o", tmp_path / "whole.json")
    assert_refused(merge(js[0], tmp_path / "of2.json", js[2]), "shard 1/2")
    assert_refused(merge(js[0], tmp_path / "other.json", js[2]), "different settings")
    assert_refused(merge(tmp_path / "whole.json", js[1]), "not made with --shard")
    # another version of leaklint
    doc = json.loads(js[1].read_text(encoding="utf-8"))
    doc["tool"]["version"] = "0.0.1"
    (tmp_path / "old.json").write_text(json.dumps(doc), encoding="utf-8")
    assert_refused(merge(js[0], tmp_path / "old.json", js[2]), "0.0.1", "one version")
    # another SARIF category
    doc = json.loads(sarifs[1].read_text(encoding="utf-8"))
    doc["runs"][0]["automationDetails"]["id"] = "other/"
    (tmp_path / "cat.sarif").write_text(json.dumps(doc), encoding="utf-8")
    assert_refused(merge(sarifs[0], tmp_path / "cat.sarif", sarifs[2]), "category")


@pytest.mark.parametrize("name, content, fragments", [
    ("text.json", "leaklint found 3 problems\n", ["not valid JSON"]),
    ("empty.json", "", ["empty file"]),
    ("list.json", "[1, 2]\n", ["not a leaklint JSON or SARIF report"]),
    ("other.sarif", json.dumps({"version": "2.1.0", "runs": [
        {"tool": {"driver": {"name": "othertool"}}, "results": []}]}), ["tool is not leaklint"]),
    ("nofindings.json", json.dumps({"tool": {"name": "leaklint", "version": "0.1.0"},
                                    "run": {"settings_digest": "x"}}), ["findings"]),
    ("latin1.json", "{\"tool\": \"caf\xe9\"}", ["not UTF-8"]),
])
def test_merge_refuses_what_is_not_a_report(json_run, tmp_path, name, content, fragments):
    _, js = json_run
    bad = tmp_path / name
    bad.write_bytes(content.encode("latin-1") if name == "latin1.json" else content.encode())
    assert_refused(merge(js[0], bad, js[2]), str(bad), *fragments)


def test_merge_refuses_a_truncated_report(json_run, sarif_run, tmp_path):
    for shards in (json_run[1], sarif_run[1]):
        data = shards[1].read_bytes()
        cut = tmp_path / ("cut" + shards[1].suffix)
        cut.write_bytes(data[: len(data) // 2])
        assert_refused(merge(shards[0], cut, shards[2]), str(cut), "not valid JSON", "truncated")


def test_merge_of_missing_file_and_no_arguments(json_run, tmp_path):
    _, js = json_run
    assert_refused(merge(js[0], tmp_path / "nope.json", js[2]), "nope.json")
    result = invoke("merge")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_sharded_workflow_runs_its_matrix_and_merge(tmp_path):
    """The example workflow's scan step, run with bash once per matrix entry, and its
    merge step on the files the artifacts would carry, give the whole run's SARIF."""
    import subprocess
    import sys

    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed")
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    root = Path(__file__).resolve().parents[1]
    wf = yaml.safe_load((root / "examples" / "github" / "leaklint-sharded.yml").read_text())
    scan, merge_job = wf["jobs"]["scan"], wf["jobs"]["merge"]
    assert merge_job["needs"] == "scan"
    assert merge_job["permissions"]["security-events"] == "write"
    shards = scan["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(scan["env"]["SHARDS"]) + 1))
    [scan_step] = [s for s in scan["steps"] if "--shard" in s.get("run", "")]
    [merge_step] = [s for s in merge_job["steps"] if " merge " in s.get("run", "")]
    [upload] = [s for s in merge_job["steps"]
                if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]

    work = tmp_path / "repo"
    shutil.copytree(FIXTURES, work / "src")
    # what the install step leaves: a leaklint command in $RUNNER_TEMP/leaklint/bin
    bindir = tmp_path / "runner" / "leaklint" / "bin"
    bindir.mkdir(parents=True)
    (bindir / "leaklint").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m leaklint "$@"\n',
                                     encoding="utf-8")
    (bindir / "leaklint").chmod(0o755)
    env = dict(os.environ, RUNNER_TEMP=str(tmp_path / "runner"), PYTHONPATH=str(root / "src"),
               SHARDS=str(scan["env"]["SHARDS"]))

    def bash(script: str, **extra):
        result = subprocess.run(["bash", "-e", "-c", script], cwd=work, env={**env, **extra},
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        return result

    for k in shards:
        bash(scan_step["run"], SHARD=str(k))
    (work / "shards").mkdir()
    for k in shards:  # what the artifact download puts in shards/
        os.replace(work / f"leaklint-{k}.sarif", work / "shards" / f"leaklint-{k}.sarif")
    bash(merge_step["run"])
    merged = json.loads((work / upload["with"]["sarif_file"]).read_text(encoding="utf-8"))
    bash('"$RUNNER_TEMP/leaklint/bin/leaklint" check . --format sarif --output whole.sarif '
         "--sarif-category leaklint/ --exit-zero")
    assert merged == json.loads((work / "whole.sarif").read_text(encoding="utf-8"))
    assert merged["runs"][0]["results"]


def _mutations():
    def drop_locations(doc):
        doc["runs"][0]["results"][0].pop("locations")

    def message_is_text(doc):
        doc["runs"][0]["results"][0]["message"] = "leak"

    def properties_is_list(doc):
        doc["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["properties"] = []

    def no_runs(doc):
        doc["runs"] = []

    def results_is_object(doc):
        doc["runs"][0]["results"] = {}

    def verified_is_text(doc):
        doc["runs"][0]["properties"]["verified"] = {"LL101": "many"}

    def shard_is_text(doc):
        doc["runs"][0]["properties"]["shard"] = "2/3"

    return [drop_locations, message_is_text, properties_is_list, no_runs, results_is_object,
            verified_is_text, shard_is_text]


@pytest.mark.parametrize("mutate", _mutations(), ids=lambda f: f.__name__)
def test_merge_of_a_damaged_sarif_shard_never_raises(sarif_run, tmp_path, mutate):
    _, shards = sarif_run
    doc = json.loads(shards[1].read_text(encoding="utf-8"))
    assert doc["runs"][0]["results"] and doc["runs"][0]["invocations"][0][
        "toolExecutionNotifications"]
    mutate(doc)
    damaged = tmp_path / "damaged.sarif"
    damaged.write_text(json.dumps(doc), encoding="utf-8")
    result = merge(shards[0], damaged, shards[2])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert result.stderr.startswith(f"leaklint: error: {damaged}: ")
    else:  # what the merge does not read may be odd; the rest still merges
        assert result.exit_code == 1 and mutate.__name__ in ("message_is_text", "properties_is_list")
