"""Streaming V8 heap snapshots: committed snapshots of tests/programs/nodeleak.js, a live
run when node is installed, and the tokenizer on awkward layouts."""

from __future__ import annotations

import gzip
import json
from collections import Counter

import pytest

from leaklint.triage import heap
from leaklint.triage.errors import TriageInputError
from triage_programs import DATA, node_tool, run_nodeleak

SNAPSHOTS = [str(DATA / "heapsnapshots" / f"step-{i}.heapsnapshot.gz") for i in (1, 2, 3)]


def reference_counts(snapshot: dict) -> Counter:
    """Counts by (type, name, detached) from the whole parsed JSON."""
    meta = snapshot["snapshot"]["meta"]
    fields, types = meta["node_fields"], meta["node_types"][0]
    width, nodes, strings = len(fields), snapshot["nodes"], snapshot["strings"]
    t, n = fields.index("type"), fields.index("name")
    d = fields.index("detachedness") if "detachedness" in fields else None
    out = Counter()
    for i in range(0, len(nodes), width):
        typ = types[nodes[i + t]]
        if typ in heap.COUNTED_TYPES:
            out[(typ, strings[nodes[i + n]], d is not None and nodes[i + d] == 2)] += 1
    return out


def loaded(path: str) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def test_streamed_counts_equal_the_whole_file_counts():
    streamed = heap.read_snapshot(SNAPSHOTS[0])
    assert {k: v[0] for k, v in streamed.items()} == reference_counts(loaded(SNAPSHOTS[0]))


def test_the_leaking_classes_grow_at_every_step():
    classes = {c["name"]: c for c in heap.analyse(SNAPSHOTS)["classes"]}
    for name in ("Session", "Request", "onTick"):
        assert classes[name]["counts"][1] - classes[name]["counts"][0] == 300
        assert classes[name]["counts"][2] - classes[name]["counts"][1] == 300
    assert classes["onTick"]["category"] == "closure"
    assert classes["Session"]["category"] == "object"
    assert "Map" not in classes  # one Map that holds more, not more Maps


def test_small_chunks_split_every_token(monkeypatch, tmp_path):
    plain = tmp_path / "s.heapsnapshot"
    plain.write_bytes(gzip.decompress(open(SNAPSHOTS[0], "rb").read()))
    whole = heap.read_snapshot(str(plain))
    monkeypatch.setattr(heap, "CHUNK", 7)
    assert heap.read_snapshot(str(plain)) == whole


def synthetic(path, strings_first=False, native_detached=3):
    meta = {"node_fields": ["type", "name", "id", "self_size", "edge_count", "trace_node_id",
                            "detachedness"],
            "node_types": [["hidden", "array", "string", "object", "code", "closure",
                            "regexp", "number", "native"], "string", "number", "number",
                           "number", "number", "number"]}
    strings = ["", "HTMLDivElement", "Widget", 'quote " and \\ backslash \u00e9']
    nodes = []
    for _ in range(native_detached):
        nodes += [8, 1, 1, 40, 0, 0, 2]
    nodes += [8, 1, 3, 40, 0, 0, 1, 3, 2, 5, 16, 0, 0, 0, 3, 3, 7, 16, 0, 0, 0]
    parts = {"snapshot": {"meta": meta, "node_count": len(nodes) // 7}, "nodes": nodes,
             "edges": [], "trace_tree": [[1, [2, []]]], "strings": strings}
    order = ["snapshot", "strings", "nodes", "edges", "trace_tree"] if strings_first else \
        ["snapshot", "nodes", "edges", "trace_tree", "strings"]
    path.write_text(json.dumps({k: parts[k] for k in order}, indent=1))
    return str(path)


def test_detached_dom_nodes_and_names_with_escapes(tmp_path):
    a = synthetic(tmp_path / "a.heapsnapshot", native_detached=1)
    b = synthetic(tmp_path / "b.heapsnapshot", native_detached=4)
    counts = heap.read_snapshot(b)
    assert counts[("native", "HTMLDivElement", True)] == (4, 160)
    assert counts[("native", "HTMLDivElement", False)] == (1, 40)
    assert counts[("object", 'quote " and \\ backslash \u00e9', False)] == (1, 16)
    classes = heap.analyse([a, b])["classes"]
    assert [(c["name"], c["category"], c["counts"]) for c in classes] == [
        ("Detached HTMLDivElement", "detached DOM", [1, 4])]


def test_strings_before_nodes(tmp_path):
    assert heap.read_snapshot(synthetic(tmp_path / "a.json", strings_first=True)) == \
        heap.read_snapshot(synthetic(tmp_path / "b.json"))


@pytest.mark.parametrize("content, message", [
    (b"not json", "expected '{'"),
    (b'{"snapshot": {"meta": {}}, "nodes": [1,2]}', "no node layout"),
    (b'{"nodes": [1]}', "nodes come before"),
    (b'{"snapshot": {"meta": {"node_fields": ["type", "name", "self_size"], "node_types": [["object"]]}}, '
     b'"nodes": [0, 0, 1, 0', "ends inside the nodes"),
    (b'{"snapshot": {"meta": {"node_fields": ["type", "name", "self_size"], "node_types": [["object"]]}}, '
     b'"nodes": [0, x]}', "not an integer"),
    (b'{"snapshot": {"meta": {"node_fields": ["type", "name", "self_size"], "node_types": [["object"]]}}, '
     b'"nodes": [0, 0, 8], "strings": ["abc', "string does not end"),
])
def test_broken_snapshots_get_a_clear_error(tmp_path, content, message):
    bad = tmp_path / "bad.heapsnapshot"
    bad.write_bytes(content)
    with pytest.raises(TriageInputError, match=message):
        heap.read_snapshot(str(bad))


def test_one_snapshot_is_not_a_series():
    with pytest.raises(TriageInputError, match="two or more"):
        heap.analyse(SNAPSHOTS[:1])


def test_text():
    text = heap.render_text(heap.analyse(SNAPSHOTS))
    assert "+600  onTick (closure)  300 -> 600 -> 900" in text


@pytest.mark.skipif(node_tool() is None, reason="node is not installed")
def test_live_snapshots_of_the_leaking_program(tmp_path):
    files = run_nodeleak(tmp_path, steps=3)
    classes = {c["name"]: c for c in heap.analyse([str(f) for f in files])["classes"]}
    assert classes["Session"]["counts"] == [300, 600, 900]
    assert classes["onTick"]["counts"] == [300, 600, 900]


def test_looks_like(tmp_path):
    assert heap.looks_like(open(SNAPSHOTS[0], "rb").read(4096))
    assert heap.looks_like(open(synthetic(tmp_path / "a.json"), "rb").read(4096))
    assert not heap.looks_like(b'{"series": []}')


def test_cut_or_damaged_snapshots_never_raise_anything_else(tmp_path):
    import random

    good = open(synthetic(tmp_path / "good.json"), "rb").read()
    rng = random.Random(7)
    damaged = [good[:cut] for cut in range(0, len(good), 5)]
    for _ in range(300):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.choice(b'{}[]",:0123456789ax\\ \n\x00\xff')
        damaged.append(bytes(data))
    bad = tmp_path / "bad.heapsnapshot"
    for data in damaged:
        bad.write_bytes(data)
        try:
            heap.read_snapshot(str(bad))
        except TriageInputError:
            pass
