"""The runtime commands: `leaklint triage` (memory curves, goroutine dumps, heap snapshots,
tracemalloc) and `leaklint report` (the investigation report)."""

from __future__ import annotations

import os
import sys

import click

from .cli_shared import (EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, echo_report, exit_on_errors, fail,
                         scan, scan_options, write_report)


@click.command("report")
@scan_options
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
        triage = load_triage(list(triage_inputs), run=triage_runner(config_path))
    except TriageInputError as exc:
        fail(str(exc))
    report = scan(paths, select, extend_select, ignore, exclude, force_exclude, allow_empty,
                  config_path, jobs, no_cache, cache_dir, debug, fixes=True)
    findings = [dict(finding_dict(f), index=i) for i, f in enumerate(report.findings)]
    text = investigation(report, rank(findings, triage), triage, service=service)
    if output:
        write_report(output, text, paths)
        click.echo(f"Wrote the investigation report to {output}.", err=True)
    else:
        echo_report(text)
    exit_on_errors(report, debug, allow_empty)
    sys.exit(EXIT_CLEAN)


def triage_runner(config_path):
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


def scan_findings(path: str, config_path) -> list:
    """The findings of ``--scan PATH`` as JSON dicts: read from a JSON report, else scanned
    with every rule: the runtime evidence ranks them, so the opt-in rules of low precision
    run too (a goroutine dump confirms an LL610 that a scan alone would leave out)."""
    from .report.json_report import finding_dict
    from .triage.join import read_scan_report

    if path.endswith(".json") and os.path.isfile(path):
        return read_scan_report(path)
    report = scan([path], select=("ALL",), extend_select=(), ignore=(), exclude=(),
                  force_exclude=False, allow_empty=False, config_path=config_path, jobs=0,
                  no_cache=False, cache_dir=None, debug=False)
    for d in report.diagnostics:
        if d.message == "no such file or directory":
            fail(f"--scan: {d.path}: no such file or directory")
    return [finding_dict(f) for f in report.findings]


@click.command()
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
        fail(str(exc))
    limit_value = None
    if limit is not None:
        try:
            limit_value = parse_size(limit)
        except ValueError as exc:
            fail(f"--limit: {exc}")
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
        fail(str(exc))
    if scan_path:
        try:
            join_scan(outcome, scan_findings(scan_path, config_path))
        except TriageInputError as exc:
            fail(str(exc))
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        BLOCKS.encode(encoding)
        blocks = BLOCKS
    except (UnicodeEncodeError, LookupError):
        blocks = ASCII_BLOCKS
    if output:
        write_report(output, render(outcome, fmt, BLOCKS))
    else:
        echo_report(render(outcome, fmt, blocks))
    for line in outcome.errors:
        click.echo(f"leaklint: error: {line}", err=True)
    if outcome.errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if outcome.leaking and not exit_zero else EXIT_CLEAN)
