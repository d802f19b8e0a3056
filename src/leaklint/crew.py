"""Worker processes that keep what they parsed from one phase of a run to the next.

A pool that hands each file to whichever worker is free cannot serve a run whose
analysis takes over the trees its facts phase parsed: the tree is in the process that
made it. A ``Crew`` gives each of its forked workers a fixed part of the files
(``parts``: whole directories, which share most of their facts, balanced by size); a
worker extracts the facts of its part (``facts``: the facts phase over those files,
its new facts sent back as plain data) and later analyses the files of its part it is
given (``analyse``), with the trees it kept, the largest first; a worker done with its
own files takes the largest of another's not yet begun (parsing it again). Results come
back in the order asked, whatever the workers' pace. A worker that dies leaves its files
to the others, or to this process.
"""

from __future__ import annotations

import os
from collections import OrderedDict, deque

# a directory holding more than this share of a part's bytes may be split among workers
# (a Go package split in two has its other files' facts extracted by both)
SPLIT_SHARE = {"go": 1.0, "other": 0.25}
BATCH = 4  # files sent to a worker at a time for their analysis
IN_FLIGHT = 2  # batches a worker has at once: the next is there when one is done


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

    def analyse(self, items: list, fallback, size=None):
        """Yield ``analyse(path, reads)`` for each (path, reads) of ``items``, in order.
        Each worker takes the files it owns (the largest first, by ``size(path)``) in
        batches, ``IN_FLIGHT`` at a time; one that has none left takes, one by one, the
        largest of the files another worker has not been sent yet (analysed without the
        tree their owner kept, parsed again), so that neither waits long for the other
        at the end: a file's analysis may cost far more than its bytes say (a large test
        file of a package one worker owns). A file whose worker is gone, with no worker
        left to take it, is ``fallback(path, reads)`` here."""
        from multiprocessing.connection import wait

        queues: dict = {}
        for i, (path, reads) in enumerate(items):
            queues.setdefault(self.owner.get(os.path.normpath(path), -1), []).append(
                (i, path, reads))
        done: dict = {i: None for i, _, _ in queues.pop(-1, [])}  # None: analysed here
        if size is not None:
            for queue in queues.values():
                queue.sort(key=lambda item: -size(item[1]))  # stable: ties keep their order
        queues = {n: deque(queue) for n, queue in queues.items()}
        sent: dict = {}  # worker -> [the indexes sent and not answered, batches in flight]

        def take(n):
            own = queues.get(n)
            if own:
                return [own.popleft() for _ in range(min(BATCH, len(own)))]
            other = max(queues.values(), key=len, default=None)  # its largest file next
            return [other.popleft()] if other else []

        def feed(n):
            w = self._workers[n]
            state = sent.setdefault(n, [set(), 0])
            while w[1] is not None and state[1] < IN_FLIGHT:
                batch = take(n)
                if not batch:
                    return
                if not self._send(w, ("analyse", batch)):
                    for i, _, _ in batch:
                        done[i] = None
                    break
                state[0].update(i for i, _, _ in batch)
                state[1] += 1
            if w[1] is None:  # lost: what it was sent is analysed here
                done.update((i, None) for i in state[0])
                state[0].clear()
                state[1] = 0

        for n in range(len(self._workers)):
            feed(n)
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
            busy = {self._workers[n][1]: n for n, state in sent.items()
                    if state[1] and self._workers[n][1] is not None}
            if not busy:  # no worker left: the rest is analysed here
                for queue in queues.values():
                    done.update((i, None) for i, _, _ in queue)
                    queue.clear()
                continue
            for conn in wait(list(busy)):
                n = busy[conn]
                state = sent[n]
                try:
                    got = conn.recv()
                except (EOFError, OSError):
                    got = CrewLost
                if got is CrewLost:
                    self._lose(self._workers[n])
                    done.update((i, None) for i in state[0])
                    state[0].clear()
                    state[1] = 0
                elif got is None:  # a batch is over
                    state[1] -= 1
                else:
                    i, result = got
                    state[0].discard(i)
                    done[i] = result
                feed(n)
            for n in range(len(self._workers)):  # a worker may have room for stolen files
                feed(n)

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
