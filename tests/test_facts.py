"""The facts layer: per-file facts as plain data, the index, and the result cache keyed
on what a file read from its siblings (runs here use the cache, editing siblings between
runs)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from leaklint import analyze, languages, runner
from leaklint.api import check_paths
from leaklint.config import Config
from leaklint.facts import go_build, go_package
from leaklint.source import SourceFile

CACHE = """package p

var seen = map[string]bool{}

func mark(k string) { seen[k] = true }
"""

CANCEL = """package p

import "context"

type W struct{ cancel context.CancelFunc }

func (w *W) Start(parent context.Context) {
\tctx, cancel := context.WithCancel(parent)
\tw.cancel = cancel
\t_ = ctx
}
"""


@pytest.fixture
def tmp_path(tmp_path):
    """The scanned tree; its cache lives beside it (a cache is never inside the tree)."""
    tree = tmp_path / "pkg"
    tree.mkdir()
    return tree


def _cache(tree) -> str:
    return str(tree.parent / "cache")


def _run(tmp_path, name, select, **kw):
    cfg = Config(root=tmp_path)
    return check_paths([str(tmp_path / name)], config=cfg, select=select,
                       cache_dir=_cache(tmp_path), **kw)


def _counting(monkeypatch, module, extractor: str) -> list:
    """The names of the files whose trees ``module.extractor`` is run on from now on."""
    extracted = []
    real = getattr(module, extractor)

    def counting(root, src):
        extracted.append(os.path.basename(src.path))
        return real(root, src)

    monkeypatch.setattr(module, extractor, counting)
    return extracted


def _codes(report):
    return [(os.path.basename(f.path), f.code) for f in report.findings]


def test_an_eviction_added_in_a_new_sibling_changes_a_cached_answer(tmp_path):
    (tmp_path / "a.go").write_text(CACHE)
    assert _codes(_run(tmp_path, "a.go", ["LL510"])) == [("a.go", "LL510")]
    assert _codes(_run(tmp_path, "a.go", ["LL510"])) == [("a.go", "LL510")]  # from the cache
    (tmp_path / "b.go").write_text("package p\n\nfunc forget(k string) { delete(seen, k) }\n")
    assert _codes(_run(tmp_path, "a.go", ["LL510"])) == []
    (tmp_path / "b.go").unlink()
    assert _codes(_run(tmp_path, "a.go", ["LL510"])) == [("a.go", "LL510")]


def test_a_cancel_in_a_package_variable_is_judged_by_every_file_of_the_package(tmp_path):
    (tmp_path / "v.go").write_text("package p\n\nimport \"context\"\n\nvar stop context.CancelFunc\n\n"
                                   "func start() {\n\t_, cancel := context.WithCancel(context.Background())\n"
                                   "\tstop = cancel\n}\n")
    (tmp_path / "other.go").write_text("package p\n\n// stop() is called nowhere\nfunc idle() { _ = \"stop()\" }\n")
    [finding] = _run(tmp_path, "v.go", ["LL302"]).findings
    assert "package variable stop" in finding.message and finding.position.line == 9
    (tmp_path / "other.go").write_text("package p\n\nfunc shutdown() { stop() }\n")
    assert _codes(_run(tmp_path, "v.go", ["LL302"])) == []
    (tmp_path / "other.go").write_text("package p\n\nfunc replace(f func()) { stop = f }\n")  # a store reads nothing
    assert _codes(_run(tmp_path, "v.go", ["LL302"])) == [("v.go", "LL302")]


def test_a_stored_cancel_called_from_another_file_changes_a_cached_answer(tmp_path):
    (tmp_path / "w.go").write_text(CANCEL)
    assert _codes(_run(tmp_path, "w.go", ["LL302"])) == [("w.go", "LL302")]
    (tmp_path / "stop.go").write_text("package p\n\nfunc (w *W) Stop() { w.cancel() }\n")
    assert _codes(_run(tmp_path, "w.go", ["LL302"])) == []
    (tmp_path / "stop.go").write_text("package p\n\nfunc (w *W) Stop() {}\n")
    assert _codes(_run(tmp_path, "w.go", ["LL302"])) == [("w.go", "LL302")]


def test_siblings_come_from_discovery(tmp_path):
    (tmp_path / "a.go").write_text(CACHE)
    evict = "package p\n\nfunc forget(k string) { delete(seen, k) }\n"
    (tmp_path / "gen").mkdir()
    # an excluded sibling, a link out of the tree and a FIFO are not read
    (tmp_path / "skip_me.go").write_text(evict)
    outside = tmp_path.parent / "outside.go"
    outside.write_text(evict)
    os.symlink(outside, tmp_path / "linked.go")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.go")
    report = check_paths([str(tmp_path / "a.go")], config=Config(root=tmp_path, exclude=["skip_me.go"]),
                         select=["LL510"], cache_dir=_cache(tmp_path))
    assert _codes(report) == [("a.go", "LL510")]
    # once not excluded, the sibling's eviction counts
    report = check_paths([str(tmp_path / "a.go")], config=Config(root=tmp_path), select=["LL510"],
                         cache_dir=_cache(tmp_path))
    assert _codes(report) == []


def test_a_sibling_that_no_build_includes_is_not_part_of_the_package(tmp_path):
    (tmp_path / "a.go").write_text(CACHE)
    (tmp_path / "b.go").write_text("//go:build ignore\n\npackage p\n\nfunc f(k string) { delete(seen, k) }\n")
    (tmp_path / "c.go").write_text("//go:build linux\n\npackage p\n\nfunc g() {}\n")
    assert _codes(_run(tmp_path, "a.go", ["LL510"])) == [("a.go", "LL510")]
    (tmp_path / "b.go").write_text("//go:build linux && !windows\n\npackage p\n\n"
                                   "func f(k string) { delete(seen, k) }\n")
    assert _codes(_run(tmp_path, "a.go", ["LL510"])) == []


def test_a_warm_run_reanalyses_only_files_whose_reads_changed(tmp_path, monkeypatch):
    (tmp_path / "a.go").write_text(CACHE)
    (tmp_path / "b.go").write_text("package p\n\nfunc helper() int { return 1 }\n")
    (tmp_path / "c.go").write_text("package p\n\nfunc other() int { return 2 }\n")
    analysed = []
    real = analyze.analyze_file

    def counting(path, *args, **kw):
        analysed.append(os.path.basename(path))
        return real(path, *args, **kw)

    monkeypatch.setattr(analyze, "analyze_file", counting)
    cfg = Config(root=tmp_path)

    def scan():
        analysed.clear()
        report = check_paths([str(tmp_path)], config=cfg, select=["LL510", "LL302"], jobs=1,
                             cache_dir=_cache(tmp_path))
        return _codes(report), sorted(analysed)

    assert scan() == ([("a.go", "LL510")], ["a.go", "b.go", "c.go"])
    assert scan() == ([("a.go", "LL510")], [])
    # an edit that changes nothing a sibling reads: only the edited file
    (tmp_path / "b.go").write_text("package p\n\n// helper returns one\nfunc helper() int { return 1 }\n")
    assert scan() == ([("a.go", "LL510")], ["b.go"])
    # an eviction: the edited file and the file that declares the map
    (tmp_path / "b.go").write_text("package p\n\nfunc helper(k string) { delete(seen, k) }\n")
    assert scan() == ([], ["a.go", "b.go"])


def test_worker_processes_get_the_reads(tmp_path):
    for i in range(3):
        (tmp_path / f"a{i}.go").write_text(CACHE.replace("seen", f"seen{i}").replace("mark", f"mark{i}"))
    (tmp_path / "z.go").write_text("package p\n\nfunc forget(k string) { delete(seen1, k) }\n")
    cfg = Config(root=tmp_path)
    one = check_paths([str(tmp_path)], config=cfg, select=["LL510"], jobs=1)
    two = check_paths([str(tmp_path)], config=cfg, select=["LL510"], jobs=2,
                      cache_dir=_cache(tmp_path))
    assert _codes(one) == _codes(two) == [("a0.go", "LL510"), ("a2.go", "LL510")]


def _facts(source: str) -> dict:
    data = source.encode()
    root = languages.parser("go").parse(data).root_node
    return go_package.declarations(root, SourceFile("x.go", data, "go"))


def test_facts_are_plain_data():
    facts = _facts(CACHE + "\ntype T struct{ m map[string]int }\n\nvar only = &T{}\n")
    assert json.loads(json.dumps(facts)) == facts
    assert facts["package"] == "p"
    assert [c["name"] for c in facts["containers"]] == ["seen"]
    assert facts["struct_fields"][0]["type"] == "T" and facts["made"] == [["T", "only"]]


@pytest.mark.parametrize("expr, ok", [
    ("", True), ("linux", True), ("ignore", False), ("!ignore", True),
    ("linux && ignore", False), ("linux || ignore", True), ("!(linux || !ignore)", False),
    ("(broken", True),
])
def test_build_constraints(expr, ok):
    assert go_build.can_build(expr) is ok


@pytest.mark.parametrize("path, head, ok", [
    ("x_test.go", "", True),
    ("io_test.go", "", True),                   # `io` names no system
    ("x_linux_test.go", "", False),
    ("x_linux_amd64.go", "", False),
    ("x_windows_test.go", "", True),
    ("x_test.go", "//go:build linux\n", False),
    ("x_test.go", "//go:build !windows\n", False),
    ("x_test.go", "//go:build unix\n", False),
    ("x_test.go", "//go:build !linux\n", True),
    ("x_test.go", "//go:build linux || windows\n", True),
    ("x_test.go", "// +build darwin\n", False),
    ("x_test.go", "//go:build integration\n", True),  # a custom tag may be set anywhere
])
def test_builds_on_an_operating_system(path, head, ok):
    assert go_build.builds_on(f"pkg/{path}", f"{head}\npackage p\n".encode(), "windows") is ok


def test_old_style_build_lines():
    assert go_build.build_constraint(b"// +build ignore\n\npackage p\n") == "(ignore)"
    assert go_build.build_constraint(b"// +build linux,amd64 darwin\n\npackage p\n") == \
        "(linux && amd64 || darwin)"


def test_an_unsaved_buffer_reads_its_saved_siblings(tmp_path):
    from leaklint.api import check_source

    (tmp_path / "b.go").write_text("package p\n\nfunc other(k string) { seen[k] = false }\n")
    report = check_source(str(tmp_path / "a.go"), CACHE.encode(), config=Config(root=tmp_path),
                          select=["LL510"])
    [finding] = report.findings
    assert {os.path.basename(r.path) for r in finding.related} == {"a.go", "b.go"}
    (tmp_path / "c.go").write_text("package p\n\nfunc forget(k string) { delete(seen, k) }\n")
    assert not check_source(str(tmp_path / "a.go"), CACHE.encode(), config=Config(root=tmp_path),
                            select=["LL510"]).findings


def test_facts_come_from_the_cache_on_a_warm_run(tmp_path, monkeypatch):
    from leaklint.facts import collect

    (tmp_path / "a.go").write_text(CACHE)
    (tmp_path / "b.go").write_text("package p\n\nfunc helper() int { return 1 }\n")
    extracted = _counting(monkeypatch, collect.go_package, "declarations")
    assert _codes(_run(tmp_path, "a.go", ["LL510"])) == [("a.go", "LL510")]
    assert sorted(extracted) == ["a.go", "b.go"]
    extracted.clear()
    (tmp_path / "b.go").write_text("package p\n\nfunc helper() int { return 2 }\n")
    assert _codes(_run(tmp_path, "a.go", ["LL510"])) == [("a.go", "LL510")]
    assert extracted == ["b.go"]  # a.go's facts are read back from the cache


def _field_reads(source: bytes) -> dict:
    return go_package.field_reads(languages.parser("go").parse(source).root_node)


def test_field_reads_are_told_apart_by_the_receiver_that_reads_them():
    facts = _field_reads(
        b"package p\n\nfunc (a *A) Stop() {\n\ta.cancel()\n\tx.other()\n\t_ = a.inner.deep\n}\n\n"
        b"func (b B[T]) Close() { b.cancel = nil }\n\nfunc f(w *W) {\n\tw.done()\n\t// a.ghost()\n}\n")
    assert facts["fields_read_via"] == ["A.cancel", "A.inner"]  # B's store is no read; a comment reads nothing
    assert facts["fields_read_other"] == ["deep", "done", "other"]
    assert facts["fields_read"] == ["cancel", "deep", "done", "inner", "other"]
    assert facts["fields_assigned"] == ["cancel"]


def test_field_reads_tell_reads_from_stores_and_declarations():
    facts = _field_reads(
        b"package p\n\nvar stop, other func()\nvar made = 1\n\n"
        b"func f(param int) {\n\tstop = g\n\ts.count += 1\n\tw := &W{cancel: c}\n\tx, s.out = 1, 2\n"
        b"\tfor k := range m {\n\t\t_ = k\n\t}\n\tother()\n\t_ = \"stop()\"\n}\n")
    assert "stop" not in facts["names_read"]  # stored into, named in a string: never read
    assert {"other", "g", "c", "m", "s", "k"} <= set(facts["names_read"])
    assert not {"param", "made", "w", "x", "cancel", "f"} & set(facts["names_read"])  # declared, stored, a key
    assert {"stop", "made", "w", "x", "k"} <= set(facts["names_assigned"])
    assert facts["fields_assigned"] == ["cancel", "count", "out"]
    assert facts["fields_read"] == ["count"]  # `+=` reads the field it adds to; `=` only stores


def test_a_field_of_the_same_name_read_by_another_types_methods_is_no_use(tmp_path):
    (tmp_path / "w.go").write_text(CANCEL)
    (tmp_path / "other.go").write_text("package p\n\ntype V struct{ cancel func() }\n\n"
                                       "func (v *V) Stop() { v.cancel() }\n")
    assert _codes(_run(tmp_path, "w.go", ["LL302"])) == [("w.go", "LL302")]
    (tmp_path / "other.go").write_text("package p\n\nfunc (w *W) Stop() { w.cancel() }\n")
    assert _codes(_run(tmp_path, "w.go", ["LL302"])) == []


def test_a_factory_in_another_file_makes_its_callers_acquire(tmp_path):
    caller = "package p\n\nfunc use(u string) {\n\t_, _ = fetch(u)\n}\n"  # names no acquisition itself
    (tmp_path / "c.go").write_text(caller)
    (tmp_path / "f.go").write_text("package p\n\nimport \"net/http\"\n\n"
                                   "func fetch(u string) (*http.Response, error) {\n\treturn http.Get(u)\n}\n")
    [finding] = _run(tmp_path, "c.go", ["LL106"]).findings
    assert finding.position.line == 4 and "fetch" in finding.message
    (tmp_path / "f.go").write_text("package p\n\nfunc fetch(u string) (int, error) {\n\treturn 0, nil\n}\n")
    assert _codes(_run(tmp_path, "c.go", ["LL106"])) == []  # the cached result follows the sibling
    (tmp_path / "f_test.go").write_text("package p\n\nimport \"net/http\"\n\n"
                                        "func fetch(u string) (*http.Response, error) {\n\treturn http.Get(u)\n}\n")
    assert _codes(_run(tmp_path, "c.go", ["LL106"])) == []  # a test file's function is not the program's


QUEUE = """package p

