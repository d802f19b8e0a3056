"""The project index over the files' facts: which files make up a Go package, and what
the analysis of one file reads from its package ("reads").

A file's reads are small, plain data, and they are all the analysis of that file
learns from other files: the result cache keys a file on its bytes and a digest of its
reads, so an edit elsewhere that changes what a file would read changes its key, and
one that does not leaves its cached result valid.
"""

from __future__ import annotations

import hashlib
import json
import os

from .go_build import can_build
from .go_growth import Query
from .lifetimes import is_test_path

# what a file's facts hold when they could not be computed (unreadable, not UTF-8,
# over the time limit): the index treats everything about such a file as unknown, and
# rules treat unknown as a handoff (no finding)
UNKNOWN = {"unknown": True}
# ... and when the file is not source we can read at all (unreadable, over the size
# limit, not UTF-8): as the scan itself skips it (with a diagnostic), it is left out
SKIPPED = {"skipped": True}

MAX_RELATED = 5


def reads_digest(reads) -> str:
    """A stable digest of what a file read from other files ("" when it read nothing)."""
    if not reads:
        return ""
    return hashlib.sha256(json.dumps(reads, sort_keys=True).encode()).hexdigest()[:24]


def go_package(paths: list, decls: dict, path: str) -> list:
    """The files of ``path``'s package among ``paths`` (one directory), sorted: the
    non-test files with the same package clause whose build constraint can hold.
    Files whose facts are unknown stay in: they may belong to the package. (The order
    is the package's, not the asking file's, so that a message naming "the first
    place" is the same whichever files a run names.)"""
    own = decls.get(path, UNKNOWN)
    name = own.get("package")
    out = []
    for p in sorted(set(paths) | {path}):
        if is_test_path(p, "go") and p != path:
            continue
        if p == path:
            out.append(p)
            continue
        d = decls.get(p, UNKNOWN)
        if d.get("skipped"):
            continue
        if d.get("unknown") or (d.get("package") == name and can_build(d.get("build", ""))):
            out.append(p)
    return out


def package_query(files: list, decls: dict) -> Query:
    """What ``files`` (one package, in order) ask of each other: their containers, the
    container fields of types with a single package-level instance, their once.Do
    functions."""
    containers, once, made, holder, fields, asserted = {}, set(), {}, {}, {}, set()
    for p in files:
        d = decls.get(p, UNKNOWN)
        if d.get("unknown") or d.get("skipped"):
            continue
        for c in d["containers"]:
            containers.setdefault(c["name"], c["kind"])
        once.update(d["once"])
        for t, h in d["made"]:
            if h == "_":  # `var _ Iface = new(T)`: a compile-time check, no value kept
                asserted.add(t)
                continue
            made[t] = made.get(t, 0) + 1
            if h:
                holder[t] = h
    instances = {t: holder[t] for t, n in made.items() if n == 1 and t in holder}
    for p in files:
        d = decls.get(p, UNKNOWN)
        for f in ([] if d.get("unknown") or d.get("skipped") else d["struct_fields"]):
            inst = instances.get(f["type"], "")
            if inst:
                fields.setdefault(f["name"], {"type": f["type"], "kind": f["kind"],
                                              "instance": inst})
    return Query(containers, fields, sorted(once), instances, sorted(asserted - set(made)))


