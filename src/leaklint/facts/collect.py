"""The facts phase: extract the facts of every file an analysis will read (cached by
content), build the index, and hand each analysed file its reads.

Reading goes through callables the caller provides (``list_siblings`` finds a
directory's other files through the project's discovery; ``read`` applies the size
limit), so this module never opens a directory entry on its own.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict

from .. import languages
from ..deadline import Deadline, FileTimeout
from ..source import SourceFile, decode, lone_cr_to_lf
from . import go_package
from .index import SKIPPED, UNKNOWN, Index, container_reads, fields_read_reads, go_package as package_of
from .index import package_query

# rule option naming the facts a check rule reads from other files
READS_OPTION = "reads"
GO_PACKAGE = "go-package"


def needs_go_package(rules) -> bool:
    return any(r.options.get(READS_OPTION) == GO_PACKAGE for r in rules)


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


class _File:
    """One file of a directory while its package is indexed (its tree is dropped with it)."""

    __slots__ = ("path", "data", "key", "tree", "src")

    def __init__(self, path, data):
        self.path, self.data, self.tree, self.src = path, data, None, None
        self.key = content_key(data) if data is not None else None


def build(named, *, list_siblings, read, timeout=None, store=None, overrides=None) -> Index:
    """The index for analysing ``named`` files.

    ``list_siblings(directory)``: the other source files of a directory, found by
    discovery; ``read(path)``: bytes or None (unreadable, too large); ``store``: a facts
    cache or None; ``overrides``: {path: bytes} to use instead of what is on disk."""
    index = Index()
    dirs: OrderedDict = OrderedDict()
    for p in named:
        if languages.language_of(p) == "go":
            dirs.setdefault(os.path.dirname(os.path.normpath(p)), []).append(os.path.normpath(p))
    overrides = {os.path.normpath(k): v for k, v in (overrides or {}).items()}
    for directory, here in dirs.items():
        paths = sorted({os.path.normpath(p) for p in list_siblings(directory or ".")
                        if languages.language_of(p) == "go"} | set(here))
        files = {}
        for p in paths:
            data = overrides[p] if p in overrides else read(p)
            files[p] = _File(p, data)
        decls = {p: _declarations(f, store, timeout, index) for p, f in files.items()}
        uses_memo: dict = {}
        for p in here:
            index.set(p, _reads(p, paths, files, decls, uses_memo, store, timeout, index))
    return index


def _reads(path, paths, files, decls, uses_memo, store, timeout, index) -> dict:
    reads = {}
    fields = fields_read_reads(path, paths, decls)
    reads["fields_read"] = fields if fields is not None else "unknown"
    if not is_test_path(path):
        members = package_of(paths, decls, path)
        key = tuple(members)
        if key not in uses_memo:
            query = package_query(members, decls)
            uses = {}
            if not query.empty():
                for p in members:
                    uses[p] = _uses(files[p], query, store, timeout, index)
            uses_memo[key] = (query, uses)
        query, uses = uses_memo[key]
        if not query.empty():
            reads["containers"] = container_reads(path, members, decls, uses, query)
    return reads


def is_test_path(path: str) -> bool:
    return path.endswith("_test.go")


def _tree(f: _File, deadline: Deadline):
    if f.tree is None:
        data = lone_cr_to_lf(decode(f.data)[0])
        f.tree = deadline.parse(languages.parser("go"), data)
        f.src = SourceFile(f.path, data, "go")
    return f.tree


def _extract(f: _File, timeout, index, what):
    """Run ``what(root, src)`` on the file's tree within the time limit; SKIPPED when the
    file cannot be read or decoded, UNKNOWN when it cannot be analysed in time."""
    if f.data is None:
        return SKIPPED
    deadline = Deadline(timeout)
    try:
        try:
            tree = _tree(f, deadline)  # the parse has its own guard: never interrupt it
        except UnicodeDecodeError:
            return SKIPPED
        index.extracted += 1
        with deadline.interrupting():
            return what(tree.root_node, f.src)
    except FileTimeout:
        return UNKNOWN
    except Exception:  # a file the extractor cannot handle is unknown, never fatal
        return UNKNOWN


def _declarations(f: _File, store, timeout, index) -> dict:
    if f.data is None:
        return SKIPPED
    key = "d:" + f.key
    hit = store.get(key) if store is not None else None
    if hit is not None:
        return hit
    facts = _extract(f, timeout, index, go_package.declarations)
    if store is not None and not facts.get("unknown") and not facts.get("skipped"):
        store.put(key, facts)
    return facts


def _uses(f: _File, query, store, timeout, index) -> dict | None:
    if f.data is None:
        return None
    key = "u:" + f.key + ":" + hashlib.sha256(query.digest_text().encode()).hexdigest()[:24]
    hit = store.get(key) if store is not None else None
    if hit is not None:
        return hit
    facts = _extract(f, timeout, index, lambda root, src: go_package.uses(root, src, query))
    if facts.get("unknown") or facts.get("skipped"):
        return None
    if store is not None:
        store.put(key, facts)
    return facts
