#!/usr/bin/env python3
"""Build the sqlclosecheck suite: its analysistest packages rows/, stmt/ and pgx/, one row
per `// want` comment (family resource).

    python scripts/conformance/build_sqlclosecheck.py --mirror DIR --out DIR

`Close should use defer` is a style rule (the non-deferred Close is reached on every path
that does not exit the program): style rows. So is the `want` of rows/missing_close.go,
whose rows are read to the end on every path that does not exit (STYLE). `rows/passed.go: passedAndNotClosed` leaks
its rows into a helper that does nothing, yet the peer expects nothing there: an optional
row at the acquisition. Files without a `want` must stay clean.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import Mirror, Row, copy_file, go_wants  # noqa: E402

PEER = "sqlclosecheck"
REPOSITORY = "ryanrolds/sqlclosecheck"
COMMIT = "3ec3977f7977483ca742779e6d95082d38995c89"
TESTDATA = "pkg/analyzer/testdata"
PACKAGES = ("rows", "stmt", "pgx")
# (file, line) of a `want` that asks for a Close no path needs: why it is style
STYLE = {("rows/missing_close.go", 10): "style: no Close, but every path that does not exit the program (log.Fatal) "
                                        "runs `for rows.Next()` to its end, and database/sql closes rows then"}
# (file, line): why a finding there counts neither way
OPTIONAL = {("rows/passed.go", 22): "optional: rows handed to a helper that neither closes nor keeps them; "
                                    "the peer leaves passedAndNotClosed unreported"}


def build(mirror: Mirror, out: Path) -> list[Row]:
    rows = []
    for name in mirror.files(TESTDATA):
        target = name[len(TESTDATA) + 1:]
        if target.split("/")[0] not in PACKAGES or not target.endswith(".go"):
            continue
        text = copy_file(mirror, name, out, target).decode()
        wants = go_wants(text)
        for want in wants:
            style = any("should use defer" in m for m in want.messages)
            note = "; ".join(want.messages)
            note = STYLE.get((target, want.line)) or (f"style: {note}" if style else note)
            rows.append(Row(target, (want.line,), "resource", note))
        optional = [Row(target, (line,), "resource", why) for (f, line), why in OPTIONAL.items() if f == target]
        rows.extend(optional)
        if not wants and not optional:
            rows.append(Row(target, (), "-", "no want comment"))
    copy_file(mirror, "LICENSE", out, "LICENSE")
    return rows


if __name__ == "__main__":
    from suite import builder_main
    sys.exit(builder_main(sys.modules[__name__]))
