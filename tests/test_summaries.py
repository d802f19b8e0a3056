"""Summaries of same-file functions: a least fixed point over recursion, and Go methods
named with their receiver's type."""

from __future__ import annotations

import os

from leaklint.api import check_paths
from leaklint.config import Config
from leaklint.languages.summaries import Summaries


def _solve(edges: dict, releases: set, order: list) -> dict:
    """f releases when it does so itself or calls a function that releases."""
    solver = Summaries(lambda f: f in releases or any(solver.get(g) for g in edges.get(f, ())))
    return {f: solver.get(f) for f in order}


def test_a_cycle_is_not_taken_for_does_not_release():
    edges = {"a": ["b"], "b": ["a"], "c": ["c"]}
    for order in (["a", "b", "c"], ["b", "a", "c"], ["c", "b", "a"]):
        assert _solve(edges, {"a"}, order) == {"a": True, "b": True, "c": False}


def test_an_answer_learned_inside_a_cycle_is_revised():
    # asked about a first: b is computed while a is still open, and only a releases
    edges = {"a": ["b"], "b": ["a"], "d": ["b"]}
    assert _solve(edges, {"a"}, ["a", "d", "b"]) == {"a": True, "d": True, "b": True}


def test_a_long_chain_ends_in_unknown():
    edges = {i: [i + 1] for i in range(100)}
    solver = Summaries(lambda f: any(solver.get(g) for g in edges.get(f, ())), unknown=True)
    assert solver.get(0) is True  # the end of the chain was never seen: not "does not release"


GO = """package p

import "database/sql"

type A struct{}
type B struct{}

func (a *A) finish(rows *sql.Rows) { rows.Close() }
func (b *B) finish(rows *sql.Rows) { _ = rows.Err() }

func (a *A) list(db *sql.DB) error {
\trows, err := db.Query("SELECT 1")
\tif err != nil {
\t\treturn err
\t}
\ta.finish(rows)
\treturn nil
}

func (b *B) list(db *sql.DB) error {
\trows, err := db.Query("SELECT 1") // want
\tif err != nil {
\t\treturn err
\t}
\tb.finish(rows)
\treturn nil
}

func first(rows *sql.Rows) {
\tsecond(rows)
\trows.Close()
}

func second(rows *sql.Rows) {
\tfirst(rows)
}

func viaFirst(db *sql.DB) error {
\trows, err := db.Query("SELECT 1")
\tif err != nil {
\t\treturn err
\t}
\tfirst(rows)
\treturn nil
}

func viaSecond(db *sql.DB) error {
\trows, err := db.Query("SELECT 1")
\tif err != nil {
\t\treturn err
\t}
\tsecond(rows)
\treturn nil
}
"""


def test_go_methods_of_two_types_and_a_recursive_pair(tmp_path):
    path = tmp_path / "rows.go"
    path.write_text(GO)
    report = check_paths([str(path)], config=Config(root=tmp_path), select=["LL101"])
    lines = [f.position.line for f in report.findings]
    want = [i for i, line in enumerate(GO.splitlines(), 1) if line.endswith("// want")]
    assert lines == want, [(f.position.line, f.message) for f in report.findings]
    assert os.path.basename(report.findings[0].path) == "rows.go"


PY = '''import socket


class A:
    def _done(self, s):
        s.close()

    def ping(self, host):
        s = socket.create_connection((host, 80))
        self._done(s)


class B:
    def _done(self, s):
        print(s)

    def ping(self, host):
        s = socket.create_connection((host, 80))  # want
        self._done(s)
'''


def test_python_methods_of_two_classes_do_not_collide(tmp_path):
    path = tmp_path / "conn.py"
    path.write_text(PY)
    report = check_paths([str(path)], config=Config(root=tmp_path), select=["LL110"])
    want = [i for i, line in enumerate(PY.splitlines(), 1) if line.endswith("# want")]
    assert [f.position.line for f in report.findings] == want, \
        [(f.position.line, f.message) for f in report.findings]
