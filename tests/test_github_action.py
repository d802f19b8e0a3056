"""The composite action (action.yml) and the example workflows: every action they use is
pinned to a known commit, and the action's steps run for real through its scripts."""

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
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# The actions leaklint's files use: the commit of the release named in the comment
# (read from each action's repository tags).
PINNED = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/cache": ("27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5"),
    "github/codeql-action/upload-sarif": ("8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "v4.36.2"),
    "actions/upload-artifact": ("043fb46d1a93c77aae656e7c1c64a875d1fc6a0a", "v7.0.1"),
    "actions/download-artifact": ("3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
}
# leaklint's own action, taken from its default branch in the examples (the comment next
# to it says to pin it to a reviewed commit)
OWN_ACTION = "leaklint/leaklint@main"
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", re.M)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def all_steps(path: Path) -> list:
    doc = load(path)
    if "runs" in doc:
        return doc["runs"]["steps"]
    return [s for job in doc["jobs"].values() for s in job["steps"]]


def check_uses(ref: str, comment: str, where: str) -> None:
    if ref == OWN_ACTION:
        return
    action, _, sha = ref.partition("@")
    assert action in PINNED, f"{where}: {action} is not in the pinned list"
    want_sha, version = PINNED[action]
    assert sha == want_sha, f"{where}: {ref} is not pinned to {want_sha} ({version})"
    assert re.search(rf"#\s*{re.escape(version)}\b", comment), \
        f"{where}: {ref} needs the comment '# {version}'"


@pytest.mark.parametrize("path", [ROOT / "action.yml", *WORKFLOWS], ids=lambda p: p.name)
def test_every_action_used_is_pinned_to_a_release_commit(path):
    text = path.read_text(encoding="utf-8")
    lines = USES_LINE.findall(text)
    parsed = [s["uses"] for s in all_steps(path) if "uses" in s]
    assert [ref for ref, _ in lines] == parsed  # the YAML and its text agree
    assert parsed
    for ref, comment in lines:
        check_uses(ref, comment, path.name)


def test_docs_use_the_same_pinned_actions():
    seen = 0
    for doc in DOCS:
        for ref, comment in USES_LINE.findall(doc.read_text(encoding="utf-8")):
            check_uses(ref, comment, doc.name)
            seen += 1
    assert seen >= 4


def test_pinned_list_names_current_majors():
    """The versions in the comments are the majors current when they were pinned."""
    majors = {action: int(version[1:].split(".")[0]) for action, (_, version) in PINNED.items()}
    assert majors == {"actions/checkout": 7, "actions/setup-python": 7, "actions/cache": 5,
                      "github/codeql-action/upload-sarif": 4, "actions/upload-artifact": 7,
                      "actions/download-artifact": 8}


def test_action_never_changes_the_callers_python():
    steps = load(ROOT / "action.yml")["runs"]["steps"]
    for step in steps:
        if step.get("uses", "").startswith("actions/setup-python@"):
            assert step["with"]["update-environment"] is False
        if "run" in step:
            assert step["shell"] == "bash"
            # inputs reach scripts through env only, never pasted into the script
            assert "${{" not in step["run"], step["name"]
            assert "pip install" not in step["run"] and "GITHUB_PATH" not in step["run"]
    install = (ROOT / "action" / "install.sh").read_text(encoding="utf-8")
    assert "-m venv" in install and "GITHUB_PATH" not in install and "GITHUB_ENV" not in install


def test_action_restores_the_cache_keyed_on_version_and_config():
    steps = load(ROOT / "action.yml")["runs"]["steps"]
    [cache] = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
    key = cache["with"]["key"]
    assert "steps.install.outputs.version" in key and "pyproject.toml" in key
    assert "leaklint.toml" in key
    scan = next(s for s in steps if s.get("id") == "scan")
    assert "leaklint-cache" in scan["env"]["LEAKLINT_CACHE"]
    assert cache["with"]["path"] == "${{ runner.temp }}/leaklint-cache"


def test_permissions_are_documented():
    action_text = (ROOT / "action.yml").read_text(encoding="utf-8")
    docs = (ROOT / "docs" / "github-code-scanning.md").read_text(encoding="utf-8")
    for text in (action_text, docs):
        assert "security-events: write" in text and "actions: read" in text
    wf = load(ROOT / "examples" / "github" / "leaklint.yml")
    [job] = wf["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write",
                                  "actions": "read"}


def test_action_uploads_with_category():
    action = load(ROOT / "action.yml")
    [upload] = [s for s in action["runs"]["steps"]
                if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert upload["with"]["category"] == "${{ inputs.category }}"
    assert upload["with"]["sarif_file"] == "${{ steps.scan.outputs.sarif-file }}"
    assert set(action["inputs"]) >= {"paths", "args", "category", "sarif-file", "upload", "cache"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_use_only_leaklint_options_that_exist(path):
    from click.testing import CliRunner

    from leaklint.cli import main

    known = set(re.findall(r"--[a-z][a-z-]+", CliRunner().invoke(main, ["check", "--help"]).output))
    for step in all_steps(path):
        for cmd in re.findall(r"leaklint check[^\n]*(?:\n\s+--[^\n]*)*", step.get("run", "")):
            assert set(re.findall(r"--[a-z][a-z-]+", cmd)) <= known, cmd


LEAKY_GO = ('package a\n\nimport "database/sql"\n\nfunc f(db *sql.DB) {\n'
            '\trows, _ := db.Query("SELECT 1")\n\t_ = rows\n}\n')


def run_step(step: dict, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    """A `run:` step as the runner runs it: bash, the step's env, the action's path."""
    assert set(step.get("env", {})) <= set(env), f"set every env of {step['name']}"
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_action_steps_run_through_their_scripts(tmp_path):
    """install.sh builds leaklint's own environment from this checkout (no package index
    holds leaklint); scan.sh writes SARIF and the outputs; the annotation step prints."""
    steps = {s.get("id") or s["name"]: s for s in load(ROOT / "action.yml")["runs"]["steps"]}
    work = tmp_path / "work"
    work.mkdir()
    (work / "leaky.go").write_text(LEAKY_GO, encoding="utf-8")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    base = dict(os.environ, GITHUB_ACTION_PATH=str(ROOT), RUNNER_TEMP=str(temp),
                GITHUB_OUTPUT=str(tmp_path / "out-install"))
    base.pop("VIRTUAL_ENV", None)
    result = run_step(steps["install"], dict(base, LEAKLINT_PYTHON=sys.executable), work)
    assert result.returncode == 0, result.stdout + result.stderr
    out = dict(line.split("=", 1) for line in (tmp_path / "out-install").read_text().splitlines())
    assert out["bin"] == str(temp / "leaklint-venv" / "bin" / "leaklint")
    from leaklint import __version__
    assert out["version"] == __version__
    # the installed package validates with the schema it ships
    (tmp_path / "bad.toml").write_text("select = []\ntimeout = 'x'\n", encoding="utf-8")
    bad = subprocess.run([out["bin"], "check", ".", "--config", str(tmp_path / "bad.toml")],
                         cwd=work, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "bad.toml:2: timeout: expected a number" in bad.stderr

    cache = temp / "leaklint-cache"
    env = dict(base, GITHUB_OUTPUT=str(tmp_path / "out-scan"), LEAKLINT_BIN=out["bin"],
               LEAKLINT_PATHS=".", LEAKLINT_ARGS="--select LL101", LEAKLINT_CATEGORY="go/",
               LEAKLINT_SARIF="out.sarif", LEAKLINT_CACHE=str(cache))
    result = run_step(steps["scan"], env, work)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out-scan").read_text().splitlines() == ["sarif-file=out.sarif",
                                                                "exit-code=1"]
    sarif = json.loads((work / "out.sarif").read_text())
    assert sarif["runs"][0]["automationDetails"]["id"] == "go/"
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["LL101"]
    assert cache.is_dir() and any(cache.rglob("*")), "the result cache was not written"

    result = run_step(steps["Annotate findings"], env, work)
    assert result.returncode == 0 and result.stdout.startswith("::warning file=leaky.go,line=6")

    env["LEAKLINT_ARGS"] = "--select NOPE"
    result = run_step(steps["scan"], env, work)
    assert result.returncode == 2 and "unknown rule selector 'NOPE'" in result.stderr
