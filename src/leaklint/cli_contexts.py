"""`leaklint explain --context PATH[:LINE]`: which context a file is in (test, script,
example, generated, ordinary code), why, and what the context policy reports there."""

from __future__ import annotations

import os
import re

import click

from .cli_shared import EXIT_CLEAN, EXIT_ERROR, fail

_AT_LINE = re.compile(r"^(.*):([0-9]+)$")

ROLE_WORDS = {
    "test": "the body of test {name}: one test's run",
    "fixture": "{name}, a set-up or fixture that tests share",
    "setup-once": "{name}, a set-up run once for a whole test class, module, package or session",
    "helper": "{name}, a function other code may call many times",
    "main": "a program's entry (a `__main__` block, main or init) or a function whose return ends the program",
    "module": "top-level code, run once when the file is loaded",
}


def explain_contexts(specs, config_path) -> int:
    """Print the context of each PATH[:LINE]; the exit code (2 when one could not be read)."""
    from pathlib import Path

    from . import contexts
    from .analyze import context_at
    from .api import make_settings
    from .config import ConfigError, load_config
    from .report.escape import line as one_line, path as shown

    try:
        config = load_config(Path(config_path) if config_path else None)
    except ConfigError as exc:
        fail(str(exc))
    settings = make_settings(config, [])
    status = EXIT_CLEAN
    for spec in specs:
        where, line = spec, None
        match = _AT_LINE.match(spec)
        if match and not os.path.exists(spec):
            where, line = match.group(1), int(match.group(2))
        context, role, problem = context_at(where, settings, line)
        if context is None:
            click.echo(f"leaklint: error: {shown(where)}: {one_line(problem)}", err=True)
            status = EXIT_ERROR
            continue
        click.echo(f"{shown(where)}" + (f":{line}" if line else ""))
        for text in contexts.explain(context, settings.contexts).splitlines():
            click.echo(f"  {one_line(text)}")
        if problem:
            click.echo(f"  line: {one_line(problem)}")
            status = EXIT_ERROR
        elif role is not None:
            name = f"`{role.name}`" if role.name else "this function"
            click.echo(f"  line {line}: in {one_line(ROLE_WORDS[role.function].format(name=name))}"
                       + (", inside a loop" if role.in_loop else ""))
            for note in role.notes:
                click.echo(f"  {one_line(note)}: not a loop for the context policy")
            verdict = contexts.decide(context, role, (), settings.contexts)
            if verdict.keep:
                click.echo(f"  a leak here is reported ({one_line(verdict.why)})")
                # a Python handle only a name or a temporary holds goes as that does
                trait = contexts.REBOUND if role.function == "module" else contexts.COLLECTED
                freed = contexts.decide(context, role, (trait,), settings.contexts)
                if where.endswith(".py") and not freed.keep:
                    click.echo("  except a file, socket or response that only a name (or a "
                               "temporary) holds: reference counting closes it as the name is "
                               f"bound again or dropped ({one_line(freed.why)})")
            else:
                click.echo(f"  a leak here is not reported ({one_line(verdict.why)}), unless the "
                           "rule knows it accumulates or outlives its owner")
            if role.loop:
                turn = contexts.decide(context, role, (contexts.PER_TURN,), settings.contexts)
                click.echo(f"  the loop here turns {one_line(role.loop)}: what piles up once per "
                           "turn until the function returns (a defer) is "
                           + ("reported" if turn.keep else "not reported")
                           + f" ({one_line(turn.why)})")
    return status
