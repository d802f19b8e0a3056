#!/usr/bin/env python3
"""Build the suite of ruff's SIM115 (open files without a context manager, family
resource) and B019 (functools caches on methods, family cache) from their fixtures.

    python scripts/conformance/build_ruff.py --mirror DIR --out DIR

Expectations come from the rules' snapshots: each `--> FILE:LINE:COL` is one row. SIM115
rows whose handle is closed explicitly later are style rows (the close runs unless an
exception comes first). B019 reports at the decorator; the `def` line after it is
accepted too. The fixture's own "OK (false negative)" case of SIM115 (an `open` entered
into an ExitStack that is already closed) is blanked (a comment and empty lines, so every
other line keeps its number): the peer's expectation there is admittedly wrong. Every
other line of both files is a case the peer leaves alone.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import Mirror, Row, SuiteError  # noqa: E402

PEER = "ruff"
REPOSITORY = "astral-sh/ruff"
COMMIT = "fca5c7cf2cd2f8338f18b9485f936b8e9f07bd0b"
LINTER = "crates/ruff_linter"
FIXTURES = f"{LINTER}/resources/test/fixtures"
SNAPSHOTS = f"{LINTER}/src/rules/{{plugin}}/snapshots/ruff_linter__rules__{{plugin}}__tests__{{rule}}_{{file}}.snap"
ARROW = re.compile(r"^\s*-->\s*(?P<file>[^:\s]+):(?P<line>\d+):\d+\s*$")
BLANKED_NOTE = "# case left out of the suite: the peer's expectation is wrong here"


class Fixture:
    def __init__(self, plugin, rule, family, blanked=None, closed_later=(), decorator=False):
        self.plugin, self.rule, self.family = plugin, rule, family
        self.file = f"{rule}.py"
        self.blanked = blanked
        self.closed_later = set(closed_later)
        self.decorator = decorator


FIXTURE_LIST = (
    Fixture("flake8_simplify", "SIM115", "resource", blanked=(34, 36), closed_later=(12, 105, 241, 245, 258)),
    Fixture("flake8_bugbear", "B019", "cache", decorator=True),
)


def snapshot_lines(text: str, file: str, where: str) -> list[int]:
    lines = [int(m["line"]) for m in map(ARROW.match, text.splitlines()) if m and m["file"] == file]
    if not lines:
        raise SuiteError(f"{where}: no `--> {file}:LINE:COL` diagnostic in this snapshot")
    return lines


def blank(text: str, first: int, last: int) -> str:
    lines = text.split("\n")
    lines[first - 1: last] = [BLANKED_NOTE] + [""] * (last - first)
    return "\n".join(lines)


def rows_of(fixture: Fixture, lines: list[int]) -> list[Row]:
    rows = []
    for line in lines:
        if fixture.blanked and fixture.blanked[0] <= line <= fixture.blanked[1]:
            continue
        if fixture.decorator:
            rows.append(Row(fixture.file, (line, line + 1), fixture.family, "cache decorator on a method"))
        elif line in fixture.closed_later:
            rows.append(Row(fixture.file, (line,), fixture.family, "style: closed explicitly later"))
        else:
            rows.append(Row(fixture.file, (line,), fixture.family, "rebound or dropped without a close"))
    return rows


def build(mirror: Mirror, out: Path) -> list[Row]:
    rows = []
    for fixture in FIXTURE_LIST:
        source = mirror.read(f"{FIXTURES}/{fixture.plugin}/{fixture.file}").decode("utf-8")
        if fixture.blanked:
            source = blank(source, *fixture.blanked)
        (out / fixture.file).write_text(source, encoding="utf-8")
        snap = SNAPSHOTS.format(plugin=fixture.plugin, rule=fixture.rule, file=fixture.file)
        rows.extend(rows_of(fixture, snapshot_lines(mirror.read(snap).decode("utf-8"), fixture.file, snap)))
    (out / "LICENSE").write_bytes(mirror.read("LICENSE"))
    return rows


if __name__ == "__main__":
    from suite import builder_main
    sys.exit(builder_main(sys.modules[__name__]))
