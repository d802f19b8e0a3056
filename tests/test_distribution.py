"""leaklint is installed as `leaklint-code` (the PyPI project `leaklint` is another
program): the name is the same everywhere, and no documented install path asks a package
index for leaklint."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from leaklint import DISTRIBUTION, __version__
from leaklint.cli import main

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", ROOT / "DEVELOPING.md", ROOT / "action.yml",
             ROOT / ".pre-commit-hooks.yaml", *sorted((ROOT / "docs").rglob("*.md")),
             *sorted((ROOT / "examples" / "github").glob("*.yml")),
             *sorted((ROOT / "action").glob("*.sh")), ROOT / "src" / "leaklint" / "cli_fixes.py"]


def test_the_distribution_name_is_ours_and_the_command_is_leaklint():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION == "leaklint-code"
    assert project["scripts"] == {"leaklint": "leaklint.cli:main"}


def test_version_names_the_distribution():
    out = CliRunner().invoke(main, ["--version"]).output
    assert out.startswith(f"leaklint {__version__} (leaklint-code: ")


def test_no_document_installs_the_other_project():
    """`pip install leaklint` (or leaklint[extra]) would fetch the unrelated project."""
    other = re.compile(r"pip3?\s+install\s+(?:-\S+\s+)*['\"]?leaklint(?![-\w])")
    for path in DOCUMENTS:
        # the warnings that name the other project's install command are not instructions
        text = re.sub(r"[^\n]*(?:installs another program|is another project)[^\n]*", "",
                      path.read_text(encoding="utf-8"))
        assert not other.search(text), f"{path.relative_to(ROOT)} installs the other leaklint"
        for m in re.finditer(r"pip3?\s+install[^\n`&;|]*", text):
            cmd = m.group(0)
            names_leaklint = "leaklint" in cmd.split("install", 1)[1]
            assert not names_leaklint or "leaklint-code" in cmd, (path.name, cmd)


def test_readme_tells_the_two_leaklints_apart():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Installing", 1)[1].split("\n## ", 1)[0]
    assert "`pip install leaklint` installs another program" in section
    assert "leaklint --version" in section and "pip show leaklint-code" in section
    assert f"leaklint {__version__} (leaklint-code: leak-prone code in Go, ...)" in section


def test_pre_commit_installs_from_the_repository():
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert hooks.count("language: python") == hooks.count("- id:") == 2
    assert "additional_dependencies" not in hooks  # nothing else comes from an index
