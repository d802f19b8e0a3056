"""The review checklist as a reviewer pastes it: findings as tasks linked to their lines
(--link-base, or GitHub's variables), places verified per family, not-applicable families,
long lists folded; and the documented workflow that posts it on a pull request."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from leaklint.catalogue import builtin_rules
from leaklint.cli import main
from leaklint.model import Finding, Position, Report
from leaklint.report import checklist

ROOT = Path(__file__).resolve().parents[1]
LEAKY = ('package a\n\nimport "database/sql"\n\nfunc f(db *sql.DB) {\n'
         '\trows, _ := db.Query("SELECT 1")\n\t_ = rows\n}\n')


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    (root / "svc").mkdir(parents=True)
    (root / "svc" / "store (v2).go").write_text(LEAKY)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.chdir(root / "svc")
    return root


def checklist_of(*args, env=None):
    result = CliRunner().invoke(main, ["check", ".", "--no-cache", "--format", "checklist",
                                       *args], env=env or {})
    assert result.exit_code == 1, result.output
    return result.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_findings_are_tasks_linked_from_the_repository_root(repo):
    out = checklist_of("--link-base", "https://example.test/o/r/blob/abc/")
    [item] = [ln for ln in out.splitlines() if ln.startswith("- [ ] [")]
    assert item.startswith("- [ ] [`store (v2).go:6`](https://example.test/o/r/blob/abc/svc/"
                           "store%20%28v2%29.go#L6): rows from db.Query ")
    assert item.endswith(" (LL101)")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_links_default_to_githubs_variables(repo):
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r",
           "GITHUB_SHA": "0123abcd"}
    linked = checklist_of(env=env)
    assert "(https://github.com/o/r/blob/0123abcd/svc/store%20%28v2%29.go#L6)" in linked
    assert "](http" not in checklist_of()  # no variables, no base: plain locations


def test_link_of_a_span_and_a_hostile_base():
    p = Position(5, 1, 7, 2, 1, 2)
    url = checklist.line_link("https://h/x)y <z>", __file__, p)
    assert url.startswith("https://h/x%29y%20%3Cz%3E/") and url.endswith("#L5-L7")


def _findings(n):
    rule = next(r for r in builtin_rules() if r.code == "LL101")
    return rule, [Finding("a.go", Position(i, 1, i, 2, 1, 2), "LL101", rule.name, "resource",
                          "warning", f"leak {i}", "go") for i in range(1, n + 1)]


def test_verified_places_and_not_applicable_families():
    from leaklint.model import Verified

    rule, found = _findings(2)
    ctx = next(r for r in builtin_rules() if r.family == "context")
    report = Report(findings=found, rules=[rule, ctx], verified={"LL101": Verified(5, 3)})
    out = checklist.render(report)
    assert "- [ ] Rows, files and connections are closed: 2 findings; 3 of 5 places verified " \
           "correct\n" in out
    assert "- Not applicable: contexts are cancelled (nothing of this kind" in out
    assert "<details>" not in out  # short lists stay open


def test_long_lists_are_folded():
    rule, found = _findings(checklist.FOLD_AFTER + 1)
    out = checklist.render(Report(findings=found, rules=[rule]))
    head, folded = out.split(f"<details><summary>{checklist.FOLD_AFTER + 1} resources "
                             "findings</summary>\n\n", 1)
    assert "- [ ] Rows, files and connections are closed" in head and "`a.go:" not in head
    assert folded.count("- [ ] `a.go:") == checklist.FOLD_AFTER + 1
    assert folded.endswith("\n</details>\n")


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_the_workflow_recipe_writes_and_posts_the_checklist(tmp_path):
    yaml = pytest.importorskip("yaml")
    wf = yaml.safe_load((ROOT / "examples" / "github" / "leaklint-checklist.yml").read_text())
    [job] = wf["jobs"].values()
    assert job["permissions"]["pull-requests"] == "write"
    steps = {s.get("name"): s for s in job["steps"]}
    work = tmp_path / "work"
    work.mkdir()
    (work / "a.go").write_text(LEAKY)
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    temp = tmp_path / "temp"
    (temp / "leaklint" / "bin").mkdir(parents=True)
    shim = temp / "leaklint" / "bin" / "leaklint"  # what the install step puts there
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m leaklint "$@"\n')
    shim.chmod(0o755)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "gh").write_text(f'#!/bin/sh\necho "$@" > "{tmp_path}/gh-args"\n'
                               f'cp "$7" "{tmp_path}/posted.md"\n')
    (bindir / "gh").chmod(0o755)
    env = dict(os.environ, RUNNER_TEMP=str(temp), GITHUB_STEP_SUMMARY=str(tmp_path / "summary"),
               LINK_BASE="https://github.com/o/r/blob/beef", PR="7", GH_TOKEN="t",
               GITHUB_REPOSITORY="o/r", PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}",
               PYTHONPATH=str(ROOT / "src"))
    for name in ("Write the checklist", "Post it on the pull request"):
        assert set(steps[name].get("env", {})) <= set(env)
        result = subprocess.run(["bash", "-e", "-c", steps[name]["run"]], cwd=work, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    posted = (tmp_path / "posted.md").read_text()
    assert "[`a.go:6`](https://github.com/o/r/blob/beef/a.go#L6)" in posted
    assert (tmp_path / "summary").read_text() == posted
    assert (tmp_path / "gh-args").read_text().split() == [
        "pr", "comment", "7", "--repo", "o/r", "--body-file", "leaklint-checklist.md"]
