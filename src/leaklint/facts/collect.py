"""The facts phase: extract the facts of every file an analysis will read (cached by
content), build the index, and hand each analysed file its reads.

Reading goes through callables the caller provides (``list_siblings`` finds a
directory's other files through the project's discovery; ``read`` applies the size
limit), so this module never opens a directory entry on its own.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections import OrderedDict

from .. import languages
from ..catalogue import active_on
from ..deadline import Deadline, FileTimeout
from ..source import CallText, decode, lone_cr_to_lf, mentions
from . import go_channels, go_entry, go_growth, go_package, js_roots, js_startup, lifetimes, summaries
from .summaries import content_key
from .index import (SKIPPED, Index, container_reads, fields_read_reads, go_package as package_of,
                    names_read_reads, typed_fields_read_reads)
from .index import package_query
from .extraction import File, complete, extract, stored
from .trees import Trees

# rule option naming what a check rule reads from other files
READS_OPTION = "reads"
GO_CONTAINERS = "go-containers"  # LL510: insertions and evictions anywhere in the package
GO_FIELDS_READ = "go-fields-read"  # LL302: which fields the directory's files read
GO_CHANNEL_FIELDS = "go-channel-fields"  # LL610: who else works a channel kept in a field
GO_ONCE = go_entry.READ  # LL201/LL202 (go_entry.READS: all the reads it traces)
DECLARED_ONLY = (GO_ONCE,)  # reads only the rules declaring them see (go_entry's docstring)

# a run naming at most this many files without an active lifecycle rule shapes them all
# (see _summaries); a larger one shapes those that mention a possible factory's name
SHAPE_ALL_UP_TO = 64


def needs_reads(rules) -> bool:
    """Does a rule read other files: its options say so, it is a lifecycle rule of a
    language whose functions are summarised across files, or it is a Python rule (who
    owns Python code depends on the functions traced as running once, ``python_entry``)?"""
    return any(r.options.get(READS_OPTION) or r.applies_to("python") or (
        r.lifecycle is not None and any(r.applies_to(lang) for lang in summaries.SUMMARY_LANGUAGES))
        for r in rules)


def summary_rules(rules, data: bytes) -> list:
    """The lifecycle rules among ``rules`` (those enabled for a file) active on a file
    with these bytes: the ones whose questions about other files' functions it reads."""
    return active_on([r for r in rules if r.lifecycle is not None], data)


def wanted(rules, path: str, data: bytes) -> frozenset:
    """What the rules active on a file with these bytes read from other files."""
    kinds, active = set(), active_on(rules, data)
    for r in active:
        value = r.options.get(READS_OPTION)
        kinds |= {value} if isinstance(value, str) else set(value or ())
    kinds |= js_startup.wanted(rules, path, data)
    if languages.language_of(path) == "go" and any(r.lifecycle is not None for r in active):
        kinds |= go_entry.lifecycle_reads(path)
    if GO_CONTAINERS in kinds and (
            not go_package.may_hold_containers(data)
            or lifetimes.go_package_state(path, go_package.package_of_text(data)) != lifetimes.PROCESS):
        kinds.discard(GO_CONTAINERS)  # only state that lives as long as the process can pile up
    return frozenset(kinds)


