"""The Python API: ``check_paths`` scans paths and returns a ``Report``.

The CLI is a thin layer over this module; other tools can call it directly::

    from leaklint.api import check_paths
    report = check_paths(["src/"], select=["LL101"])
    for f in report.findings:
        print(f.path, f.position.line, f.code, f.message)
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from . import gc_policy, vendored
from .settings import Settings
from .cache import CacheRefused, default_cache_dir, open_cache
from .catalogue import CatalogueError, select as select_codes
from .checks import message_problem
from .config import Config, ConfigError, all_rules_with, load_config
from .discovery import PatternError, directory_files, discover
from .ignore_patterns import compiled
from .model import Diagnostic, Report
from .runner import reads_of, scan
from .safe_io import inside, tree_roots
from .shard import run_digest, select_shard


@dataclass(frozen=True)
class PathMatcher:
    """Matches a path (relative to the working directory) against patterns that are
    relative to ``root``; picklable, so settings can go to worker processes."""

    root: str
    patterns: tuple

    def __call__(self, path: str) -> bool:
        spec = compiled(self.patterns)
        rel = os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")
        return spec.match_file(rel) or spec.match_file(os.path.basename(path))


def enabled_rules(config: Config, select=None, ignore=None, extend_select=None) -> list:
    rules = all_rules_with(config.rules)
    chosen = select_codes(rules, select if select else config.select)
    if extend_select:
        chosen |= select_codes(rules, extend_select)
    drop = select_codes(rules, list(config.ignore) + list(ignore or []))
    enabled = [r for r in rules if r.code in chosen and r.code not in drop]
    problems = [p for p in map(message_problem, (r for r in enabled if r.is_check)) if p]
    if problems:
        raise CatalogueError("; ".join(problems))
    return enabled


def make_settings(config: Config, rules, line_hashes: bool = False, debug: bool = False,
                  fixes: bool = False, follow_symlinks: bool = False) -> Settings:
    all_rules = all_rules_with(config.rules)
    pfi = tuple(
        (PathMatcher(str(config.root), (pattern,)), frozenset(select_codes(all_rules, codes)))
        for pattern, codes in config.per_file_ignores.items()
    )
    return Settings(
        rules=tuple(rules), max_file_size=config.max_file_size, severity=dict(config.severity),
        per_file_ignores=pfi, line_hashes=line_hashes, debug=debug, fixes=fixes,
        timeout=config.timeout, follow_symlinks=follow_symlinks,
        known_rules=frozenset(n.upper() for r in all_rules for n in (r.code, r.name)),
        contexts=dataclasses.replace(config.contexts, root=str(config.root),
                                     marked=vendored.marked(str(config.root))),
    )


def list_files(paths=(".",), *, config: Config, exclude=(), force_exclude: bool = False,
               follow_symlinks: bool = False):
    """The files a scan of ``paths`` would analyse (``discovery.Discovered``): git's file
    list inside a work tree, a walk outside; what was skipped and why; named paths that
    yield no file."""
    try:
        return discover(list(paths) or ["."], excludes=list(config.exclude) + list(exclude),
                        root=str(config.root), respect_gitignore=config.respect_gitignore,
                        follow_symlinks=follow_symlinks, force_exclude=force_exclude)
    except PatternError as exc:
        raise ConfigError(str(exc)) from None


def confined(list_directory, paths, config: Config, follow_symlinks: bool):
    """``list_directory`` answering only for directories of the scanned tree (the scanned
    paths, the repository around them, the directory of the config file, when there is
    one): an import that climbs out of the tree (`from ... import`, `../../x`) reads
    nothing there, and stays unknown."""
    roots = tree_roots(paths, [str(config.root)] if config.path is not None else [])
    real_roots = [os.path.realpath(r) for r in roots]

    def listing(directory):
        where = directory if follow_symlinks else os.path.realpath(directory)
        if not inside(where, roots if follow_symlinks else real_roots):
            return []
        return list_directory(directory)

    return listing


def _directory_of(paths) -> str:
    """Where --changed-since looks for the repository: the first scanned path's."""
    first = os.path.abspath(paths[0])
    while not os.path.isdir(first):
        first = os.path.dirname(first)
    return first


