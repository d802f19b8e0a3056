"""The command line: ``leaklint check``, ``baseline``, ``merge``, ``report``, ``rules``,
``explain``, ``server`` and ``triage``; the work is done in ``api``, ``report`` and ``triage``."""

from __future__ import annotations

import os
import signal
import sys
import threading

import click

from . import DISTRIBUTION, __version__
from .cli_runtime import report_cmd, triage
from .cli_shared import (EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, echo_report, exit_on_errors, fail,
                         scan, scan_options, write_report)
from .report import FORMATS

EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + 2, 128 + 15  # what shells report for the signals


class _Group(click.Group):
    """The command group, with the exit codes shells expect for Ctrl-C and SIGTERM (after
    the worker processes are stopped: see runner)."""

    def invoke(self, ctx):
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("leaklint: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _on_sigterm(_signum, _frame):
    click.echo("leaklint: terminated", err=True)
    sys.exit(EXIT_TERMINATED)  # unwinds like Ctrl-C: workers are stopped on the way out


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="leaklint",
                      message=f"%(prog)s %(version)s ({DISTRIBUTION}: leak-prone code in Go, "
                              "TypeScript/JavaScript and Python)")
def main() -> None:
    """Find leak-prone code in Go, TypeScript/JavaScript and Python."""


def use_color(mode: str, to_terminal: bool, environ=os.environ) -> bool:
    """--color: ``always`` and ``never`` decide; ``auto`` is off when NO_COLOR is set (to
    anything but the empty string), on when FORCE_COLOR is (to anything but "" or "0",
    as CI logs that show colours want), else on for a terminal."""
    if mode != "auto":
        return mode == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    return to_terminal


def _show_files(paths, exclude, force_exclude, config_path, follow_symlinks, skipped: bool):
    """``--show-files`` / ``--show-skipped``: what a scan would read, or leave out and why;
    nothing is analysed."""
    from pathlib import Path

    from .api import list_files
    from .config import ConfigError, load_config
    from .report.escape import line, path

    try:
        config = load_config(Path(config_path) if config_path else None)
        found = list_files(paths, config=config, exclude=exclude, force_exclude=force_exclude,
                           follow_symlinks=follow_symlinks)
    except ConfigError as exc:
        fail(str(exc))
    if skipped:
        for p, reason in sorted(found.skipped):
            click.echo(f"{path(p)}: {line(reason)}")
    else:
        for p in sorted(found.files):
            click.echo(path(p))
    for p, message in found.problems:
        click.echo(f"leaklint: warning: {path(p)}: {line(message)}", err=True)
    for given, why in found.empty:
        click.echo(f"leaklint: note: {path(given)}: {line(why)}", err=True)
    sys.exit(EXIT_CLEAN)


def _shard_option(ctx, param, value):
    if value is None:
        return None
    from .shard import parse_shard

    try:
        return parse_shard(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _default_link_base(fmt: str) -> str | None:
    """Where the checklist's file links point by default (no other format has links)."""
    if fmt != "checklist":
        return None
    from .report.checklist import default_link_base
    return default_link_base()


def _check_stdin_usage(paths, stdin_filename, fixing, changed_since) -> None:
    """`-` (standard input) needs --stdin-filename, and stands alone."""
    if "-" in paths and not stdin_filename:
        fail("reading standard input (`-`) needs --stdin-filename PATH to name its language "
             "and config")
    if stdin_filename is None:
        return
    if any(p != "-" for p in paths):
        fail("--stdin-filename reads standard input: give `-` as the only path")
    if not stdin_filename.strip():
        fail("--stdin-filename needs a file name")
    if fixing or changed_since:
        fail("--fix, --diff and --changed-since work on files, not on standard input")


@main.command()
@scan_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--baseline", type=click.Path(dir_okay=False),
              help="Leave out findings recorded in FILE (see `leaklint baseline`).")
@click.option("--changed-since", "changed_since", metavar="REF",
              help="Report only findings on lines changed since git REF.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes in place.")
@click.option("--diff", "fix_diff", is_flag=True,
              help="Print the fixes as a unified diff instead of applying them.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply (or show) the fixes marked unsafe.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no diagnostics, no summary when clean.")
@click.option("--color", "color_mode", type=click.Choice(["auto", "always", "never"]),
              default="auto", show_default=True,
              help="Colour the text output: auto = on a terminal, or when FORCE_COLOR is set; "
                   "NO_COLOR turns auto off.")
