"""Go build constraints (`//go:build`, `// +build`): whether a file can be part of its
package in some build."""

from __future__ import annotations

import re

_BUILD_LINE = re.compile(rb"^//go:build[ \t]+(.+?)[ \t]*$", re.M)
_PLUS_BUILD = re.compile(rb"^//[ \t]*\+build[ \t]+(.+?)[ \t]*$", re.M)
# tags no build ever sets: a file constrained to them is not part of the package
NEVER_SET = {"ignore"}


def build_constraint(data: bytes) -> str:
    """The file's `//go:build` expression (or its `// +build` lines joined), before the
    package clause; "" without one."""
    head = data[:data.find(b"\npackage ")] if b"\npackage " in data else data[:4096]
    m = _BUILD_LINE.search(head)
    if m:
        return m.group(1).decode("utf-8", "replace")
    lines = [g.decode("utf-8", "replace") for g in _PLUS_BUILD.findall(head)]
    # `// +build a b,c` means a || (b && c); several lines are and-ed
    return " && ".join("(" + " || ".join(" && ".join(t.split(",")) for t in line.split()) + ")"
                       for line in lines)


def can_build(expr: str) -> bool:
    """False when the constraint can never hold (it needs a tag no build sets); unknown
    tags (GOOS, GOARCH, custom) may be set, so a constraint on them holds."""
    if not expr:
        return True
    tokens = re.findall(r"&&|\|\||!|\(|\)|[^\s&|!()]+", expr)
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def or_expr():
        v = and_expr()
        while peek() == "||":
            take()
            w = and_expr()
            v = True if True in (v, w) else (None if None in (v, w) else False)
        return v

    def and_expr():
        v = unary()
        while peek() == "&&":
            take()
            w = unary()
            v = False if False in (v, w) else (None if None in (v, w) else True)
        return v

    def unary():
        tok = take() if peek() is not None else ")"
        if tok == "!":
            v = unary()
            return None if v is None else not v
        if tok == "(":
            v = or_expr()
            if peek() == ")":
                take()
            return v
        if tok in (")", "&&", "||"):
            raise ValueError(tok)
        return False if tok in NEVER_SET else None

    try:
        value = or_expr()
    except (ValueError, RecursionError):
        return True  # a constraint we cannot read: keep the file
    return value is not False
