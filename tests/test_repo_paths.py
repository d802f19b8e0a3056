"""Paths from the repository root in SARIF, annotations, baselines and --changed-since,
whatever the working directory (a monorepo job with `working-directory:`)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from leaklint.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

LEAKY_GO = ('package a\n\nimport "database/sql"\n\nfunc f(db *sql.DB) {\n'
            '\trows, _ := db.Query("SELECT 1")\n\t_ = rows\n}\n')


@pytest.fixture
def monorepo(tmp_path, monkeypatch):
    root = tmp_path / "mono"
    service = root / "services" / "api"
    service.mkdir(parents=True)
    (service / "store.go").write_text(LEAKY_GO)
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "i"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    monkeypatch.chdir(service)  # the job's working-directory
    return root


def check(*args):
    return CliRunner().invoke(main, ["check", "--no-cache", "--select", "LL101", *args])


def test_sarif_uris_are_relative_to_the_repository_root(monorepo):
    result = check(".", "--format", "sarif")
    assert result.exit_code == 1, result.output
    [res] = json.loads(result.stdout)["runs"][0]["results"]
    loc = res["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "services/api/store.go", "uriBaseId": "%SRCROOT%"}


def test_annotations_are_relative_to_the_repository_root(monorepo):
    result = check(".", "--format", "github")
    assert result.stdout.startswith("::warning file=services/api/store.go,line=6,")


def test_baselines_match_from_any_directory(monorepo, monkeypatch):
    assert CliRunner().invoke(main, ["baseline", "--no-cache", "--select", "LL101", ".", "-o",
                                     str(monorepo / "leaklint-baseline.json")]).exit_code == 0
    entries = json.loads((monorepo / "leaklint-baseline.json").read_text())["findings"]
    assert [e["path"] for e in entries] == ["services/api/store.go"]
    monkeypatch.chdir(monorepo)
    result = check("services", "--baseline", "leaklint-baseline.json")
    assert result.exit_code == 0 and "1 in the baseline" in result.output


def test_changed_since_uses_the_repository_of_the_scanned_path(monorepo, tmp_path, monkeypatch):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)  # not a repository at all
    service = monorepo / "services" / "api"
    (service / "store.go").write_text(LEAKY_GO.replace("SELECT 1", "SELECT 2"))
    result = check(str(service), "--changed-since", "HEAD", "--format", "sarif")
    assert result.exit_code == 1, result.output
    [res] = json.loads(result.stdout)["runs"][0]["results"]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "services/api/store.go"
    (service / "store.go").write_text(LEAKY_GO)  # back to the committed text: nothing changed
    assert check(str(service), "--changed-since", "HEAD").exit_code == 0
