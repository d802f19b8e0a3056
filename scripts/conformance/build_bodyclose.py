#!/usr/bin/env python3
"""Build the bodyclose suite: package `a` of its testdata (the one its test runs with the
default settings), one row per `// want` comment (family resource).

    python scripts/conformance/build_bodyclose.py --mirror DIR --out DIR

The calls the peer leaves alone only because of its own `//bodyclose:handled` directive
(a function marked so, and a package marked so that is not part of the suite) are
optional rows: leaklint has no such directive. Files without a `want` must stay clean
(package globals, httptest recorders' Result(), wrappers returning the response).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import Mirror, Row, copy_file, go_wants  # noqa: E402

PEER = "bodyclose"
REPOSITORY = "timakin/bodyclose"
COMMIT = "857993a2939c1245454bd304459ac3c7e61a98ad"
PACKAGE = "passes/bodyclose/testdata/src/a"
DIRECTIVE = "//bodyclose:handled"


def handled_calls(text: str) -> list[int]:
    """Lines calling a function the file marks with the directive, or a function of the
    peer's directive-marked `handledresponse` package."""
    lines = text.splitlines()
    marked = {m.group(1) for i, line in enumerate(lines[:-1]) if line.strip() == DIRECTIVE
              for m in [re.match(r"func\s+(\w+)\s*\(", lines[i + 1])] if m}
    names = [re.escape(n) for n in sorted(marked)] + [r"handledresponse\.\w+"]
    call = re.compile(rf"(?<![\w.])(?:{'|'.join(names)})\s*\(")
    return [n for n, line in enumerate(lines, 1)
            if call.search(line) and not line.lstrip().startswith(("func ", "//"))]


def build(mirror: Mirror, out: Path) -> list[Row]:
    rows = []
    for name in mirror.files(PACKAGE):
        if not name.endswith(".go"):
            continue
        target = "a/" + name.rsplit("/", 1)[1]
        text = copy_file(mirror, name, out, target).decode()
        wants = go_wants(text)
        rows.extend(Row(target, (w.line,), "resource", "; ".join(w.messages)) for w in wants)
        optional = [Row(target, (line,), "resource", f"optional: the peer's {DIRECTIVE} directive")
                    for line in handled_calls(text)]
        rows.extend(optional)
        if not wants and not optional:
            rows.append(Row(target, (), "-", "no want comment"))
    copy_file(mirror, "LICENSE", out, "LICENSE")
    return rows


if __name__ == "__main__":
    from suite import builder_main
    sys.exit(builder_main(sys.modules[__name__]))
