"""Go calls of another package of the same module (`fileutil.OpenDir(dir)`, the import
path led by the nearest go.mod's module path) run that package's exported functions:
factories and parameter summaries follow them, with the result cache on."""

from __future__ import annotations

import os

import pytest

from leaklint.api import check_paths

GO_MOD = "module example.com/m\n\ngo 1.22\n"
CALLER = """package tsdb

import (
\t"fmt"

\tfu "example.com/m/internal/fileutil"
)

func Sync(dir string) error {
\td, err := fu.OpenDir(dir)
\tif err != nil {
\t\treturn fmt.Errorf("open: %w", err)
\t}
\tif err := fu.Check(d); err != nil {
\t\treturn err
\t}
\treturn d.Close()
}
"""
FACTORY = """package fileutil

import "os"

func OpenDir(p string) (*os.File, error) { return os.Open(p) }

func Check(d *os.File) error {
\t_, err := d.Stat()
\treturn err
}
"""
CLOSING = FACTORY.replace("\t_, err := d.Stat()\n\treturn err", "\t_, err := d.Stat()\n\tif err != nil {\n\t\td.Close()\n\t}\n\treturn err")
NOT_FACTORY = FACTORY.replace("return os.Open(p)", "return shared, nil").replace(
    "func OpenDir", "var shared *os.File\n\nfunc OpenDir")


@pytest.fixture
def tree(tmp_path, monkeypatch):
    root = tmp_path / "tree"
    (root / "tsdb").mkdir(parents=True)
    (root / "internal" / "fileutil").mkdir(parents=True)
    (root / "go.mod").write_text(GO_MOD)
    (root / "tsdb" / "db.go").write_text(CALLER)
    # the config file makes the module root part of the scanned tree when one file is named
    (root / "leaklint.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    return root


def _found(tree, names=None, cache=True):
    paths = [str(tree / n) for n in names] if names else [str(tree)]
    report = check_paths(paths, config_path=str(tree / "leaklint.toml"), select=["LL107"],
                         cache_dir=str(tree.parent / "cache") if cache else None)
    return sorted((os.path.relpath(f.path, tree), f.position.line) for f in report.findings)


@pytest.mark.parametrize("names", [None, ["tsdb/db.go"]])
def test_a_factory_and_a_helper_of_another_package_of_the_module(tree, names):
    helper = tree / "internal" / "fileutil" / "dir.go"
    helper.write_text(FACTORY)
    # Check only reads the directory: the return after it leaks d
    assert _found(tree, names) == [("tsdb/db.go", 10)]
    assert _found(tree, names) == [("tsdb/db.go", 10)]  # served from the cache
    helper.write_text(CLOSING)  # Check closes it when it fails: the caller's return is fine
    assert _found(tree, names) == []
    helper.write_text(NOT_FACTORY)  # a shared handle: nothing to close
    assert _found(tree, names) == []
    helper.write_text(FACTORY)
    assert _found(tree, names) == [("tsdb/db.go", 10)]


def test_a_package_of_another_module_is_unknown(tree):
    (tree / "tsdb" / "db.go").write_text(CALLER.replace("example.com/m/internal", "example.com/other/internal"))
    (tree / "internal" / "fileutil" / "dir.go").write_text(FACTORY)
    assert _found(tree, cache=False) == []


def test_test_files_and_unexported_names_are_not_the_package(tree):
    (tree / "internal" / "fileutil" / "dir_test.go").write_text(FACTORY)
    assert _found(tree, cache=False) == []
    (tree / "tsdb" / "db.go").write_text(CALLER.replace("fu.OpenDir", "fu.openDir"))
    (tree / "internal" / "fileutil" / "dir.go").write_text(FACTORY.replace("func OpenDir", "func openDir"))
    assert _found(tree, cache=False) == []


def test_go_mod_is_read_like_the_tree_s_sources(tmp_path):
    """A go.mod that is a link (the tree may come from a pull request) is not read; a
    regular one gives both the go directive and the module path."""
    from leaklint.languages import go_versions

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "go.mod").write_text("module example.com/elsewhere\n\ngo 1.24\n")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "go.mod").symlink_to(outside / "go.mod")
    assert go_versions.go_module(str(linked)) is None
    assert go_versions.go_mod_version(str(linked)) is None
    assert go_versions.go_module(str(outside)) == (str(outside), "example.com/elsewhere")
    assert go_versions.go_mod_version(str(outside / "sub")) == (1, 24)
