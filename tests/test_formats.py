"""The github annotation and checklist formats, and --statistics in every format."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from leaklint.cli import main
from leaklint.model import Finding, Position, Report
from leaklint.report import github

LEAKY = """\
package store

import "database/sql"

func one(db *sql.DB) int {
\trows, err := db.Query("SELECT 1")
\tif err != nil {
\t\treturn 0
\t}
\treturn 1
}

func two(db *sql.DB) error {
\trows, err := db.Query("SELECT 2")
\tif err != nil {
\t\treturn err
\t}
\tdefer rows.Close()
\treturn nil
}

func three(db *sql.DB) error {
\trows, err := db.Query("SELECT 3")
\tif err != nil {
\t\treturn err
\t}
\tdefer rows.Close()
\treturn nil
}
"""


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / "store.go").write_text(LEAKY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args):
    return CliRunner().invoke(main, ["check", *args])


def test_github_annotation_line(tree):
    result = invoke("store.go", "--format", "github")
    assert result.exit_code == 1
    col = LEAKY.splitlines()[5].index("db.Query") + 1
    end = col + len('db.Query("SELECT 1")') - 1
    assert result.stdout.splitlines() == [
        f"::warning file=store.go,line=6,col={col},endLine=6,endColumn={end},"
        f"title=LL101 sql-rows-not-closed::rows from db.Query is not closed "
        f"on the return at line 10"]


def test_github_severity_commands_and_escaping():
    pos = Position(3, 2, 5, 4, 2, 4)
    f = Finding("dir, x/a:b.go", pos, "LL101", "sql-rows-not-closed", "resource", "error",
                "50% leaked\nnow", "go")
    assert github.annotation(f) == (
        "::error file=dir%2C x/a%3Ab.go,line=3,endLine=5,"
        "title=LL101 sql-rows-not-closed::50%25 leaked\\nnow")  # one line, shown as \n
    f.severity = "note"
    assert github.annotation(f).startswith("::notice ")


def test_github_reports_files_not_analysed(tree):
    (tree / "bad.go").write_text("package x\nfunc f() { db.Query(\n", encoding="utf-8")
    result = invoke("bad.go", "--format", "github")
    assert result.stdout.startswith("::warning file=bad.go,title=leaklint syntax-error::")


def test_checklist(tree):
    result = invoke(".", "--format", "checklist")
    assert result.exit_code == 1
    out = result.stdout
    assert out.startswith("## leaklint review checklist\n")
    assert ("### Resources\n\n- [ ] Rows, files and connections are closed: 1 finding; "
            "2 of 3 places verified correct\n") in out
    assert ("  - 2 of 3 `Query`/`QueryContext`/`Queryx`/… results are closed on every path "
            "(LL101 `sql-rows-not-closed`)\n") in out
    assert ("\n- [ ] `store.go:6`: rows from db.Query is not closed on the return at line 10 "
            "(LL101)\n") in out


def test_checklist_ticks_a_family_without_findings(tree):
    fixed = LEAKY.replace("\treturn 1\n}", "\trows.Close()\n\treturn 1\n}", 1)
    (tree / "store.go").write_text(fixed, encoding="utf-8")
    result = invoke(".", "--format", "checklist")
    out = result.stdout
    assert result.exit_code == 0, out
    assert ("- [x] Rows, files and connections are closed: 3 of 3 places verified correct\n"
            in out)
    assert "3 of 3 `Query`/`QueryContext`/`Queryx`/… results are closed on every path" in out
    assert "`store.go:" not in out


def test_checklist_escapes_markdown_in_messages():
    from leaklint.catalogue import builtin_rules
    from leaklint.report import checklist

    rule = next(r for r in builtin_rules() if r.code == "LL101")
    f = Finding("a.go", Position(1, 1, 1, 2, 1, 2), "LL101", rule.name, "resource", "warning",
                "my_rows from *db* is not closed", "go")
    out = checklist.render(Report(findings=[f], rules=[rule]))
    assert r"my\_rows from \*db\* is not closed" in out


def test_statistics_in_every_format(tree):
    text = invoke(".", "--statistics")
    assert "     1  LL101  sql-rows-not-closed" in text.stdout
    for fmt in ("json", "sarif", "github"):
        result = invoke(".", "--format", fmt, "--statistics")
        assert result.exit_code == 1
        assert "     1  LL101  sql-rows-not-closed" in result.stderr
        assert "LL101  sql-rows-not-closed" not in result.stdout
        if fmt != "github":
            json.loads(result.stdout)  # still parseable
    data = json.loads(invoke(".", "--format", "json").stdout)
    assert data["summary"]["by_rule"] == {"LL101": 1}
    assert data["verified"]["LL101"] == {"checked": 3, "correct": 2}
    checklist = invoke(".", "--format", "checklist", "--statistics").stdout
    assert "| LL101 | `sql-rows-not-closed` | 1 |" in checklist


def test_checklist_caps_long_lists():
    from leaklint.catalogue import builtin_rules
    from leaklint.report import checklist

    rule = next(r for r in builtin_rules() if r.code == "LL101")
    found = [Finding("a.go", Position(n, 1, n, 2, 1, 2), "LL101", rule.name, "resource",
                     "warning", f"leak {n}", "go") for n in range(1, checklist.MAX_LISTED + 8)]
    out = checklist.render(Report(findings=found, rules=[rule]))
    assert out.count("`a.go:") == checklist.MAX_LISTED
    assert "- … and 7 more (see the full report)\n" in out
    # a long list is folded: the family line stays, the items go in <details>
    assert f"<details><summary>{checklist.MAX_LISTED + 7} resources findings</summary>" in out
    assert out.index("<details>") < out.index("`a.go:1`") < out.index("</details>")


def test_github_paths_are_relative_to_the_working_directory(tree):
    result = invoke(str(tree / "store.go"), "--format", "github")
    assert result.stdout.startswith("::warning file=store.go,line=6,")


def test_checklist_family_with_nothing_to_check(tmp_path, monkeypatch):
    (tmp_path / "ok.go").write_text("package ok\n\nfunc F() int { return 1 }\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = invoke(".", "--format", "checklist")
    assert result.exit_code == 0
    # nothing to verify is not applicable, not ticked as verified
    assert ("- Not applicable: rows, files and connections are closed (nothing of this kind "
            "in the scanned files)\n") in result.stdout
    assert "- [x]" not in result.stdout
    assert "of 0" not in result.stdout
