"""Splitting a scan over several machines (``check --shard K/N``) and naming a run's
settings, so that ``leaklint merge`` only combines reports that belong together.

A shard takes whole directories: Go's cross-file facts need all the files of a package
(a directory) in the same run. A directory's shard comes from a hash of its path relative
to the project root in POSIX form, so every machine and every checkout location puts it in
the same shard, and a directory keeps its shard as the tree around it changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import NamedTuple

MAX_SHARDS = 1000
_SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


class Shard(NamedTuple):
    index: int  # 1-based
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``"2/3"`` -> ``Shard(2, 3)``; ValueError with a message for anything else."""
    m = _SPEC.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not of the form K/N (for example 2/3)")
    index, count = int(m.group(1)), int(m.group(2))
    if not 1 <= count <= MAX_SHARDS:
        raise ValueError(f"the number of shards must be between 1 and {MAX_SHARDS}, not {count}")
    if not 1 <= index <= count:
        raise ValueError(f"shard {index} does not exist: K in K/N counts from 1 to N ({count})")
    return Shard(index, count)


def directory_key(path: str, root: str) -> str:
    """The directory of ``path`` relative to ``root``, with forward slashes."""
    directory = os.path.dirname(os.path.abspath(path))
    rel = os.path.relpath(directory, os.path.abspath(root))
    return rel.replace(os.sep, "/")


def shard_of(path: str, root: str, count: int) -> int:
    """The 1-based shard (of ``count``) that scans ``path``."""
    key = directory_key(path, root).encode("utf-8", "surrogateescape")
    digest = hashlib.sha256(key).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def select_shard(files: list, root: str, shard: Shard) -> list:
    """The files of ``files`` (in their order) that belong to ``shard``."""
    if shard.count == 1:
        return list(files)
    return [p for p in files if shard_of(p, root, shard.count) == shard.index]


def run_digest(settings, paths, excludes, *, respect_gitignore: bool, follow_symlinks: bool,
               force_exclude: bool, baseline: str | None, changed_since: str | None) -> str:
    """A digest of what decides a report's content besides the tree: the analysis
    settings (rules, severities, limits), which paths were walked and how, and what
    filtered the findings. Shards of one run share it; the merge refuses reports that
    do not."""
    from .cache import settings_key

    baseline_digest = None
    if baseline is not None:
        try:
            with open(baseline, "rb") as fh:
                baseline_digest = hashlib.sha256(fh.read()).hexdigest()
        except OSError:
            baseline_digest = "unreadable"
    data = {
        "settings": settings_key(settings),
        "paths": [os.path.normpath(p).replace(os.sep, "/") for p in paths],
        "excludes": sorted(excludes),
        "respect_gitignore": respect_gitignore,
        "follow_symlinks": follow_symlinks,
        "force_exclude": force_exclude,
        "baseline": baseline_digest,
        "changed_since": changed_since,
    }
    blob = json.dumps(data, sort_keys=True).encode("utf-8", "surrogateescape")
    return hashlib.sha256(blob).hexdigest()[:24]