def build(named, *, list_siblings, read, wants=None, timeout=None, store=None,
          overrides=None, settings=None, rules_of=None, joined=True) -> Index:
    """The index for analysing ``named`` files.

    ``list_siblings(directory)``: the other source files of a directory, found by
    discovery; ``read(path)``: bytes or None (unreadable, too large); ``wants(path,
    data)``: the kinds of reads the file's active rules need (default: all);
    ``store``: a facts cache or None; ``overrides``: {path: bytes} to use instead of
    what is on disk; ``rules_of(path)``: the rules enabled for a file, whose questions
    about the functions of other files the index answers (``summaries``). ``joined``
    False: the facts are what counts (a crew worker's part, whose reads the main process
    joins again): the JS/TS reads that only join facts are left out of the index."""
    index = Index()
    overrides = {os.path.normpath(k): v for k, v in (overrides or {}).items()}
    # what the phase parses of the named files waits there for their analysis
    index.trees = Trees(named)
    project = summaries.Project(read, list_siblings, settings, store=store, timeout=timeout,
                                overrides=overrides, trees=index.trees,
                                light=len(named) > SHAPE_ALL_UP_TO)
    dirs: OrderedDict = OrderedDict()
    traced: set = set()  # the Go files whose traces (go_entry) were asked
    for p in named:
        if languages.language_of(p) == "go":
            dirs.setdefault(os.path.dirname(os.path.normpath(p)), []).append(os.path.normpath(p))

    def data_of(p):
        return overrides[p] if p in overrides else read(p)

    for directory, here in dirs.items():
        files: dict = {}
        needs = {}
        for p in here:
            files[p] = File(p, data_of(p))
            data = files[p].data
            needs[p] = (frozenset((GO_CONTAINERS, GO_FIELDS_READ, GO_CHANNEL_FIELDS)
                                  + go_entry.READS) if wants is None
                        else wants(p, data) if data is not None else frozenset())
        if not any(needs.values()):
            for p in here:
                index.set(p, {})
            continue
        paths = _go_paths(directory, here, list_siblings)
        for p in paths:
            if p not in files:
                files[p] = File(p, data_of(p))
        state = _Directory(paths, files, store, timeout, index, project)
        for p in here:
            index.set(p, state.reads(p, needs[p]))
        asking = {p: needs[p] & set(go_entry.READS) for p in here}
        traced.update(p for p, kinds in asking.items() if kinds)
        if any(asking.values()):
            _go_once(asking, [files[p] for p in paths], index, project, store)
    js_reads = _js_wanting(named, wants, data_of)
    if joined:
        _js_roots(named, index, js_reads, data_of, list_siblings)  # cached by no one: a join
    _js_startup(named, index, js_reads, data_of, list_siblings, project, store, joined)
    _python_once(named, index, project, data_of, store)
    if rules_of is not None:
        _summaries(named, index, rules_of, project)
        # a Go file a lifecycle rule reaches only through a factory asks its traces now
        for directory, here in dirs.items():
            late = {p: go_entry.lifecycle_reads(p) for p in here if p not in traced
                    and (index.reads(p) or {}).get("factories")}
            if late:
                _go_once(late, [File(p, data_of(p)) for p in _go_paths(directory, here,
                                                                       list_siblings)],
                         index, project, store)
    project.close()
    return index


def _js_wanting(named, wants, data_of) -> dict:
    """The JS/TS files of the run that can be read: path -> the reads their active rules
    declare (None: every read). One pass for every JS/TS read: each file is read once."""
    out = {}
    for p in named:
        p = os.path.normpath(p)
        if not js_startup.is_js(p):
            continue
        data = data_of(p)
        if data is not None:
            out[p] = wants(p, data) if wants is not None else None
    return out


def _js_asking(js_reads: dict, read: str) -> list:
    """The JS/TS files of the run with a rule active on them that declares ``read``."""
    return [p for p, kinds in js_reads.items() if kinds is None or read in kinds]


def _js_roots(named, index, js_reads, data_of, list_siblings) -> None:
    """``reads["js-root"]`` for the JS/TS files an entry point mounts as the root."""
    roots = None
    for p in _js_asking(js_reads, js_roots.READ):
        roots = roots or js_roots.Roots(data_of, list_siblings)
        names = roots.mounted(p)
        if names:
            reads = dict(index.reads(p) or {})
            reads["js-root"] = sorted(names)
            index.set(p, reads)


