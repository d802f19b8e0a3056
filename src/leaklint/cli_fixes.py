"""What `check --fix` and `check --diff` print around the fixing itself."""

from __future__ import annotations

import click

from .autofix import fix_report, unified_diff
from .report.escape import path as escape_path, printable


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def have_libcst() -> bool:
    try:
        import libcst  # noqa: F401
    except ImportError:
        return False
    return True


def run_fixes(report, unsafe: bool, write: bool, roots=()):
    """Fix (``write``) or show as a diff the fixes of ``report``; returns the outcome.
    ``roots``: the scanned roots, the only place fixed files are written."""
    outcome = fix_report(report, unsafe=unsafe, write=write, roots=roots)
    if not write and outcome.files:
        click.echo(unified_diff(outcome.files), nl=False)
    for path, message in outcome.errors:
        click.echo(f"leaklint: error: {escape_path(path)}: {printable(message)}", err=True)
    if any(f.language == "python" for f in report.findings) and not have_libcst():
        click.echo("leaklint: note: Python fixes need libcst "
                   "(pip install 'leaklint-code[fix]'); Python findings were left as they are",
                   err=True)
    if not write:
        unsafe_left = 0 if unsafe else sum(
            1 for f in report.findings if f.fix is not None and not f.fix.safe)
        click.echo(summary(outcome.fixed, len(report.findings) - outcome.fixed, unsafe_left,
                           write=False), err=True)
    return outcome


def summary(fixed: int, remaining: int, unsafe_left: int = 0, write: bool = True) -> str:
    if write:
        line = f"Fixed {_plural(fixed, 'finding')}, {remaining} remaining."
    else:
        line = f"Would fix {_plural(fixed, 'finding')}, {remaining} would remain."
    if unsafe_left:
        line += f" {unsafe_left} more fixable with --unsafe-fixes."
    return line
