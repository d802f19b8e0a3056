"""Import aliases of a TypeScript/JavaScript project: the ``compilerOptions.paths`` and
``baseUrl`` of the nearest ``tsconfig.json`` (or ``jsconfig.json``) above a file, so that
``import UpdateProvider from "@providers/updates"`` reaches the file a relative import
would (``facts.modules.Resolver.js_module``).

The configuration is read as TypeScript reads it: comments and trailing commas allowed,
``extends`` followed (a relative path, at most ``MAX_EXTENDS`` deep; the file's own
options win), ``baseUrl`` relative to the file that sets it, and each ``paths`` target
relative to ``baseUrl`` (else to the file that sets ``paths``). A pattern holds at most
one ``*``; the longest matching prefix wins, as in TypeScript. What cannot be read or
parsed gives no alias (the import stays unknown: a handoff). A target that leaves the
directory of the configuration that names it is not followed: a file of the tree never
reaches outside it through its own configuration.
"""

from __future__ import annotations

import json
import os
import re

CONFIG_NAMES = ("tsconfig.json", "jsconfig.json")
MAX_UP = 8  # directories looked at above a file for its configuration
MAX_EXTENDS = 3


_COMMENTS = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING = re.compile(r'("(?:\\.|[^"\\])*")|,(\s*[}\]])')


def plain_json(text: str) -> str:
    """JSON with comments and trailing commas (tsconfig's dialect) as plain JSON: the
    comments go first, so a comma before a comment before a brace goes too."""
    text = _COMMENTS.sub(lambda m: m.group(1) or "", text)
    return _TRAILING.sub(lambda m: m.group(1) or m.group(2), text)


def parse_config(data: bytes | None) -> dict | None:
    """The configuration's top-level object, or None when it is not one."""
    if data is None:
        return None
    try:
        doc = json.loads(plain_json(data.decode("utf-8-sig", "replace")))
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


class Aliases:
    """``read(path)``: a file's bytes or None. ``candidates(directory, spec)``: the paths
    (before extensions and ``index`` files are tried) that an aliased ``spec`` imported
    by a file of ``directory`` names, best first; [] when no configuration maps it."""

    def __init__(self, read):
        self._read = read
        self._configs: dict = {}  # directory -> _Config or None

    def candidates(self, directory: str, spec: str) -> list:
        config = self._config_of(os.path.normpath(directory or "."))
        if config is None:
            return []
        out = []
        for prefix, suffix, targets in config.patterns:
            if suffix is None and spec != prefix:
                continue  # a pattern without a wildcard names one specifier
            suffix = suffix or ""
            if spec.startswith(prefix) and spec.endswith(suffix) \
                    and len(spec) >= len(prefix) + len(suffix):
                star = spec[len(prefix):len(spec) - len(suffix)]
                out = [os.path.join(config.paths_base, t.replace("*", star, 1)) for t in targets]
                break  # the longest prefix wins, even when none of its targets exists
        else:
            if config.base_url is not None:
                out = [os.path.join(config.base_url, spec)]
        return [q for q in (os.path.normpath(p) for p in out) if _within(q, config.root)]

    def _config_of(self, directory: str):
        if directory in self._configs:
            return self._configs[directory]
        found, d = None, directory
        for _ in range(MAX_UP):
            for name in CONFIG_NAMES:
                doc = parse_config(self._read(os.path.join(d, name)))
                if doc is not None:
                    found = self._options(d, doc)
                    break
            else:
                up = os.path.dirname(d)
                if d in (".", "") or up == d or os.path.basename(d) == "..":
                    break  # never above the scanned tree's own top (".") or the root
                d = up or "."
                continue
            break
        self._configs[directory] = found
        return found

    def _options(self, home: str, doc: dict):
        """The configuration in ``home``, its ``extends`` merged under it (None when it
        sets neither ``baseUrl`` nor ``paths``)."""
        chain, where, current = [], home, doc
        for _ in range(MAX_EXTENDS + 1):
            chain.append((where, current))
            ext = current.get("extends")
            if not isinstance(ext, str) or not ext.startswith(".") or not ext.endswith(".json"):
                break
            path = os.path.normpath(os.path.join(where, ext))
            nxt = parse_config(self._read(path))
            if nxt is None:
                break
            where, current = os.path.dirname(path) or ".", nxt
        base_url = paths = paths_home = None
        for where, cfg in reversed(chain):  # the farthest first: nearer ones override
            options = cfg.get("compilerOptions")
            if not isinstance(options, dict):
                continue
            if isinstance(options.get("baseUrl"), str):
                base_url = os.path.normpath(os.path.join(where, options["baseUrl"]))
            if isinstance(options.get("paths"), dict):
                paths, paths_home = options["paths"], where
        if base_url is None and paths is None:
            return None
        patterns = []
        for pattern, targets in (paths or {}).items():
            if not isinstance(targets, list) or pattern.count("*") > 1:
                continue
            prefix, star, suffix = pattern.partition("*")
            patterns.append((prefix, suffix if star else None, [
                t for t in targets if isinstance(t, str) and t.count("*") == pattern.count("*")]))
        patterns.sort(key=lambda p: -len(p[0]))
        # the configurations' own directories bound where their aliases may lead
        root = os.path.commonpath([os.path.abspath(w) for w, _ in chain])
        return _Config(base_url, base_url if base_url is not None else paths_home, patterns,
                       root)


class _Config:
    __slots__ = ("base_url", "paths_base", "patterns", "root")

    def __init__(self, base_url, paths_base, patterns, root):
        self.base_url = base_url
        self.paths_base = paths_base
        self.patterns = patterns
        self.root = root


def _within(path: str, root: str) -> bool:
    full = os.path.abspath(path)
    return full == root or full.startswith(root.rstrip(os.sep) + os.sep)
