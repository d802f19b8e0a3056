#!/usr/bin/env python3
"""Benchmark of the memory-curve classifier on synthetic series, in one run.

    python bench/triage_shapes.py [--per-shape N] [--seed S] [--samples 1000000]

Accuracy: N series per shape (flat, linear, step, spike, sawtooth) with noise, GC waves,
uneven sampling (jittered intervals and gaps) and, for flat, linear and step, restarts (a
gap, then the process starts again from its baseline); it prints the share classified right
per shape and the confusion counts. Every shape must reach 95 %.

Speed: a CSV of ``--samples`` samples (a linear leak with noise) is written to a temporary
file and timed three ways, each in a fresh process: reading the file and splitting its
columns (the baseline), ``leaklint triage FILE --format json`` (end to end), and Python
start-up alone. It prints wall and CPU seconds (user + system, which a busy machine
inflates less) and the ratios triage/baseline.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import subprocess
import sys
import tempfile
import time

SHAPES = ("flat", "linear", "step", "spike", "sawtooth")


def sampling(rng: random.Random, n: int, duration: float, restarts: int) -> tuple[list, list]:
    """Uneven sample times over ``duration`` seconds: jittered intervals, a few gaps, and
    a longer gap at each restart. Returns the times and the restart times."""
    base = duration / n
    times, t = [], 0.0
    for _ in range(n):
        step = base * rng.uniform(0.3, 1.7)
        if rng.random() < 0.01:
            step *= rng.uniform(3, 8)  # a scrape missed
        t += step
        times.append(t)
    scale = duration / times[-1]
    times = [x * scale for x in times]
    # the process is restarted about every duration/(restarts+1): each lifetime shows the shape
    cuts = [(k + rng.uniform(-0.1, 0.1)) / (restarts + 1) * duration for k in range(1, restarts + 1)]
    for c in cuts:  # the process is down for a while
        down = duration * rng.uniform(0.01, 0.03)
        times = [x for x in times if not c <= x < c + down]
    return times, cuts


def shape_value(rng: random.Random, shape: str, params: dict, u: float) -> float:
    """The noiseless curve at ``u`` in [0, 1) of a process lifetime, above the baseline."""
    if shape == "flat":
        return params["drift"] * u
    if shape == "linear":
        knee = params["knee"]
        return 0.0 if u < knee else params["growth"] * (u - knee) / (1 - knee)
    if shape == "step":
        return sum(h for at, h in params["steps"] if u >= at)
    if shape == "spike":
        at, rise, hold, fall, height, keep = (params[k] for k in
                                              ("at", "rise", "hold", "fall", "height", "keep"))
        if u < at:
            return 0.0
        if u < at + rise:
            return height * (u - at) / rise
        if u < at + rise + hold:
            return height
        if u < at + rise + hold + fall:
            return height - (height * (1 - keep)) * (u - at - rise - hold) / fall
        return height * keep
    if shape == "sawtooth":
        start = params["start"]
        if u < start:
            return 0.0
        edges = params["edges"]
        for a, b in zip(edges, edges[1:]):
            if a <= u < b:
                return params["amplitude"] * (u - a) / (b - a)
        return 0.0
    raise ValueError(shape)


def make_params(rng: random.Random, shape: str, level: float) -> dict:
    if shape == "flat":
        return {"drift": level * rng.uniform(-0.03, 0.03)}
    if shape == "linear":
        return {"knee": rng.choice([0.0, 0.0, rng.uniform(0.05, 0.3)]),
                "growth": level * rng.uniform(0.5, 3.0)}
    if shape == "step":
        m = rng.randint(2, 6)
        ats = sorted(rng.uniform(0.08, 0.92) for _ in range(m))
        while any(b - a < 0.06 for a, b in zip(ats, ats[1:])):
            ats = sorted(rng.uniform(0.08, 0.92) for _ in range(m))
        return {"steps": [(a, level * rng.uniform(0.25, 1.0)) for a in ats]}
    if shape == "spike":
        return {"at": rng.uniform(0.2, 0.65), "rise": rng.uniform(0.01, 0.05),
                "hold": rng.uniform(0.0, 0.06), "fall": rng.uniform(0.02, 0.12),
                "height": level * rng.uniform(1.0, 4.0), "keep": rng.uniform(0.0, 0.5)}
    if shape == "sawtooth":
        k = rng.randint(4, 12)
        start = rng.choice([0.0, rng.uniform(0.05, 0.2)])
        period = (1 - start) / k
        edges = [start]
        for _ in range(k):
            edges.append(edges[-1] + period * rng.uniform(0.85, 1.15))
        return {"start": start, "edges": edges, "amplitude": level * rng.uniform(0.6, 2.0)}
    raise ValueError(shape)


def synthetic(rng: random.Random, shape: str) -> tuple[list, list]:
    """One series of the given shape with noise, GC waves, uneven sampling, restarts."""
    n = rng.randint(300, 6000)
    duration = rng.uniform(600, 86400)
    level = rng.uniform(20e6, 500e6)
    restarts = rng.choice([0, 0, 1, 2]) if shape in ("flat", "linear", "step") else 0
    times, cuts = sampling(rng, n, duration, restarts)
    params = make_params(rng, shape, level)
    noise = level * rng.uniform(0.005, 0.05)
    wave = level * rng.uniform(0.0, 0.15)  # GC: allocation ramps that the collector drops
    wave_period = rng.uniform(2.5, 7.0) * duration / n
    bounds = [0.0, *cuts, duration]
    values = []
    for t in times:
        k = sum(1 for c in cuts if t >= c)
        life = min(0.999, (t - bounds[k]) / (bounds[k + 1] - bounds[k]))  # each lifetime again
        v = level + shape_value(rng, shape, params, life)
        v += rng.gauss(0, noise) + wave * ((t / wave_period) % 1.0)
        values.append(v)
    return times, values


def accuracy(per_shape: int, seed: int) -> bool:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    from leaklint.triage.shapes import classify

    rng = random.Random(seed)
    ok = True
    print(f"accuracy on {per_shape} synthetic series per shape (seed {seed}):")
    for shape in SHAPES:
        counts = {s: 0 for s in SHAPES}
        for _ in range(per_shape):
            times, values = synthetic(rng, shape)
            counts[classify(times, values).shape] += 1
        share = counts[shape] / per_shape
        ok &= share >= 0.95
        others = ", ".join(f"{s} {c}" for s, c in counts.items() if c and s != shape)
        print(f"  {shape:<9} {share:6.1%}  {'ok ' if share >= 0.95 else 'LOW'}"
              f"{'  (as ' + others + ')' if others else ''}")
    return ok


# the floor any reader pays: read the file, decode it, split lines and columns (with the
# collector off, as the reader runs)
BASELINE = r"""
import gc, sys
gc.disable()
with open(sys.argv[1], encoding="utf-8") as fh:
    rows = [line.split(",") for line in fh.read().splitlines()[1:]]