def container_reads(path: str, files: list, decls: dict, uses: dict, query: Query) -> dict:
    """What LL510 reads for ``path``: for each container and single-instance field it
    declares, where the package inserts into it (the first few places and how many)
    and whether anything evicts from it; None for "unknown" (a file of the package
    could not be read)."""
    unknown = any(decls.get(p, UNKNOWN).get("unknown") or uses.get(p) is None for p in files)
    own = decls.get(path, UNKNOWN)
    if own.get("unknown") or own.get("skipped"):
        return {"containers": [], "fields": []}

    def merged(section: str, name: str) -> dict:
        inserts, count, bounded, evicted = [], 0, 0, unknown
        for p in files:
            entry = (uses.get(p) or {}).get(section, {}).get(name)
            if entry is None:
                continue
            count += len(entry["inserts"])
            bounded += entry.get("bounded", 0)
            evicted = evicted or entry["evictions"] > 0
            for pos in entry["inserts"]:
                if len(inserts) < MAX_RELATED:
                    inserts.append([p] + pos)
        return {"inserts": inserts, "insert_count": count, "bounded": bounded, "evicted": evicted}

    containers = []
    for c in own["containers"]:
        containers.append(dict(c, kind=query.containers.get(c["name"], c["kind"]),
                               **merged("containers", c["name"])))
    fields = []
    for f in own["struct_fields"]:
        inst = query.instances.get(f["type"], "")
        if inst:
            fields.append(dict(f, instance=inst, **merged("fields", f["name"])))
        elif f["type"] in query.asserted:
            fields.append(dict(f, instance="", inserts=[], insert_count=0, evicted=True,
                               asserted=True))
    return {"containers": containers, "fields": fields}


def _field_reads_around(path: str, directory: list, reads_of: dict, own: bool = True) -> list | None:
    """The field reads (``go_package.field_reads``) of ``path`` and of the files of its directory (``own``: ``path``'s
    among them), those of skipped files left out; None when ``path`` or one of them is
    unknown (then nothing can be said)."""
    mine = reads_of.get(path, UNKNOWN)
    if mine.get("unknown") or mine.get("skipped"):
        return None
    found = [mine]
    for p in directory:
        d = reads_of.get(p, UNKNOWN)
        if (p == path and not own) or d.get("skipped"):
            continue
        if d.get("unknown"):
            return None
        found.append(d)
    return found


def fields_read_reads(path: str, directory: list, reads_of: dict) -> list | None:
    """What LL302 reads for ``path``: which of the fields it may assign are read by some
    file of its directory; None when a file of the directory is unknown."""
    facts = _field_reads_around(path, directory, reads_of)
    if facts is None:
        return None
    wanted = set(facts[0]["fields_assigned"])
    return sorted(set().union(*(wanted & set(d["fields_read"]) for d in facts[1:])))


def typed_fields_read_reads(path: str, directory: list, reads_of: dict) -> dict | None:
    """The same, told apart by who reads: {"via": ["T.f" read by T's methods on their
    receiver], "other": [f read any other way]}; None when a file is unknown."""
    facts = _field_reads_around(path, directory, reads_of)
    if facts is None:
        return None
    wanted = set(facts[0]["fields_assigned"])
    via = {r for d in facts[1:] for r in d["fields_read_via"] if r.rsplit(".", 1)[-1] in wanted}
    other = {f for d in facts[1:] for f in d["fields_read_other"] if f in wanted}
    return {"via": sorted(via), "other": sorted(other)}


def names_read_reads(path: str, directory: list, reads_of: dict) -> list | None:
    """What LL302 reads for ``path`` about package variables: which of the names it may
    assign the OTHER files of its directory read (its own reads it sees itself); None
    when a file of the directory is unknown."""
    facts = _field_reads_around(path, directory, reads_of, own=False)
    if facts is None:
        return None
    wanted = set(facts[0]["names_assigned"])
    return sorted({n for d in facts[1:] for n in d["names_read"] if n in wanted})


class Index:
    """Per analysed file, what it reads from the other files (see ``reads``)."""

    def __init__(self):
        self._reads: dict = {}
        self.extracted = 0  # files whose facts were computed (not served from the cache)
        self.trees = None  # facts.trees.Trees: what the facts phase parsed, for the analysis

    def set(self, path: str, reads: dict) -> None:
        self._reads[os.path.normpath(path)] = reads

    def reads(self, path: str) -> dict | None:
        return self._reads.get(os.path.normpath(path))