@click.option("--no-color", is_flag=True, help="Same as --color never.")
@click.option("--show-source/--no-show-source", default=None,
              help="Show the source lines with a caret under the acquisition and each leaking "
                   "exit (default: on a terminal).")
@click.option("--statistics", is_flag=True,
              help="Print counts per rule (on stderr for json, sarif and github).")
@click.option("--sarif-category", default="leaklint/", show_default=True,
              help="SARIF automationDetails.id, to tell uploads apart.")
@click.option("--include-suppressed", is_flag=True, help="Also list suppressed findings (SARIF).")
@click.option("--link-base", metavar="URL",
              help="Checklist: link findings to URL/<path>#L<line> (default on GitHub Actions: "
                   "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/$GITHUB_SHA).")
@click.option("--follow-symlinks", is_flag=True,
              help="Follow symbolic links while walking (default: skip them).")
@click.option("--max-file-size", type=click.IntRange(min=1), metavar="BYTES",
              help="Skip files over BYTES (replaces the config's max-file-size; "
                   "env LEAKLINT_MAX_FILE_SIZE caps the config's instead).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=3600), metavar="SECONDS",
              help="Time limit per file (replaces the config's timeout; env LEAKLINT_TIMEOUT "
                   "caps the config's instead).")
@click.option("--stdin-filename", metavar="PATH",
              help="Read the source from standard input (PATH `-`) and report it as PATH.")
@click.option("--shard", metavar="K/N", callback=_shard_option,
              help="Scan only the K-th of N shards of the directories (CI matrices; "
                   "see `leaklint merge`).")
@click.option("--show-files", is_flag=True,
              help="List the files that would be scanned, and analyse nothing.")
@click.option("--show-skipped", is_flag=True,
              help="List the paths left out by built-in skips and excludes, with the reason.")
def check(paths, select, extend_select, ignore, exclude, force_exclude, allow_empty, config_path,
          jobs, no_cache, cache_dir, debug, fmt, output, baseline, changed_since, fix, fix_diff,
          unsafe_fixes, exit_zero, quiet, color_mode, no_color, show_source, statistics,
          sarif_category, include_suppressed, link_base, follow_symlinks, max_file_size, timeout,
          stdin_filename, shard, show_files, show_skipped):
    """Scan PATHS (default: the current directory) for leaks; `-` reads standard input."""
    from .report import render, statistics_for_stderr

    _check_stdin_usage(paths, stdin_filename, fix or fix_diff, changed_since)
    if shard is not None and stdin_filename is not None:
        fail("--shard splits a tree over several runs; it does not apply to standard input")
    if show_files or show_skipped:
        _show_files(paths, exclude, force_exclude, config_path, follow_symlinks, show_skipped)

    def run_scan():
        return scan(paths, select, extend_select, ignore, exclude, force_exclude, allow_empty,
                    config_path, jobs, no_cache, cache_dir, debug, stdin_filename=stdin_filename,
                    line_hashes=fmt == "sarif",
                    baseline=baseline, changed_since=changed_since,
                    fixes=fix or fix_diff or fmt == "sarif", follow_symlinks=follow_symlinks,
                    shard=shard, max_file_size=max_file_size, timeout=timeout)

    report = run_scan()
    fixed_line = None
    write_failed = False
    if fix_diff or fix:
        from .cli_fixes import run_fixes, summary as fix_summary

        from .safe_io import tree_roots

        outcome = run_fixes(report, unsafe_fixes, write=not fix_diff,
                            roots=tree_roots(list(paths) or ["."]))
        write_failed = bool(outcome.errors) and not fix_diff
        if fix_diff:
            exit_on_errors(report, debug, allow_empty)
            sys.exit(EXIT_FINDINGS if outcome.files and not exit_zero else EXIT_CLEAN)
        if outcome.files:
            report = run_scan()
        unsafe_left = 0 if unsafe_fixes else sum(
            1 for f in report.findings if f.fix is not None and not f.fix.safe)
        fixed_line = fix_summary(outcome.fixed, len(report.findings), unsafe_left)
    to_terminal = output is None and sys.stdout.isatty()
    color = output is None and use_color("never" if no_color else color_mode, to_terminal)
    text = render(fmt, report, color=color,
                  show_source=to_terminal if show_source is None else show_source, quiet=quiet,
                  statistics=statistics, sarif_category=sarif_category,
                  include_suppressed=include_suppressed,
                  link_base=link_base if link_base is not None else _default_link_base(fmt))
    if output:
        write_report(output, text, paths)
    else:
        echo_report(text)
    if statistics:
        click.echo(statistics_for_stderr(fmt, report), err=True, nl=False)
    if output and fmt != "text" and not quiet:
        from .report.text import summary

        click.echo(summary(report), err=True)
    if fixed_line:
        click.echo(fixed_line, err=fmt != "text" or output is not None)
    exit_on_errors(report, debug, allow_empty)
    if write_failed:
        sys.exit(EXIT_ERROR)  # a fix that could not be written: the run failed
    sys.exit(EXIT_FINDINGS if report.findings and not exit_zero else EXIT_CLEAN)


