"""`leaklint check --stdin-filename PATH -`: an editor's buffer on standard input, with
the language, the config and the reported path all taken from PATH."""

from __future__ import annotations

import json

from click.testing import CliRunner

from leaklint.cli import main

LEAKY_GO = ('package store\n\nimport "database/sql"\n\nfunc count(db *sql.DB) int {\n'
            '\trows, err := db.Query("SELECT 1")\n\tif err != nil {\n\t\treturn 0\n\t}\n'
            '\t_ = rows\n\treturn 1\n}\n')


def run(args, text, cwd=None):
    return CliRunner().invoke(main, ["check", "--no-cache", *args], input=text)


def test_buffer_is_reported_at_the_given_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # the file does not exist on disk: only the buffer is read
    result = run(["--stdin-filename", "pkg/store.go", "-"], LEAKY_GO)
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("pkg/store.go:6:15: LL101 [sql-rows-not-closed] ")
    assert "1 finding in 1 file" in result.stdout


def test_the_buffer_is_read_not_the_file_on_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "store.go").write_text("package store\n")  # clean on disk, leaky in the editor
    result = run(["--stdin-filename", "store.go", "--format", "json", "-"], LEAKY_GO)
    data = json.loads(result.stdout)
    assert [(f["path"], f["line"], f["code"]) for f in data["findings"]] == [("store.go", 6, "LL101")]


def test_language_comes_from_the_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    py = "import subprocess\n\ndef run():\n    proc = subprocess.Popen(['ls'])\n    return 1\n"
    result = run(["--stdin-filename", "tool.py", "--format", "json", "-"], py)
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["LL110"]
    # the same Go buffer named .txt is not a source file leaklint reads: said, not silent
    result = run(["--stdin-filename", "notes.txt", "-"], LEAKY_GO)
    assert result.exit_code == 0
    assert "notes.txt: skipped: not a supported source file" in result.stdout


def test_config_is_found_from_the_paths_directory(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "svc").mkdir(parents=True)
    (project / "leaklint.toml").write_text('ignore = ["LL101"]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = run(["--stdin-filename", str(project / "svc" / "store.go"), "-"], LEAKY_GO)
    assert result.exit_code == 0, result.output
    assert "LL101" not in result.stdout
    # without that config the same buffer is reported
    result = run(["--stdin-filename", str(elsewhere / "store.go"), "-"], LEAKY_GO)
    assert result.exit_code == 1


def test_per_file_ignores_and_force_exclude_apply_to_the_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.leaklint]\nexclude = ["gen/"]\n'
        '[tool.leaklint.per-file-ignores]\n"legacy/**" = ["resource"]\n')
    assert run(["--stdin-filename", "legacy/store.go", "-"], LEAKY_GO).exit_code == 0
    assert run(["--stdin-filename", "gen/store.go", "-"], LEAKY_GO).exit_code == 1
    result = run(["--stdin-filename", "gen/store.go", "--force-exclude", "-"], LEAKY_GO)
    assert result.exit_code == 0 and "LL101" not in result.stdout


def test_dash_without_stdin_filename_is_a_usage_error():
    result = run(["-"], LEAKY_GO)
    assert result.exit_code == 2
    assert "needs --stdin-filename" in result.stderr
    assert "Traceback" not in result.output


def test_stdin_filename_with_other_paths_or_fixes_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (["--stdin-filename", "a.go", "-", "other.go"],
                 ["--stdin-filename", "a.go", "--fix", "-"],
                 ["--stdin-filename", "a.go", "--changed-since", "HEAD", "-"],
                 ["--stdin-filename", "", "-"]):
        result = run(args, LEAKY_GO)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("leaklint: error: ")


def test_undecodable_buffer_gets_a_diagnostic(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--stdin-filename", "bad.go", "-"],
                                input=b"package p\n\xff\xfe\xfa broken\n")
    assert result.exit_code == 0
    assert "bad.go: unreadable: not valid UTF-8" in result.stdout
