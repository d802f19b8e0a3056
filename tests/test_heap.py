"""Freed memory given back as a run goes (``heap``): the parses of both phases are
counted, and the heap is trimmed after every TRIM_EVERY bytes of them."""

from __future__ import annotations

from leaklint import heap
from leaklint.api import check_paths
from leaklint.config import Config

GO = "package p\n\nimport \"os\"\n\nfunc f(p string) {\n\tf, _ := os.Open(p)\n\t_ = f\n}\n"
WAIT = ("package p\n\nimport \"time\"\n\nfunc f(c chan int) {\n\tfor {\n\t\tselect {\n"
        "\t\tcase <-c:\n\t\tcase <-time.After(time.Second):\n\t\t}\n\t}\n}\n")
PY = "def f(p):\n    h = open(p)\n    return h.read()\n"


def test_the_heap_is_trimmed_after_every_so_many_bytes_parsed(monkeypatch):
    trims = []
    monkeypatch.setattr(heap, "trim", lambda: trims.append(1))
    monkeypatch.setattr(heap, "_parsed", 0)
    monkeypatch.setattr(heap, "TRIM_EVERY", 100)
    heap.parsed(60)
    assert trims == []
    heap.parsed(60)  # 120 bytes: one trim, and the count starts again
    assert trims == [1]
    heap.parsed(99)
    assert trims == [1]


def test_both_phases_count_what_they_parse(tmp_path, monkeypatch):
    (tmp_path / "a.go").write_text(GO)
    (tmp_path / "b.py").write_text(PY)
    counted = []
    monkeypatch.setattr(heap, "parsed", counted.append)
    check_paths([str(tmp_path)], config=Config(), select=["ALL"], jobs=1)
    # each file once, by the facts phase: the analysis takes its trees over
    assert sorted(counted) == sorted([len(GO), len(PY)])
    counted.clear()
    # a rule that reads nothing of other files: no facts phase, the analysis parses
    (tmp_path / "c.go").write_text(WAIT)
    check_paths([str(tmp_path / "c.go")], config=Config(), select=["LL203"], jobs=1)
    assert counted == [len(WAIT)]


def test_trimming_here_does_not_fail():
    heap.trim()  # glibc's malloc_trim, or nothing where there is none
    heap.trim()
