"""The CLI end to end: formats, exit codes, configuration errors, suppressions, bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from leaklint.cli import main
from conftest import CLEAN_GO, LEAKY_GO, SCHEMA


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_text_reports_the_leak_with_its_path(tree):
    r = run("check", ".")
    assert r.exit_code == 1
    assert "leaky.go:6:15: LL101 [sql-rows-not-closed] rows from db.Query is not closed " \
           "on the return at line 11" in r.output
    assert "clean.go" not in r.output
    assert "Found 1 finding in 2 files." in r.output


def test_clean_file_exits_zero(tree):
    r = run("check", "clean.go")
    assert r.exit_code == 0, r.output
    assert "Found no findings in 1 file." in r.output


def test_exit_zero(tree):
    assert run("check", ".", "--exit-zero").exit_code == 0


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


def test_sarif_format_validates_against_the_schema(tree):
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.exists():
        pytest.skip(f"SARIF schema not found at {SCHEMA}")
    r = run("check", ".", "--format", "sarif")
    assert r.exit_code == 1
    doc = json.loads(r.output)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    run_ = doc["runs"][0]
    ids = [x["id"] for x in run_["tool"]["driver"]["rules"]]
    assert "LL101" in ids and ids == sorted(ids)
    assert "resource" in run_["tool"]["driver"]["rules"][ids.index("LL101")]["properties"]["tags"]
    res = run_["results"][0]
    assert res["ruleId"] == "LL101" and res["level"] == "warning"
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "leaky.go"
    assert res["partialFingerprints"]["primaryLocationLineHash"]


def test_output_file(tree):
    r = run("check", ".", "--format", "json", "-o", "out.json")
    assert r.exit_code == 1
    assert json.loads((tree / "out.json").read_text())["summary"]["findings"] == 1


def test_output_into_missing_directory_is_a_clear_error(tree):
    r = run("check", ".", "-o", "no/such/dir/out.txt")
    assert r.exit_code == 2
    assert "cannot write no/such/dir/out.txt" in r.output
    assert "Traceback" not in r.output


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


def test_suppression_on_the_line_and_above(tree):
    src = LEAKY_GO.replace('db.Query("SELECT 1")', 'db.Query("SELECT 1") // leaklint: ignore[LL101]')
    (tree / "leaky.go").write_text(src)
    r = run("check", ".")
    assert r.exit_code == 0
    assert "1 suppressed" in r.output
    src = LEAKY_GO.replace("\trows, err", "\t// leaklint: ignore\n\trows, err")
    (tree / "leaky.go").write_text(src)
    assert run("check", ".").exit_code == 0
    src = LEAKY_GO.replace('db.Query("SELECT 1")', 'db.Query("SELECT 1") // leaklint: ignore[LL999]')
    (tree / "leaky.go").write_text(src)
    assert run("check", ".").exit_code == 1


def test_ignore_file(tree):
    (tree / "leaky.go").write_text("// leaklint: ignore-file\n" + LEAKY_GO)
    assert run("check", ".").exit_code == 0


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


def test_config_unknown_key_names_key_and_file(tree):
    (tree / "leaklint.toml").write_text("selectt = ['LL101']\n")
    r = run("check", ".")
    assert r.exit_code == 2
    assert "leaklint.toml: selectt: unknown key" in r.output


def test_config_wrong_type(tree):
    (tree / "pyproject.toml").write_text("[tool.leaklint]\nexclude = 'x'\n")
    r = run("check", ".")
    assert r.exit_code == 2
    assert "pyproject.toml: tool.leaklint.exclude: expected a list" in r.output


def test_config_not_toml(tree):
    (tree / "leaklint.toml").write_text("select = [\n")
    r = run("check", ".")
    assert r.exit_code == 2 and "not valid TOML" in r.output


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


def test_installed_command(tree):
    exe = shutil.which("leaklint", path=os.path.dirname(sys.executable)) or shutil.which("leaklint")
    if exe is None:
        pytest.skip("leaklint is not installed as a command in this environment")
    p = subprocess.run([exe, "check", "."], capture_output=True, text=True)
    assert p.returncode == 1 and "leaky.go:6:15: LL101" in p.stdout
    p = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert p.returncode == 0 and "leaklint" in p.stdout
