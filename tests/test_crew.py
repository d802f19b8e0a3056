"""With more than one job, the facts phase and the analysis run in worker processes that
each keep the files of one part (``crew.Crew``): the report is the one a single process
writes, and a worker that fails leaves its files to the parent."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
import uuid
from pathlib import Path

import pytest

from leaklint import catalogue, runner
from leaklint.api import check_paths
from leaklint.config import Config
from leaklint.crew import Crew, parts
from leaklint.facts import shapes
from leaklint.report import render

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# a factory in one directory, its callers in another (a cross-file answer, a finding)
HELPER = "package db\n\nimport \"os\"\n\nfunc OpenLog(p string) (*os.File, error) { return os.Open(p) }\n"
CALLER = ("package app\n\nimport \"os\"\n\nfunc use{i}(p string) error {{\n\tf, err := os.Open(p)\n"
          "\tif err != nil {{\n\t\treturn err\n\t}}\n\t_ = f\n\treturn nil\n}}\n")
CACHE = "package c\n\nvar seen{i} = map[string]bool{{}}\n\nfunc mark{i}(k string) {{ seen{i}[k] = true }}\n"
EVICT = "package c\n\nfunc forget(k string) { delete(seen1, k) }\n"


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "src"
    shutil.copytree(FIXTURES / "python", root / "py")
    shutil.copytree(FIXTURES / "typescript", root / "ts")
    (root / "db").mkdir()
    (root / "db" / "log.go").write_text(HELPER)
    for d in ("app", "app2"):
        (root / d).mkdir()
        for i in range(12):
            (root / d / f"f{i}.go").write_text(CALLER.format(i=i))
    (root / "c").mkdir()
    for i in range(3):
        (root / "c" / f"m{i}.go").write_text(CACHE.format(i=i))
    (root / "c" / "z.go").write_text(EVICT)
    return root


def _report(tree, jobs, **kw):
    return check_paths([str(tree)], config=Config(root=tree.parent), select=["ALL"], jobs=jobs, **kw)


def test_two_jobs_write_the_report_of_one(tree):
    one = _report(tree, 1)
    two = _report(tree, 2)
    assert one.findings and render("json", one) == render("json", two)
    codes = {(os.path.basename(f.path), f.code) for f in one.findings}
    assert ("m0.go", "LL510") in codes and ("m1.go", "LL510") not in codes  # read z.go


def test_the_facts_phase_runs_in_the_workers(tree, tmp_path, monkeypatch):
    log = tmp_path / "shaped-by"
    real = shapes.shape

    def shape(lang, ctx, full=True):
        facts = real(lang, ctx, full)
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()} {','.join(facts['acquiring'])} {ctx.src.path}\n")
        return facts

    monkeypatch.setattr(shapes, "shape", shape)
    _report(tree, 2)
    shaped = [line.split(" ", 2) for line in log.read_text().splitlines()]
    workers = {pid for pid, _, _ in shaped if pid != str(os.getpid())}
    assert len(workers) == 2  # two workers shape the files they were given
    # the parent shapes only what no worker was asked about: a small run's leftover
    # files, which hold no acquisition of any lifecycle rule (collect's last round of
    # summaries)
    parent = [(acquiring, path) for pid, acquiring, path in shaped if pid == str(os.getpid())]
    assert all(not acquiring for acquiring, _ in parent), parent


def test_a_worker_that_dies_leaves_its_files_to_the_parent(tree, monkeypatch):
    one = _report(tree, 1)
    parent = os.getpid()
    real = runner.analyze_guarded

    def dying(path, *args, **kw):
        if os.getpid() != parent and path.endswith("f3.go"):
            os._exit(3)  # a worker crashes (out of memory, a fault in C...)
        return real(path, *args, **kw)

    monkeypatch.setattr(runner, "analyze_guarded", dying)
    assert render("json", _report(tree, 2)) == render("json", one)


def test_a_worker_done_with_its_files_takes_the_largest_of_anothers(tmp_path):
    # worker 0 owns twelve files and cannot finish its largest (a0) before a11, its
    # smallest, is analysed: only worker 1, once done with its one file, can take it
    released = tmp_path / "released"
    mine = [f"a{i}" for i in range(12)]

    def analyse(path, reads, kept):
        if path == "a0":
            for _ in range(6000):  # never more than a minute: a failure, not a hang
                if released.exists():
                    break
                time.sleep(0.01)
        if path == "a11":
            released.write_text("")
        return path, kept, os.getpid()

    crew = Crew([mine, ["b0"]], lambda part: ({}, part[0]), analyse, lambda parent: None)
    try:
        crew.facts()
        got = list(crew.analyse([(p, None) for p in mine + ["b0"]], None,
                                lambda p: 100 - int(p[1:]) if p[0] == "a" else 1))
    finally:
        crew.close()
    assert [path for path, _, _ in got] == mine + ["b0"]  # the order asked
    assert released.exists()
    owner = got[0][2]
    taken = [path for path, _, pid in got if pid != owner]
    assert taken[-1] == "b0" and "a11" in taken and "a0" not in taken
    assert all(kept == "b0" for path, kept, _ in got if path in taken)  # its own trees


def test_a_facts_phase_that_fails_in_a_worker_is_done_by_the_parent(tree, monkeypatch):
    one = _report(tree, 1)
    parent = os.getpid()
    real = runner.build_index

    def failing(*args, **kw):
        if os.getpid() != parent:
            raise RuntimeError("no facts here")
        return real(*args, **kw)

    monkeypatch.setattr(runner, "build_index", failing)
    assert render("json", _report(tree, 2)) == render("json", one)


def test_two_jobs_with_a_cache_then_warm(tree, tmp_path):
    one = _report(tree, 1)
    cache = str(tmp_path / "cache")
    assert render("json", _report(tree, 2, cache_dir=cache)) == render("json", one)
    (tree / "c" / "z.go").write_text("package c\n")  # m1's map no longer evicted
    fresh = _report(tree, 1)
    assert ("m1.go", "LL510") in {(os.path.basename(f.path), f.code) for f in fresh.findings}
    assert render("json", _report(tree, 2, cache_dir=cache)) == render("json", fresh)


class _Counting(bytes):
    """A file's bytes that count how often a word is looked for in them."""
    asked = 0

    def __contains__(self, word):
        _Counting.asked += 1
        return super().__contains__(word)


