"""Facts of one file: its tree (the one the summaries and the analysis share), an
extractor run over it within the time limit, and the facts cache around both."""

from __future__ import annotations

from .. import languages
from ..deadline import Deadline, FileTimeout
from ..languages import recent_syntax
from ..source import SourceFile, decode, lone_cr_to_lf, looks_minified
from .index import SKIPPED, UNKNOWN
from .summaries import content_key


class File:
    """One file of a directory while its package is indexed (its tree is dropped with it)."""

    __slots__ = ("path", "data", "key", "tree", "src")

    def __init__(self, path, data):
        self.path, self.data, self.tree, self.src = path, data, None, None
        self.key = content_key(data) if data is not None else None


def _tree(f: File, deadline: Deadline, project, parse_left_out: bool = True):
    """The file's tree; None when ``project`` leaves it out (what the analysis would not
    parse: too large, minified, a parse hazard) and ``parse_left_out`` is false."""
    if f.tree is None and project is not None:
        got = project.parsed(f.path)  # the same tree the summaries and the analysis use
        if got is not None:
            f.tree, f.src = got
        elif not parse_left_out:
            return None
    if f.tree is None:  # a file the summaries leave out (too large...): parsed here
        data = lone_cr_to_lf(decode(f.data)[0])
        parser = languages.parser("go")
        f.tree = recent_syntax.parse("go", data, lambda text: deadline.parse(parser, text))
        f.src = SourceFile(f.path, data, "go")
        if project is not None and project.trees is not None and not looks_minified(data):
            # its analysis (in a process forked later, which inherits it) parses it no more
            project.trees.offer(f.path, data, f.tree)
    return f.tree


def extract(f: File, timeout, index, what, project=None, parse_left_out=True):
    """Run ``what(root, src)`` on the file's tree within the time limit; SKIPPED when the
    file cannot be read or decoded (or, unless ``parse_left_out``, when the analysis
    would not parse it either), UNKNOWN when it cannot be analysed in time."""
    if f.data is None:
        return SKIPPED
    deadline = Deadline(timeout)
    try:
        try:
            tree = _tree(f, deadline, project, parse_left_out)  # the parse has its own guard
        except UnicodeDecodeError:
            return SKIPPED
        if tree is None:
            return SKIPPED
        index.extracted += 1
        with deadline.interrupting():
            return what(tree.root_node, f.src)
    except FileTimeout:
        return UNKNOWN
    except Exception:  # a file the extractor cannot handle is unknown, never fatal
        return UNKNOWN


def stored(store, key: str, compute, keep=lambda facts: True) -> dict:
    """Facts under ``key`` in the facts cache; computed when missing, and stored when
    ``keep`` says they are worth keeping."""
    hit = store.get(key) if store is not None else None
    if hit is not None:
        return hit
    facts = compute()
    if store is not None and keep(facts):
        store.put(key, facts)
    return facts


def complete(facts: dict) -> bool:
    """Facts of a file that was read and parsed in time (not unknown, not skipped)."""
    return not facts.get("unknown") and not facts.get("skipped")