def check_paths(paths=(".",), *, config: Config | None = None, config_path: str | None = None,
                select=None, ignore=None, extend_select=None, exclude=(),
                line_hashes: bool = False, debug: bool = False, jobs: int | None = 1,
                cache_dir: str | None = None, baseline: str | None = None,
                changed_since: str | None = None, force_exclude: bool = False,
                fixes: bool = False, follow_symlinks: bool = False, shard=None,
                default_cache: bool = False) -> Report:
    """Scan ``paths`` and return the findings and per-file diagnostics.

    ``jobs``: worker processes (None or 0: by the number of files and cores).
    ``cache_dir``: where to keep the result cache (None: no cache, or with
    ``default_cache`` the user's cache directory, unless that is inside the tree).
    ``baseline``: a baseline file whose findings are left out (``report.hidden``);
    ``changed_since``: a git ref; only files and lines changed since then are reported.
    ``force_exclude``: leave out paths named explicitly that excludes, ignore rules or
    built-in skips cover (for pre-commit, which names every staged file).
    ``fixes``: compute each finding's ``fix`` (the result cache keeps them).
    ``follow_symlinks``: walk into linked directories and files (default: links are
    skipped, so a scan never leaves the given roots).
    ``shard``: a ``shard.Shard``; only the directories of that shard are analysed.

    Raises ``ConfigError`` / ``CatalogueError`` for bad configuration or selectors,
    ``BaselineError`` for a bad baseline and ``GitError`` for a bad ``changed_since``.
    """
    recorded = changed = None
    if baseline is not None:
        from . import baseline as baselines

        recorded = baselines.load(baseline)
    if changed_since is not None:
        from .gitdiff import ChangedLines

        changed = ChangedLines(changed_since, cwd=_directory_of(list(paths) or ["."]))
    if config is None:
        config = load_config(Path(config_path) if config_path else None)
    rules = enabled_rules(config, select, ignore, extend_select)
    settings = make_settings(config, rules, line_hashes=line_hashes, debug=debug, fixes=fixes,
                             follow_symlinks=follow_symlinks)
    found = list_files(paths, config=config, exclude=exclude, force_exclude=force_exclude,
                       follow_symlinks=follow_symlinks)
    report = Report(rules=rules, settings=settings, skipped=found.skipped,
                    empty_paths=found.empty)
    for path, message in found.problems:
        report.diagnostics.append(Diagnostic(path, "unreadable", message))
    files = found.files
    if changed is not None:
        files = [p for p in files if changed.has_file(p)]
    if shard is not None:
        files = select_shard(files, str(config.root), shard)
    report.shard = shard
    report.run_digest = run_digest(
        settings, list(paths) or ["."], list(config.exclude) + list(exclude),
        respect_gitignore=config.respect_gitignore, follow_symlinks=follow_symlinks,
        force_exclude=force_exclude, baseline=baseline, changed_since=changed_since)
    cache = None
    if cache_dir or default_cache:
        tree = tree_roots(list(paths) or ["."], [str(config.root)])
        try:
            cache = open_cache(cache_dir or default_cache_dir(), settings, tree,
                               explicit=cache_dir is not None)
        except CacheRefused as exc:
            report.diagnostics.append(Diagnostic(cache_dir or default_cache_dir(), "cache",
                                                 f"cache not used: {exc}"))
    excludes = list(config.exclude) + list(exclude)
    # the other files of a package come from discovery, like the files scanned: for a
    # directory the walk went through, what it found there; else that directory listed
    walked = [os.path.abspath(p) for p in paths if os.path.isdir(p) and not os.path.islink(p)]
    by_dir: dict = {}
    for p in found.files:  # keyed as asked: the files of `.` are under ".", not ""
        by_dir.setdefault(os.path.normpath(os.path.dirname(p) or "."), []).append(p)

    def list_directory(directory):
        where = os.path.abspath(directory)
        if not follow_symlinks and any(where == w or where.startswith(w.rstrip(os.sep) + os.sep)
                                       for w in walked):
            return by_dir.get(os.path.normpath(directory or "."), [])
        return directory_files(directory, excludes=excludes, root=str(config.root),
                               respect_gitignore=config.respect_gitignore)

    list_siblings = confined(list_directory, list(paths) or ["."], config, follow_symlinks)
    with gc_policy.scanning():
        for result in scan(files, settings, list_siblings, jobs, cache):
            report.add(result)
    report.finish()
    if changed is not None:
        changed.apply(report)
    if baseline is not None:
        baselines.apply(report, baseline, recorded)
    return report


def check_source(path: str, data: bytes, *, config: Config | None = None, select=None,
                 ignore=None, extend_select=None, exclude=(), force_exclude: bool = False,
                 line_hashes: bool = False, debug: bool = False, fixes: bool = False,
                 baseline: str | None = None) -> Report:
    """Analyse ``data`` as the contents of ``path`` (an editor's unsaved buffer): the
    language comes from ``path``'s extension and the findings are reported at ``path``,
    which need not exist. ``config`` defaults to the one found from ``path``'s directory.
    With ``force_exclude``, a ``path`` the exclude patterns match yields an empty report."""
    recorded = None
    if baseline is not None:
        from . import baseline as baselines

        recorded = baselines.load(baseline)
    if config is None:
        config = load_config(start=Path(os.path.abspath(path)).parent)
    rules = enabled_rules(config, select, ignore, extend_select)
    settings = make_settings(config, rules, line_hashes=line_hashes, debug=debug, fixes=fixes)
    report = Report(rules=rules, settings=settings)
    patterns = tuple(config.exclude) + tuple(exclude)
    if not (force_exclude and patterns and PathMatcher(str(config.root), patterns)(path)):
        reads = reads_of(path, data, settings, confined(lambda d: directory_files(
            d, excludes=patterns, root=str(config.root), respect_gitignore=config.respect_gitignore),
            [path], config, follow_symlinks=False))
        from .analyze import analyze_file

        report.add(analyze_file(path, settings, data, reads=reads))
    report.finish()
    if baseline is not None:
        baselines.apply(report, baseline, recorded)
    return report
