"""Rules that are code rather than lifecycle data, found by their code.

Each such rule has one module, ``checks/<language>/<code>_<name>.py``: the stem of its
``rules/<language>/<CODE>-<name>.toml`` in lower case with ``-`` as ``_``. The module
defines ``check(ctx, rule)`` and ``MESSAGE_FIELDS``, the placeholders it fills in the
rule's message (checked against the catalogue when a run starts: ``message_problem``).
Helpers that several rules of a language share live beside them in modules without a
code (``go/channels.py``, ``typescript/pairing.py``...).
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import pkgutil
import re

from ..catalogue import placeholder_problem

# one package per language, and `meta` for the rules about leaklint's own comments in
# files of every language (rules/meta/, fixtures/meta/)
LANGUAGE_PACKAGES = ("go", "python", "typescript", "meta")
RULE_MODULE = re.compile(r"^(ll\d+)_[a-z0-9_]+$")


@functools.lru_cache(maxsize=1)
def rule_modules() -> dict[str, str]:
    """Rule code -> dotted name of the module that implements it (listed, not imported)."""
    found: dict[str, str] = {}
    for language in LANGUAGE_PACKAGES:
        package = importlib.import_module(f"{__name__}.{language}")
        for info in pkgutil.iter_modules(package.__path__):
            m = RULE_MODULE.match(info.name)
            if m is None:
                continue
            code = m.group(1).upper()
            if code in found:
                raise RuntimeError(f"two modules implement {code}: {found[code]} and {info.name}")
            found[code] = f"{__name__}.{language}.{info.name}"
    return found


def check_for(code: str):
    """The ``check(ctx, rule)`` function of rule ``code``, or None when no module has it."""
    name = rule_modules().get(code)
    if name is None:
        return None
    return importlib.import_module(name).check


def message_problem(rule) -> str | None:
    """What is wrong between check rule ``rule``'s message and its module, naming the rule's
    file: no module, or a placeholder the module never fills. None when nothing is."""
    name = rule_modules().get(rule.code)
    if name is None:
        return f"{rule.origin}: rule {rule.code}: no module in leaklint.checks implements it"
    problem = placeholder_problem(rule.message, message_fields(name))
    return f"{rule.origin}: rule {rule.code}: message: {problem}" if problem else None


_FIELDS = re.compile(r"^MESSAGE_FIELDS = (\([^()]*\))", re.M)


@functools.lru_cache(maxsize=None)
def message_fields(module: str) -> tuple:
    """A rule module's ``MESSAGE_FIELDS``, read from its source when it is spelled there as a
    tuple of strings (a run checks every enabled rule's message as it starts: importing
    every rule module for that costs a cached run more than the rest of its start), else
    from the imported module."""
    spec = importlib.util.find_spec(module)
    try:
        with open(spec.origin, encoding="utf-8") as f:
            found = _FIELDS.search(f.read())
        fields = ast.literal_eval(found.group(1)) if found else None
    except (OSError, TypeError, ValueError, SyntaxError):
        fields = None
    if isinstance(fields, tuple) and all(isinstance(x, str) for x in fields):
        return fields
    return importlib.import_module(module).MESSAGE_FIELDS
