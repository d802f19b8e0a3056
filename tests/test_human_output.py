"""Text output for people reading CI logs: --color and NO_COLOR/FORCE_COLOR, --show-source,
the summary line and --statistics alone."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from leaklint.cli import main, use_color

LEAKY = """\
package a

import "database/sql"

func count(db *sql.DB) int {
\trows, err := db.Query("SELECT 1")
\tif err != nil {
\t\treturn 0
\t}
\treturn 1
}
"""
CLEAN = "package a\n\nfunc id(x int) int { return x }\n"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / "leaky.go").write_text(LEAKY, encoding="utf-8")
    (tmp_path / "clean.go").write_text(CLEAN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def check(*args, env=None):
    return CliRunner().invoke(main, ["check", "--no-cache", *args], env=env or {})


@pytest.mark.parametrize("mode, tty, env, expected", [
    ("auto", True, {}, True),
    ("auto", False, {}, False),
    ("auto", True, {"NO_COLOR": "1"}, False),
    ("auto", True, {"NO_COLOR": ""}, True),             # empty means unset
    ("auto", False, {"FORCE_COLOR": "1"}, True),        # CI logs
    ("auto", False, {"FORCE_COLOR": "0"}, False),
    ("auto", False, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ("always", False, {"NO_COLOR": "1"}, True),         # the flag wins
    ("never", True, {"FORCE_COLOR": "1"}, False),
])
def test_color_decision(mode, tty, env, expected):
    assert use_color(mode, tty, env) is expected


def test_color_in_the_output(tree):
    assert "\x1b[" not in check(".").stdout  # not a terminal
    forced = check(".", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[1mleaky.go:6:15:\x1b[0m \x1b[33m\x1b[1mLL101\x1b[0m" in forced
    assert "\x1b[" not in check(".", "--no-color", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in check(".", "--color", "always", env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" not in check(".", "--color", "always", "-o", "out.txt").stdout
    assert "\x1b[" not in (tree / "out.txt").read_text()


def test_show_source_marks_the_acquisition_and_the_leaking_exit(tree):
    out = check(".", "--show-source").stdout.splitlines()
    assert out[:5] == [
        "leaky.go:6:15: LL101 [sql-rows-not-closed] rows from db.Query is not closed on the "
        "return at line 10",
        '   6 | \trows, err := db.Query("SELECT 1")',
        "     | \t             " + "^" * len('db.Query("SELECT 1")'),
        "  10 | \treturn 1",
        "     | \t" + "^" * len("return 1") + " leaks here: on the return at line 10",
    ]
    assert "^" not in check(".", "--no-show-source").stdout  # and off when not a terminal
    assert "^" not in check(".").stdout


def test_summary_says_how_many_files_have_findings_of_how_many(tree):
    assert check(".").stdout.splitlines()[-1] == "Found 1 finding in 1 of 2 files scanned."
    assert check("clean.go").stdout == "No findings in 1 file scanned.\n"
    (tree / "more.go").write_text(LEAKY.replace("count", "count2"), encoding="utf-8")
    assert check(".").stdout.splitlines()[-1] == "Found 2 findings in 2 of 3 files scanned."


def test_statistics_alone_replace_the_findings(tree):
    (tree / "more.go").write_text(LEAKY.replace("count", "count2"), encoding="utf-8")
    result = check(".", "--statistics")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["     2  LL101  sql-rows-not-closed",
                                          "Found 2 findings in 2 of 3 files scanned."]