def _words_of(data, conn):
    catalogue.active_on(catalogue.builtin_rules(), data)
    conn.send(catalogue.words_found())


def test_the_words_a_worker_found_are_not_looked_for_again():
    data = f"package p // {uuid.uuid4()}\nfunc f() {{ os.Open(x); time.NewTicker(d) }}\n".encode()
    rules = catalogue.builtin_rules()
    mine, theirs = multiprocessing.get_context("fork").Pipe()
    child = multiprocessing.get_context("fork").Process(target=_words_of, args=(data, theirs))
    child.start()
    found = mine.recv()
    child.join()
    catalogue.learn_words(found)
    counted = _Counting(data)
    active = catalogue.active_on(rules, counted)
    assert _Counting.asked == 0 and active  # answered from what the worker found
    assert [r.code for r in active] == [r.code for r in catalogue.active_on(rules, bytes(data))]


def test_parts_keep_directories_whole_and_balance_bytes():
    sizes = {f"a/{i}.go": 10 for i in range(4)} | {f"b/{i}.py": 10 for i in range(4)} \
        | {"c/big.go": 45, "d/x.ts": 5}
    files = sorted(sizes)
    split = parts(files, 2, sizes.__getitem__, lambda p: p.endswith(".go"))
    assert sorted(p for part in split for p in part) == files  # each file once
    assert all(part == sorted(part, key=files.index) for part in split)  # in the run's order
    for d in ("a/", "c/"):
        assert sum(any(p.startswith(d) for p in part) for part in split) == 1  # Go: kept whole
    loads = [sum(sizes[p] for p in part) for part in split]
    assert max(loads) - min(loads) <= 10
    # a directory larger than a part's share is split among the parts
    big = {f"g/{i}.py": 10 for i in range(10)} | {"h/x.py": 10}
    split = parts(sorted(big), 2, big.__getitem__, lambda p: False)
    assert all(any(p.startswith("g/") for p in part) for part in split)
