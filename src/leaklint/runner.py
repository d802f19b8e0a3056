"""Runs the analysis in phases: the facts of every file an analysis reads (cached by
content) and the index over them (``build_index``), then the per-file analysis over
many files, in this process or a pool of processes, through the result cache when one
is given. Results come back in the order of the files, so output never depends on
scheduling."""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .analyze import Settings, analyze_file, read_source, rules_for
from .facts import collect
from .facts.index import Index, reads_digest
from .model import Diagnostic, FileResult

# below this many files per worker a pool's start-up costs more than it saves
MIN_FILES_PER_WORKER = 24

_settings: Settings | None = None


def default_jobs(n_files: int) -> int:
    cores = os.cpu_count() or 1
    return max(1, min(cores, n_files // MIN_FILES_PER_WORKER))


def _init_worker(settings) -> None:
    global _settings
    _settings = settings


def _work(item) -> FileResult:
    path, reads = item
    return analyze_file(path, _settings, reads=reads)


def build_index(files: list, settings: Settings, list_siblings, facts_store=None,
                overrides=None) -> Index | None:
    """The facts phase: the index the enabled rules read, or None when none reads any
    other file. ``list_siblings(directory)`` finds a directory's files through discovery;
    ``overrides``: {path: bytes} to use instead of what is on disk (an editor's buffer)."""
    if not collect.needs_reads(settings.rules):
        return None

    def read(path):
        data = read_source(path, settings)
        return None if isinstance(data, Diagnostic) else data

    def wants(path, data):
        return collect.wanted(rules_for(settings, path, "go"), path, data)

    try:
        return collect.build(files, list_siblings=list_siblings, read=read, wants=wants,
                             timeout=settings.timeout, store=facts_store, overrides=overrides)
    finally:
        if facts_store is not None:
            facts_store.save()


def reads_of(path: str, data: bytes, settings: Settings, list_siblings) -> dict | None:
    """What one file (``data``, not necessarily saved) reads from the files beside it."""
    index = build_index([path], settings, list_siblings, overrides={path: data})
    return _reads(index, path)


def _reads(index, path):
    return index.reads(path) if index is not None else None


def _plan(files, settings, cache, index):
    """Per file: a finished result (cache hit, unreadable) or the key to store it under."""
    for path in files:
        data = read_source(path, settings)
        if isinstance(data, Diagnostic):
            result = FileResult(path, None)
            result.diagnostics.append(data)
            yield path, result, None, None
            continue
        key = cache.file_key(path, data, reads_digest(_reads(index, path)))
        hit = cache.get(key)
        if hit is not None and hit.path != path:
            hit = None  # an entry must be about the file it is filed under
        yield path, hit, key, data


def _store(cache, key, result: FileResult) -> None:
    if not any(d.kind in ("internal-error", "timeout") for d in result.diagnostics):
        cache.put(key, result)


def analyze_all(files: list, settings: Settings, jobs: int | None = None, cache=None,
                index: Index | None = None):
    """Yield a FileResult for each file, in the order of ``files``. ``index``: what
    each file reads from other files (``build_index``); a file's cached result is
    keyed on its bytes and on those reads."""
    jobs = default_jobs(len(files)) if jobs is None or jobs <= 0 else jobs
    try:
        if cache is None:
            yield from _analyze(files, settings, jobs, index)
            return
        plan = list(_plan(files, settings, cache, index))
        misses = [p for p, hit, key, _ in plan if hit is None and key is not None]
        if jobs == 1 or len(misses) < 2:
            for path, hit, key, data in plan:
                if hit is None and key is not None:
                    hit = analyze_file(path, settings, data, reads=_reads(index, path))
                    _store(cache, key, hit)
                yield hit
            return
        fresh = _analyze(misses, settings, jobs, index)
        for path, hit, key, _ in plan:
            if hit is None and key is not None:
                hit = next(fresh)
                _store(cache, key, hit)
            yield hit
    finally:
        if cache is not None:
            cache.save()


def _analyze(files: list, settings: Settings, jobs: int, index=None):
    jobs = min(jobs, max(1, len(files)))
    if jobs == 1:
        for path in files:
            yield analyze_file(path, settings, reads=_reads(index, path))
        return
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    chunk = max(1, min(64, len(files) // (jobs * 8)))
    done = 0
    try:
        ctx = multiprocessing.get_context(method)
        with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker,
                                 initargs=(settings,)) as pool:
            # a worker gets each file's path and its reads: small plain data, no trees
            items = [(path, _reads(index, path)) for path in files]
            for result in pool.map(_work, items, chunksize=chunk):
                done += 1
                yield result
    except (OSError, BrokenProcessPool):
        # no processes to be had here, or a worker died (out of memory...): finish in
        # this process, so that no file goes unreported
        for path in files[done:]:
            yield analyze_file(path, settings, reads=_reads(index, path))
