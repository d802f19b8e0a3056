"""Runs the analysis in phases: the facts of every file an analysis reads (cached by
content) and the index over them (``build_index``), then the per-file analysis over
many files, in this process or a pool of processes, through the result cache when one
is given. Results come back in the order of the files, so output never depends on
scheduling."""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING

from . import catalogue, gc_policy, languages
from .settings import Settings, read_source, rules_for
from .cache import FactsCache
from .crew import Crew, parts
from .languages.go_versions import build_inputs, nearest_go_mod
from .model import Diagnostic, FileResult
from .unchanged import Runs, Watch
from .vendored import library_build

if TYPE_CHECKING:
    from .facts.index import Index

# below this many files per worker a pool's start-up costs more than it saves
MIN_FILES_PER_WORKER = 24
_PR_SET_PDEATHSIG = 1  # prctl option: the signal a process gets when its parent dies
# files from this size on are analysed in a process that can be killed at the time limit:
# tree-sitter's query engine slows down badly in very deep trees (a 1 MB chain of `a +`
# terms holds it for minutes in C). Below it, the deepest shapes tried (chains, nested
# blocks, brackets and calls of 256 KB) spend at most 0.05 s in any one call into C, and
# the timer interrupts the Python between calls. A fork costs far more than that: after
# it, every page the scan writes faults once (about 1.5 s of a cold run over prometheus
# when it forked for each of its 39 files of 64 KB or more).
ISOLATE_MIN_BYTES = 256 * 1024
KILL_GRACE = 1.0  # seconds past the limit before the process is killed

_settings: Settings | None = None
_trees = None  # facts.trees.Trees a forked worker inherited from the facts phase


