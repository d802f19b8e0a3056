"""The composite action (action.yml) and the example workflows: their structure, and the
action's scan step run for real with bash."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (it comes with pre-commit)")

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / "examples" / "github").glob("*.yml"))


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps_using(steps, action: str) -> list:
    return [s for s in steps if s.get("uses", "").startswith(action + "@")]


def test_action_is_composite_and_uploads_with_category():
    action = load(ROOT / "action.yml")
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"
            # inputs reach scripts through env only, never pasted into the script
            assert "${{" not in step["run"], step["name"]
    [upload] = steps_using(steps, "github/codeql-action/upload-sarif")
    assert upload["with"]["category"] == "${{ inputs.category }}"
    assert upload["with"]["sarif_file"] == "${{ steps.scan.outputs.sarif-file }}"
    assert set(action["inputs"]) >= {"paths", "args", "category", "sarif-file", "upload"}


def test_code_scanning_workflow():
    wf = load(ROOT / "examples" / "github" / "leaklint.yml")
    [job] = wf["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    runs = " ".join(s.get("run", "") for s in job["steps"])
    assert "pip install leaklint" in runs
    assert re.search(r"leaklint check .*--format sarif", runs.replace("\n", " "))
    [upload] = steps_using(job["steps"], "github/codeql-action/upload-sarif")
    assert upload["with"]["sarif_file"] == "leaklint.sarif"
    assert upload["with"]["category"] == "leaklint/"
    assert "--sarif-category leaklint/" in runs


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_parse_and_use_only_leaklint_options_that_exist(path):
    from click.testing import CliRunner

    from leaklint.cli import main

    wf = load(path)
    assert wf["jobs"] and (True in wf or "on" in wf)  # YAML reads a bare `on:` as True
    known = set(re.findall(r"--[a-z][a-z-]+", CliRunner().invoke(main, ["check", "--help"]).output))
    for job in wf["jobs"].values():
        for step in job["steps"]:
            for cmd in re.findall(r"leaklint check[^\n]*(?:\n\s+--[^\n]*)*", step.get("run", "")):
                assert set(re.findall(r"--[a-z][a-z-]+", cmd)) <= known, cmd


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_action_scan_step_runs(tmp_path):
    step = next(s for s in load(ROOT / "action.yml")["runs"]["steps"] if s.get("id") == "scan")
    (tmp_path / "leaky.go").write_text(
        'package a\n\nimport "database/sql"\n\nfunc f(db *sql.DB) {\n'
        '\trows, _ := db.Query("SELECT 1")\n\t_ = rows\n}\n', encoding="utf-8")
    outputs = tmp_path / "github-output"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "leaklint").write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -m leaklint "$@"\n', encoding="utf-8")
    (bindir / "leaklint").chmod(0o755)
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}",
               PYTHONPATH=str(ROOT / "src"), GITHUB_OUTPUT=str(outputs),
               LEAKLINT_PATHS=".", LEAKLINT_ARGS="--select LL101",
               LEAKLINT_CATEGORY="go/", LEAKLINT_SARIF="out.sarif")
    result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert outputs.read_text().splitlines() == ["sarif-file=out.sarif", "exit-code=1"]
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    assert sarif["runs"][0]["automationDetails"]["id"] == "go/"
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["LL101"]

    env["LEAKLINT_ARGS"] = "--select NOPE"
    result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "unknown rule selector 'NOPE'" in result.stderr
