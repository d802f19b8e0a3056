#!/usr/bin/env python3
"""Build the suite of go vet's lostcancel: the three testdata packages its test runs
(a, b, typeparams), family context.

    python scripts/conformance/build_lostcancel.py --mirror DIR --out DIR

lostcancel reports a cancel function not used on all paths twice, at the `context.With*`
call and at the return that leaks it: each pair is ONE row with both lines as
alternatives (the return's `want` pairs with the nearest `not used` one above it). A
discarded cancel (`ctx, _ := ...`) is one row. Every other function of these files is a
case the peer must leave alone, so any other finding is a false positive.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import Mirror, Row, SuiteError, copy_file, go_wants  # noqa: E402

PEER = "lostcancel"
REPOSITORY = "golang/tools"
COMMIT = "8f0f8c7bde0eea32e01e570a0e330c60a0cbaecc"
TESTDATA = "go/analysis/passes/lostcancel/testdata/src"
PACKAGES = ("a", "b", "typeparams")


def rows_of(target: str, text: str) -> list[Row]:
    rows: list[Row] = []
    open_row: Row | None = None
    for want in go_wants(text):
        message = " ".join(want.messages)
        if "reached without using" in message:
            if open_row is None:
                raise SuiteError(f"{target}:{want.line}: a return `want` with no `not used` one above it")
            rows[rows.index(open_row)] = Row(target, open_row.lines + (want.line,), "context", open_row.note)
            open_row = None
        elif "not used" in message:
            open_row = Row(target, (want.line,), "context", "cancel not used on all paths")
            rows.append(open_row)
        elif "not discarded" in message:
            rows.append(Row(target, (want.line,), "context", "cancel discarded"))
        else:
            raise SuiteError(f"{target}:{want.line}: unknown lostcancel message {message!r}")
    return rows


def build(mirror: Mirror, out: Path) -> list[Row]:
    rows = []
    for package in PACKAGES:
        for name in mirror.files(f"{TESTDATA}/{package}"):
            target = name[len(TESTDATA) + 1:]
            if target.endswith(".go"):
                found = rows_of(target, copy_file(mirror, name, out, target).decode())
                rows.extend(found or [Row(target, (), "-", "no want comment")])
    copy_file(mirror, "LICENSE", out, "LICENSE")
    return rows


if __name__ == "__main__":
    from suite import builder_main
    sys.exit(builder_main(sys.modules[__name__]))