@main.command()
@scan_options
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              default="leaklint-baseline.json", show_default=True,
              help="The baseline file to write.")
def baseline(paths, select, extend_select, ignore, exclude, force_exclude, allow_empty,
             config_path, jobs, no_cache, cache_dir, debug, output):
    """Record the current findings of PATHS, so that `check --baseline` reports only new ones."""
    from .baseline import dumps

    report = scan(paths, select, extend_select, ignore, exclude, force_exclude, allow_empty,
                  config_path, jobs, no_cache, cache_dir, debug)
    write_report(output, dumps(report.findings, output), paths)
    n = len(report.findings)
    click.echo(f"Recorded {n} finding{'s' if n != 1 else ''} in {output}.", err=True)
    exit_on_errors(report, debug, allow_empty)
    sys.exit(EXIT_CLEAN)


@main.command()
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the merged report to FILE.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr.")
def merge(reports, output, exit_zero, quiet):
    """Combine the JSON or SARIF REPORTS of the shards of one run (`check --shard K/N`)
    into the report a single run would have written."""
    from .report.merge import MergeError, findings_count, merge_files, render

    try:
        kind, merged = merge_files(list(reports))
    except MergeError as exc:
        fail(str(exc))
    text = render(merged)
    if output:
        write_report(output, text)
    else:
        echo_report(text)
    n = findings_count(kind, merged)
    if not quiet:
        click.echo(f"Merged {len(reports)} shard{'s' if len(reports) != 1 else ''}: "
                   f"{n} finding{'s' if n != 1 else ''}.", err=True)
    sys.exit(EXIT_FINDINGS if n and not exit_zero else EXIT_CLEAN)


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
def rules_cmd(fmt):
    """List every rule (those marked opt-in are not in the default selection)."""
    from .catalogue import builtin_rules

    rules = builtin_rules()
    if fmt == "json":
        import json

        click.echo(json.dumps([{
            "code": r.code, "name": r.name, "family": r.family, "languages": list(r.languages),
            "severity": r.severity, "precision": r.precision, "summary": r.summary,
        } for r in rules], indent=2))
    elif fmt == "markdown":
        from .report.rule_docs import rule_table

        click.echo(rule_table(rules), nl=False)
    else:
        for r in rules:  # rules of low precision run only when named
            opt_in = " (opt-in)" if r.precision == "low" else ""
            click.echo(f"{r.code}  {r.name:<34} {r.family:<12} {','.join(r.languages):<22} "
                       f"{r.severity:<8} {r.summary}{opt_in}")


@main.command()
@click.argument("rule", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True)
@click.option("--context", "context_paths", multiple=True, metavar="PATH[:LINE]",
              help="Say which context (test, script, example, generated, ordinary code) a "
                   "file is in, why, and what its policy reports; with :LINE, also the role "
                   "of the code on that line. Repeatable.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Configuration file (default: found from the current directory).")
def explain(rule, fmt, context_paths, config_path):
    """Show the documentation of RULE (a code or a name), or with --context how the
    context policy treats a file."""
    from .catalogue import find_rule
    from .report.rule_docs import help_markdown, help_text

    if context_paths:
        from .cli_contexts import explain_contexts

        sys.exit(explain_contexts(context_paths, config_path))
    if rule is None:
        fail("give a RULE (a code or a name) or --context PATH")
    r = find_rule(rule)
    if r is None:
        fail(f"unknown rule '{rule}' (see `leaklint rules`)")
    click.echo(help_markdown(r) if fmt == "markdown" else help_text(r), nl=False)


@main.command()
def server():
    """Run the language server on standard input and output (for editors)."""
    try:
        from .lsp import serve
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in ("pygls", "lsprotocol"):
            raise
        fail("the language server needs pygls: pip install 'leaklint-code[lsp]'")
    serve()


main.add_command(report_cmd)
main.add_command(triage)


if __name__ == "__main__":  # pragma: no cover
    main()
