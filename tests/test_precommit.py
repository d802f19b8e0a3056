"""The pre-commit hooks, run by the real pre-commit (``pre-commit try-repo``) against
this working tree from a temporary git repository. pre-commit installs leaklint from
the repository into its own environment, so this takes a few seconds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install -e '.[test]')")

pytestmark = pytest.mark.precommit

ROOT = Path(__file__).resolve().parents[1]

LEAKY = """\
package store

import "database/sql"

func count(db *sql.DB) int {
\trows, err := db.Query("SELECT count(*) FROM users")
\tif err != nil {
\t\treturn 0
\t}
\treturn 1
}
"""
CLEAN = LEAKY.replace("\treturn 1\n", "\tdefer rows.Close()\n\treturn 1\n")
CLEAN_MTS = "export function double(n: number): number {\n  return n * 2;\n}\n"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    probe = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"{ROOT} is not a git checkout; try-repo needs one")
    for who in ("AUTHOR", "COMMITTER"):  # try-repo commits uncommitted changes to a shadow repo
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test@example.com")
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    work = tmp_path / "work"
    work.mkdir()
    (work / "leaky.go").write_text(LEAKY, encoding="utf-8")
    (work / "clean.go").write_text(CLEAN, encoding="utf-8")
    (work / "clean.mts").write_text(CLEAN_MTS, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    subprocess.run(["git", "add", "."], cwd=work, check=True)
    return work


def try_repo(work: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), *args],
                          cwd=work, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, NO_COLOR="1"))


def test_hook_fails_with_the_finding_on_a_leaky_file(repo):
    result = try_repo(repo, "--files", "leaky.go", "clean.mts")
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "leaklint......" in out and "Failed" in out
    assert ("leaky.go:6:15: LL101 [sql-rows-not-closed] rows from db.Query is not closed "
            "on the return at line 10") in out
    # the second hook picks the .mts file by name and finds nothing wrong in it
    mts = next(line for line in out.splitlines() if line.startswith("leaklint (.mts, .cts)"))
    assert mts.endswith("Passed"), out


def test_hook_passes_on_a_clean_file(repo):
    result = try_repo(repo, "leaklint", "--files", "clean.go")
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(line.startswith("leaklint....") and line.endswith("Passed")
               for line in result.stdout.splitlines()), result.stdout
