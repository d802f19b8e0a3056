"""A small Python program whose memory follows one of the five shapes, sampling its own
resident set size (from /proc/self/statm) as CSV: ``time,rss_bytes``.

    python memgrow.py SHAPE OUT.csv [SAMPLES]

It takes SAMPLES samples (150 by default), one every 20 ms or so; the shape is laid out in
samples, not seconds, so that a busy machine stretches the run without changing it.

Run it with MALLOC_MMAP_THRESHOLD_=65536 so that freed buffers go back to the system and
the resident size shows what the program holds.
"""

import os
import sys
import time

CHUNK = 1 << 20
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


def buffer(size: int = CHUNK) -> bytes:
    return b"x" * size  # written, so resident


class Sampler:
    def __init__(self, out, samples: int):
        self.out = out
        self.taken = 0
        self.samples = samples
        out.write("time,rss_bytes\n")

    def tick(self, pause: float = 0.02) -> bool:
        """Record one sample, wait a little; False once the run is over."""
        self.out.write(f"{time.time():.4f},{rss()}\n")
        self.taken += 1
        time.sleep(pause)
        return self.taken < self.samples

    def progress(self) -> float:
        return self.taken / self.samples


def flat(s: Sampler) -> None:
    while s.tick():
        request = [buffer(CHUNK // 4) for _ in range(4)]  # handled and dropped
        del request


LISTENERS = []


def linear(s: Sampler) -> None:
    while s.tick():  # a callback registered per request and never removed
        payload = buffer(CHUNK // 4)
        LISTENERS.append(lambda payload=payload: len(payload))


CACHE = {}


def step(s: Sampler) -> None:
    filled = 0
    while s.tick():
        due = int(s.progress() * 5)  # the cache fills in bursts, five times in a run
        if due > filled:
            filled = due
            for i in range(12):
                CACHE[(due, i)] = buffer()


def spike(s: Sampler) -> None:
    held = []
    while s.tick():
        p = s.progress()
        if 0.4 <= p < 0.5:  # a burst of load buffers everything it receives
            held.extend(buffer() for _ in range(3))
        elif p >= 0.5 and held:
            held.clear()


def sawtooth(s: Sampler) -> None:
    def batch(n: int) -> bool:  # every item's buffer is released only when batch returns
        kept = []
        for _ in range(n):
            kept.append(buffer(CHUNK // 2))
            if not s.tick():
                return False
        return True

    while batch(15):
        pass


def main() -> None:
    shape, out = sys.argv[1], sys.argv[2]
    samples = int(sys.argv[3]) if len(sys.argv) > 3 else 150
    with open(out, "w") as fh:
        sampler = Sampler(fh, samples)
        for _ in range(5):
            sampler.tick(0.02)  # the baseline before the work starts
        {"flat": flat, "linear": linear, "step": step, "spike": spike, "sawtooth": sawtooth}[shape](sampler)


if __name__ == "__main__":
    main()
