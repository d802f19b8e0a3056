"""What a Go file does with channels kept in struct fields, read from its text alone.

A goroutine that blocks on `s.ch` is served by whoever sends on, receives from or closes
a field `ch` anywhere in its package. The check of one file sees its own tree; of the
other files of the directory it reads these facts (``ctx.reads["channel_fields"]``):
for each field name, the kinds of use the file makes of `x.name`:

- ``send``, ``receive``, ``range``, ``close``: the channel operations;
- ``made``: `x.name = make(chan ...)` or `name: make(chan ...)` in a composite literal;
- ``value``: any other read (returned, passed, stored, aliased): the channel goes where
  the text does not tell, so the analysis treats every operation as possible.

Assignments of nil, comparisons with nil, `len` and `cap` are not uses. The text is the
code with comments and literals blanked; a field name is not told apart by the type that
declares it, so a name used by several types merges their uses (more partners, fewer
findings).
"""

from __future__ import annotations

import bisect
import re

from .go_package import code_only

SEND, RECEIVE, RANGE, CLOSE, MADE, VALUE = "send", "receive", "range", "close", "made", "value"

_NAME = r"[A-Za-z_]\w*"
# the operand's path up to the field: `a.b.`, `a().b.`, `a[i].` (no spaces inside)
_PATH = r"(?:[\w\]\[)(]*\.)+"
_SEND = re.compile(r"\.(" + _NAME + r")[ \t]*<-")
_RECEIVE = re.compile(r"<-[ \t]*" + _PATH + "(" + _NAME + r")\b(?![ \t]*[(.\[])")
# each pattern starts with a literal (fast to find); a keyword's start is checked apart
_RANGE = re.compile(r"range[ \t]+" + _PATH + "(" + _NAME + r")\b(?![ \t]*[(.\[])")
_CLOSE = re.compile(r"close\([ \t]*" + _PATH + "(" + _NAME + r")[ \t]*\)")
_MAKE = re.compile(r"make\([ \t]*(?:<-[ \t]*)?chan\b")
_MADE_TARGET = re.compile(r"(?:\.(" + _NAME + r")[ \t]*=|(?<![.\w])(" + _NAME + r")[ \t]*:)[ \t]*$")
_NIL = re.compile(r"\.(" + _NAME + r")[ \t]*(?:==|!=|=)[ \t]*nil\b")
_SIZE = re.compile(r"(?:len|cap)\([ \t]*" + _PATH + "(" + _NAME + r")[ \t]*\)")
_ANY = re.compile(r"\.(" + _NAME + r")\b(?![ \t]*\()")
_FUNC = re.compile(r"^func[ \t]*(?:\([^)]*\)[ \t]*)?(" + _NAME + r")", re.M)


# a method's header at a line start (gofmt): its receiver's name and type
_METHOD = re.compile(r"^func[ \t]*\([ \t]*(\w+)[ \t]+\*?[ \t]*(" + _NAME + r")(?:\[[^\]\n]*\])?[ \t]*\)", re.M)


def _receivers(code: str) -> list:
    """(body start, body end, receiver name, receiver type) of each method."""
    out = []
    for header in _METHOD.finditer(code):
        end = code.find("\n}", header.end())
        out.append((header.end(), end if end >= 0 else len(code), header.group(1), header.group(2)))
    return out


