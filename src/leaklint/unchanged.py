"""What a warm run can skip: the record of the last run over the same files.

A run's results are keyed on each file's bytes and on what its analysis read from
other files (the facts phase's index). Computing those keys means reading, hashing and
indexing every file, which on a large tree costs most of a warm run. ``Runs`` keeps,
per list of named files and settings, what the last run saw:

- for every file the run read (the named ones and the others the facts phase opened,
  or found missing), its ``lstat`` (``stat`` when links are followed) and a digest of
  its bytes;
- for every directory whose files the facts phase listed, that listing;
- each named file's result key.

When every file still has the same status (size, modification and change times, inode)
or, failing that, the same bytes, and every listing is the same, the facts phase would
build the same index, so the recorded keys are the right ones and the results come
straight from the cache. The change time cannot be set by a file's owner, so a file
edited since has another status; a status recorded within ``RACY_NS`` of when it was
taken is not trusted (a later edit in the same clock tick would not show), nor any
status when the tree was checked out afresh (CI): then the bytes are compared.

The record lives in the cache directory, sealed with the cache's key like the results'
index (``cache.seal``): a record that was not written by this installation, one found
in the scanned tree for one, is never read.
"""

from __future__ import annotations

import hashlib
import json
import os
import time

from .cache import MAX_INDEX_SIZE, ResultCache, load_key, seal, unseal
from .safe_io import ReadRefused, link_on_the_way, read_regular, write_atomic

# a status whose times are this close to the moment it was taken may miss a later edit
# in the same tick of the file system's clock: such a file is compared by its bytes
RACY_NS = 2_000_000_000
# records kept per settings (one per list of named files: a full run, a hook's runs)
MAX_RUNS = 16


def run_key(files) -> str:
    """The record's name for a run over ``files`` (its named files, in order)."""
    h = hashlib.sha256()
    for p in files:
        h.update(os.path.normpath(p).encode("utf-8", "surrogateescape") + b"\0")
    return h.hexdigest()[:24]


def digest(data) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()[:32]


class Watch:
    """Records what a run reads while it runs: wraps the facts phase's ``read`` and
    ``list_siblings``, and is told of the named files the analysis reads."""

    def __init__(self, read, list_siblings, follow_links: bool):
        self._read, self._list = read, list_siblings
        self.follow = follow_links
        self.files: dict = {}  # path -> [status or None, digest of the bytes or None]
        self.dirs: dict = {}  # directory -> its listing
        self._before: dict = {}  # path -> its status taken before it was read

    def status(self, path: str):
        """What ``Runs`` compares: None for a file that is not there (or not a file)."""
        try:
            st = os.stat(path) if self.follow else os.lstat(path)
        except OSError:
            return None
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode]

    def saw(self, path: str, data) -> None:
        """``path`` was read as ``data`` (None: it could not be), after ``before``."""
        path = os.path.normpath(path)
        if path not in self.files:
            self.files[path] = [self._before.pop(path, None), digest(data)]

    def read(self, path: str):
        self.before(path)
        data = self._read(path)
        self.saw(path, data)
        return data

    def before(self, path: str) -> None:
        """Take ``path``'s status now, before it is read (an edit after the read then
        shows as another status)."""
        path = os.path.normpath(path)
        if path not in self.files and path not in self._before:
            st = self.status(path)
            # a status taken in the same clock tick as the file's last change is racy
            now = time.time_ns()
            self._before[path] = (st if st is not None and now - max(st[1], st[2]) > RACY_NS
                                  else None)

    def list_siblings(self, directory: str):
        listing = self._list(directory)
        self.dirs[os.path.normpath(directory or ".")] = sorted(os.path.normpath(p) for p in listing)
        return listing


class Runs:
    """The records of the last runs under one settings key, in the result cache's
    directory (``<cache>/v2/runs/<settings key>.json``)."""

    def __init__(self, results: ResultCache):
        self._cache = results
        self.path = os.path.join(os.path.dirname(results.path), "runs",
                                 os.path.basename(results.path))
        self._records: dict | None = None

    def _load(self) -> dict:
        if self._records is None:
            self._records = {}
            secret = load_key(self._cache._key_file, create=False)
            if secret is not None:
                try:
                    raw = read_regular(self.path, MAX_INDEX_SIZE)
                except ReadRefused:
                    raw = None
                payload = unseal(secret, self._cache._settings_key, raw) if raw else None
                if payload is not None:
                    try:
                        records = json.loads(payload)
                    except (ValueError, RecursionError):
                        records = None
                    if isinstance(records, dict):
                        self._records = records
        return self._records

    def seen(self, files) -> bool:
        """Was there an earlier run over ``files`` (whose facts are then likely cached)?"""
        return run_key(files) in self._load()

    def keys(self, files, read, list_siblings, follow_links: bool) -> dict | None:
        """{named file: result key} from the last run over ``files``, when nothing it read
        has changed since; else None. ``read(path)``: bytes or None, as the run reads."""
        record = self._load().get(run_key(files))
        if not _well_formed(record) or set(record["keys"]) != {os.path.normpath(p) for p in files}:
            return None
        probe = Watch(read, list_siblings, follow_links)
        for path, (status, seen) in record["files"].items():
            now = probe.status(path)
            if status is not None and now == status:
                continue
            if seen is None and now is None:
                continue  # still missing
            if now is None or digest(read(path)) != seen:
                return None
        for directory, listing in record["dirs"].items():
            if sorted(os.path.normpath(p) for p in list_siblings(directory)) != listing:
                return None
        return record["keys"]

    def record(self, files, watch: Watch, keys: dict) -> None:
        """Keep what this run over ``files`` read and the result keys it filed."""
        named = {os.path.normpath(p) for p in files}
        if set(keys) != named:
            return  # a file without a stored result: nothing to skip next time
        records = self._load()
        records.pop(run_key(files), None)
        records[run_key(files)] = {"files": watch.files, "dirs": watch.dirs, "keys": keys}
        while len(records) > MAX_RUNS:
            records.pop(next(iter(records)))
        self._save(records)

    def _save(self, records: dict) -> None:
        cache = self._cache
        try:
            secret = load_key(cache._key_file)
            if secret is None:
                return
            roots = (cache._top,) + cache._tree
            if link_on_the_way(self.path, roots) is not None:
                return
            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            payload = json.dumps(records, separators=(",", ":")).encode()
            write_atomic(self.path, seal(secret, cache._settings_key, payload), roots=roots,
                         confined=True, mode=0o600)
        except OSError:
            pass  # no record: the next run computes its keys


def _well_formed(record) -> bool:
    if not isinstance(record, dict):
        return False
    files, dirs, keys = record.get("files"), record.get("dirs"), record.get("keys")
    return (isinstance(files, dict) and isinstance(dirs, dict) and isinstance(keys, dict)
            and all(isinstance(v, list) and len(v) == 2
                    and (v[0] is None or (isinstance(v[0], list) and len(v[0]) == 5))
                    and (v[1] is None or isinstance(v[1], str)) for v in files.values())
            and all(isinstance(v, list) and all(isinstance(p, str) for p in v)
                    for v in dirs.values())
            and all(isinstance(v, str) for v in keys.values()))
