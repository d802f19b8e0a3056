"""What the commands share: the scan options and the scan, report writing, exit codes and
one-line errors."""

from __future__ import annotations

import os
import sys

import click

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def fail(message: str) -> None:
    """One line on stderr and exit 2; the message may quote the tree's config or paths."""
    from .report.escape import printable

    click.echo(f"leaklint: error: {printable(message)}", err=True)
    sys.exit(EXIT_ERROR)


def split_values(values) -> list[str]:
    out = []
    for v in values or ():
        out.extend(p for p in v.split(",") if p.strip())
    return out


def scan_options(fn):
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


def scan(paths, select, extend_select, ignore, exclude, force_exclude, allow_empty, config_path,
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
                stdin_filename, sys.stdin.buffer.read(), config=config, select=split_values(select) or None,
                ignore=split_values(ignore), extend_select=split_values(extend_select), exclude=list(exclude),
                force_exclude=force_exclude, debug=debug, line_hashes=options.get("line_hashes", False),
                baseline=options.get("baseline"))
        if no_cache:
            cache_dir = None
        return check_paths(
            list(paths) or ["."], config=config, select=split_values(select) or None,
            ignore=split_values(ignore), extend_select=split_values(extend_select), exclude=list(exclude),
            force_exclude=force_exclude, debug=debug, jobs=jobs, cache_dir=cache_dir,
            default_cache=not no_cache, **options,
        )
    except (ConfigError, CatalogueError, BaselineError, GitError) as exc:
        fail(str(exc))
    except Exception as exc:  # a bug in leaklint: say so, in one line unless --debug
        if debug:
            import traceback  # here: only an internal error shown with --debug prints one

            traceback.print_exc()
        fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")


def write_report(output: str, text: str, paths=()) -> None:
    """Write a report file: never through a link (the tree, which may be a pull
    request's, could hold one by the report's name), exit 2 when it cannot be written."""
    from .safe_io import tree_roots, write_atomic

    try:
        write_atomic(output, text.encode("utf-8", "surrogateescape"),
                     roots=tree_roots(list(paths) or ["."], [os.getcwd()]))
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")


def echo_report(text: str) -> None:
    # color=True: written as rendered. Renderers escape all tree text; stripping what
    # looks like colour codes would change the file names that github annotations carry.
    try:
        click.echo(text, nl=False, color=True)
    except UnicodeEncodeError:  # a file name that is not UTF-8 goes out as its own bytes
        click.echo(text.encode("utf-8", "surrogateescape"), nl=False, color=True)


def exit_on_errors(report, debug: bool, allow_empty: bool = False) -> None:
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