def default_jobs(n_files: int) -> int:
    cores = os.cpu_count() or 1
    return max(1, min(cores, n_files // MIN_FILES_PER_WORKER))


def _init_worker(settings, parent: int, trees=None) -> None:
    global _settings, _trees
    _settings, _trees = settings, trees
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """A worker never outlives the run: the kernel kills it when the parent dies (Linux),
    and Ctrl-C is the parent's to handle (it stops the workers itself)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took hold
        os._exit(1)


def analyze_guarded(path: str, settings: Settings, data: bytes | None = None,
                    reads: dict | None = None, trees=None) -> FileResult:
    """``analyze_file`` with the time limit held from outside for files big enough to
    keep tree-sitter busy in C (queries over very deep trees), where the in-process
    timer cannot interrupt: such a file is analysed in a forked process that is killed
    once the limit is passed by ``KILL_GRACE`` seconds. Other files run in this process."""
    from .analyze import analyze_file  # here: a run the result cache serves never loads it

    if (settings.timeout is None or not hasattr(os, "fork")
            or _size(path, data) < ISOLATE_MIN_BYTES
            or threading.current_thread() is not threading.main_thread()):
        return analyze_file(path, settings, data, reads=reads, trees=trees)
    import pickle  # here: only a large file's result comes back through a pipe

    budget = settings.timeout * (2 if settings.fixes else 1) + KILL_GRACE  # fixes: own budget
    parent = os.getpid()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: analyse, hand the result back, leave without cleanup
        code = 1
        try:
            os.close(r)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _die_with_parent(parent)
            payload = pickle.dumps(analyze_file(path, settings, data, reads=reads, trees=trees))
            with os.fdopen(w, "wb") as fh:
                fh.write(payload)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    if trees is not None:
        trees.take(path)  # the child had it (a large Go file its package's facts parsed)
    try:
        payload = _read_by(r, time.monotonic() + budget)
    except BaseException:  # interrupted: the child goes too
        _reap(pid, kill=True)
        raise
    finally:
        os.close(r)
    _reap(pid, kill=payload is None)
    if payload is None:
        return _limit_result(path, settings)
    try:
        return pickle.loads(payload)
    except Exception:  # the child died mid-way (a crash in the parser, memory)
        result = FileResult(path, None)
        result.diagnostics.append(Diagnostic(path, "internal-error",
                                             "the analysis of this file crashed"))
        return result


def _size(path: str, data: bytes | None) -> int:
    if data is not None:
        return len(data)
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _read_by(fd: int, deadline: float) -> bytes | None:
    """Everything written to ``fd`` until its end, or None if that takes past ``deadline``."""
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _reap(pid: int, kill: bool) -> None:
    if kill:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _limit_result(path: str, settings: Settings) -> FileResult:
    from .languages import language_of

    result = FileResult(path, language_of(path))
    result.diagnostics.append(Diagnostic(
        path, "timeout", f"not analysed: over the time limit of {settings.timeout:g}s "
                         "(config key `timeout`)"))
    return result


def _stop_workers(pool) -> None:
    """Kill the pool's processes now (not after their current files): the run is being
    interrupted. The pool's own thread then fails the queued work (cancelling it here
    as well would race with that thread)."""
    _quiet_pool_thread()
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
    pool.shutdown(wait=False)


def _quiet_pool_thread() -> None:
    """An interrupted ``map`` has already cancelled its pending futures; on some Python
    versions the pool's thread then fails them again when it sees the killed workers and
    dies with InvalidStateError. The run is ending: that is no error worth a traceback."""
    from concurrent.futures import InvalidStateError

    previous = threading.excepthook

    def hook(args):
        if args.exc_type is not None and issubclass(args.exc_type, InvalidStateError):
            return
        previous(args)

    threading.excepthook = hook


def _work(item) -> FileResult:
    path, reads = item
    return analyze_guarded(path, _settings, reads=reads, trees=_trees)


def scan(files: list, settings: Settings, list_siblings, jobs: int | None = None, cache=None):
    """Yield a FileResult for each of ``files``, in their order: the facts phase
    (``build_index``), then the analysis (``analyze_all``). With a ``cache``, a run over
    the same files as an earlier one in which nothing that run read has changed
    (``unchanged.Runs``) takes its results from the cache without either phase. With
    more than one job, both phases run in a ``crew.Crew`` (unless the facts are likely
    cached: an earlier run over the same files)."""
    jobs = default_jobs(len(files)) if jobs is None or jobs <= 0 else jobs
    nearest_go_mod.cache_clear()  # a go.mod may have changed since an earlier run of this process
    runs = Runs(cache) if cache is not None else None
    read = _reader(settings)
    if runs is not None:
        known = runs.keys(files, read, list_siblings, settings.follow_symlinks)
        if known is not None:
            hits = [_hit(cache, path, known[os.path.normpath(path)]) for path in files]
            if all(hit is not None for hit in hits):
                yield from hits
                return
    from .facts import collect  # here: a run the result cache serves never loads it

    watch = Watch(read, list_siblings, settings.follow_symlinks) if runs is not None else None
    store = FactsCache.beside(cache) if cache is not None else None
    crew = None
    if (jobs > 1 and len(files) >= 2 and sys.platform.startswith("linux")
            and collect.needs_reads(settings.rules) and not (runs is not None and runs.seen(files))):
        store = store if store is not None else _Facts()
        crew = _crew(files, settings, list_siblings, read, store, jobs)
    keys: dict = {}
    try:
        if crew is not None:
            found = crew.facts()
            for key, facts in found.get("facts", {}).items():
                store.put(key, facts)
            catalogue.learn_words(found.get("words", {}))
        index = build_index(files, settings, watch.list_siblings if watch else list_siblings,
                            store, read=watch.read if watch else read)
        if crew is not None and index is not None:
            index.trees = None  # the workers hold the trees of their files
        gc_policy.settled(len(files))
        yield from analyze_all(files, settings, jobs, cache, index, watch=watch, keys=keys,
                               crew=crew)
    except BaseException:
        if crew is not None:
            crew.kill()
            crew = None
        raise
    finally:
        if crew is not None:
            crew.close()
    if runs is not None:
        runs.record(files, watch, keys)


class _Facts(dict):
    """The facts of a run without a cache, as the workers extracted them."""

    def put(self, key, facts) -> None:
        self[key] = facts

    def save(self) -> None:
        pass


class _Recording:
    """A worker's facts store: the run's (inherited), and what the worker adds to it,
    which goes back to the parent."""

    def __init__(self, base):
        self.base, self.new = base, {}

    def get(self, key):
        hit = self.new.get(key)
        return hit if hit is not None else self.base.get(key)

    def put(self, key, facts) -> None:
        self.new[key] = facts

    def save(self) -> None:
        pass


def _crew(files, settings, list_siblings, read, store, jobs) -> Crew:
    """Workers for ``files``: each runs the facts phase over its part (keeping the trees
    its analysis will take over), reading no file of another part, then analyses the
    files of its part."""
    store.get("")  # load the cached facts once, before the workers inherit them

    named = {os.path.normpath(p) for p in files}

    def facts(part):
        # another worker extracts the facts of its own part's files: reading them here
        # would parse them twice (a TS/JS module's imports cross the parts); what this
        # worker cannot read, the main process finds in the other workers' facts
        theirs = named - {os.path.normpath(p) for p in part}
        recording = _Recording(store)
        index = build_index(part, settings, list_siblings, recording,
                            read=lambda path: None if os.path.normpath(path) in theirs
                            else read(path), joined=False)
        # the prefilter's words go too: the main process asks about every file again
        return {"facts": recording.new, "words": catalogue.words_found()}, _trees_of(index)

    def analyse(path, reads, trees):
        return analyze_guarded(path, settings, reads=reads, trees=trees)

    split = parts(files, jobs, lambda p: _size(p, None),
                  lambda p: languages.language_of(p) == "go")
    return Crew(split, facts, analyse, _die_with_parent)


def _hit(cache, path, key):
    hit = cache.get(key)
    return hit if hit is not None and hit.path == path else None


def _reader(settings):
    def read(path):
        data = read_source(path, settings)
        return None if isinstance(data, Diagnostic) else data
    return read


def build_index(files: list, settings: Settings, list_siblings, facts_store=None,
                overrides=None, read=None, joined=True) -> Index | None:
    """The facts phase: the index the enabled rules read, or None when none reads any
    other file. ``list_siblings(directory)`` finds a directory's files through discovery;
    ``overrides``: {path: bytes} to use instead of what is on disk (an editor's buffer);
    ``read(path)``: a file's bytes or None (default: as the analysis reads it);
    ``joined`` False: the facts matter, not every read (``collect.build``)."""
    from .facts import collect

    if not collect.needs_reads(settings.rules):
        return None
    read = read or _reader(settings)

    def wants(path, data):
        family = languages.FAMILY.get(languages.language_of(path) or "", "go")
        return collect.wanted(rules_for(settings, path, family), path, data)

    def rules_of(path):
        return rules_for(settings, path, languages.FAMILY.get(languages.language_of(path) or "", ""))

    try:
        return collect.build(files, list_siblings=list_siblings, read=read, wants=wants,
                             timeout=settings.timeout, store=facts_store, overrides=overrides,
                             settings=settings, rules_of=rules_of, joined=joined)
    finally:
        if facts_store is not None:
            facts_store.save()


def reads_of(path: str, data: bytes, settings: Settings, list_siblings) -> dict | None:
    """What one file (``data``, not necessarily saved) reads from the files beside it."""
    index = build_index([path], settings, list_siblings, overrides={path: data})
    return _reads(index, path)


def _reads(index, path):
    return index.reads(path) if index is not None else None


def _trees_of(index):
    return index.trees if index is not None else None


def _plan(files, settings, cache, index, watch=None):
    """Per file: a finished result (cache hit, unreadable) or the key to store it under.
    ``watch``: an ``unchanged.Watch`` told of each file read."""
    from .facts.index import reads_digest

    for path in files:
        if watch is not None:
            watch.before(path)
        data = read_source(path, settings)
        if watch is not None:
            watch.saw(path, None if isinstance(data, Diagnostic) else data)
        if isinstance(data, Diagnostic):
            result = FileResult(path, None)
            result.diagnostics.append(data)
            yield path, result, None, None
            continue
        key = cache.file_key(path, data, reads_digest(_reads(index, path)),
                             _built_by(path, watch))
        hit = cache.get(key)
        if hit is not None and hit.path != path:
            hit = None  # an entry must be about the file it is filed under
        if hit is not None and index is not None and index.trees is not None:
            index.trees.take(path)  # no analysis: no tree to keep for it
        yield path, hit, key, data


def _built_by(path: str, watch=None) -> str:
    """The part of a file's result key its surroundings make: a Go file's go.mod
    directives (the go.mod files looked at are told to ``watch``); whether a script is
    a library's readable build, which its minified twin beside it says (``vendored``)."""
    if languages.language_of(path) != "go":
        return library_build(path)
    key, looked = build_inputs(path)
    if watch is not None:
        for mod in looked:
            if os.path.normpath(mod) not in watch.files:
                watch.read(mod)
    return key


def _store(cache, key, result: FileResult, keys=None) -> None:
    if not any(d.kind in ("internal-error", "timeout") for d in result.diagnostics):
        cache.put(key, result)
        if keys is not None:
            keys[os.path.normpath(result.path)] = key


def analyze_all(files: list, settings: Settings, jobs: int | None = None, cache=None,
                index: Index | None = None, watch=None, keys=None, crew=None):
    """Yield a FileResult for each file, in the order of ``files``. ``index``: what
    each file reads from other files (``build_index``); a file's cached result is
    keyed on its bytes and on those reads. ``watch``: an ``unchanged.Watch`` told of
    each file read; ``keys``: a dict given each stored (or found) result's key;
    ``crew``: the workers that ran the facts phase, which analyse their files."""
    jobs = default_jobs(len(files)) if jobs is None or jobs <= 0 else jobs
    try:
        if cache is None:
            if crew is not None:
                yield from _by_crew(crew, files, settings, index)
            else:
                yield from _analyze(files, settings, jobs, index)
            return
        plan = list(_plan(files, settings, cache, index, watch))
        if keys is not None:
            keys.update((os.path.normpath(p), key) for p, hit, key, _ in plan if hit is not None
                        and key is not None)
        misses = [p for p, hit, key, _ in plan if hit is None and key is not None]
        if crew is None and (jobs == 1 or len(misses) < 2):
            for path, hit, key, data in plan:
                if hit is None and key is not None:
                    hit = analyze_guarded(path, settings, data, reads=_reads(index, path),
                                          trees=_trees_of(index))
                    _store(cache, key, hit, keys)
                yield hit
            return
        fresh = (_by_crew(crew, misses, settings, index) if crew is not None
                 else _analyze(misses, settings, jobs, index))
        for path, hit, key, _ in plan:
            if hit is None and key is not None:
                hit = next(fresh)
                _store(cache, key, hit, keys)
            yield hit
    finally:
        if cache is not None:
            cache.save()


def _by_crew(crew, files, settings, index):
    def here(path, reads):
        return analyze_guarded(path, settings, reads=reads)

    return crew.analyse([(path, _reads(index, path)) for path in files], here,
                        lambda path: _size(path, None))


def _analyze(files: list, settings: Settings, jobs: int, index=None):
    jobs = min(jobs, max(1, len(files)))
    if jobs == 1:
        for path in files:
            yield analyze_guarded(path, settings, reads=_reads(index, path), trees=_trees_of(index))
        return
    # imported only for a pool: start-up is most of a small run in one process
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    chunk = max(1, min(64, len(files) // (jobs * 8)))
    done = 0
    try:
        ctx = multiprocessing.get_context(method)
        # forked workers inherit the facts phase's trees; others would have them pickled
        trees = _trees_of(index) if method == "fork" else None
        with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker,
                                 initargs=(settings, os.getpid(), trees)) as pool:
            # a worker gets each file's path and its reads: small plain data, no trees
            items = [(path, _reads(index, path)) for path in files]
            try:
                for result in pool.map(_work, items, chunksize=chunk):
                    done += 1
                    yield result
            except BaseException:  # Ctrl-C, SIGTERM, or the caller stopped reading
                _stop_workers(pool)
                raise
    except (OSError, BrokenProcessPool):
        # no processes to be had here, or a worker died (out of memory...): finish in
        # this process, so that no file goes unreported
        for path in files[done:]:
            yield analyze_guarded(path, settings, reads=_reads(index, path), trees=_trees_of(index))