def _python_once(named, index, project, read, store) -> None:
    """``reads["once"]`` for the Python files whose functions run once per process,
    traced from the program's entries (``python_entry``)."""
    files = [os.path.normpath(p) for p in named if languages.language_of(p) == "python"]
    if not files:
        return
    from . import python_entry  # a run without Python files never loads its tracing

    def parsed(path):
        try:
            got = project.parsed(path)
            if got is not None:
                return got[0].root_node
            # a file too large for the summaries is still walked here (no queries run
            # over it), its parse bounded by the time limit
            unit = project.unit(path)
            if unit is None or not unit.data or len(unit.data) > python_entry.MAX_BYTES:
                return None
            text = lone_cr_to_lf(decode(unit.data)[0])
            if languages.parse_hazard("python", text):
                return None
            return Deadline(project.timeout).parse(languages.parser("python"), text).root_node
        except (FileTimeout, UnicodeDecodeError):
            return None

    def cached(path, compute):
        unit = project.unit(path)
        if unit is None or unit.data is None:
            return {}
        return stored(store, "o:" + content_key(unit.data), compute, bool)

    once = python_entry.Once(parsed, project.resolver, read, cached,
                             lambda path, root: _answering(project, path, root))
    named_set = set(files)
    for path, keys in once.trace(files).items():
        if path in named_set:
            _add(index, path, python_entry.READ, keys)


def _go_paths(directory: str, here: list, list_siblings) -> list:
    """The Go files of ``directory``: those ``here`` and the siblings discovery finds."""
    return sorted({os.path.normpath(p) for p in list_siblings(directory or ".")
                   if languages.language_of(p) == "go"} | set(here))


def _go_once(here, files, index, project, store) -> None:
    """``go_entry.directory_reads`` for the Go files ``here`` ({path: the reads asked})."""
    def facts_of(f):  # noqa: E306
        return stored(store, "e:" + f.key, lambda: extract(
            f, project.timeout, index, lambda root, src: go_entry.file_facts(root, src.data),
            project, False), complete)
    for path, kind, keys in go_entry.directory_reads(here, files, facts_of):
        _add(index, path, kind, keys)


def _answering(project, path: str, root):
    """The context in which an extractor reads ``root``: for a tree of the summaries'
    project, its questions about the whole file are answered by that tree's queries
    (once for every extraction and for the file's analysis); any other tree (a file too
    large for them...) is walked as it is, no query run over it."""
    queries = project.queries(path)
    if queries is None or not queries.is_root(languages.language_of(path), root):
        return contextlib.nullcontext()
    return languages.answering(queries.lang, root, queries)


def _js_startup(named, index, js_reads, data_of, list_siblings, project, store,
                joined=True) -> None:
    """``reads["js-startup"]`` for the AMD modules of the run: which of their methods an
    entry point starts once. Each file's start-up facts are kept in the facts cache by
    content, so a warm run, and the parent of a run in several processes, parse none."""
    asking = _js_asking(js_reads, js_startup.READ)
    if not asking:
        return
    named_js = {os.path.normpath(p) for p in named if js_startup.is_js(p)}

    def parsed(path):
        data = data_of(path)
        if data is None:
            return None
        if path in named_js:
            got = project.parsed(path)
            return got[0].root_node if got is not None else None
        from . import js_startup_facts  # parsing alone needs it: a warm run reads the cache
        return js_startup_facts.parse_root(path, data)

    def facts_of(path):
        data = data_of(path)
        if data is None:
            return None

        def compute():
            try:
                root = parsed(path)
            except FileTimeout:
                return {"unknown": True}
            if root is None:
                return {"skipped": True}
            from . import js_startup_facts
            with _answering(project, path, root):
                return js_startup_facts.file_facts(root)

        key = "j:" + (languages.language_of(path) or "") + ":" + content_key(data)
        facts = stored(store, key, compute, lambda f: not f.get("unknown"))
        return facts if complete(facts) else None

    def root_of(path):
        try:
            return parsed(path)
        except FileTimeout:
            return None

    may_register = functools.cache(lambda p: b"addEventListener" in (data_of(p) or b""))  # asked often
    startup = js_startup.Startup(sorted(named_js), facts_of, root_of, list_siblings,
                                 may_register, read=data_of)
    for p in asking:
        if joined:
            _add(index, p, js_startup.READ, startup.read_of(p))
        else:
            startup.prepare(p)


