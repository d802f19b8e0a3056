"""Languages leaklint reads: file extensions, grammars and parsers (loaded once per process)."""

from __future__ import annotations

import bisect
import contextlib
import functools
import importlib
import re

EXTENSIONS = {
    ".go": "go",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".tsx": "tsx",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".py": "python", ".pyi": "python",
}

# language id -> (grammar module, attribute returning the language pointer)
_GRAMMARS = {
    "go": ("tree_sitter_go", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "javascript": ("tree_sitter_javascript", "language"),
    "python": ("tree_sitter_python", "language"),
}

# the family a language id belongs to, as rules name their languages
FAMILY = {"go": "go", "typescript": "typescript", "tsx": "typescript",
          "javascript": "javascript", "python": "python"}


def language_of(path: str) -> str | None:
    dot = path.rfind(".")
    if dot == -1:
        return None
    return EXTENSIONS.get(path[dot:].lower())


@functools.lru_cache(maxsize=None)
def grammar(lang: str):
    from tree_sitter import Language

    module, attr = _GRAMMARS[lang]
    return Language(getattr(importlib.import_module(module), attr)())


@functools.lru_cache(maxsize=None)
def parser(lang: str):
    from tree_sitter import Parser

    return Parser(grammar(lang))


@functools.lru_cache(maxsize=256)
def query(lang: str, source: str):
    from tree_sitter import Query

    return Query(grammar(lang), source)


def captures(lang: str, source: str, node) -> dict:
    """Run a (cached, compiled) query over ``node``: {capture: [nodes]}, in no
    particular order, for a question about every node of a kind where the matches need
    not be told apart (cheaper than ``matches`` on the file's many identifiers)."""
    from tree_sitter import QueryCursor

    return QueryCursor(query(lang, source)).captures(node)


def matches(lang: str, source: str, node) -> list:
    """Run a (cached, compiled) query over ``node``: [(pattern index, {capture: [nodes]})].

    Over the root of the file being analysed, the answer comes from that file's single
    combined query (see ``FileQueries``), so rules that ask the same or different
    questions of the whole file share one pass over the tree."""
    current = _current
    if current is not None and current.is_root(lang, node):
        return current.get(source)
    from tree_sitter import QueryCursor

    return QueryCursor(query(lang, source)).matches(node)


# every root-level query seen so far, per language: source -> _Seen
_seen: dict[str, dict[str, "_Seen"]] = {}
_current: FileQueries | None = None
# a query joins the combined one once this many files have asked it: queries built with
# names from one file or package (`(#any-of? @id "cache")`) would otherwise make nearly
# every file's combination new, and compiling it costs more than it saves
RECURRING = 3
MAX_COMBINED_SOURCES = 64


class _Seen:
    __slots__ = ("askers", "files")

    def __init__(self):
        self.askers: set = set()
        self.files = 0


@functools.lru_cache(maxsize=64)
def _combined(lang: str, sources: tuple) -> tuple:
    """One query holding every pattern of ``sources``, and for each of its pattern
    indexes the source it comes from and that source's first index (made once per
    combination, not per file)."""
    owner = []
    for src in sources:
        start, count = len(owner), query(lang, src).pattern_count
        owner.extend([(src, start)] * count)
    return query(lang, "\n".join(sources)), tuple(owner)


class FileQueries:
    """The root-level query results of one file.

    A query runs alone until it has been asked about a few files; from then on, the
    first root-level question asked about a file runs one combined query holding the
    recurring patterns of every rule active on the file, and each rule's answer is
    picked out by pattern index."""

    def __init__(self, lang: str, root, active: frozenset):
        self.lang = lang
        self.root = root
        self.active = active
        self.asking = ""
        self._key = (root.start_byte, root.end_byte, root.id)
        self._results: dict[str, list] = {}
        self._combined_done = False
        self.memo: dict = {}

    def resume(self, active: frozenset) -> None:
        """Go on for the ``active`` askers (when given: another phase). One more
        combined pass may then run, for their recurring questions (the analysis' rules
        ask questions that were not yet recurring while the facts phase went over this
        file); answers already known are kept."""
        if active and active != self.active:
            self.active = active
            self._combined_done = False  # _run_combined leaves out what is answered
        self.asking = ""

    def settle(self, phase_asker: str) -> None:
        """The phase that asked as ``phase_asker`` is done with this tree, which waits for
        its analysis: let go of the answers only that phase has asked for (of any file),
        which hold most of a kept tree's nodes; one asked again is computed again."""
        seen = _seen.get(self.lang, {})
        self._results = {src: hit for src, hit in self._results.items()
                         if src in seen and seen[src].askers - {phase_asker}}
        self._combined_done = False  # what is asked again is answered in one pass

    def is_root(self, lang: str, node) -> bool:
        return lang == self.lang and (node.start_byte, node.end_byte, node.id) == self._key

    def get(self, source: str) -> list:
        from tree_sitter import QueryCursor

        hit = self._results.get(source)
        if hit is not None:
            return hit
        seen = _seen.setdefault(self.lang, {})
        entry = seen.get(source)
        if entry is not None and entry.files >= RECURRING and not self._combined_done:
            self._combined_done = True
            self._run_combined(seen)
            hit = self._results.get(source)
            if hit is not None:
                return hit
        if entry is None and len(seen) < 4 * MAX_COMBINED_SOURCES:
            entry = seen[source] = _Seen()
        if entry is not None:
            entry.askers.add(self.asking)
            entry.files += 1
        hit = QueryCursor(query(self.lang, source)).matches(self.root)
        self._results[source] = hit
        return hit

    def _run_combined(self, seen: dict) -> None:
        from tree_sitter import QueryCursor

        # an answer an earlier pass over this tree gave is not asked again
        sources = tuple(src for src, e in seen.items()
                        if e.files >= RECURRING and e.askers & self.active
                        and src not in self._results)[:MAX_COMBINED_SOURCES]
        if not sources:
            return
        combined, owner = _combined(self.lang, sources)
        buckets = {src: [] for src in sources}
        for index, caps in QueryCursor(combined).matches(self.root):
            src, start = owner[index]
            buckets[src].append((index - start, caps))
        for src, found in buckets.items():
            self._results.setdefault(src, found)


def nearest(node, types: tuple, stop=None):
    """The closest ancestor of ``node`` (not ``node`` itself) whose type is one of
    ``types``, looking no higher than ``stop`` (excluded); None when there is none."""
    p = node.parent
    while p is not None and p != stop:
        if p.type in types:
            return p
        p = p.parent
    return None


def within(node, outer) -> bool:
    """Does ``node`` lie inside ``outer`` (or is it ``outer``)? False when ``outer`` is None."""
    return outer is not None and outer.start_byte <= node.start_byte \
        and node.end_byte <= outer.end_byte


def holders(nodes, containers) -> dict:
    """{node id: the ``containers`` around it, outermost first} for each of ``nodes``,
    from one sweep over both in source order rather than a walk up from each node (a
    step up the tree is a search down from its root). ``containers``: every node of some
    types in the same tree (its functions, say), none of them among ``nodes``."""
    events = sorted([(c.start_byte, -c.end_byte, 0, i, c) for i, c in enumerate(containers)]
                    + [(n.start_byte, -n.end_byte, 1, i, n) for i, n in enumerate(nodes)])
    out, stack = {}, []
    for start, _, kind, _, node in events:
        while stack and stack[-1].end_byte <= start:
            stack.pop()
        if kind == 0:
            stack.append(node)
        else:
            out[node.id] = tuple(stack)
    return out


def ancestors(node, stop=None):
    """The ancestors of ``node`` (not ``node`` itself), nearest first, up to ``stop``
    (excluded)."""
    p = node.parent
    while p is not None and p != stop:
        yield p
        p = p.parent


def tree_root(node):
    """The root of the tree ``node`` belongs to (its file's program, module or source file)."""
    while node.parent is not None:
        node = node.parent
    return node


def walk(node, stop=()):
    """Every named descendant of ``node`` (not ``node`` itself) in source order, not
    entering node types in ``stop``; an explicit stack, no recursion."""
    stack = list(reversed(node.named_children))
    while stack:
        n = stack.pop()
        yield n
        if n.type not in stop:
            stack.extend(reversed(n.named_children))


def returns_name(fn, body, name, memo: dict, stops: tuple, unwrap=None) -> bool:
    """Does the function ``fn`` return the local ``name`` (an identifier node): a `return
    name` in ``body`` outside nested ``stops`` (functions, classes)? ``unwrap`` takes a
    returned value out of what wraps it (parentheses...); ``memo`` keeps each function's
    returned names."""
    names = memo.get(fn.id)
    if names is None:
        names = memo[fn.id] = set()
        # the returns of ``body`` that no nested ``stops`` holds (cut out of the file's
        # one pass over its return statements, not a walk of every function)
        for n in of_type(body, ("return_statement",)) if body is not None else ():
            if n.named_children and nearest(n, stops, body) is None:
                value = unwrap(n.named_children[0]) if unwrap is not None else n.named_children[0]
                if value is not None and value.type == "identifier":
                    names.add(value.text)
    return name.text in names


def of_type(node, types: tuple, lang: str | None = None) -> list:
    """Descendants of ``node`` (not ``node`` itself) whose type is one of ``types``, in
    source order. A query does the walking in C; over the file's root its answer is
    shared by every rule that asks. Outside a file's analysis, ``lang`` (the tree's
    grammar) lets a query do it too, else a walk in Python does."""
    current = _current
    if current is None:
        source = _type_query(lang, tuple(types)) if lang is not None else None
        if source is None:
            return [n for n in walk(node) if n.type in types]
        found = [caps["n"][0] for _, caps in matches(lang, source, node)
                 if caps["n"][0].id != node.id]
        return sorted(found, key=lambda n: n.start_byte)  # stable: outer before inner
    source = _type_query(current.lang, tuple(types))
    if source is None:
        return []
    if current.is_root(current.lang, node):
        return [caps["n"][0] for _, caps in current.get(source) if caps["n"][0].id != node.id]
    if not _in_tree(current.root, node):  # a node of another tree: asked directly
        return [caps["n"][0] for _, caps in matches(current.lang, source, node)
                if caps["n"][0].id != node.id]
    # a sub-tree's answer is cut out of the file's answer (one pass over the file for
    # every sub-tree asking about these types), by byte range
    starts, ends, ids, found = _by_start(current, source)
    out = []
    lo, hi, own = node.start_byte, node.end_byte, node.id
    for i in range(bisect.bisect_left(starts, lo), bisect.bisect_right(starts, hi)):
        end = ends[i]
        if end > hi or ids[i] == own:
            continue
        if (starts[i] == lo or end == hi) and not _descends(found[i], node):
            continue  # same bounds as ``node``: an ancestor, or a neighbour of no width
        out.append(found[i])
    return out


@functools.lru_cache(maxsize=256)
def _type_query(lang: str, types: tuple) -> str | None:
    """The query that finds the nodes of ``types`` (None: the grammar has none of them)."""
    known = _known_types(lang, types)
    return "[" + " ".join(f"({t})" for t in known) + "] @n" if known else None


def _by_start(current: FileQueries, source: str) -> tuple:
    """The file's nodes that ``source`` finds, by start: (starts, ends, ids, nodes), the
    bounds read once from the nodes so that cutting a range out reads only lists."""
    key = ("of_type", source)
    hit = current.memo.get(key)
    if hit is None:
        found = [caps["n"][0] for _, caps in current.get(source)]
        found.sort(key=lambda n: n.start_byte)  # stable: the query's order among equals
        hit = current.memo[key] = ([n.start_byte for n in found], [n.end_byte for n in found],
                                   [n.id for n in found], found)
    return hit


def _in_tree(root, node) -> bool:
    """Is ``node`` a node of ``root``'s tree?"""
    lo, hi = node.start_byte, node.end_byte
    d = root.descendant_for_byte_range(lo, hi)
    while d is not None and d.start_byte >= lo and d.end_byte <= hi:
        if d.id == node.id:
            return True
        d = d.parent
    return False


def _descends(n, node) -> bool:
    """Is ``n`` (within ``node``'s byte range) a descendant of ``node``?"""
    p = n.parent
    while p is not None and node.start_byte <= p.start_byte and p.end_byte <= node.end_byte:
        if p.id == node.id:
            return True
        p = p.parent
    return False


@functools.lru_cache(maxsize=256)
def _known_types(lang: str, types: tuple) -> tuple:
    """The node types of ``types`` that ``lang``'s grammar has (others cannot match)."""
    g = grammar(lang)
    return tuple(t for t in types if g.id_for_node_kind(t, True))


def file_memo() -> dict:
    """A dict that lives as long as the analysis of the current file, for per-file caches
    of helpers that only see nodes (empty and unshared outside an analysis)."""
    return _current.memo if _current is not None else {}


def per_file(key, compute):
    """``compute()``, computed once per file under ``key`` (a tuple naming what is asked
    and of which node: ``("this_aliases", fn.id, fn.start_byte)``). Callers that hand out
    a mutable result copy it."""
    memo = file_memo()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def begin_file(lang: str, root, active_rules=(), resume: FileQueries | None = None) -> FileQueries:
    """Start answering root-level questions about ``root``'s file. ``resume``: the state
    an earlier phase kept for the very same tree (the facts phase hands it to the
    analysis with the tree): its answers and memo are kept, and questions of rules it was
    not asked for may join one more combined pass."""
    global _current
    if resume is not None and resume.is_root(lang, root):
        resume.resume(frozenset(active_rules))
        _current = resume
    else:
        _current = FileQueries(lang, root, frozenset(active_rules))
    return _current


def end_file() -> None:
    global _current
    _current = None


def answering_file() -> bool:
    """Is some file's root-level state in use (between ``begin_file`` and ``end_file``)?"""
    return _current is not None


@contextlib.contextmanager
def answering(lang: str, root, resume: FileQueries | None = None):
    """While the block runs, root-level questions about ``root``'s file are answered by
    queries (in C) from one state (``resume``: the one a phase kept for the very same
    tree, see ``begin_file``); the state around the block comes back after it."""
    global _current
    before = _current
    state = begin_file(lang, root, resume=resume)
    try:
        yield state
    finally:
        _current = before


# tree-sitter-python's scanner keeps its indentation stack in a fixed-size buffer: a file
# nested several hundred indentation levels deep crashes the parser (the process, not an
# exception). Such files are skipped; 400 levels is well below the crash and far above
# anything written by hand.
MAX_PYTHON_INDENT_LEVELS = 400
_DEEP_INDENT = re.compile(rb"^[ \t]{%d,}" % MAX_PYTHON_INDENT_LEVELS, re.M)


def parse_hazard(lang: str, data: bytes) -> str | None:
    """Why parsing ``data`` could crash the parser itself, or None."""
    if lang != "python" or _DEEP_INDENT.search(data) is None:
        return None  # each level indents one more column at least
    stack = [0]
    for line in data.split(b"\n"):
        body = line.lstrip(b" \t")
        if not body or body.startswith(b"#"):
            continue
        width = len(line.expandtabs(8)) - len(body)
        while width < stack[-1]:
            stack.pop()
        if width > stack[-1]:
            stack.append(width)
            if len(stack) - 1 > MAX_PYTHON_INDENT_LEVELS:
                return (f"nests more than {MAX_PYTHON_INDENT_LEVELS} indentation levels deep; "
                        "not parsed")
    return None
