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


# the operating systems a build can target (GOOS values), and those `unix` stands for
GOOS = frozenset({"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios",
                  "js", "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1",
                  "windows", "zos"})
UNIX = GOOS - {"js", "nacl", "plan9", "wasip1", "windows"}


def builds_on(path: str, data: bytes, goos: str) -> bool:
    """Can this Go file be part of a build for the operating system ``goos``? Not when its
    name ends in another system's suffix (``_linux.go``, ``_darwin_test.go``) or its build
    constraint rules ``goos`` out (``//go:build linux``, ``!windows``, ``unix``)."""
    stem = path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".go").removesuffix("_test")
    parts = stem.split("_")[1:]
    named = [p for p in parts[-2:] if p in GOOS]
    if named and goos not in named:
        return False
    others = (GOOS - {goos}) | (set() if goos in UNIX else {"unix"})
    return can_build(build_constraint(data), never=frozenset(others), always=frozenset({goos}))


def can_build(expr: str, never: frozenset = frozenset(), always: frozenset = frozenset()) -> bool:
    """False when the constraint can never hold (it needs a tag no build sets, or one of
    ``never``, or rules out one of ``always``); unknown tags (GOOS, GOARCH, custom) may be
    set, so a constraint on them holds."""
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
        if tok in always:
            return True
        return False if tok in NEVER_SET or tok in never else None

    try:
        value = or_expr()
    except (ValueError, RecursionError):
        return True  # a constraint we cannot read: keep the file
    return value is not False
