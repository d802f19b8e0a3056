"""Syntax newer than the grammar wheels, made parseable without moving a byte.

No released grammar parses these yet (docs/grammars.md has the evaluation):

- Go 1.26 ``new(expr)``: the Go grammar accepts only a type inside ``new(...)``, so
  ``new(42)`` or ``new(time.Now())`` is a syntax error, and its recovery can swallow the
  statements around it. Each ``new`` whose argument the grammar rejects is renamed to
  ``nEw``, an ordinary call of the same length whose argument is an expression.
- TypeScript type arguments on a tagged template (styled-components'
  ``styled.div<Props>`...```): the grammar reads ``<`` and ``>`` as comparisons, or
  fails on object types. The type arguments are blanked (newlines kept), leaving the
  tagged template call, which is all the rules need of it.

Every rewrite keeps the length and the line breaks of the text, so nodes of the new tree
have the positions of the original file (which is what findings quote). A rewritten text
is used only when it parses with fewer errors than the original (for TypeScript, with
none), so code the grammar already reads is never changed.
"""

from __future__ import annotations

import re

NEW_PLACEHOLDER = b"nEw"
_GO_NEW = re.compile(rb"(?<![\w.])new\s*\(")
_GO_NOT_CODE = {"comment", "interpreted_string_literal", "raw_string_literal", "rune_literal"}
_TS_TAGGED = re.compile(rb">\s*`")
_TS_NOT_CODE = {"comment", "string", "template_string", "regex", "jsx_text", "jsx_opening_element",
                "jsx_closing_element", "jsx_self_closing_element", "jsx_expression_container"}
_OPEN = {ord("("): ord(")"), ord("["): ord("]"), ord("{"): ord("}")}
_CLOSE = {v: k for k, v in _OPEN.items()}


def parse(lang: str, data: bytes, parse_bytes):
    """The tree of ``data`` (``parse_bytes(text) -> tree`` parses), with the rewrites above
    applied when they help."""
    tree = parse_bytes(data)
    if lang == "go":
        if not tree.root_node.has_error or b"new" not in data:
            return tree
        patched = _go_new_calls(data, tree)
    elif lang in ("typescript", "tsx"):
        if b">" not in data or _TS_TAGGED.search(data) is None:
            return tree
        patched = _ts_tagged_type_arguments(data, tree)
    else:
        return tree
    if patched == data:
        return tree
    better = parse_bytes(patched)
    before = error_count(tree.root_node)
    after = error_count(better.root_node)
    if after < before or (lang != "go" and after == 0):
        return better
    return tree


def error_count(root) -> int:
    count, stack = 0, [root]
    while stack:
        n = stack.pop()
        if n.is_error or n.is_missing:
            count += 1
        elif n.has_error:
            stack.extend(n.children)
    return count


def _inside(tree, offset: int, kinds: set) -> bool:
    node = tree.root_node.descendant_for_byte_range(offset, offset + 1)
    while node is not None:
        if node.type in kinds:
            return True
        node = node.parent
    return False


def _go_new_calls(data: bytes, tree) -> bytes:
    from . import parser

    out = bytearray(data)
    for m in _GO_NEW.finditer(data):
        if _inside(tree, m.start(), _GO_NOT_CODE):
            continue
        close = _go_closing_paren(data, m.end() - 1)
        if close is None:
            continue
        probe = b"package p\nvar _ = new(" + data[m.end():close] + b")\n"
        if parser("go").parse(probe).root_node.has_error:
            out[m.start():m.start() + 3] = NEW_PLACEHOLDER
    return bytes(out)


def _go_closing_paren(data: bytes, open_at: int) -> int | None:
    """The offset of the ``)`` closing the ``(`` at ``open_at``, skipping Go literals and
    comments; None when it is not closed."""
    depth, i, n = 0, open_at, len(data)
    while i < n:
        c = data[i]
        if c in (0x22, 0x27):  # "..." and '...' with escapes
            i += 1
            while i < n and data[i] != c and data[i] != 0x0A:
                i += 2 if data[i] == 0x5C else 1
        elif c == 0x60:  # `raw`
            end = data.find(b"`", i + 1)
            if end == -1:
                return None
            i = end
        elif data.startswith(b"//", i):
            end = data.find(b"\n", i)
            i = n if end == -1 else end
        elif data.startswith(b"/*", i):
            end = data.find(b"*/", i + 2)
            if end == -1:
                return None
            i = end + 1
        elif c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
            if depth == 0:
                return i if c == 0x29 else None
        i += 1
    return None


def _ts_tagged_type_arguments(data: bytes, tree) -> bytes:
    out = bytearray(data)
    for m in _TS_TAGGED.finditer(data):
        close = m.start()
        start = _ts_opening_angle(data, close)
        if start is None or start == 0:
            continue
        before = data[start - 1:start]
        if not (before.isalnum() or before in (b"_", b"$", b")", b"]")):
            continue
        if _inside(tree, start, _TS_NOT_CODE) or _inside(tree, close, _TS_NOT_CODE):
            continue
        for i in range(start, close + 1):
            if out[i] not in (0x0A, 0x0D):
                out[i] = 0x20
    return bytes(out)


def _ts_opening_angle(data: bytes, close: int) -> int | None:
    """The ``<`` matching the ``>`` at ``close``, scanning back over nested type
    arguments, brackets and ``=>`` arrows; None when the text does not look like type
    arguments (a statement end or an unbalanced bracket comes first)."""
    depth, nest, i = 0, 0, close
    while i >= 0:
        c = data[i]
        if c == 0x3E and not (i > 0 and data[i - 1] == 0x3D):  # '>' that is not '=>'
            depth += 1
        elif c == 0x3C:
            depth -= 1
            if depth == 0:
                return i if nest == 0 else None
        elif c in _CLOSE:
            nest += 1
        elif c in _OPEN:
            nest -= 1
            if nest < 0:
                return None
        elif c == 0x60 or (c == 0x3B and nest == 0):  # a backtick, or ';' outside braces
            return None
        i -= 1
    return None
