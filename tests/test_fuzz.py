"""Property-based tests: mutated real source and random bytes through the whole pipeline.

The default run is short. The long run (``-m fuzz_long``) repeats fresh searches until
LEAKLINT_FUZZ_SECONDS (default 1800) have passed, seeding also from real repositories
under LEAKLINT_FUZZ_CORPUS when set, and prints how many inputs it tried.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_support import EXTENSIONS, SEEDS, check_pipeline, mutated_source, random_source
from leaklint import languages

QUICK = settings(max_examples=25, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory(prefix="leaklint-fuzz-") as d:
        yield Path(d)


def test_seeds_cover_every_language():
    assert {ext for ext, _ in SEEDS} >= {".go", ".py", ".ts", ".tsx", ".js"}


@QUICK
@given(case=mutated_source())
def test_mutated_source(workdir, case):
    check_pipeline(workdir, *case)


@QUICK
@given(case=random_source())
def test_random_bytes(workdir, case):
    check_pipeline(workdir, *case)


@settings(QUICK, max_examples=10)
@given(ext=st.sampled_from(EXTENSIONS), seed=st.sampled_from(SEEDS))
def test_seed_under_every_extension(workdir, ext, seed):
    """Source of one language saved under another's extension."""
    check_pipeline(workdir, ext, seed[1])


# -- the long run ------------------------------------------------------------------------


def corpus_seeds(root: str, per_language: int = 400, max_size: int = 60_000) -> list:
    """A random sample of real source files under ``root`` as extra seeds."""
    found: dict[str, list] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            lang = languages.language_of(name)
            if lang is None:
                continue
            path = os.path.join(dirpath, name)
            try:
                if os.path.getsize(path) <= max_size:
                    found.setdefault(languages.FAMILY[lang], []).append(path)
            except OSError:
                continue
    rng = random.Random(0)
    out = []
    for paths in found.values():
        for path in rng.sample(sorted(paths), min(per_language, len(paths))):
            with open(path, "rb") as fh:
                out.append((os.path.splitext(path)[1].lower(), fh.read()))
    return out


@pytest.mark.fuzz_long
def test_long_fuzz(workdir):
    seconds = float(os.environ.get("LEAKLINT_FUZZ_SECONDS", "1800"))
    corpus = os.environ.get("LEAKLINT_FUZZ_CORPUS")
    seeds = SEEDS + (corpus_seeds(corpus) if corpus else [])
    tried = {"inputs": 0, "rounds": 0}

    @settings(max_examples=200, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(mutated_source(seeds), mutated_source(seeds), random_source()))
    def one_round(case):
        tried["inputs"] += 1
        check_pipeline(workdir, *case)

    failures = []
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            try:
                one_round()
            except Exception as exc:  # keep searching; every distinct failure is listed
                notes = "\n".join(getattr(exc, "__notes__", []))
                failures.append(f"{type(exc).__name__}: {str(exc)[:2000]}\n{notes[:4000]}")
            tried["rounds"] += 1
    finally:
        print(f"\nlong fuzz: {len(seeds)} seeds, {tried['rounds']} rounds, "
              f"{tried['inputs']} inputs, {len(failures)} failing rounds")
    assert not failures, "\n\n".join(failures)