type queue struct{ items chan int }

func newQueue() *queue {
\tq := &queue{items: make(chan int)}
\tgo q.put(1)
\treturn q
}

func (q *queue) put(v int) { q.items <- v }
"""


def test_a_channel_field_served_in_an_edited_sibling_changes_a_cached_answer(tmp_path, monkeypatch):
    from leaklint.facts import collect

    (tmp_path / "q.go").write_text(QUEUE)
    (tmp_path / "drain.go").write_text("package p\n\n// drains q.items one day\nfunc (q *queue) drain() {}\n")
    extracted = _counting(monkeypatch, collect.go_channels, "file_facts")
    assert _codes(_run(tmp_path, "q.go", ["LL610"])) == [("q.go", "LL610")]
    assert sorted(extracted) == ["drain.go", "q.go"]  # the channel facts come from each tree
    extracted.clear()
    (tmp_path / "drain.go").write_text("package p\n\nfunc (q *queue) drain() {\n\tfor range q.items {\n\t}\n}\n")
    assert _codes(_run(tmp_path, "q.go", ["LL610"])) == []  # the sibling now receives
    assert extracted == ["drain.go"]  # q.go's facts are read back from the cache
    (tmp_path / "drain.go").write_text("package p\n\nfunc (q *queue) drain() { _ = len(q.items) }\n")
    assert _codes(_run(tmp_path, "q.go", ["LL610"])) == [("q.go", "LL610")]  # len is no partner


def test_the_field_reads_of_an_edited_sibling_are_the_only_ones_recomputed(tmp_path, monkeypatch):
    from leaklint.facts import collect

    (tmp_path / "w.go").write_text(CANCEL)
    (tmp_path / "stop.go").write_text("package p\n\nfunc (w *W) Stop() {}\n")
    extracted = _counting(monkeypatch, collect.go_package, "field_reads")
    assert _codes(_run(tmp_path, "w.go", ["LL302"])) == [("w.go", "LL302")]
    assert sorted(extracted) == ["stop.go", "w.go"]  # read from each tree
    extracted.clear()
    (tmp_path / "stop.go").write_text("package p\n\n// w.cancel() one day\nfunc (w *W) Stop() { w.cancel() }\n")
    assert _codes(_run(tmp_path, "w.go", ["LL302"])) == []
    assert extracted == ["stop.go"]  # w.go's come from the cache
    (tmp_path / "stop.go").write_text("package p\n\n// w.cancel() one day\nfunc (w *W) Stop() {}\n")
    assert _codes(_run(tmp_path, "w.go", ["LL302"])) == [("w.go", "LL302")]  # a comment reads nothing


def test_every_method_reads_on_its_own_receiver():
    # many methods, receivers of other names and types in between: each read is told by
    # the method around it
    source = "package p\n\n" + "".join(
        f"func ({r} *T{i}) M{i}() {{ {r}.f{i}() }}\n\nfunc helper{i}() {{ x.g{i}() }}\n\n"
        for i, r in enumerate("abcdefghijkl"))
    facts = _field_reads(source.encode())
    assert facts["fields_read_via"] == sorted(f"T{i}.f{i}" for i in range(12))
    assert facts["fields_read_other"] == sorted(f"g{i}" for i in range(12))
