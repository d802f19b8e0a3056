"""The command line: ``leaklint check``, ``baseline``, ``merge``, ``report``, ``rules``,
``explain``, ``server`` and ``triage``; the work is done in ``api``, ``report`` and ``triage``."""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback

import click

from . import DISTRIBUTION, __version__
from .report import FORMATS

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _fail(message: str) -> None:
    """One line on stderr and exit 2; the message may quote the tree's config or paths."""
    from .report.escape import printable

    click.echo(f"leaklint: error: {printable(message)}", err=True)
    sys.exit(EXIT_ERROR)


def _split(values) -> list[str]:
    out = []
    for v in values or ():
        out.extend(p for p in v.split(",") if p.strip())
    return out


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


def _scan_options(fn):
    """The options that choose what is scanned, shared by `check` and `baseline`."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path()),
        click.option("--select", multiple=True,
                     help="Rules to run: codes, names, families or prefixes (comma-separated)."),
        click.option("--extend-select", multiple=True, help="Rules to add to the configured selection."),
        click.option("--ignore", multiple=True, help="Rules to skip (comma-separated)."),
        click.option("--exclude", multiple=True, help="Gitignore-style patterns of paths to skip."),
        click.option("--force-exclude", is_flag=True,
                     help="Apply excludes, ignore files and built-in skips to paths named on the "
                          "command line too (pre-commit)."),
        click.option("--allow-empty", is_flag=True,
                     help="A named path that yields no file to scan is not an error (hooks)."),
        click.option("--config", "config_path", type=click.Path(),
                     help="Config file (default: found upwards)."),
        click.option("-j", "--jobs", type=click.IntRange(min=0), default=0,
                     help="Worker processes (default 0: all cores, one for a handful of files)."),
        click.option("--no-cache", is_flag=True, help="Do not read or write the result cache."),
        click.option("--cache-dir", type=click.Path(file_okay=False), envvar="LEAKLINT_CACHE_DIR",
                     help="Result cache directory (default: $XDG_CACHE_HOME/leaklint or "
                          "~/.cache/leaklint; env LEAKLINT_CACHE_DIR)."),
        click.option("--debug", is_flag=True, help="Show tracebacks of internal errors."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _scan(paths, select, extend_select, ignore, exclude, force_exclude, allow_empty, config_path,
          jobs, no_cache, cache_dir, debug, stdin_filename=None, **options):
    """Run the scan; usage, config, baseline and git errors exit 2 with one line.
    With ``stdin_filename``, the one file scanned is standard input, seen as that path."""
    from pathlib import Path

    from .api import check_paths, check_source
    from .baseline import BaselineError
    from .catalogue import CatalogueError
    from .config import ConfigError, load_config, override_limits
    from .gitdiff import GitError

    limits = {"max_file_size": options.pop("max_file_size", None),
              "timeout": options.pop("timeout", None)}
    try:
        start = Path(os.path.abspath(stdin_filename)).parent if stdin_filename else None
        config = load_config(Path(config_path) if config_path else None, start=start)
        override_limits(config, **limits)
        if stdin_filename:
            return check_source(
                stdin_filename, sys.stdin.buffer.read(), config=config, select=_split(select) or None,
                ignore=_split(ignore), extend_select=_split(extend_select), exclude=list(exclude),
                force_exclude=force_exclude, debug=debug, line_hashes=options.get("line_hashes", False),
                baseline=options.get("baseline"))
        if no_cache:
            cache_dir = None
        return check_paths(
            list(paths) or ["."], config=config, select=_split(select) or None,
            ignore=_split(ignore), extend_select=_split(extend_select), exclude=list(exclude),
            force_exclude=force_exclude, debug=debug, jobs=jobs, cache_dir=cache_dir,
            default_cache=not no_cache, **options,
        )
    except (ConfigError, CatalogueError, BaselineError, GitError) as exc:
        _fail(str(exc))
    except Exception as exc:  # a bug in leaklint: say so, in one line unless --debug
        if debug:
            traceback.print_exc()
        _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")


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


def _write(output: str, text: str, paths=()) -> None:
    """Write a report file: never through a link (the tree, which may be a pull
    request's, could hold one by the report's name), exit 2 when it cannot be written."""
    from .safe_io import tree_roots, write_atomic

    try:
        write_atomic(output, text.encode("utf-8", "surrogateescape"),
                     roots=tree_roots(list(paths) or ["."], [os.getcwd()]))
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")


def _echo(text: str) -> None:
    # color=True: written as rendered. Renderers escape all tree text; stripping what
    # looks like colour codes would change the file names that github annotations carry.
    try:
        click.echo(text, nl=False, color=True)
    except UnicodeEncodeError:  # a file name that is not UTF-8 goes out as its own bytes
        click.echo(text.encode("utf-8", "surrogateescape"), nl=False, color=True)


def _exit_on_errors(report, debug: bool, allow_empty: bool = False) -> None:
    """Missing paths, named paths that yield no file (unless ``allow_empty``) and internal
    errors make the run fail (exit 2) after its report."""
    from .report.escape import line, path

    if debug:
        for d in report.diagnostics:
            if d.detail:
                click.echo(f"{path(d.path)}: {d.kind}", err=True)
                for text in d.detail.splitlines():
                    click.echo(line(text), err=True)
    missing = [d for d in report.diagnostics if d.message == "no such file or directory"]
    for d in missing:
        click.echo(f"leaklint: error: {path(d.path)}: no such file or directory", err=True)
    for given, why in report.empty_paths:
        level = "note" if allow_empty else "error"
        click.echo(f"leaklint: {level}: {path(given)}: {line(why)}", err=True)
    if missing or any(d.kind == "internal-error" for d in report.diagnostics) or (
            report.empty_paths and not allow_empty):
        sys.exit(EXIT_ERROR)


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
        _fail(str(exc))
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


def _check_stdin_usage(paths, stdin_filename, fixing, changed_since) -> None:
    """`-` (standard input) needs --stdin-filename, and stands alone."""
    if "-" in paths and not stdin_filename:
        _fail("reading standard input (`-`) needs --stdin-filename PATH to name its language "
              "and config")
    if stdin_filename is None:
        return
    if any(p != "-" for p in paths):
        _fail("--stdin-filename reads standard input: give `-` as the only path")
    if not stdin_filename.strip():
        _fail("--stdin-filename needs a file name")
    if fixing or changed_since:
        _fail("--fix, --diff and --changed-since work on files, not on standard input")


@main.command()
@_scan_options
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
    from .report.checklist import default_link_base

    _check_stdin_usage(paths, stdin_filename, fix or fix_diff, changed_since)
    if shard is not None and stdin_filename is not None:
        _fail("--shard splits a tree over several runs; it does not apply to standard input")
    if show_files or show_skipped:
        _show_files(paths, exclude, force_exclude, config_path, follow_symlinks, show_skipped)

    def scan():
        return _scan(paths, select, extend_select, ignore, exclude, force_exclude, allow_empty,
                     config_path, jobs, no_cache, cache_dir, debug, stdin_filename=stdin_filename,
                     line_hashes=fmt == "sarif",
                     baseline=baseline, changed_since=changed_since,
                     fixes=fix or fix_diff or fmt == "sarif", follow_symlinks=follow_symlinks,
                     shard=shard, max_file_size=max_file_size, timeout=timeout)

    report = scan()
    fixed_line = None
    write_failed = False
    if fix_diff or fix:
        from .cli_fixes import run_fixes, summary as fix_summary

        from .safe_io import tree_roots

        outcome = run_fixes(report, unsafe_fixes, write=not fix_diff,
                            roots=tree_roots(list(paths) or ["."]))
        write_failed = bool(outcome.errors) and not fix_diff
        if fix_diff:
            _exit_on_errors(report, debug, allow_empty)
            sys.exit(EXIT_FINDINGS if outcome.files and not exit_zero else EXIT_CLEAN)
        if outcome.files:
            report = scan()
        unsafe_left = 0 if unsafe_fixes else sum(
            1 for f in report.findings if f.fix is not None and not f.fix.safe)
        fixed_line = fix_summary(outcome.fixed, len(report.findings), unsafe_left)
    to_terminal = output is None and sys.stdout.isatty()
    color = output is None and use_color("never" if no_color else color_mode, to_terminal)
    text = render(fmt, report, color=color,
                  show_source=to_terminal if show_source is None else show_source, quiet=quiet,
                  statistics=statistics, sarif_category=sarif_category,
                  include_suppressed=include_suppressed,
                  link_base=link_base if link_base is not None else default_link_base())
    if output:
        _write(output, text, paths)
    else:
        _echo(text)
    if statistics:
        click.echo(statistics_for_stderr(fmt, report), err=True, nl=False)
    if output and fmt != "text" and not quiet:
        from .report.text import summary

        click.echo(summary(report), err=True)
    if fixed_line:
        click.echo(fixed_line, err=fmt != "text" or output is not None)
    _exit_on_errors(report, debug, allow_empty)
    if write_failed:
        sys.exit(EXIT_ERROR)  # a fix that could not be written: the run failed
    sys.exit(EXIT_FINDINGS if report.findings and not exit_zero else EXIT_CLEAN)


@main.command()
@_scan_options
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              default="leaklint-baseline.json", show_default=True,
              help="The baseline file to write.")
def baseline(paths, select, extend_select, ignore, exclude, force_exclude, allow_empty,
             config_path, jobs, no_cache, cache_dir, debug, output):
    """Record the current findings of PATHS, so that `check --baseline` reports only new ones."""
    from .baseline import dumps

    report = _scan(paths, select, extend_select, ignore, exclude, force_exclude, allow_empty,
                   config_path, jobs, no_cache, cache_dir, debug)
    _write(output, dumps(report.findings, output), paths)
    n = len(report.findings)
    click.echo(f"Recorded {n} finding{'s' if n != 1 else ''} in {output}.", err=True)
    _exit_on_errors(report, debug, allow_empty)
    sys.exit(EXIT_CLEAN)


@main.command("report")
@_scan_options
@click.option("--triage", "triage_inputs", multiple=True, type=click.Path(dir_okay=False),
              help="Runtime evidence: the JSON of `leaklint triage --format json`, or series, "
                   "goroutine dumps, heap snapshots and tracemalloc dumps (repeatable).")
@click.option("--service", help="The service named in the report's header.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the report to FILE (default: standard output).")
def report_cmd(paths, select, extend_select, ignore, exclude, force_exclude, allow_empty,
               config_path, jobs, no_cache, cache_dir, debug, triage_inputs, service, output):
    """Write the Markdown investigation report for PATHS, pre-filled from the scan and the
    runtime evidence given with --triage."""
    from .report.investigation import render as investigation
    from .report.json_report import finding_dict
    from .triage.errors import TriageInputError
    from .triage.join import load_triage, rank

    try:
        triage = load_triage(list(triage_inputs), run=_triage_runner(config_path))
    except TriageInputError as exc:
        _fail(str(exc))
    report = _scan(paths, select, extend_select, ignore, exclude, force_exclude, allow_empty,
                   config_path, jobs, no_cache, cache_dir, debug, fixes=True)
    findings = [dict(finding_dict(f), index=i) for i, f in enumerate(report.findings)]
    text = investigation(report, rank(findings, triage), triage, service=service)
    if output:
        _write(output, text, paths)
        click.echo(f"Wrote the investigation report to {output}.", err=True)
    else:
        _echo(text)
    _exit_on_errors(report, debug, allow_empty)
    sys.exit(EXIT_CLEAN)


def _triage_runner(config_path):
    """``paths -> triage object`` through the `leaklint triage` pipeline, when present."""
    try:
        from .triage.command import triage as run_triage
    except ImportError:
        return None

    def run(paths):
        from pathlib import Path

        from .config import load_config
        from .triage.errors import TriageInputError

        settings = load_config(Path(config_path) if config_path else None).triage
        outcome = run_triage(paths, settings)
        if outcome.errors:
            raise TriageInputError(outcome.errors[0])
        return outcome.as_json()

    return run


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
        _fail(str(exc))
    text = render(merged)
    if output:
        _write(output, text)
    else:
        _echo(text)
    n = findings_count(kind, merged)
    if not quiet:
        click.echo(f"Merged {len(reports)} shard{'s' if len(reports) != 1 else ''}: "
                   f"{n} finding{'s' if n != 1 else ''}.", err=True)
    sys.exit(EXIT_FINDINGS if n and not exit_zero else EXIT_CLEAN)


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
def rules_cmd(fmt):
    """List every rule."""
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
        for r in rules:
            click.echo(f"{r.code}  {r.name:<34} {r.family:<12} {','.join(r.languages):<22} "
                       f"{r.severity:<8} {r.summary}")


@main.command()
@click.argument("rule")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True)
def explain(rule, fmt):
    """Show the documentation of RULE (a code or a name)."""
    from .catalogue import find_rule
    from .report.rule_docs import help_markdown, help_text

    r = find_rule(rule)
    if r is None:
        _fail(f"unknown rule '{rule}' (see `leaklint rules`)")
    click.echo(help_markdown(r) if fmt == "markdown" else help_text(r), nl=False)


@main.command()
def server():
    """Run the language server on standard input and output (for editors)."""
    try:
        from .lsp import serve
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in ("pygls", "lsprotocol"):
            raise
        _fail("the language server needs pygls: pip install 'leaklint-code[lsp]'")
    serve()


def _scan_findings(path: str, config_path) -> list:
    """The findings of ``--scan PATH`` as JSON dicts: read from a JSON report, else scanned."""
    from .report.json_report import finding_dict
    from .triage.join import read_scan_report

    if path.endswith(".json") and os.path.isfile(path):
        return read_scan_report(path)
    report = _scan([path], select=(), extend_select=(), ignore=(), exclude=(),
                   force_exclude=False, allow_empty=False, config_path=config_path, jobs=0,
                   no_cache=False, cache_dir=None, debug=False)
    for d in report.diagnostics:
        if d.message == "no such file or directory":
            _fail(f"--scan: {d.path}: no such file or directory")
    return [finding_dict(f) for f in report.findings]


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--limit", metavar="SIZE",
              help="Memory limit (512MiB, 2GB): prints when each memory series reaches it.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Draw the series, fits and thresholds to FILE (.png or .svg; needs matplotlib).")
@click.option("--config", "config_path", type=click.Path(),
              help="Config file (default: found upwards).")
@click.option("--scan", "scan_path", type=click.Path(), metavar="PATH",
              help="Rank the static findings of PATH (files or a directory to scan, or the JSON "
                   "of `leaklint check --format json`) by what the inputs show.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when something grows.")
def triage(inputs, fmt, limit, plot_path, config_path, scan_path, output, exit_zero):
    """Classify memory or goroutine curves over time (CSV, JSON lines, Prometheus
    query_range, Node memoryUsage logs, Go MemStats/expvar samples) and compare goroutine
    dumps, heap snapshots and tracemalloc dumps. Exit 1 when a series leaks, a dump shows
    growth or the runtime confirms a static finding."""
    from pathlib import Path

    from .config import ConfigError, load_config
    from .triage import plot
    from .triage.command import join_scan, render, triage as run_triage
    from .triage.errors import TriageInputError
    from .triage.text import ASCII_BLOCKS, BLOCKS
    from .triage.units import parse_size

    try:
        settings = load_config(Path(config_path) if config_path else None).triage
    except ConfigError as exc:
        _fail(str(exc))
    limit_value = None
    if limit is not None:
        try:
            limit_value = parse_size(limit)
        except ValueError as exc:
            _fail(f"--limit: {exc}")
    try:
        if plot_path:
            plot.check(plot_path)
        outcome = run_triage(list(inputs), settings, limit_value)
        if plot_path and outcome.curves:
            plot.draw(outcome.curves, plot_path, settings)
        elif plot_path:
            click.echo(f"leaklint: --plot: no series among the inputs; {plot_path} not written",
                       err=True)
    except plot.PlotError as exc:
        _fail(str(exc))
    if scan_path:
        try:
            join_scan(outcome, _scan_findings(scan_path, config_path))
        except TriageInputError as exc:
            _fail(str(exc))
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        BLOCKS.encode(encoding)
        blocks = BLOCKS
    except (UnicodeEncodeError, LookupError):
        blocks = ASCII_BLOCKS
    if output:
        _write(output, render(outcome, fmt, BLOCKS))
    else:
        _echo(render(outcome, fmt, blocks))
    for line in outcome.errors:
        click.echo(f"leaklint: error: {line}", err=True)
    if outcome.errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if outcome.leaking and not exit_zero else EXIT_CLEAN)


if __name__ == "__main__":  # pragma: no cover
    main()
