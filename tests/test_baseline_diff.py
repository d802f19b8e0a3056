"""Adopting leaklint on an existing code base: --baseline and --changed-since, on real git
repositories made in temporary directories."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from leaklint.cli import main
from leaklint.gitdiff import parse_diff

HEADER = 'package store\n\nimport "database/sql"\n'


def leaky(name: str, query: str = "SELECT 1") -> str:
    return (f"\nfunc {name}(db *sql.DB) int {{\n\trows, err := db.Query(\"{query}\")\n"
            "\tif err != nil {\n\t\treturn 0\n\t}\n\treturn 1\n}\n")


def closed(name: str) -> str:
    return (f"\nfunc {name}(db *sql.DB) error {{\n\trows, err := db.Query(\"SELECT 2\")\n"
            "\tif err != nil {\n\t\treturn err\n\t}\n\tdefer rows.Close()\n\treturn nil\n}\n")


def check(*args):
    return CliRunner().invoke(main, ["check", *args])


def reported(result) -> list[tuple[str, int]]:
    data = json.loads(result.stdout)
    return [(f["path"], f["line"]) for f in data["findings"]]


@pytest.fixture
def git(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(var, "Test")
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(var, "test@example.com")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.chdir(tmp_path)

    def run(*args):
        return subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=tmp_path,
                              check=True, capture_output=True, text=True).stdout

    run("init", "-q")
    return run


# --- baseline ---------------------------------------------------------------------------

def test_baseline_hides_recorded_findings_and_survives_moved_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "store.go"
    src.write_text(HEADER + leaky("a") + closed("b"), encoding="utf-8")
    made = CliRunner().invoke(main, ["baseline", ".", "-o", "leaklint-baseline.json"])
    assert made.exit_code == 0 and "Recorded 1 finding" in made.stderr
    data = json.loads((tmp_path / "leaklint-baseline.json").read_text())
    assert [(e["code"], e["path"]) for e in data["findings"]] == [("LL101", "store.go")]

    result = check(".", "--baseline", "leaklint-baseline.json")
    assert result.exit_code == 0, result.output
    assert "1 in the baseline" in result.stdout

    # unrelated edits move the recorded finding down by six lines and re-indent it
    moved = HEADER + "\n// Package notes.\n// More notes.\n" + closed("c") + \
        leaky("a").replace("\trows", "\t  rows") + closed("b")
    src.write_text(moved, encoding="utf-8")
    result = check(".", "--baseline", "leaklint-baseline.json", "--format", "json")
    assert result.exit_code == 0 and reported(result) == []
    assert json.loads(result.stdout)["summary"]["hidden"] == {"in the baseline": 1}

    # a new leak is reported, and so is a second copy of the recorded line
    src.write_text(moved + leaky("d", "SELECT 4") + leaky("e"), encoding="utf-8")
    result = check(".", "--baseline", "leaklint-baseline.json", "--format", "json")
    assert result.exit_code == 1
    lines = src.read_text().splitlines()
    got = [(p, lines[n - 1].strip()) for p, n in reported(result)]
    assert got == [("store.go", 'rows, err := db.Query("SELECT 4")'),
                   ("store.go", 'rows, err := db.Query("SELECT 1")')]


def test_baseline_paths_are_relative_to_the_baseline_file(tmp_path, monkeypatch):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "store.go").write_text(HEADER + leaky("a"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["baseline", "pkg", "-o", "base.json"]).exit_code == 0
    monkeypatch.chdir(tmp_path / "pkg")
    result = check(".", "--baseline", "../base.json")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("content, message", [
    (None, "baseline file not found"),
    ("{not json", "not valid JSON"),
    ('{"findings": []}', "not a leaklint baseline"),
    ('{"leaklint_baseline": 1, "findings": [{"code": 1}]}', "findings[0] needs string"),
])
def test_bad_baseline_exits_2_with_one_line(tmp_path, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "store.go").write_text(HEADER + leaky("a"), encoding="utf-8")
    if content is not None:
        (tmp_path / "base.json").write_text(content, encoding="utf-8")
    result = check(".", "--baseline", "base.json")
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.output


# --- diff -----------------------------------------------------------------------------

def test_diff_reports_only_changed_lines(git, tmp_path):
    src = tmp_path / "store.go"
    src.write_text(HEADER + leaky("old"), encoding="utf-8")
    (tmp_path / "other.go").write_text(HEADER + leaky("other"), encoding="utf-8")
    git("add", ".")
    git("commit", "-q", "-m", "initial")
    assert check(".", "--changed-since", "HEAD").exit_code == 0

    src.write_text(HEADER + leaky("old") + leaky("new", "SELECT 9"), encoding="utf-8")
    result = check(".", "--changed-since", "HEAD", "--format", "json")
    assert result.exit_code == 1
    lines = src.read_text().splitlines()
    assert [(p, lines[n - 1].strip()) for p, n in reported(result)] == [
        ("store.go", 'rows, err := db.Query("SELECT 9")')]
    assert json.loads(result.stdout)["summary"]["hidden"] == {"outside the diff": 1}

    git("commit", "-q", "-am", "add new")
    assert check(".", "--changed-since", "HEAD").exit_code == 0
    assert len(reported(check(".", "--changed-since", "HEAD~1", "--format", "json"))) == 1
    text = check(".", "--changed-since", "HEAD~1")
    assert "1 outside the diff" in text.stdout


def test_diff_counts_a_removed_close_and_untracked_files(git, tmp_path):
    src = tmp_path / "store.go"
    src.write_text(HEADER + closed("f"), encoding="utf-8")
    git("add", ".")
    git("commit", "-q", "-m", "initial")
    src.write_text(HEADER + closed("f").replace("\tdefer rows.Close()\n", ""), encoding="utf-8")
    result = check(".", "--changed-since", "HEAD", "--format", "json")
    assert [p for p, _ in reported(result)] == ["store.go"]

    (tmp_path / "fresh.go").write_text(HEADER + leaky("g"), encoding="utf-8")
    result = check(".", "--changed-since", "HEAD", "--format", "json")
    assert sorted(p for p, _ in reported(result)) == ["fresh.go", "store.go"]


def test_diff_ignores_the_users_diff_prefix_settings(git, tmp_path):
    src = tmp_path / "store.go"
    src.write_text(HEADER, encoding="utf-8")
    git("add", ".")
    git("commit", "-q", "-m", "initial")
    git("config", "diff.noprefix", "true")
    src.write_text(HEADER + leaky("n"), encoding="utf-8")
    assert reported(check(".", "--changed-since", "HEAD", "--format", "json")) == [("store.go", 6)]
    git("config", "--unset", "diff.noprefix")
    git("config", "diff.mnemonicPrefix", "true")
    assert reported(check(".", "--changed-since", "HEAD", "--format", "json")) == [("store.go", 6)]


def test_diff_from_a_subdirectory(git, tmp_path, monkeypatch):
    (tmp_path / "svc").mkdir()
    src = tmp_path / "svc" / "store.go"
    src.write_text(HEADER, encoding="utf-8")
    git("add", ".")
    git("commit", "-q", "-m", "initial")
    src.write_text(HEADER + leaky("h"), encoding="utf-8")
    monkeypatch.chdir(tmp_path / "svc")
    result = check(".", "--changed-since", "HEAD", "--format", "json")
    assert reported(result) == [("store.go", 6)]


def test_diff_errors_exit_2(git, tmp_path, monkeypatch):
    (tmp_path / "store.go").write_text(HEADER, encoding="utf-8")
    result = check(".", "--changed-since", "no-such-ref")
    assert result.exit_code == 2
    assert result.stderr == "leaklint: error: --changed-since: unknown git ref 'no-such-ref'\n"
    shutil.rmtree(tmp_path / ".git")
    result = check(".", "--changed-since", "HEAD")
    assert result.exit_code == 2
    assert "needs a git repository" in result.stderr and len(result.stderr.splitlines()) == 1


def test_parse_diff_hunks():
    diff = (
        "diff --git a/a.go b/a.go\n--- a/a.go\n+++ b/a.go\n"
        "@@ -3,0 +4,2 @@\n+x\n+y\n"
        "@@ -10 +12 @@\n-old\n+new\n"
        "@@ -20,3 +21,0 @@\n-gone\n-gone\n-gone\n"
        "diff --git a/b.go b/b.go\n--- a/b.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
        'diff --git "a/t\\tab.go" "b/t\\tab.go"\n--- "a/t\\tab.go"\n+++ "b/t\\tab.go"\n'
        "@@ -1 +1 @@\n-a\n+b\n"
        'diff --git "a/caf\\303\\251.go" "b/caf\\303\\251.go"\n+++ "b/caf\\303\\251.go"\n'
        "@@ -0,0 +1 @@\n+b\n"
    )
    assert parse_diff(diff) == {"a.go": {4, 5, 12, 21, 22}, "t\tab.go": {1}, "café.go": {1}}
