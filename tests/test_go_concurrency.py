"""Behaviour of the Go goroutine and cache checks beyond the fixtures: sibling files,
bad input, related locations."""

from __future__ import annotations

import os
from pathlib import Path

from leaklint.api import check_paths
from leaklint.config import Config
from markers import looked

CACHE = """package p

var seen = map[string]bool{}

func mark(k string) { seen[k] = true }
"""


def _check(path, select):
    return check_paths([str(path)], config=Config(root=Path(path).parent), select=select)


def test_insertions_and_evictions_in_sibling_files(tmp_path):
    (tmp_path / "a.go").write_text(CACHE)
    (tmp_path / "b.go").write_text("package p\n\nfunc markAgain(k string) {\n\tseen[k] = false\n}\n")
    report = _check(tmp_path / "a.go", ["LL510"])
    [finding] = report.findings
    related = {(os.path.basename(r.path), r.position.line) for r in finding.related}
    assert related == {("a.go", 5), ("b.go", 4)}
    # an eviction appearing in a sibling file is seen on the next run
    (tmp_path / "c.go").write_text("package p\n\nfunc forget(k string) { delete(seen, k) }\n")
    report = _check(tmp_path / "a.go", ["LL510"])
    assert not report.findings and (3, "LL510") in looked(report)  # verified, not skipped


def test_other_packages_and_tests_in_the_directory_do_not_count(tmp_path):
    (tmp_path / "a.go").write_text(CACHE)
    (tmp_path / "a_test.go").write_text("package p\n\nfunc reset() { delete(seen, \"x\") }\n")
    (tmp_path / "gen.go").write_text("//go:build ignore\n\npackage main\n\nfunc f() { delete(seen, \"x\") }\n")
    assert [f.code for f in _check(tmp_path / "a.go", ["LL510"]).findings] == ["LL510"]


def test_unreadable_or_broken_siblings_do_not_stop_the_check(tmp_path):
    (tmp_path / "a.go").write_text(CACHE)
    (tmp_path / "latin1.go").write_bytes(b"package p\n\n// caf\xe9\nfunc x() { delete(seen, \"k\") }\n")
    (tmp_path / "broken.go").write_text("package p\n\nfunc y( {\n")
    report = _check(tmp_path / "a.go", ["LL510"])
    assert not [d for d in report.diagnostics if d.kind == "internal-error"]
    # the undecodable sibling is skipped, so its delete is not seen
    assert [f.code for f in report.findings] == ["LL510"]


def test_deeply_nested_creator_is_skipped_not_crashed(tmp_path):
    depth = 200
    body = "".join("\t" * i + "if x {\n" for i in range(1, depth)) + \
        "\t" * depth + "return\n" + "".join("\t" * i + "}\n" for i in range(depth - 1, 0, -1))
    src = ("package p\n\nfunc f(x bool) {\n\tch := make(chan int)\n\tgo func() { ch <- 1 }()\n"
           + body + "\t<-ch\n}\n")
    path = tmp_path / "deep.go"
    path.write_text(src)
    report = _check(path, ["LL610", "LL611", "LL612", "LL613", "LL614"])
    assert not [d for d in report.diagnostics if d.kind == "internal-error"]


def test_abandoned_sender_points_at_the_send_and_the_leaving_return(tmp_path):
    path = tmp_path / "f.go"
    path.write_text(
        "package p\n\nimport \"context\"\n\nfunc f(ctx context.Context) int {\n"
        "\tch := make(chan int)\n\tgo func() {\n\t\tch <- 1\n\t}()\n"
        "\tselect {\n\tcase v := <-ch:\n\t\treturn v\n\tcase <-ctx.Done():\n\t\treturn 0\n\t}\n}\n")
    [finding] = _check(path, ["LL610"]).findings
    assert finding.position.line == 7
    assert "ch" in finding.message and "line 8" in finding.message and "line 14" in finding.message
    assert [r.position.line for r in finding.related] == [8, 14]
