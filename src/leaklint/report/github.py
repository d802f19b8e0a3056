"""GitHub Actions workflow commands: one ``::warning file=...::message`` line per finding,
so findings show inline on pull requests without code scanning.

Paths are relative to the root of the git work tree, whatever the working directory. Columns
are 1-based code point columns; ``endColumn`` is the column of the last character and
is only given for one-line spans (GitHub drops columns otherwise).
"""

from __future__ import annotations

import os

from .escape import gh_data, gh_property
from .paths import source_relative

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}
# diagnostics worth a line in the log: files that were not (fully) analysed
DIAGNOSTIC_COMMAND = {"internal-error": "error", "timeout": "warning", "unreadable": "warning",
                      "syntax-error": "warning", "skipped": "notice"}


def _path(path: str) -> str:
    return source_relative(path) or os.path.abspath(path).replace(os.sep, "/")


def annotation(f) -> str:
    p = f.position
    # file= names the file exactly as it is on disk (the runner reads it, never shows it)
    props = [f"file={gh_property(_path(f.path), exact=True)}", f"line={p.line}"]
    if p.end_line == p.line:
        props += [f"col={p.col}", f"endLine={p.end_line}", f"endColumn={max(p.col, p.end_col - 1)}"]
    else:
        props += [f"endLine={p.end_line}"]
    props.append(f"title={gh_property(f'{f.code} {f.name}')}")
    return f"::{COMMAND.get(f.severity, 'warning')} {','.join(props)}::{gh_data(f.message)}"


def render(report, quiet: bool = False) -> str:
    out = [annotation(f) for f in report.findings]
    if not quiet:
        for d in report.diagnostics:
            out.append(f"::{DIAGNOSTIC_COMMAND.get(d.kind, 'notice')} "
                       f"file={gh_property(_path(d.path), exact=True)},"
                       f"title={gh_property('leaklint ' + d.kind)}::{gh_data(d.message)}")
    return "".join(line + "\n" for line in out)
