"""Discovery inside a git work tree uses git's own file list; paths named on the command
line are scanned even when ignored (unless --force-exclude); a named path that yields no
file is an error that says why; git never runs a program the tree's config names."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from leaklint.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

LEAKY_GO = ('package a\n\nimport "database/sql"\n\nfunc f(db *sql.DB) {\n'
            '\trows, _ := db.Query("SELECT 1")\n\t_ = rows\n}\n')


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository with a global excludes file of its own (GIT_CONFIG_GLOBAL)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "global-ignore").write_text("*.globalignored.go\n")
    (home / "gitconfig").write_text(f"[core]\n\texcludesFile = {home / 'global-ignore'}\n"
                                    "[user]\n\tname = T\n\temail = t@example.com\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("NO_COLOR", "1")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    files = {
        "src/app.go": LEAKY_GO,
        "build/gen.go": LEAKY_GO,                      # tracked, though .gitignore has build/
        "packages/node_modules/@scope/lib/index.ts": "export const a = 1;\n",  # tracked
        "vendor/dep.go": LEAKY_GO,                     # tracked
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "add", "-A")
    (root / ".gitignore").write_text("build/\nignored.go\n")
    git(root, "add", ".gitignore")
    git(root, "commit", "-qm", "init")
    untracked = {
        "ignored.go": LEAKY_GO,                        # .gitignore
        "local.go": LEAKY_GO,                          # .git/info/exclude
        "x.globalignored.go": LEAKY_GO,                # the global excludes file
        "build/new.go": LEAKY_GO,                      # untracked under an ignored directory
        "node_modules/pkg/index.js": "module.exports = 1;\n",  # untracked, not ignored
        "src/new.py": "x = 1\n",                       # untracked, not ignored
    }
    for name, text in untracked.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / ".git" / "info" / "exclude").write_text("local.go\n")
    monkeypatch.chdir(root)
    return root


def run(*args):
    return CliRunner().invoke(main, ["check", "--no-cache", *args])


def test_the_file_list_is_gits(repo):
    listed = run(".", "--show-files")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == [
        "build/gen.go", "packages/node_modules/@scope/lib/index.ts", "src/app.go",
        "src/new.py", "vendor/dep.go"]


def test_the_same_from_a_subdirectory_and_for_a_subdirectory(repo):
    assert run("src", "--show-files").stdout.splitlines() == ["src/app.go", "src/new.py"]
    os.chdir(repo / "src")
    assert run(".", "--show-files").stdout.splitlines() == ["app.go", "new.py"]


def test_built_in_skips_are_listed(repo):
    skipped = run(".", "--show-skipped")
    assert skipped.exit_code == 0
    assert skipped.stdout.splitlines() == ["node_modules: built-in skip (node_modules/, not "
                                           "tracked by git)"]
    excluded = run(".", "--show-skipped", "--exclude", "vendor/")
    assert "vendor/dep.go: excluded by a pattern" in excluded.stdout.splitlines()


def test_a_named_ignored_path_is_scanned_unless_force_exclude(repo):
    named = run("ignored.go", "--select", "LL101")
    assert named.exit_code == 1 and "ignored.go:6:" in named.stdout
    forced = run("ignored.go", "--force-exclude")
    assert forced.exit_code == 2
    assert ("leaklint: error: ignored.go: ignored by git (named with --force-exclude)"
            in forced.stderr)
    assert run("ignored.go", "--force-exclude", "--allow-empty").exit_code == 0
    # a named directory that git ignores is walked
    assert run("build", "--show-files").stdout.splitlines() == ["build/gen.go", "build/new.go"]
    # a tracked file under an ignored directory is not ignored, even forced
    assert run("build/gen.go", "--force-exclude", "--select", "LL101").exit_code == 1


def test_named_paths_that_yield_no_file_say_why(repo):
    (repo / "README.md").write_text("# x\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "a.txt").write_text("x")
    readme = run("README.md")
    assert readme.exit_code == 2
    assert ("leaklint: error: README.md: not a Go, TypeScript/JavaScript or Python file"
            in readme.stderr)
    docs = run("docs")
    assert docs.exit_code == 2
    assert "leaklint: error: docs: no Go, TypeScript/JavaScript or Python files to scan" in docs.stderr
    allowed = run("docs", "--allow-empty")
    assert allowed.exit_code == 0 and "leaklint: note: docs: no Go" in allowed.stderr
    both = run("docs", "src/app.go", "--select", "LL101")
    assert both.exit_code == 2 and "src/app.go:6:" in both.stdout  # the rest is still scanned


def test_outside_git_the_walker_reads_gitignore_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".gitignore").write_text("skip.go\n")
    (tmp_path / "skip.go").write_text(LEAKY_GO)
    (tmp_path / "keep.go").write_text(LEAKY_GO)
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "m.js").write_text("x")
    assert run(".", "--show-files").stdout.splitlines() == ["keep.go"]
    assert run(".", "--show-skipped").stdout.splitlines() == ["node_modules: built-in skip "
                                                              "(node_modules/)"]


def test_git_never_runs_what_the_trees_config_names(repo, tmp_path):
    """fsmonitor, clean filters and textconv drivers in .git/config are commands git would
    run while listing files or diffing; leaklint turns them off."""
    marker = tmp_path / "ran"
    (repo / ".gitattributes").write_text("* filter=evil diff=evil\n")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-qm", "attributes")
    for key, value in [("core.fsmonitor", f"touch {marker}-fsmonitor; false"),
                       ("filter.evil.clean", f"touch {marker}-clean; cat"),
                       ("filter.evil.process", f"touch {marker}-process"),
                       ("filter.evil.required", "true"),
                       ("diff.evil.textconv", f"touch {marker}-textconv; cat"),
                       ("diff.evil.command", f"touch {marker}-command")]:
        git(repo, "config", key, value)
    (repo / "src" / "app.go").write_text(LEAKY_GO.replace("SELECT 1", "SELECT 2"))
    assert run(".", "--show-files").exit_code == 0
    result = run(".", "--changed-since", "HEAD", "--select", "LL101")
    assert result.exit_code == 1, result.output
    assert "src/app.go:6:" in result.stdout
    assert not list(tmp_path.glob("ran-*")), [p.name for p in tmp_path.glob("ran-*")]


def test_without_git_the_walker_is_used(repo, tmp_path, monkeypatch):
    """No git on PATH: the same tree is walked, honouring its .gitignore files."""
    empty = tmp_path / "no-git"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    listed = run(".", "--show-files")
    assert listed.exit_code == 0, listed.output
    # the walker reads .gitignore (build/, ignored.go) but not info/exclude or global excludes
    assert listed.stdout.splitlines() == [
        "local.go", "src/app.go", "src/new.py", "x.globalignored.go"]