print(len(list(zip(*rows))[0]))
"""


def timed(cmd: list) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {err.decode()[-400:]}")
    return wall, usage.ru_utime + usage.ru_stime


def best(cmd: list, runs: int = 3) -> tuple[float, float]:
    results = [timed(cmd) for _ in range(runs)]
    return min(r[0] for r in results), min(r[1] for r in results)


def speed(samples: int, seed: int) -> float:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "heap.csv")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("time,heap_bytes\n")
            t = 1_700_000_000.0
            for i in range(samples):
                t += rng.uniform(0.5, 1.5)
                v = 50e6 + 20.0 * i + rng.gauss(0, 1e6) + 3e6 * math.sin(i / 7)
                fh.write(f"{t:.3f},{v:.0f}\n")
        size = os.path.getsize(path) / 1e6
        exe = [sys.executable]
        startup = best(exe + ["-c", "pass"])
        base = best(exe + ["-c", BASELINE, path])
        triage = best(exe + ["-m", "leaklint", "triage", path, "--format", "json"])
    load = os.getloadavg()[0]
    print(f"speed on a CSV of {samples:,} samples ({size:.1f} MB), best of 3, fresh processes "
          f"(load average {load:.1f} on {os.cpu_count()} cores):")
    print("                            wall      cpu")
    for name, (wall, cpu) in (("python start-up", startup), ("baseline (read + split)", base),
                              ("leaklint triage", triage)):
        print(f"  {name:<24} {wall:6.3f} s  {cpu:6.3f} s")
    print(f"  ratio triage/baseline    {triage[0] / base[0]:6.2f}    {triage[1] / base[1]:6.2f}")
    return triage[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-shape", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    ok = accuracy(args.per_shape, args.seed)
    if not args.skip_speed:
        cpu = speed(args.samples, args.seed)
        ok &= cpu < 2.0 or args.samples != 1_000_000
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
