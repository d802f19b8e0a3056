"""Helpers of the Python cache rules: memoised methods (LL502), unbounded memoised
functions keyed by high-cardinality values (LL503); LL504's containers are facts
(``facts.python_growth``) judged by ``analysis.growth``.
"""

from __future__ import annotations

from ...languages import matches
from ...languages.python import resolve


def python_adapter(ctx):
    return ctx.adapter()


def cache_kind(decorator: str, names: dict) -> str | None:
    """'unbounded' / 'bounded' for functools.cache / lru_cache decorators, else None."""
    head = decorator.split("(", 1)[0]
    full = resolve(head, names)
    if full == "functools.cache":
        return "unbounded"
    if full != "functools.lru_cache":
        return None
    args = decorator[len(head):].strip("()").replace(" ", "")
    if args.startswith("maxsize=None") or args == "None" or args.startswith("None,"):
        return "unbounded"
    return "bounded"


def function_definitions(root):
    return [caps["f"][0] for _, caps in matches("python", "(function_definition) @f", root)]
