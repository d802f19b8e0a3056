"""Nodes found by their spelling: the places in a node's text where one of a few names is
written, each checked to be a node of the asked types spanning exactly that name (not part
of a longer word, a string or a comment). For a question about a handful of names this
reads far less than a query with an `#any-of?`/`#eq?` predicate, which tests the text of
every identifier or call of the file (and is compiled anew for each set of names)."""

from __future__ import annotations

import functools
import re

# what a name never follows or precedes in Go, Python or JS/TS source (`$` is a letter in JS)
_LETTERS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$")
_NOT_AFTER = rb"(?![A-Za-z0-9_$])"
# per language: the call node, the member node (`x.f`), its fields for the name and for
# what the name is taken from
_SHAPES = {
    "go": ("call_expression", "selector_expression", "field", "operand"),
    "python": ("call", "attribute", "attribute", "object"),
}
_NAME_TYPES = ("identifier", "field_identifier")


@functools.lru_cache(maxsize=256)
def _pattern(names: tuple):
    words = sorted({n.encode() for n in names if n}, key=lambda w: (-len(w), w))
    # no look-behind: a pattern that starts with the words' first letters is searched fast
    return re.compile(b"(?:" + b"|".join(map(re.escape, words)) + b")" + _NOT_AFTER)


def _words(data: bytes, names) -> list:
    """(start, end) of each place ``data`` writes one of ``names`` as a whole word."""
    names = tuple(sorted({n for n in names if n}))
    if not names:
        return []
    return [(m.start(), m.end()) for m in _pattern(names).finditer(data)
            if not (m.start() and data[m.start() - 1] in _LETTERS)]  # not a longer name's end


def written(data: bytes, names) -> bool:
    """Does ``data`` write one of ``names`` as a whole word (in code, a string or a
    comment alike: a cheap test before a parse or a walk)?"""
    return bool(_words(data, names))


def spelled(node, names, types=("identifier",)) -> list:
    """The nodes of ``types`` in ``node`` (itself included) spelled as one of ``names``,
    in source order."""
    base = node.start_byte
    out = []
    for word_start, word_end in _words(node.text, names):
        start, end = base + word_start, base + word_end
        found = node.named_descendant_for_byte_range(start, end)
        if found is not None and found.type in types and found.start_byte == start \
                and found.end_byte == end:
            out.append(found)
    return out


def calls_named(node, names, lang: str) -> list:
    """The calls in ``node`` of a function or method whose last name is one of ``names``
    (`Open(...)`, `os.Open(...)`, `f.Close()`), outer before inner (a query's order)."""
    call_type, member_type, field, _ = _SHAPES[lang]
    out = []
    for name in spelled(node, names, _NAME_TYPES):
        holder, parent = name, name.parent
        if parent is not None and parent.type == member_type \
                and parent.child_by_field_name(field) == name:
            holder, parent = parent, parent.parent
        if parent is not None and parent.type == call_type \
                and parent.child_by_field_name("function") == holder:
            out.append(parent)
    out.sort(key=lambda c: (c.start_byte, -c.end_byte))
    return out


def selectors_on(node, name: str, lang: str) -> list:
    """The member expressions in ``node`` on the plain name ``name`` (`name.Field`,
    `name.Method`: Go's selector expressions, Python's attributes), in source order."""
    _, member_type, _, taken_from = _SHAPES[lang]
    out = []
    for ident in spelled(node, (name,)):
        parent = ident.parent
        if parent is not None and parent.type == member_type \
                and parent.child_by_field_name(taken_from) == ident:
            out.append(parent)
    return out