def _summaries(named, index, rules_of, project) -> None:
    """Each file's answers about the functions of other files its calls run: what they do
    to the handles it passes them (for the lifecycle rules active on it), and which of its
    calls return a fresh resource (factories, for every lifecycle rule of its language).
    A file is shaped when a rule is active on it or when it mentions the name of a
    function that may be a factory (which may make it one in turn)."""
    pending = {}
    shaped = []
    asked: dict = {}  # file -> codes of the rules its summaries were asked for
    for p in named:
        p = os.path.normpath(p)
        if languages.FAMILY.get(languages.language_of(p) or "") not in summaries.SUMMARY_LANGUAGES:
            continue
        unit = project.unit(p)
        if unit is None or unit.data is None:
            continue
        active = project.answering(p, summary_rules(rules_of(p), unit.data))
        asked[p] = {r.code for r in active}
        answers = project.answers(p, active) if active else {}
        if answers:
            _add(index, p, "summaries", answers)
        errors = project.resolver.python_errors(p, (project.shape_of(p) or {}).get("raised", ())) \
            if active and unit.lang == "python" else []
        if errors:
            _add(index, p, "errors", errors)
        if active:
            shaped.append(p)
        else:
            pending[p] = unit  # its bytes are asked for when needed (the project may let them go)
    # a small run (a hook's few files) shapes them all, and asks about every call: the
    # functions they call are found through resolution, whether or not their files were
    # named. A larger one (where every file is named) needs only the files and calls that
    # mention a function that may be a factory: one returning its own acquisition is in a
    # file a rule is active on, one returning another's result mentions that one's name.
    texts = {}  # path -> CallText: each file's text is scanned once, however many rounds
    while pending:
        names = CallText.names(project.factory_names()) if project.light else None
        new = [p for p, unit in pending.items() if names is None or project.is_shaped(p)
               or (texts.get(p) or texts.setdefault(
                   p, CallText(lambda unit=unit: unit.data or b""))).calls_any(names)]
        if not new:
            break
        for p in new:
            del pending[p]
            texts.pop(p, None)
            project.shape_of(p)
            shaped.append(p)
    names = project.factory_names() if project.light else None
    for p in sorted(shaped):
        made = project.factories(p, rules_of(p), names)
        if made:
            _add(index, p, "factories", made)
            # a rule the file reaches only through a factory asks about its calls too
            codes = {c for m in made.values() for c in m} - asked.get(p, set())
            more = project.answers(p, [r for r in rules_of(p) if r.code in codes])
            if more:
                answers = dict((index.reads(p) or {}).get("summaries") or {})
                for ref, entry in more.items():
                    answers[ref] = {**answers.get(ref, {}), **entry}
                _add(index, p, "summaries", answers)
    index.extracted += project.extracted


def _add(index, path, kind, value) -> None:
    reads = dict(index.reads(path) or {})
    reads[kind] = value
    index.set(path, reads)


