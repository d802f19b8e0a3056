"""GitHub Actions workflow commands: one ``::warning file=...::message`` line per finding,
so findings show inline on pull requests without code scanning.

Paths are relative to the working directory (run from the repository root). Columns
are 1-based code point columns; ``endColumn`` is the column of the last character and
is only given for one-line spans (GitHub drops columns otherwise).
"""

from __future__ import annotations

import os

from .paths import cwd_relative

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}
# diagnostics worth a line in the log: files that were not (fully) analysed
DIAGNOSTIC_COMMAND = {"internal-error": "error", "timeout": "warning", "unreadable": "warning",
                      "syntax-error": "warning", "skipped": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _path(path: str) -> str:
    return cwd_relative(path) or os.path.abspath(path).replace(os.sep, "/")


def annotation(f) -> str:
    p = f.position
    props = [f"file={_prop(_path(f.path))}", f"line={p.line}"]
    if p.end_line == p.line:
        props += [f"col={p.col}", f"endLine={p.end_line}", f"endColumn={max(p.col, p.end_col - 1)}"]
    else:
        props += [f"endLine={p.end_line}"]
    props.append(f"title={_prop(f'{f.code} {f.name}')}")
    return f"::{COMMAND.get(f.severity, 'warning')} {','.join(props)}::{_data(f.message)}"


def render(report, quiet: bool = False) -> str:
    out = [annotation(f) for f in report.findings]
    if not quiet:
        for d in report.diagnostics:
            out.append(f"::{DIAGNOSTIC_COMMAND.get(d.kind, 'notice')} "
                       f"file={_prop(_path(d.path))},title={_prop('leaklint ' + d.kind)}"
                       f"::{_data(d.message)}")
    return "".join(line + "\n" for line in out)
