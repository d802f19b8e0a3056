"""The core CLI paths that tests/test_cli.py does not cover: finding details in text and
JSON, selectors, missing paths, bad files, config keys that change results, user pairs."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from leaklint.cli import main
from conftest import LEAKY_GO


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_text_reports_the_leak_with_its_path(tree):
    r = run("check", ".")
    assert r.exit_code == 1
    assert "leaky.go:6:15: LL101 [sql-rows-not-closed] rows from db.Query is not closed " \
           "on the return at line 11" in r.output
    assert "clean.go" not in r.output
    assert "Found 1 finding in 1 of 2 files scanned." in r.output


def test_clean_file_exits_zero(tree):
    r = run("check", "clean.go")
    assert r.exit_code == 0, r.output
    assert "No findings in 1 file scanned." in r.output


def test_json_format(tree):
    r = run("check", ".", "--format", "json")
    assert r.exit_code == 1
    data = json.loads(r.output)
    assert data["summary"]["findings"] == 1
    f = data["findings"][0]
    assert (f["path"], f["line"], f["column"], f["code"], f["family"]) == \
        ("leaky.go", 6, 15, "LL101", "resource")
    assert f["end_line"] == 6 and f["end_column"] == 35
    assert f["related"][0]["line"] == 11
    assert data["verified"]["LL101"] == {"checked": 2, "correct": 1}


def test_output_file(tree):
    r = run("check", ".", "--format", "json", "-o", "out.json")
    assert r.exit_code == 1
    assert json.loads((tree / "out.json").read_text())["summary"]["findings"] == 1


def test_select_and_ignore(tree):
    assert run("check", ".", "--ignore", "LL101").exit_code == 0
    assert run("check", ".", "--ignore", "resource").exit_code == 0
    assert run("check", ".", "--select", "sql-rows-not-closed").exit_code == 1
    r = run("check", ".", "--select", "LL999")
    assert r.exit_code == 2 and "unknown rule selector 'LL999'" in r.output


def test_missing_path_exits_2_and_still_scans_the_rest(tree):
    r = run("check", "nope.go", "leaky.go")
    assert r.exit_code == 2
    assert "nope.go: no such file or directory" in r.output
    assert "leaky.go:6:15: LL101" in r.output


def test_binary_and_invalid_utf8_and_syntax_errors(tree):
    (tree / "bin.go").write_bytes(b"\x00\x01\x02package")
    (tree / "latin1.go").write_bytes(b"package p\n// caf\xe9 db.Query\n")
    (tree / "broken.go").write_text(LEAKY_GO.replace("return nil\n}", "return nil\n}}}} func ("))
    r = run("check", ".")
    assert r.exit_code == 1
    assert "bin.go: skipped: binary content" in r.output
    assert "latin1.go: unreadable: not valid UTF-8" in r.output
    assert "broken.go: syntax-error:" in r.output
    assert "broken.go:6:15: LL101" in r.output  # what parsed is still analysed
    assert "Traceback" not in r.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tree):
    p = tree / "secret.go"
    p.write_text(LEAKY_GO)
    p.chmod(0)
    r = run("check", ".")
    assert "secret.go: unreadable: permission denied" in r.output


def test_config_severity_and_per_file_ignores(tree):
    (tree / "leaklint.toml").write_text(
        '[severity]\nLL101 = "error"\n[per-file-ignores]\n"clean.go" = ["LL101"]\n')
    data = json.loads(run("check", ".", "--format", "json").output)
    assert data["findings"][0]["severity"] == "error"
    (tree / "leaklint.toml").write_text('[per-file-ignores]\n"leaky.go" = ["resource"]\n')
    assert run("check", ".").exit_code == 0


def test_config_exclude(tree):
    (tree / "leaklint.toml").write_text('exclude = ["leaky.go"]\n')
    assert run("check", ".").exit_code == 0


def test_user_declared_pair(tree):
    (tree / "leaklint.toml").write_text('''
[[rules]]
code = "X001"
name = "pool-conn-not-released"
family = "resource"
languages = ["go"]
severity = "warning"
summary = "A pool connection is not released on every path"
message = "{handle} from {call} is not released {where}"
[rules.lifecycle]
acquire = ["*.Acquire"]
error = 1
release = ["Release"]
''')
    (tree / "pool.go").write_text(
        "package p\n\nfunc h(pool *Pool) error {\n\tc, err := pool.Acquire()\n"
        "\tif err != nil {\n\t\treturn err\n\t}\n\tc.Use()\n\treturn nil\n}\n\n"
        "func k(pool *Pool) error {\n\tc, err := pool.Acquire()\n\tif err != nil {\n"
        "\t\treturn err\n\t}\n\tdefer c.Release()\n\treturn nil\n}\n")
    r = run("check", "pool.go")
    assert r.exit_code == 1
    assert "pool.go:4:12: X001 [pool-conn-not-released] c from pool.Acquire is not released " \
           "on the return at line 9" in r.output
    assert r.output.count("X001") == 1


def test_rules_and_explain():
    r = run("rules")
    assert r.exit_code == 0 and "LL101" in r.output and "sql-rows-not-closed" in r.output
    r = run("explain", "sql-rows-not-closed")
    assert r.exit_code == 0 and "defer rows.Close()" in r.output
    r = run("explain", "LL999")
    assert r.exit_code == 2 and "unknown rule" in r.output