def channel_fields(code: str) -> dict:
    """{key: [kinds]} for the fields the blanked ``code`` uses (callers only ask about
    channel fields). The key is `T.name` when the use is on the receiver of a method of
    T (`s.name` in `func (s *T) ...`): only T's field of that name; plain `name` for
    any other use, which may be any type's field."""
    kinds: dict = {}
    explained: set = set()
    methods = _receivers(code)
    starts = [m[0] for m in methods]

    def key(name: str, dot: int) -> str:
        i = bisect.bisect_right(starts, dot) - 1
        if i >= 0:
            start, end, receiver, owner = methods[i]
            before = dot - len(receiver)
            if dot < end and code[before:dot] == receiver and (
                    before == 0 or not (code[before - 1].isalnum() or code[before - 1] in "_.")):
                return f"{owner}.{name}"
        return name

    def note(rx, kind):
        for m in rx.finditer(code):
            if kind in (RANGE, CLOSE) and m.start() > 0 and (code[m.start() - 1].isalnum()
                                                            or code[m.start() - 1] in "_."):
                continue  # `xrange`, `s.close(`: not the keyword or builtin
            group = next(i for i in range(1, len(m.groups()) + 1) if m.group(i))
            dot = m.start(group) - 1  # where `.name` starts
            kinds.setdefault(key(m.group(group), dot), set()).add(kind)
            explained.add(dot)

    note(_SEND, SEND)
    note(_RECEIVE, RECEIVE)
    note(_RANGE, RANGE)
    note(_CLOSE, CLOSE)
    for m in _MAKE.finditer(code):
        target = _MADE_TARGET.search(code, max(0, m.start() - 200), m.start())
        if target is None:
            continue
        group = 1 if target.group(1) else 2
        dot = target.start(group) - 1
        name = target.group(group)
        if group == 1:
            name = key(name, dot)
        else:  # `name: make(...)` in a composite literal: the literal's type owns it
            owner = _literal_type(code, target.start(group))
            name = f"{owner}.{name}" if owner else name
        kinds.setdefault(name, set()).add(MADE)
        explained.add(dot)
    for rx in (_NIL, _SIZE):
        for m in rx.finditer(code):
            if rx is _SIZE and m.start() > 0 and (code[m.start() - 1].isalnum() or code[m.start() - 1] in "_."):
                continue
            explained.add(m.start(1) - 1)
    for m in _ANY.finditer(code):
        if m.start() not in explained:
            kinds.setdefault(key(m.group(1), m.start()), set()).add(VALUE)
    return {name: sorted(found) for name, found in kinds.items()}


_LITERAL_TYPE = re.compile(r"(?<![\w.])(" + _NAME + r")[ \t]*$")


def _literal_type(code: str, at: int) -> str:
    """The type of the composite literal whose `{` encloses position ``at`` (`T{`, `&T{`),
    "" when it is not a plain type name (a map or slice literal, `pkg.T{`, ...)."""
    depth, i = 0, at - 1
    while i >= 0 and at - i < 20000:
        c = code[i]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                m = _LITERAL_TYPE.search(code, max(0, i - 200), i)
                return m.group(1) if m else ""
            depth -= 1
        i -= 1
    return ""


def working_functions(code: str) -> list:
    """Names of the functions and methods of the blanked ``code`` (gofmt layout) whose
    body works a channel field (sends, receives, ranges or closes `x.name`): the ones
    whose callers decide whether a partner operation can run."""
    out = set()
    headers = list(_FUNC.finditer(code))
    for i, header in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(code)
        body = code[header.end():end]
        if any(rx.search(body) for rx in (_SEND, _RECEIVE, _RANGE, _CLOSE)):
            out.add(header.group(1))
    return sorted(out)


def file_facts(data: bytes) -> dict:
    """The facts of one file kept in the facts cache."""
    code = code_only(data[:4 * 1024 * 1024].decode("utf-8", "replace"))
    return {"fields": channel_fields(code), "functions": working_functions(code)}


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
    wanted = {f.rsplit(".", 1)[-1] for f, kinds in own["fields"].items() if _OPERATIONS & set(kinds)}
    fields: dict = {}
    for name in wanted:
        for where, key, kinds in fields_of.get(name, ()):
            if where != path:
                fields.setdefault(key, set()).update(kinds)
    return {"fields": {f: sorted(k) for f, k in sorted(fields.items())},
            "named": [name for name in own["functions"] if named(name)]}


_WORD = re.compile(rb"[A-Za-z_]\w*")


def words(data: bytes) -> set:
    """The identifiers (and any other words) of a file's bytes, comments included."""
    return set(_WORD.findall(data))
