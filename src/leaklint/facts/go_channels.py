"""What a Go file does with channels kept in struct fields, read from its tree.

A goroutine that blocks on `s.ch` is served by whoever sends on, receives from or closes
a field `ch` anywhere in its package. The check of one file sees its own tree; of the
other files of the directory it reads these facts (``ctx.reads["channel_fields"]``):
for each field name, the kinds of use the file makes of `x.name`:

- ``send``, ``receive``, ``range``, ``close``: the channel operations;
- ``made``: `x.name = make(chan ...)` or `name: make(chan ...)` in a composite literal;
- ``value``: any other read (returned, passed, stored, aliased): the channel goes where
  the file does not tell, so the analysis treats every operation as possible.

Assignments of nil, comparisons with nil, `len` and `cap` are not uses; neither is a
method call `x.name(...)`. A field is not told apart by the type that declares it
unless the use is on a method's receiver or in a `T{...}` literal, so a name used by
several types merges their uses (more partners, fewer findings).
"""

from __future__ import annotations

import functools
import re

from ..languages import matches, nearest
from ..languages.go_syntax import callee_text, channel_operation, strip_parens, text
from .go_package import Receivers

SEND, RECEIVE, RANGE, CLOSE, MADE, VALUE = "send", "receive", "range", "close", "made", "value"

# every field selector, and every keyed element of a literal whose value is a call
_USES = ("(selector_expression field: (field_identifier) @f) @s"
         " (keyed_element key: (literal_element (identifier) @k) value: (literal_element (call_expression) @v))")
_DECLARATIONS = ("function_declaration", "method_declaration")


def file_facts(root, src=None) -> dict:
    """The facts of one file kept in the facts cache: {"fields": {key: [kinds]},
    "functions": [names]}. A key is `T.name` when the use is on the receiver of a method
    of T (`s.name` in `func (s *T) ...`) or in a `T{...}` literal: only T's field of that
    name; plain `name` for any other use, which may be any type's field. "functions" are
    the functions and methods whose body (closures included) sends on, receives from,
    ranges over or closes a field: the ones whose callers decide whether a partner
    operation can run."""
    kinds: dict = {}
    working: set = set()
    found = matches("go", _USES + Receivers.QUERY, root)  # one pass: uses and methods
    on_receiver = Receivers(root, {"m": [caps["m"][0] for i, caps in found if i == 2]})
    for i, caps in found:
        if i == 2:
            continue
        if i == 1:
            name, value = text(caps["k"][0]), caps["v"][0]
            if _makes_channel(value):
                owner = _literal_type(caps["k"][0])
                kinds.setdefault(f"{owner}.{name}" if owner else name, set()).add(MADE)
            continue
        selector, name = caps["s"][0], text(caps["f"][0])
        kind = _kind(selector)
        if kind is None:
            continue
        owner = on_receiver.owner(selector)
        kinds.setdefault(f"{owner}.{name}" if owner else name, set()).add(kind)
        if kind in (SEND, RECEIVE, RANGE, CLOSE):
            fn = nearest(selector, _DECLARATIONS)
            if fn is not None and fn.child_by_field_name("name") is not None:
                working.add(text(fn.child_by_field_name("name")))
    return {"fields": {key: sorted(found) for key, found in sorted(kinds.items())},
            "functions": sorted(working)}


