"""A warm run over an unchanged tree takes its results from the cache without the facts
phase or the analysis (``unchanged.Runs``); any change to what the last run read (a
file's bytes, a new or removed file in a listed directory) makes it run them again."""

from __future__ import annotations

import json
import os

import pytest

from leaklint import analyze, runner, unchanged
from leaklint.api import check_paths
from leaklint.cache import load_key, unseal
from leaklint.config import Config

CACHE = "package p\n\nvar seen = map[string]bool{}\n\nfunc mark(k string) { seen[k] = true }\n"
EVICT = "package p\n\nfunc helper(k string) { delete(seen, k) }\n"
# the same size as EVICT: an edit between them keeps the size (and, put back, the time)
HELPER = "package p\n\nfunc helper(k string) { _ = k %s}\n" % (" " * (len(EVICT) - 43))


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "a.go").write_text(CACHE)
    (root / "b.go").write_text(HELPER)
    return root


@pytest.fixture
def trusted(monkeypatch):
    """Statuses taken right after a write are trusted (the files of a test are all new)."""
    monkeypatch.setattr(unchanged, "RACY_NS", -1)


class Phases:
    def __init__(self, monkeypatch):
        self.index = self.analysed = 0
        build, analyse = runner.build_index, analyze.analyze_file

        def counting_index(*a, **kw):
            self.index += 1
            return build(*a, **kw)

        def counting_analysis(*a, **kw):
            self.analysed += 1
            return analyse(*a, **kw)

        monkeypatch.setattr(runner, "build_index", counting_index)
        monkeypatch.setattr(analyze, "analyze_file", counting_analysis)


def _scan(tree, **kw):
    report = check_paths([str(tree)], config=Config(root=tree), select=["LL510"], jobs=1,
                         cache_dir=str(tree.parent / "cache"), **kw)
    return [(os.path.basename(f.path), f.code) for f in report.findings]


def test_an_unchanged_tree_skips_the_facts_phase_and_the_analysis(tree, trusted, monkeypatch):
    phases = Phases(monkeypatch)
    assert _scan(tree) == [("a.go", "LL510")]
    assert (phases.index, phases.analysed) == (1, 2)
    assert _scan(tree) == [("a.go", "LL510")]
    assert (phases.index, phases.analysed) == (1, 2)  # neither phase ran again


def test_an_edit_keeping_size_and_modification_time_is_seen(tree, trusted, monkeypatch):
    assert _scan(tree) == [("a.go", "LL510")]
    b = tree / "b.go"
    before = os.stat(b)
    b.write_text(EVICT)
    os.utime(b, ns=(before.st_atime_ns, before.st_mtime_ns))  # the change time still moves
    assert os.stat(b).st_size == before.st_size and os.stat(b).st_mtime_ns == before.st_mtime_ns
    phases = Phases(monkeypatch)
    assert _scan(tree) == []
    assert phases.index == 1


def test_a_touched_file_with_the_same_bytes_still_skips_both_phases(tree, trusted, monkeypatch):
    assert _scan(tree) == [("a.go", "LL510")]
    os.utime(tree / "a.go", ns=(1, 1))  # as a fresh checkout: every status differs
    os.utime(tree / "b.go")
    phases = Phases(monkeypatch)
    assert _scan(tree) == [("a.go", "LL510")]
    assert (phases.index, phases.analysed) == (0, 0)


def test_a_new_file_beside_the_scanned_one_is_seen(tree, trusted):
    # only a.go is named: b.go and c.go are read as its package's other files
    named = tree / "a.go"

    def scan_a():
        report = check_paths([str(named)], config=Config(root=tree), select=["LL510"], jobs=1,
                             cache_dir=str(tree.parent / "cache"))
        return [f.code for f in report.findings]

    assert scan_a() == ["LL510"]
    assert scan_a() == ["LL510"]
    (tree / "c.go").write_text("package p\n\nfunc forget(k string) { delete(seen, k) }\n")
    assert scan_a() == []
    (tree / "c.go").unlink()
    assert scan_a() == ["LL510"]


def test_a_status_taken_in_the_tick_of_the_last_change_is_not_trusted(tree, monkeypatch):
    assert _scan(tree) == [("a.go", "LL510")]  # the files were just written: racy
    runs = _records(tree)
    assert runs and all(status is None and (seen or not os.path.exists(path))
                        for path, (status, seen) in runs["files"].items())
    assert any(path.endswith("go.mod") for path in runs["files"])  # looked for, not there
    phases = Phases(monkeypatch)
    assert _scan(tree) == [("a.go", "LL510")]  # compared by their bytes: still unchanged
    assert (phases.index, phases.analysed) == (0, 0)


def test_a_record_not_sealed_by_this_installation_is_never_read(tree, trusted, monkeypatch):
    assert _scan(tree) == [("a.go", "LL510")]
    [path] = (tree.parent / "cache" / "v2" / "runs").glob("*.json")
    raw = path.read_bytes()
    head, _, payload = raw.partition(b"\n")
    # claim that a.go's result is b.go's: without the key the MAC cannot follow
    forged = payload.replace(b'"keys":{', b'"keys":{"x":"y",')
    assert forged != payload
    path.write_bytes(head + b"\n" + forged)
    phases = Phases(monkeypatch)
    assert _scan(tree) == [("a.go", "LL510")]
    assert phases.index == 1  # the record was refused: the run computed its keys


def test_without_a_cache_nothing_is_recorded(tree, monkeypatch):
    phases = Phases(monkeypatch)
    report = check_paths([str(tree)], config=Config(root=tree), select=["LL510"], jobs=1)
    assert [f.code for f in report.findings] == ["LL510"]
    check_paths([str(tree)], config=Config(root=tree), select=["LL510"], jobs=1)
    assert phases.index == 2


def _records(tree) -> dict:
    [path] = (tree.parent / "cache" / "v2" / "runs").glob("*.json")
    secret = load_key(str(tree.parent / "cache" / "key"), create=False)
    [record] = json.loads(unseal(secret, path.stem, path.read_bytes())).values()
    return record


TICK = "package p\n\nimport \"time\"\n\nfunc poll(done chan bool) {\n\tfor {\n\t\tselect {\n\t\tcase <-time.Tick(time.Second):\n\t\tcase <-done:\n\t\t\treturn\n\t\t}\n\t}\n}\n"


@pytest.mark.parametrize("record", [True, False], ids=["warm-record", "result-cache"])
def test_a_go_mod_edit_added_or_removed_changes_the_answer(tmp_path, trusted, record):
    # the go directive decides whether an unstopped ticker is collected (LL202 drops it
    # from Go 1.23): an edit, a go.mod added closer or removed must not leave a stale result
    # whether the run is skipped by its record or only served from the result cache
    root = tmp_path / "mod"
    pkg = root / "pkg"
    pkg.mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/m\n\ngo 1.21\n")
    (pkg / "tick.go").write_text(TICK)
    cache = tmp_path / "cache"

    def scan():
        if not record:
            for path in cache.glob("*/runs/*"):
                path.unlink()
        report = check_paths([str(pkg)], config=Config(root=root), select=["LL202"], jobs=1,
                             cache_dir=str(cache))
        return [f.code for f in report.findings]

    assert scan() == ["LL202"]
    assert scan() == ["LL202"]
    (root / "go.mod").write_text("module example.com/m\n\ngo 1.23\n")
    assert scan() == []
    (pkg / "go.mod").write_text("module example.com/m/pkg\n\ngo 1.22\n")
    assert scan() == ["LL202"]
    (pkg / "go.mod").unlink()
    assert scan() == []
