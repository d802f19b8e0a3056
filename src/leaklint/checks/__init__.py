"""Rules that are code rather than lifecycle data, found by their code.

Each such rule has one module, ``checks/<language>/<code>_<name>.py``: the stem of its
``rules/<language>/<CODE>-<name>.toml`` in lower case with ``-`` as ``_``. The module
defines ``check(ctx, rule)``. Helpers that several rules of a language share live beside
them in modules without a code (``go/channels.py``, ``typescript/scopes.py``...).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re

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
