#!/usr/bin/env python3
"""Build the suite of pylint's consider-using-with (R1732): its two functional test files,
family resource.

    python scripts/conformance/build_pylint_r1732.py --mirror DIR --out DIR

Each `consider-using-with` line of the matching `.txt` file is one row at its start line.
R1732 asks for `with`, so it also flags handles closed explicitly right after (a close
that an exception between the two lines would skip): those rows are style rows. Two
cases are blanked (a comment and empty lines, so every other line keeps its number)
because the peer's expectation there is knowingly incomplete: a `TemporaryFile` left
open on purpose, and an if/else pair of which only one branch is flagged. Every other
line of the files is a case the peer must leave alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import Mirror, Row, SuiteError  # noqa: E402

PEER = "pylint-r1732"
REPOSITORY = "pylint-dev/pylint"
COMMIT = "3a99b2d728d0c8ff5267e0c38ebad4f5ba228dac"
FOLDER = "tests/functional/c/consider"
MESSAGE = "consider-using-with"

# name -> (lines blanked (first, last), lines whose handle is closed explicitly later)
FILES = {
    "consider_using_with.py": ((40, 41), {32, 74, 80, 89, 96, 103, 110}),
    "consider_using_with_open.py": ((115, 123), {15}),
}
BLANKED_NOTE = "# case left out of the suite: the peer's expectation is incomplete here"


def blank(text: str, first: int, last: int, where: str) -> str:
    lines = text.split("\n")
    if last > len(lines):
        raise SuiteError(f"{where}: has {len(lines)} lines, cannot blank {first}-{last}")
    indent = lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip())]
    lines[first - 1: last] = [indent + BLANKED_NOTE] + [""] * (last - first)
    return "\n".join(lines)


def expected_lines(txt: str, where: str) -> list[int]:
    """Start lines of the R1732 messages of a functional test's .txt file."""
    found = []
    for number, line in enumerate(txt.splitlines(), 1):
        fields = line.split(":")
        if fields[0] != MESSAGE:
            continue
        try:
            found.append(int(fields[1]))
        except (IndexError, ValueError):
            raise SuiteError(f"{where}:{number}: not a functional test message line: {line!r}") from None
    return found


def build(mirror: Mirror, out: Path) -> list[Row]:
    rows = []
    for name, ((first, last), closed_later) in FILES.items():
        source = mirror.read(f"{FOLDER}/{name}").decode("utf-8")
        txt_name = f"{FOLDER}/{name[:-3]}.txt"
        (out / name).write_text(blank(source, first, last, name), encoding="utf-8")
        for line in expected_lines(mirror.read(txt_name).decode("utf-8"), txt_name):
            if first <= line <= last:
                continue
            note = "style: closed explicitly later" if line in closed_later else "not closed on every path"
            rows.append(Row(name, (line,), "resource", note))
    (out / "LICENSE").write_bytes(mirror.read("LICENSE"))
    return rows


if __name__ == "__main__":
    from suite import builder_main
    sys.exit(builder_main(sys.modules[__name__]))
