"""Languages leaklint reads: file extensions, grammars and parsers (loaded once per process)."""

from __future__ import annotations

import functools
import importlib

EXTENSIONS = {
    ".go": "go",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".tsx": "tsx",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".py": "python", ".pyi": "python",
}

# language id -> (grammar module, attribute returning the language pointer)
_GRAMMARS = {
    "go": ("tree_sitter_go", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "javascript": ("tree_sitter_javascript", "language"),
    "python": ("tree_sitter_python", "language"),
}

# the family a language id belongs to, as rules name their languages
FAMILY = {"go": "go", "typescript": "typescript", "tsx": "typescript",
          "javascript": "javascript", "python": "python"}


def language_of(path: str) -> str | None:
    dot = path.rfind(".")
    if dot == -1:
        return None
    return EXTENSIONS.get(path[dot:].lower())


@functools.lru_cache(maxsize=None)
def grammar(lang: str):
    from tree_sitter import Language

    module, attr = _GRAMMARS[lang]
    return Language(getattr(importlib.import_module(module), attr)())


@functools.lru_cache(maxsize=None)
def parser(lang: str):
    from tree_sitter import Parser

    return Parser(grammar(lang))


@functools.lru_cache(maxsize=256)
def query(lang: str, source: str):
    from tree_sitter import Query

    return Query(grammar(lang), source)


def matches(lang: str, source: str, node) -> list:
    """Run a (cached, compiled) query over ``node``: [(pattern index, {capture: [nodes]})]."""
    from tree_sitter import QueryCursor

    return QueryCursor(query(lang, source)).matches(node)
