"""The command line, in process (click's CliRunner) and as the installed ``leaklint``
command: formats, exit codes (0 clean, 1 findings, 2 errors), config errors,
suppressions and output files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from leaklint import __version__
from leaklint.cli import main
from leaklint.report import FORMATS

SRC = Path(__file__).resolve().parents[1] / "src"
HEADER = 'package store\n\nimport "database/sql"\n'
LEAK = ('\nfunc count(db *sql.DB) int {\n\trows, err := db.Query("SELECT 1")%s\n'
        '\tif err != nil {\n\t\treturn 0\n\t}\n\treturn 1\n}\n')
CLEAN = ('\nfunc count(db *sql.DB) int {\n\trows, err := db.Query("SELECT 1")\n'
         '\tif err != nil {\n\t\treturn 0\n\t}\n\tdefer rows.Close()\n\treturn 1\n}\n')


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / "leaky.go").write_text(HEADER + LEAK % "", encoding="utf-8")
    (tmp_path / "clean.go").write_text(HEADER + CLEAN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    err = result.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("leaklint: error: "), result.stderr
    for fragment in fragments:
        assert fragment in err[0]


def _parse(fmt: str, out: str):
    """Each format's output, checked for its own shape."""
    if fmt in ("json", "sarif"):
        return json.loads(out)
    if fmt == "github":
        assert all(line.startswith("::") for line in out.splitlines())
    if fmt == "checklist":
        assert out.startswith("## leaklint review checklist")
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_and_exit_code_in_process(tree, fmt):
    leaky = invoke("check", "leaky.go", "--format", fmt)
    assert leaky.exit_code == 1, leaky.output
    assert "leaky.go" in json.dumps(_parse(fmt, leaky.stdout))
    clean = invoke("check", "clean.go", "--format", fmt)
    assert clean.exit_code == 0, clean.output
    assert "leaky.go" not in clean.stdout
    _parse(fmt, clean.stdout)
    assert invoke("check", "leaky.go", "--format", fmt, "--exit-zero").exit_code == 0
    assert_one_line_error(invoke("check", "missing.go", "--format", fmt),
                          "missing.go: no such file or directory")


def installed_command() -> Path:
    script = Path(sys.executable).parent / ("leaklint.exe" if os.name == "nt" else "leaklint")
    if not script.exists():
        found = shutil.which("leaklint")
        if found is None:
            pytest.skip("the leaklint command is not installed")
        script = Path(found)
    return script


