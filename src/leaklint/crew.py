"""Worker processes that keep what they parsed from one phase of a run to the next.

A pool that hands each file to whichever worker is free cannot serve a run whose
analysis takes over the trees its facts phase parsed: the tree is in the process that
made it. A ``Crew`` gives each of its forked workers a fixed part of the files
(``parts``: whole directories, which share most of their facts, balanced by size); a
worker extracts the facts of its part (``facts``: the facts phase over those files,
its new facts sent back as plain data) and later analyses the files of its part it is
given (``analyse``), with the trees it kept. Results come back in the order asked,
whatever the workers' pace. A worker that dies leaves its files to this process.
"""

from __future__ import annotations

import os
from collections import OrderedDict

# a directory holding more than this share of a part's bytes may be split among workers
# (a Go package split in two has its other files' facts extracted by both)
SPLIT_SHARE = {"go": 1.0, "other": 0.25}


def parts(files: list, jobs: int, size, is_package) -> list:
    """``files`` in ``jobs`` parts of about equal bytes (``size(path)``), each file's
    directory kept whole unless it is larger than its share (``SPLIT_SHARE``; Go
    directories, ``is_package(path)``, hold together longest). Each part keeps the
    order of ``files``."""
    by_dir: OrderedDict = OrderedDict()
    for p in files:
        by_dir.setdefault(os.path.dirname(os.path.normpath(p)), []).append(p)
    sizes = {p: max(1, size(p)) for p in files}
    total = sum(sizes.values())
    units = []
    for here in by_dir.values():
        nbytes = sum(sizes[p] for p in here)
        share = SPLIT_SHARE["go" if any(is_package(p) for p in here) else "other"]
        if nbytes > total / jobs * share and len(here) > 1:
            units.extend(([p], sizes[p]) for p in here)
        else:
            units.append((here, nbytes))
    units.sort(key=lambda u: -u[1])  # largest first, each to the lightest part (stable)
    out = [[] for _ in range(jobs)]
    load = [0] * jobs
    for here, nbytes in units:
        i = min(range(jobs), key=lambda k: (load[k], k))
        out[i].extend(here)
        load[i] += nbytes
    order = {p: i for i, p in enumerate(files)}
    return [sorted(part, key=order.__getitem__) for part in out if part]


class CrewLost(Exception):
    """A worker is gone."""


def _serve(conn, part, facts, analyse, start, parent) -> None:
    start(parent)
    kept = None
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message[0] == "facts":
            try:
                new, kept = facts(part)
            except Exception:  # the parent computes what is missing itself
                new, kept = {}, None
            conn.send(new)
        elif message[0] == "analyse":
            for i, path, reads in message[1]:
                conn.send((i, analyse(path, reads, kept)))
            conn.send(None)
        else:
            return


class Crew:
    """``len(parts)`` forked workers. ``facts(part) -> ({kind: {key: value}}, kept)`` and
    ``analyse(path, reads, kept) -> FileResult`` run in the worker owning the files;
    ``start(parent_pid)`` first thing in each worker."""

    def __init__(self, parts_, facts, analyse, start):
        import multiprocessing  # here: a run in one process never needs it

        ctx = multiprocessing.get_context("fork")
        self._workers = []  # [process, connection or None when lost, its files]
        self.owner = {}
        for n, part in enumerate(parts_):
            mine, theirs = ctx.Pipe()
            process = ctx.Process(target=_serve, args=(theirs, part, facts, analyse, start,
                                                       os.getpid()), daemon=True)
            process.start()
            theirs.close()
            self._workers.append([process, mine, part])
            for p in part:
                self.owner[os.path.normpath(p)] = n

    def facts(self) -> dict:
        """What every worker extracted from its part, merged by kind: each worker's
        ``facts(part)`` gives ``{kind: {key: value}}``."""
        out: dict = {}
        for w in self._workers:
            self._send(w, ("facts",))
        for w in self._live():
            try:
                got = w[1].recv()
            except (EOFError, OSError):
                self._lose(w)
                continue
            if isinstance(got, dict):
                for kind, values in got.items():
                    out.setdefault(kind, {}).update(values)
        return out

    def analyse(self, items: list, fallback):
        """Yield ``analyse(path, reads)`` for each (path, reads) of ``items``, in order:
        each by the worker owning the file, or ``fallback(path, reads)`` here when that
        worker is gone."""
        from multiprocessing.connection import wait

        todo = {}
        for i, (path, reads) in enumerate(items):
            todo.setdefault(self.owner.get(os.path.normpath(path), -1), []).append((i, path, reads))
        done: dict = {}
        waiting = {}
        for n, asked in todo.items():
            w = self._workers[n] if n >= 0 else None
            if w is not None and self._send(w, ("analyse", asked)):
                waiting[w[1]] = (w, {i for i, _, _ in asked})
            else:
                for i, path, reads in asked:
                    done[i] = None  # filled below, in order
        nxt = 0
        while nxt < len(items):
            while nxt in done:
                result = done.pop(nxt)
                if result is None:
                    result = fallback(*items[nxt])
                yield result
                nxt += 1
            if nxt >= len(items):
                break
            for conn in wait(list(waiting)):
                w, left = waiting[conn]
                try:
                    got = conn.recv()
                except (EOFError, OSError):
                    got = CrewLost
                if got is None or got is CrewLost:
                    del waiting[conn]
                    if got is CrewLost:
                        self._lose(w)
                        for i in left:
                            done[i] = None
                    continue
                i, result = got
                left.discard(i)
                done[i] = result

    def close(self) -> None:
        for w in self._workers:
            if w[1] is not None:
                try:
                    w[1].send(("stop",))
                except OSError:
                    pass
                w[1].close()
                w[1] = None
        for w in self._workers:
            w[0].join(timeout=5)
            if w[0].is_alive():
                w[0].kill()
                w[0].join()

    def kill(self) -> None:
        for w in self._workers:
            if w[0].is_alive():
                w[0].kill()
        for w in self._workers:
            w[0].join()
            if w[1] is not None:
                w[1].close()
                w[1] = None

    def _live(self):
        return [w for w in self._workers if w[1] is not None]

    def _send(self, w, message) -> bool:
        if w[1] is None:
            return False
        try:
            w[1].send(message)
            return True
        except OSError:
            self._lose(w)
            return False

    def _lose(self, w) -> None:
        if w[1] is not None:
            w[1].close()
            w[1] = None
        if w[0].is_alive():
            w[0].kill()
