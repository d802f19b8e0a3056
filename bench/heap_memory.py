"""Peak memory of reading a large V8 heap snapshot with `leaklint.triage.heap`.

Writes a synthetic snapshot of about --size-mb megabytes (the layout Node 20 writes:
nodes, edges, an empty trace tree, locations and strings; a few thousand class names,
most nodes strings and arrays, a tenth of the file in long strings), then reads it in a
child process and prints the file size, the time, and the child's peak RSS next to the
peak RSS of a child that only starts Python and imports leaklint (the baseline of the
same run) and the ratio of file size to the extra memory.

    python bench/heap_memory.py --size-mb 500
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

META = {
    "node_fields": ["type", "name", "id", "self_size", "edge_count", "trace_node_id",
                    "detachedness"],
    "node_types": [["hidden", "array", "string", "object", "code", "closure", "regexp",
                    "number", "native", "synthetic", "concatenated string", "sliced string",
                    "symbol", "bigint", "object shape"],
                   "string", "number", "number", "number", "number", "number"],
    "edge_fields": ["type", "name_or_index", "to_node"],
    "edge_types": [["context", "element", "property", "internal", "hidden", "shortcut",
                    "weak"], "string_or_number", "node"],
}


def write_snapshot(path: str, size_mb: int, seed: int = 1) -> None:
    import json

    rng = random.Random(seed)
    classes = 3000
    names = [f"Class{i}" for i in range(classes)] + ["(system)", "Array", "Detached HTMLDivElement"]
    target = size_mb * 1024 * 1024
    node_bytes = int(target * 0.48)
    edge_bytes = int(target * 0.42)
    long_strings = int(target * 0.10)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"snapshot":{"meta":' + json.dumps(META)
                 + ',"node_count":0,"edge_count":0,"trace_function_count":0},\n"nodes":[')
        written, node_id, first = 0, 1, True
        while written < node_bytes:
            rows = []
            for _ in range(5000):
                typ = rng.choice((2, 2, 1, 3, 3, 5, 8))
                name = rng.randrange(len(names)) if typ != 2 else len(names) + rng.randrange(50000)
                rows.append(f"{typ},{name},{node_id},{rng.randrange(16, 200)},3,0,"
                            f"{2 if typ == 8 and rng.random() < 0.1 else 0}")
                node_id += 2
            chunk = ("" if first else ",") + "\n,".join(rows)
            first = False
            fh.write(chunk)
            written += len(chunk)
        fh.write('],\n"edges":[')
        written, first = 0, True
        while written < edge_bytes:
            rows = [f"{rng.randrange(7)},{rng.randrange(1000)},{rng.randrange(0, 7 * 1000000, 7)}"
                    for _ in range(5000)]
            chunk = ("" if first else ",") + "\n,".join(rows)
            first = False
            fh.write(chunk)
            written += len(chunk)
        fh.write('],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n'
                 '"locations":[1,2,3,4],\n"strings":[')
        fh.write(",".join(json.dumps(n) for n in names))
        for i in range(50000):
            fh.write(',"' + f"text \\\"{i}\\\" \\u00e9" + '"')
        piece = "x" * 1_000_000
        for i in range(max(1, long_strings // len(piece))):
            fh.write(',"' + piece + '"')
        fh.write("]}\n")


def child_peak_kb(code: str) -> tuple[float, int]:
    """Run ``code`` in a fresh interpreter; its wall time and peak RSS (KiB)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code + "\nimport resource, sys\n"
                           "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"],
                          capture_output=True, text=True, check=True)
    return time.perf_counter() - start, int(proc.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500)
    parser.add_argument("--keep", help="write the snapshot to this path and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or os.path.join(tmp, "big.heapsnapshot")
        start = time.perf_counter()
        write_snapshot(path, args.size_mb)
        size = os.path.getsize(path)
        print(f"wrote {path}: {size / 2**20:.0f} MiB in {time.perf_counter() - start:.0f} s")
        _, base_kb = child_peak_kb("import leaklint.triage.heap")
        took, peak_kb = child_peak_kb(
            "from leaklint.triage.heap import read_snapshot\n"
            f"r = read_snapshot({path!r})\n"
            "print(len(r), 'classes', file=__import__('sys').stderr)")
        print(f"baseline (python + import):  peak RSS {base_kb / 1024:6.1f} MiB")
        print(f"read_snapshot of {size / 2**20:.0f} MiB:     peak RSS {peak_kb / 1024:6.1f} MiB "
              f"in {took:.1f} s")
        extra = max(peak_kb - base_kb, 1) / 1024
        print(f"ratio file size / extra memory: {size / 2**20 / extra:.1f}")


if __name__ == "__main__":
    main()