def run_installed(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("NO_COLOR", None)
    return subprocess.run([str(installed_command()), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_and_exit_code_installed(tree, fmt):
    leaky = run_installed("check", "leaky.go", "--format", fmt, cwd=tree)
    assert leaky.returncode == 1, leaky.stderr
    assert "leaky.go" in json.dumps(_parse(fmt, leaky.stdout))
    clean = run_installed("check", "clean.go", "--format", fmt, cwd=tree)
    assert clean.returncode == 0, clean.stderr
    _parse(fmt, clean.stdout)
    missing = run_installed("check", "nope.go", "--format", fmt, cwd=tree)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert missing.stderr.strip() == "leaklint: error: nope.go: no such file or directory"


def test_installed_usage_errors_exit_2(tree):
    for args in (["check", "--format", "xml"], ["check", "--no-such-option"], ["nope"]):
        result = run_installed(*args, cwd=tree)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    bad_select = run_installed("check", ".", "--select", "LL999", cwd=tree)
    assert bad_select.returncode == 2
    assert bad_select.stderr == ("leaklint: error: unknown rule selector 'LL999' (use a code, "
                                 "name, family or code prefix)\n")


def test_installed_version_and_output_file(tree):
    version = run_installed("--version", cwd=tree)
    assert version.returncode == 0
    assert version.stdout.startswith(f"leaklint {__version__} (leaklint-code: leak-prone code")
    result = run_installed("check", ".", "--format", "json", "-o", "out.json", cwd=tree)
    assert result.returncode == 1 and result.stdout == ""
    assert json.loads((tree / "out.json").read_text())["summary"]["findings"] == 1
    assert result.stderr.startswith("Found 1 finding in 1 of 2 files scanned")


# --- configuration errors -------------------------------------------------------------------

@pytest.mark.parametrize("name, content, fragments", [
    ("leaklint.toml", "colour = true\n", ["leaklint.toml:1: colour: unknown key"]),
    ("leaklint.toml", 'select = "LL101"\n',
     ["leaklint.toml:1: select: expected a list, got a string"]),
    ("pyproject.toml", '[tool.leaklint]\nmax-file-size = "big"\n',
     ["pyproject.toml:2: tool.leaklint.max-file-size: expected a whole number, got a string"]),
    ("leaklint.toml", "respect-gitignore = 1\n",
     ["leaklint.toml:1: respect-gitignore: expected true or false, got a whole number"]),
    ("leaklint.toml", "select = [\n", ["leaklint.toml:1: not valid TOML: Invalid value"]),
    ("pyproject.toml", "[tool.leaklint\nselect = []\n", ["pyproject.toml:1:", "not valid TOML"]),
    ("leaklint.toml", 'ignore = ["LL999"]\n', ["leaklint.toml:1: ignore: unknown rule selector"]),
])
def test_config_errors_name_the_file_and_key(tree, name, content, fragments):
    (tree / name).write_text(content, encoding="utf-8")
    assert_one_line_error(invoke("check", "."), *fragments)
    assert_one_line_error(invoke("baseline", "."), *fragments)


def test_explicit_config_file_missing(tree):
    assert_one_line_error(invoke("check", ".", "--config", "nope.toml"),
                          "nope.toml: config file not found")


def test_config_applies(tree):
    (tree / "leaklint.toml").write_text('ignore = ["resource"]\n', encoding="utf-8")
    assert invoke("check", ".").exit_code == 0


# --- suppressions ---------------------------------------------------------------------------

@pytest.mark.parametrize("comment, suppressed", [
    (" // leaklint: ignore[LL101]", True),
    (" // leaklint: ignore[sql-rows-not-closed]", True),
    (" // leaklint: ignore", True),
    (" // leaklint: ignore[LL202]", False),
    (" // leaklint ignore", False),
])
def test_inline_suppressions(tree, comment, suppressed):
    (tree / "leaky.go").write_text(HEADER + LEAK % comment, encoding="utf-8")
    result = invoke("check", "leaky.go")
    assert result.exit_code == (0 if suppressed else 1), result.output
    assert ("1 suppressed" in result.stdout) == suppressed
    data = json.loads(invoke("check", "leaky.go", "--format", "json").stdout)
    assert len(data["suppressed"]) == int(suppressed)
    leaks = [f for f in data["findings"] if f["code"] != "LL002"]
    assert len(leaks) == int(not suppressed)
    # a suppression of a rule that reports nothing there is itself reported (LL002)
    stale = [f["line"] for f in data["findings"] if f["code"] == "LL002"]
    assert stale == ([leaks[0]["line"]] if "LL202" in comment else [])


def test_suppression_on_the_line_above_and_whole_file(tree):
    above = LEAK.replace("\trows, err", "\t// leaklint: ignore[LL101] pooled\n\trows, err")
    (tree / "leaky.go").write_text(HEADER + above % "", encoding="utf-8")
    assert invoke("check", "leaky.go").exit_code == 0
    (tree / "leaky.go").write_text("// leaklint: ignore-file\n" + HEADER + LEAK % "",
                                   encoding="utf-8")
    assert invoke("check", "leaky.go").exit_code == 0


# --- output files ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_output_into_missing_directory(tree, fmt):
    result = invoke("check", ".", "--format", fmt, "-o", "no/such/dir/report.out")
    assert_one_line_error(result, "cannot write no/such/dir/report.out: No such file or directory")
    assert not (tree / "no").exists()


def test_output_to_read_only_file(tree):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        target = "/proc/version"  # permission bits do not stop root; this file refuses writes
        if not os.path.exists(target):
            pytest.skip("running as root without /proc: cannot make an unwritable file")
    else:
        target = str(tree / "report.txt")
        Path(target).write_text("old\n")
        os.chmod(target, 0o444)
    result = invoke("check", ".", "-o", target)
    assert_one_line_error(result, f"cannot write {target}: ")


def test_output_to_a_directory_is_a_usage_error(tree):
    (tree / "out").mkdir()
    result = invoke("check", ".", "-o", "out")
    assert result.exit_code == 2 and "is a directory" in result.output
    assert "Traceback" not in result.output


def test_internal_error_is_one_line_unless_debug(tree, monkeypatch):
    from leaklint import api

    def broken(*args, **kwargs):
        raise RuntimeError("discovery exploded")

    monkeypatch.setattr(api, "discover", broken)
    assert_one_line_error(invoke("check", "."), "internal error: RuntimeError: discovery exploded",
                          "--debug")
    debug = invoke("check", ".", "--debug")
    assert debug.exit_code == 2 and "Traceback" in debug.stderr


def test_force_exclude_applies_excludes_to_named_files(tree):
    (tree / "gen").mkdir()
    (tree / "gen" / "leaky.go").write_text(HEADER + LEAK % "", encoding="utf-8")
    (tree / "leaklint.toml").write_text('exclude = ["gen/"]\n', encoding="utf-8")
    assert invoke("check", ".").exit_code == 1  # the walk skips gen/, the root leaky.go leaks
    assert invoke("check", "gen/leaky.go").exit_code == 1  # named files are scanned
    # excluded by force: nothing to scan is said, and is an error unless --allow-empty
    forced = invoke("check", "gen/leaky.go", "--force-exclude")
    assert forced.exit_code == 2
    assert ("leaklint: error: gen/leaky.go: excluded by a pattern (named with --force-exclude)"
            in forced.stderr)
    assert invoke("check", "gen/leaky.go", "--force-exclude", "--allow-empty").exit_code == 0
    assert invoke("check", "leaky.go", "--force-exclude").exit_code == 1
    assert invoke("check", "leaky.go", "--force-exclude", "--exclude", "leaky.go",
                  "--allow-empty").exit_code == 0
