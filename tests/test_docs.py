"""The README's generated parts and the catalogue's documentation stay true."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from leaklint.catalogue import builtin_rules

ROOT = Path(__file__).resolve().parents[1]


def test_readme_rule_table_and_rule_pages_are_in_sync():
    """The committed README table and docs/rules/*.md equal what the generator writes."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "sync_docs.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_rule_is_documented():
    for r in builtin_rules():
        assert r.rationale.strip(), f"{r.code} has no rationale"
        assert r.bad.strip() and r.good.strip(), f"{r.code} needs a bad and a good example"
        assert r.fix.strip(), f"{r.code} has no fix"
        assert r.summary[0].isupper() and not r.summary.endswith("."), r.code


def _block(name: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    body = text.split(f"<!-- {name}:start -->\n", 1)[1].split(f"<!-- {name}:end -->", 1)[0]
    return body.split("\n", 1)[1].rsplit("```", 1)[0]  # inside the fence


def _run(*args) -> str:
    env = {k: v for k, v in os.environ.items()  # no checklist links, even on GitHub Actions
           if not k.startswith("GITHUB_") and k not in ("FORCE_COLOR", "NO_COLOR")}
    proc = subprocess.run([sys.executable, "-m", "leaklint", "check", "examples/", "--no-cache",
                           *args], capture_output=True, text=True, cwd=ROOT, env=env)
    assert proc.returncode == 1, proc.stderr
    return proc.stdout


def test_readme_shows_the_real_output_on_the_examples():
    assert _block("example-output") == _run()


def test_readme_shows_the_real_checklist_of_the_examples():
    assert _block("example-checklist") == _run("--format", "checklist")


MERGE_MARKERS = ("<<<<<<< ", ">>>>>>> ")
TEXT_SUFFIXES = {".md", ".py", ".toml", ".yml", ".yaml", ".json", ".tsv", ".sh", ".txt"}


def _project_text_files():
    skip = {".git", ".venv", "node_modules", "__pycache__", ".pytest_cache"}
    for path in ROOT.rglob("*"):
        if skip.intersection(path.relative_to(ROOT).parts):
            continue
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            yield path


def test_no_merge_conflict_markers_are_committed():
    marked = []
    for path in _project_text_files():
        for number, text in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if text.startswith(MERGE_MARKERS):
                marked.append(f"{path.relative_to(ROOT)}:{number}")
    assert marked == []
