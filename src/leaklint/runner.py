"""Runs the per-file analysis over many files: in this process or a pool of processes,
through the result cache when one is given. Results come back in the order of the
files, so output never depends on scheduling."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .analyze import Settings, analyze_file, read_source
from .model import Diagnostic, FileResult

# below this many files per worker a pool's start-up costs more than it saves
MIN_FILES_PER_WORKER = 24
_PR_SET_PDEATHSIG = 1  # prctl option: the signal a process gets when its parent dies

_settings: Settings | None = None


def default_jobs(n_files: int) -> int:
    cores = os.cpu_count() or 1
    return max(1, min(cores, n_files // MIN_FILES_PER_WORKER))


def _init_worker(settings, parent: int) -> None:
    global _settings
    _settings = settings
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """A worker never outlives the run: the kernel kills it when the parent dies (Linux),
    and Ctrl-C is the parent's to handle (it stops the workers itself)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took hold
        os._exit(1)


def _stop_workers(pool) -> None:
    """Kill the pool's processes now (not after their current files) and drop the
    queued work: the run is being interrupted."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
    pool.shutdown(wait=False, cancel_futures=True)


def _work(path: str) -> FileResult:
    return analyze_file(path, _settings)


def _plan(files, settings, cache):
    """Per file: a finished result (cache hit, unreadable) or the key to store it under."""
    for path in files:
        data = read_source(path, settings)
        if isinstance(data, Diagnostic):
            result = FileResult(path, None)
            result.diagnostics.append(data)
            yield path, result, None, None
            continue
        key = cache.file_key(path, data)
        hit = cache.get(key)
        if hit is not None and hit.path != path:
            hit = None  # an entry must be about the file it is filed under
        yield path, hit, key, data


def _store(cache, key, result: FileResult) -> None:
    if not any(d.kind in ("internal-error", "timeout") for d in result.diagnostics):
        cache.put(key, result)


def analyze_all(files: list, settings: Settings, jobs: int | None = None, cache=None):
    """Yield a FileResult for each file, in the order of ``files``."""
    jobs = default_jobs(len(files)) if jobs is None or jobs <= 0 else jobs
    try:
        if cache is None:
            yield from _analyze(files, settings, jobs)
            return
        plan = list(_plan(files, settings, cache))
        misses = [p for p, hit, key, _ in plan if hit is None and key is not None]
        if jobs == 1 or len(misses) < 2:
            for path, hit, key, data in plan:
                if hit is None and key is not None:
                    hit = analyze_file(path, settings, data)
                    _store(cache, key, hit)
                yield hit
            return
        fresh = _analyze(misses, settings, jobs)
        for path, hit, key, _ in plan:
            if hit is None and key is not None:
                hit = next(fresh)
                _store(cache, key, hit)
            yield hit
    finally:
        if cache is not None:
            cache.save()


def _analyze(files: list, settings: Settings, jobs: int):
    jobs = min(jobs, max(1, len(files)))
    if jobs == 1:
        for path in files:
            yield analyze_file(path, settings)
        return
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    chunk = max(1, min(64, len(files) // (jobs * 8)))
    done = 0
    try:
        ctx = multiprocessing.get_context(method)
        with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker,
                                 initargs=(settings, os.getpid())) as pool:
            try:
                for result in pool.map(_work, files, chunksize=chunk):
                    done += 1
                    yield result
            except BaseException:  # Ctrl-C, SIGTERM, or the caller stopped reading
                _stop_workers(pool)
                raise
    except (OSError, BrokenProcessPool):
        # no processes to be had here, or a worker died (out of memory...): finish in
        # this process, so that no file goes unreported
        for path in files[done:]:
            yield analyze_file(path, settings)
