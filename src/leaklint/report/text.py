"""Text output: one line a finding, ``path:line:col: CODE [name] message``, the source
line with a caret under the span on a terminal, then diagnostics and a summary."""

from __future__ import annotations

import click

from .escape import line as escape_line, path as escape_path, printable
from .statistics import lines as statistics_lines

SEVERITY_COLOR = {"error": "red", "warning": "yellow", "note": "cyan"}


def render(report, color: bool = False, show_source: bool = False, quiet: bool = False,
           statistics: bool = False) -> str:
    out = []

    def style(text, **kw):
        return click.style(text, **kw) if color else text

    for f in report.findings:
        p = f.position
        loc = style(f"{escape_path(f.path)}:{p.line}:{p.col}:", bold=True)
        code = style(printable(f.code), fg=SEVERITY_COLOR.get(f.severity, "yellow"), bold=True)
        out.append(f"{loc} {code} [{printable(f.name)}] {printable(f.message)}")
        if show_source and f.line_text:
            out.append(_caret(f, style))
    if not quiet:
        for d in report.diagnostics:
            out.append(style(f"{escape_path(d.path)}: {d.kind}: {printable(d.message)}",
                             fg="magenta"))
    if statistics:
        out.extend(statistics_lines(report))
    if not quiet or report.findings:
        out.append(summary(report))
    return "\n".join(out) + "\n" if out else ""


def _caret(f, style) -> str:
    source = f.line_text.expandtabs(4) if "\t" not in f.line_text else f.line_text
    p = f.position
    start = p.col - 1
    width = (p.end_col - p.col) if p.end_line == p.line else max(1, len(f.line_text) - start)
    # escapes widen the text: the caret goes under the escaped span
    before = printable(f.line_text[:start], keep="\t")
    span = f.line_text[start:start + width]
    width += len(printable(span, keep="\t")) - len(span)
    prefix = "".join(c if c == "\t" else " " for c in before)
    shown = escape_line(source, keep="\t")
    return f"    {shown}\n    {prefix}{style('^' * max(1, width), fg='red')}"


def summary(report) -> str:
    n = len(report.findings)
    parts = [f"{n} finding{'s' if n != 1 else ''}" if n else "no findings",
             f"in {report.files_scanned} file{'s' if report.files_scanned != 1 else ''}"]
    extra = []
    if report.suppressed:
        extra.append(f"{len(report.suppressed)} suppressed")
    timeouts = sum(1 for d in report.diagnostics if d.kind == "timeout")
    if report.files_skipped - timeouts:
        extra.append(f"{report.files_skipped - timeouts} skipped")
    if timeouts:
        extra.append(f"{timeouts} over the time limit")
    for reason, count in report.hidden.items():
        if count:
            extra.append(f"{count} {reason}")
    errors = len({d.path for d in report.diagnostics if d.kind == "internal-error"})
    if errors:
        extra.append(f"{errors} not fully analysed")
    return "Found " + " ".join(parts) + (f" ({', '.join(extra)})" if extra else "") + "."
