"""scripts/ecosystem.py: labels matched by line hash, precision against the catalogue's
claim, unlabelled and stale findings, and clear errors on bad input."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from leaklint.report.fingerprint import line_hashes

ROOT = Path(__file__).resolve().parents[1]
HEADER = "repo\trule\tpath\tline\tline_hash\tverdict\treason\n"


def _script():
    spec = importlib.util.spec_from_file_location("ecosystem", ROOT / "scripts" / "ecosystem.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


ecosystem = _script()


@pytest.fixture
def world(tmp_path):
    """A one-repository corpus: examples/go as the tree "shop", and an empty label set."""
    trees = tmp_path / "trees"
    shutil.copytree(ROOT / "examples" / "go", trees / "shop")
    repos = tmp_path / "repos.tsv"
    repos.write_text("lang\tname\trepo\tcommit\tkind\n"
                     f"go\tshop\texample/shop\t{'0' * 40}\tapplication\n", encoding="utf-8")
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "go.tsv").write_text(HEADER, encoding="utf-8")
    return trees, repos, labels


def _run(world, capsys, *extra):
    trees, repos, labels = world
    code = ecosystem.main(["check", "--trees", str(trees), "--repos", str(repos),
                           "--labels", str(labels), "--lang", "go", *extra])
    return code, capsys.readouterr()


def _label_all(world, verdict_of, tmp_path, capsys):
    """Write a label for every finding, the verdict chosen by ``verdict_of(rule)``."""
    stub = tmp_path / "stub.tsv"
    _run(world, capsys, "--unlabelled", str(stub))
    rows = stub.read_text(encoding="utf-8").splitlines()[1:]
    assert rows, "the examples must have findings"
    out = []
    for row in rows:
        cells = row.split("\t")
        cells[5] = verdict_of(cells[1])
        cells[6] = "read by hand"
        out.append("\t".join(cells))
    (world[2] / "go.tsv").write_text(HEADER + "\n".join(out) + "\n", encoding="utf-8")
    return rows


def test_unlabelled_findings_are_listed_and_fail_the_check(world, tmp_path, capsys):
    stub = tmp_path / "stub.tsv"
    code, out = _run(world, capsys, "--unlabelled", str(stub))
    assert code == 1
    assert "findings without a label" in out.out
    assert "shop/orders.go:16 LL101" in out.out
    rows = stub.read_text(encoding="utf-8").splitlines()
    assert rows[0] == HEADER.rstrip("\n")
    first = rows[1].split("\t")
    text = (world[0] / "shop" / "orders.go").read_text(encoding="utf-8")
    assert first[:5] == ["shop", "LL101", "orders.go", "16", line_hashes(text)[15]]
    assert first[5] == "?"


def test_unlabelled_findings_of_opt_in_rules_are_listed_without_failing(world, tmp_path,
                                                                       capsys, monkeypatch):
    monkeypatch.setattr(ecosystem, "opt_in", lambda rules, code: code == "LL101")
    _label_all(world, lambda rule: "true", tmp_path, capsys)
    labels = world[2] / "go.tsv"
    kept = [r for r in labels.read_text(encoding="utf-8").splitlines()[1:]
            if r.split("\t")[1] != "LL101"]
    labels.write_text(HEADER + "\n".join(kept) + "\n", encoding="utf-8")
    stub = tmp_path / "again.tsv"
    code, out = _run(world, capsys, "--unlabelled", str(stub))
    assert code == 0, out.out
    assert "findings of opt-in rules without a label" in out.out
    assert "shop/orders.go:16 LL101" in out.out
    rows = [r.split("\t") for r in stub.read_text(encoding="utf-8").splitlines()[1:]]
    assert rows and {r[1] for r in rows} == {"LL101"}


def test_all_true_labels_pass_and_show_full_precision(world, tmp_path, capsys):
    _label_all(world, lambda rule: "true", tmp_path, capsys)
    summary = tmp_path / "precision.json"
    code, out = _run(world, capsys, "--summary", str(summary))
    assert code == 0, out.out
    assert "without a label" not in out.out
    assert "100 %" in out.out
    assert '"LL101"' in summary.read_text(encoding="utf-8")


def test_a_rule_below_its_claim_fails(world, tmp_path, capsys):
    _label_all(world, lambda rule: "false" if rule == "LL101" else "true", tmp_path, capsys)
    code, out = _run(world, capsys)
    assert code == 1
    assert "BELOW" in out.out and "LL101" in out.out.split("catalogue entry claims:")[1]


def test_show_lists_the_findings_of_one_verdict_with_their_reasons(world, tmp_path, capsys):
    _label_all(world, lambda rule: "false" if rule == "LL101" else "true", tmp_path, capsys)
    code, out = _run(world, capsys, "--show", "false")
    listed = out.out.split("findings labelled false:")[1].split("\n\n")[0].splitlines()[1:]
    assert listed and all(" LL101 read by hand" in line for line in listed)
    assert "  shop/orders.go:16 LL101 read by hand" in listed
    _, out = _run(world, capsys)
    assert "findings labelled" not in out.out


def test_labels_follow_a_line_moved_by_an_edit_above(world, tmp_path, capsys):
    _label_all(world, lambda rule: "true", tmp_path, capsys)
    orders = world[0] / "shop" / "orders.go"
    text = orders.read_text(encoding="utf-8")
    orders.write_text(text.replace("package shop\n", "package shop\n\n// a comment added\n", 1),
                      encoding="utf-8")
    code, out = _run(world, capsys)
    assert code == 0, out.out


def test_a_label_that_matches_nothing_is_reported_not_failed(world, tmp_path, capsys):
    _label_all(world, lambda rule: "true", tmp_path, capsys)
    (world[0] / "shop" / "orders.go").unlink()  # its leaks are gone (fixed, moved, deleted)
    code, out = _run(world, capsys)
    assert "labels that match no finding" in out.out and "orders.go:16" not in out.out
    code, out = _run(world, capsys, "--stale")
    assert "shop/orders.go:16 LL101 was true: read by hand" in out.out
    assert code == 0


@pytest.mark.parametrize("bad, message", [
    ("shop\tLL101\torders.go\t16\tabc:1\tmaybe\twhy", "verdict must be one of"),
    ("shop\tLL101\torders.go\t16\tabc:1\ttrue\t ", "needs a reason"),
    ("shop\tLL101\torders.go", "cells, expected 7"),
])
def test_a_malformed_label_is_a_clear_error(world, capsys, bad, message):
    (world[2] / "go.tsv").write_text(HEADER + bad + "\n", encoding="utf-8")
    code, out = _run(world, capsys)
    assert code == 2
    assert message in out.err and "go.tsv:2" in out.err
    assert "Traceback" not in out.err


def test_a_missing_tree_is_a_clear_error(world, capsys):
    shutil.rmtree(world[0] / "shop")
    code, out = _run(world, capsys)
    assert code == 2
    assert "no tree for example/shop" in out.err


def test_prepare_extracts_the_pinned_commit_from_a_bare_mirror(tmp_path, capsys):
    import subprocess

    def git(*args, cwd=None):
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@e", *args], cwd=cwd,
                              check=True, capture_output=True, text=True).stdout.strip()

    work = tmp_path / "work"
    (work / "pkg").mkdir(parents=True)
    (work / "pkg" / "a.go").write_text("package pkg\n")
    (work / "run.sh").write_text("#!/bin/sh\n")
    (work / "run.sh").chmod(0o755)
    (work / "link.go").symlink_to("/etc/passwd")
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "pinned", cwd=work)
    pinned = git("rev-parse", "HEAD", cwd=work)
    (work / "pkg" / "a.go").write_text("package pkg // later\n")
    git("commit", "-q", "-am", "later", cwd=work)
    mirrors = tmp_path / "mirrors"
    git("clone", "-q", "--bare", str(work), str(mirrors / "example+shop" / "repo"))
    repos = tmp_path / "repos.tsv"
    repos.write_text(f"lang\tname\trepo\tcommit\tkind\ngo\tshop\texample/shop\t{pinned}\tapplication\n",
                     encoding="utf-8")
    trees = tmp_path / "trees"
    assert ecosystem.main(["prepare", "--trees", str(trees), "--mirrors", str(mirrors),
                           "--repos", str(repos)]) == 0
    assert "shop: from" in capsys.readouterr().out
    shop = trees / "shop"
    assert (shop / "pkg" / "a.go").read_text() == "package pkg\n"  # the pinned commit, not HEAD
    assert (shop / "run.sh").is_file() and not (shop / "link.go").exists()  # links are left out
