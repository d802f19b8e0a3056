"""Text output: one line a finding, ``path:line:col: CODE [name] message``; with
``show_source`` (on a terminal, or ``--show-source``) the source lines with a caret under
the acquisition and under each exit where it leaks; then diagnostics and a summary
("Found 3 findings in 2 of 120 files scanned."). With ``statistics`` the counts per rule
replace the findings, as ruff's ``--statistics`` does."""

from __future__ import annotations

import click

from .escape import path as escape_path, printable
from ..safe_io import ReadRefused, read_regular
from .statistics import lines as statistics_lines

SEVERITY_COLOR = {"error": "red", "warning": "yellow", "note": "cyan"}


def render(report, color: bool = False, show_source: bool = False, quiet: bool = False,
           statistics: bool = False) -> str:
    out = []

    def style(text, **kw):
        return click.style(text, **kw) if color else text

    sources = _Sources(report.settings)
    for f in [] if statistics else report.findings:
        p = f.position
        loc = style(f"{escape_path(f.path)}:{p.line}:{p.col}:", bold=True)
        code = style(printable(f.code), fg=SEVERITY_COLOR.get(f.severity, "yellow"), bold=True)
        out.append(f"{loc} {code} [{printable(f.name)}] {printable(f.message)}")
        if show_source and f.line_text:
            out.extend(_snippet(f, sources, style))
    if not quiet:
        for d in report.diagnostics:
            out.append(style(f"{escape_path(d.path)}: {d.kind}: {printable(d.message)}",
                             fg="magenta"))
    if statistics:
        out.extend(statistics_lines(report))
    if not quiet or report.findings:
        out.append(summary(report))
    return "\n".join(out) + "\n" if out else ""


class _Sources:
    """The lines of the files that related locations point into, read once each through
    the safe reader (regular files only, size-limited)."""

    def __init__(self, settings):
        self.limit = getattr(settings, "max_file_size", 5 * 1024 * 1024)
        self.follow = getattr(settings, "follow_symlinks", False)
        self.files: dict = {}

    def line(self, path: str, number: int) -> str | None:
        if path not in self.files:
            try:
                data = read_regular(path, self.limit, follow_links=self.follow)
                self.files[path] = data.decode("utf-8", "replace").splitlines()
            except ReadRefused:
                self.files[path] = None
        lines = self.files[path]
        return lines[number - 1] if lines and 0 < number <= len(lines) else None


def _mark(text: str, number: int, col: int, end_col: int, one_line: bool, label: str,
          width: int, style) -> list[str]:
    """A source line under a line-number gutter, and a caret line under ``col..end_col``
    with ``label`` after it. Tree text is escaped; the caret follows the escaped text."""
    start = col - 1
    span = text[start:start + (end_col - col)] if one_line else text[start:]
    before = printable(text[:start], keep="\t")
    prefix = "".join(c if c == "\t" else " " for c in before)
    carets = style("^" * max(1, len(printable(span, keep="\t"))), fg="red", bold=True)
    pad = " " * width
    return [f"{number:>{width}} | {printable(text, keep=chr(9))}",
            f"{pad} | {prefix}{carets}" + (f" {printable(label)}" if label else "")]


def _snippet(f, sources: _Sources, style) -> list[str]:
    """The acquisition's line with a caret under it, then each leaking exit's line (in the
    same file) with a caret and what happens there."""
    p = f.position
    marks = [(p.line, p.col, p.end_col, p.end_line == p.line, f.line_text, "")]
    for r in f.related:
        if r.path != f.path:
            continue
        text = sources.line(r.path, r.position.line)
        if text is not None:
            rp = r.position
            marks.append((rp.line, rp.col, rp.end_col, rp.end_line == rp.line, text, r.message))
    width = max(len(str(m[0])) for m in marks) + 2
    out = []
    for number, col, end_col, one_line, text, label in marks:
        out += _mark(text, number, col, end_col, one_line, label, width, style)
    return out


def summary(report) -> str:
    """"Found 3 findings in 2 of 120 files scanned." (or "No findings in 120 files
    scanned."), then what was left out, in parentheses."""
    n, scanned = len(report.findings), report.files_scanned
    files = f"{scanned} file{'s' if scanned != 1 else ''} scanned"
    if not n:
        head = f"No findings in {files}"
    else:
        with_findings = len({f.path for f in report.findings})
        where = files if with_findings == scanned == 1 else f"{with_findings} of {files}"
        head = f"Found {n} finding{'s' if n != 1 else ''} in {where}"
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
    return head + (f" ({', '.join(extra)})" if extra else "") + "."