class _Directory:
    """The facts of one directory's Go files, computed as the reads ask for them."""

    def __init__(self, paths, files, store, timeout, index, project):
        self.paths, self.files = paths, files
        self.store, self.timeout, self.index = store, timeout, index
        self.project = project  # parses each file once for all the phase's questions
        self._decls = self._reads_of = None
        self._uses: dict = {}
        self._words: dict = {}  # word -> the files holding it
        self._channels: dict = {}  # path -> its channel facts, as asked

    def decls(self) -> dict:
        if self._decls is None:
            self._decls = {p: _declarations(self.files[p], self.store, self.timeout, self.index,
                                            self.project)
                           for p in self.paths if not lifetimes.is_test_path(p, "go")}
        return self._decls

    def field_reads(self) -> dict:
        if self._reads_of is None:
            self._reads_of = {p: _field_reads(self.files[p], self.store, self.timeout, self.index,
                                              self.project) for p in self.paths}
        return self._reads_of

    def channel_fields(self, path: str):
        """``go_channels.channel_field_reads`` for ``path`` over the other files of its
        directory whose text names a field it works (tests too: they may serve a channel);
        "unknown" when it or one of them cannot be read or was not analysed in time."""
        own = self._channel_facts(path)
        if own is None or own.get("unknown"):
            return "unknown"
        partners = {p for name in go_channels.worked_fields(own) for p in self._holding(name)}
        others = {p: self._channel_facts(p) for p in sorted(partners - {path})}
        if any(facts is not None and facts.get("unknown") for facts in others.values()):
            # an unreadable file is skipped by the scan (and said so); one not analysed in
            # time may serve the channel
            return "unknown"
        return go_channels.channel_field_reads(
            path, own, go_channels.by_field(others), lambda name: self._held_elsewhere(name, path))

    def _channel_facts(self, path: str):
        if path not in self._channels:  # each file's once per directory
            self._channels[path] = _channel_facts(self.files[path], self.store, self.timeout,
                                                  self.index, self.project)
        return self._channels[path]

    def _holding(self, name: str) -> set:
        """The files of the directory whose text holds the word ``name`` (searched per name)."""
        if name not in self._words:
            self._words[name] = {p for p in self.paths if self.files[p].data is not None
                                 and go_channels.holds_word(self.files[p].data, name)}
        return self._words[name]

    def _held_elsewhere(self, name: str, path: str) -> bool:
        """Does a file of the directory other than ``path`` hold the word ``name``? The
        search stops at the first one (most of a file's function names are common words)."""
        if name in self._words:
            return bool(self._words[name] - {path})
        return any(p != path and self.files[p].data is not None
                   and go_channels.holds_word(self.files[p].data, name) for p in self.paths)

    def reads(self, path: str, needs) -> dict:
        reads = {}
        if GO_FIELDS_READ in needs:
            fields = fields_read_reads(path, self.paths, self.field_reads())
            reads["fields_read"] = fields if fields is not None else "unknown"
            typed = typed_fields_read_reads(path, self.paths, self.field_reads())
            reads["fields_read_typed"] = typed if typed is not None else "unknown"
            names = names_read_reads(path, self.paths, self.field_reads())
            reads["names_read"] = names if names is not None else "unknown"
        if GO_CHANNEL_FIELDS in needs:
            reads["channel_fields"] = self.channel_fields(path)
        if GO_CONTAINERS in needs and not lifetimes.is_test_path(path, "go"):
            decls = self.decls()
            members = package_of(self.paths, decls, path)
            key = tuple(members)
            if key not in self._uses:
                query = package_query(members, decls)
                uses = {}
                if not query.empty():
                    for p in members:
                        uses[p] = _uses(self.files[p], query, self.store, self.timeout, self.index,
                                        self.project)
                self._uses[key] = (query, uses)
            query, uses = self._uses[key]
            if not query.empty():
                reads["containers"] = container_reads(path, members, decls, uses, query)
        return reads


def _declarations(f: File, store, timeout, index, project=None) -> dict:
    if f.data is None:
        return SKIPPED
    return stored(store, "d:" + f.key,
                   lambda: extract(f, timeout, index, go_package.declarations, project), complete)


def _field_reads(f: File, store, timeout, index, project=None) -> dict:
    """``go_package.field_reads`` of the file's tree: the fields and names it reads and
    may assign (SKIPPED, UNKNOWN: see ``extraction.extract``; a file the analysis skips as too
    large or minified is skipped here too, never parsed at length)."""
    if f.data is None:
        return SKIPPED
    return stored(store, "t:" + f.key,
                   lambda: extract(f, timeout, index, go_package.field_reads, project, False), complete)


def _channel_facts(f: File, store, timeout, index, project=None) -> dict | None:
    """The file's ``go_channels.file_facts`` from its tree (None: it cannot be read or
    decoded; UNKNOWN: not analysed in time)."""
    if f.data is None:
        return None
    facts = stored(store, "c:" + f.key,
                    lambda: extract(f, timeout, index, go_channels.file_facts, project, False), complete)
    return None if facts.get("skipped") else facts


def _uses(f: File, query, store, timeout, index, project=None) -> dict | None:
    if f.data is None:
        return None
    key = "u:" + f.key + ":" + hashlib.sha256(query.digest_text().encode()).hexdigest()[:24]

    def compute():
        if mentions(f.data, query.names()):
            return extract(f, timeout, index, lambda root, src: go_growth.uses(root, src, query),
                            project)
        return go_growth.no_uses()  # a file that never names them neither adds nor removes

    facts = stored(store, key, compute, complete)
    return facts if complete(facts) else None