def _kind(selector):
    """What the selector `x.name` does with the field: one of the kinds, or None (a
    method call, a nil assignment or comparison, `len`/`cap`)."""
    expr, p = selector, selector.parent
    if p is not None and p.type == "call_expression" and p.child_by_field_name("function") == expr:
        return None  # x.name(...): a method, not a field
    while p is not None and p.type == "parenthesized_expression":
        expr, p = p, p.parent
    if p is None:
        return VALUE
    operation = channel_operation(expr)
    if operation is not None:
        return operation
    if p.type == "binary_expression" and text(p.child_by_field_name("operator")) in ("==", "!=") \
            and any(c.type == "nil" for c in p.named_children):
        return None
    if p.type == "argument_list" and p.parent is not None and callee_text(p.parent) in ("len", "cap"):
        return None
    if p.type == "expression_list" and p.parent is not None and p.parent.type == "assignment_statement" \
            and p.parent.child_by_field_name("left") == p \
            and text(p.parent.child_by_field_name("operator")) == "=":
        right = p.parent.child_by_field_name("right")
        values = [c for c in right.named_children if c.type != "comment"] if right is not None else []
        targets = [c for c in p.named_children if c.type != "comment"]
        if len(values) == len(targets) and expr in targets:
            value = strip_parens(values[targets.index(expr)])
            if value.type == "nil":
                return None
            if _makes_channel(value):
                return MADE
    return VALUE


def _makes_channel(value) -> bool:
    """Is ``value`` `make(chan ...)`?"""
    value = strip_parens(value)
    if value.type != "call_expression" or callee_text(value) != "make":
        return False
    args = [a for a in value.child_by_field_name("arguments").named_children if a.type != "comment"]
    return bool(args) and args[0].type == "channel_type"


def _literal_type(key) -> str:
    """The type of the composite literal whose element has the key ``key`` (`T{`,
    `&T{`), "" when it is not a plain type name (a map or slice literal, `pkg.T{`, an
    element of a literal whose type is left out, ...)."""
    body = nearest(key, ("literal_value",))
    literal = body.parent if body is not None else None
    if literal is None or literal.type != "composite_literal":
        return ""
    kind = literal.child_by_field_name("type")
    return text(kind) if kind is not None and kind.type == "type_identifier" else ""


# kinds that say the file works the channel itself (a field only read as a value is not
# asked about: it is not known to be a channel)
_OPERATIONS = {SEND, RECEIVE, RANGE, CLOSE, MADE}


def by_field(facts_of: dict) -> dict:
    """{field name: [(path, key, kinds)]} over the files' facts ({path: facts or None})."""
    out: dict = {}
    for path, facts in facts_of.items():
        for key, kinds in (facts or {}).get("fields", {}).items():
            out.setdefault(key.rsplit(".", 1)[-1], []).append((path, key, kinds))
    return out


def channel_field_reads(path: str, own: dict, fields_of: dict, named) -> dict:
    """What LL610 reads for the file ``path`` whose facts are ``own``, given the uses of
    every file of its directory (``by_field``) and ``named(name)``: does another file's
    text hold that word? {"fields": {field or T.field: [kinds in the other files]} for
    the fields the file uses as channels, "named": [its functions working a channel
    field whose names another file holds]}."""
    fields: dict = {}
    for name in worked_fields(own):
        for where, key, kinds in fields_of.get(name, ()):
            if where != path:
                fields.setdefault(key, set()).update(kinds)
    return {"fields": {f: sorted(k) for f, k in sorted(fields.items())},
            "named": [name for name in own["functions"] if named(name)]}


def worked_fields(own: dict) -> set:
    """The names of the fields a file's facts make, send on, receive from, range over or
    close: only the files whose text holds one of them can be its partners."""
    return {f.rsplit(".", 1)[-1] for f, kinds in own["fields"].items() if _OPERATIONS & set(kinds)}


def holds_word(data: bytes, word: str) -> bool:
    """Do a file's bytes hold ``word`` as a whole word (comments included)?"""
    at = data.find(word.encode())  # most files lack most words: the fastest search says so
    return at >= 0 and _whole_word(word).search(data, at) is not None


@functools.lru_cache(maxsize=1024)
def _whole_word(word: str):
    """``word`` with no letter, digit or underscore on either side; the word comes first, so
    the search runs in C over its many places inside longer names (``N``, ``size``)."""
    w = re.escape(word.encode())
    return re.compile(w + rb"(?![A-Za-z0-9_])(?<![A-Za-z0-9_]" + w + rb")")
