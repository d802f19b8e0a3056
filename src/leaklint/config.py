"""Configuration: ``[tool.leaklint]`` in pyproject.toml, or leaklint.toml / .leaklint.toml
(top-level keys), found from the current directory upwards or named with --config."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .catalogue import CatalogueError, builtin_rules, parse_rule, select
from .discovery import pattern_error
from .model import SEVERITIES
from .safe_io import ReadRefused, read_regular
from .triage.settings import TriageSettings, settings_from_table

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CONFIG_FILES = ("leaklint.toml", ".leaklint.toml", "pyproject.toml")
MAX_FILE_SIZE_CAP = 1024 * 1024 * 1024
MAX_CONFIG_SIZE = 16 * 1024 * 1024


class ConfigError(ValueError):
    """Bad configuration; the message names the file and the key."""


@dataclass
class Config:
    path: Path | None = None  # the file it came from, if any
    root: Path = field(default_factory=Path.cwd)  # patterns are relative to this
    select: list = field(default_factory=lambda: ["ALL"])
    ignore: list = field(default_factory=list)
    exclude: list = field(default_factory=list)
    per_file_ignores: dict = field(default_factory=dict)
    severity: dict = field(default_factory=dict)
    rules: list = field(default_factory=list)  # user-declared Rule objects
    max_file_size: int = 5 * 1024 * 1024
    respect_gitignore: bool = True
    timeout: float = 10.0  # seconds per file
    triage: TriageSettings = field(default_factory=TriageSettings)  # [tool.leaklint.triage]


_KEYS = {
    "select": list, "ignore": list, "exclude": list, "extend-exclude": list,
    "per-file-ignores": dict, "severity": dict, "rules": list, "max-file-size": int,
    "respect-gitignore": bool, "timeout": (int, float), "triage": dict,
}


def find_config(start: Path) -> Path | None:
    start = start.resolve()
    for d in [start, *start.parents]:
        for name in CONFIG_FILES:
            p = d / name
            if p.is_file():
                if name != "pyproject.toml" or _has_tool_table(p):
                    return p
    return None


def _has_tool_table(p: Path) -> bool:
    try:
        raw = read_regular(str(p), MAX_CONFIG_SIZE, follow_links=True).decode("utf-8")
        return "leaklint" in tomllib.loads(raw).get("tool", {})
    except (ReadRefused, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return False


def load_config(path: Path | None = None, start: Path | None = None) -> Config:
    if path is None:
        path = find_config(start or Path.cwd())
        if path is None:
            return Config()
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: config file not found")
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory, not a config file")
    try:
        raw = tomllib.loads(read_regular(str(path), MAX_CONFIG_SIZE, follow_links=True)
                            .decode("utf-8"))
    except ReadRefused as exc:
        raise ConfigError(f"{path}: {exc.message}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nests too deeply to read") from None
    if path.name == "pyproject.toml":
        table = raw.get("tool", {}).get("leaklint", {})
        prefix = "tool.leaklint."
    else:
        table, prefix = raw, ""
    return from_table(table, path, prefix)


def from_table(table: dict, path: Path, prefix: str = "") -> Config:
    def err(key, msg):
        return ConfigError(f"{path}: {prefix}{key}: {msg}")

    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {prefix.rstrip('.') or 'config'} must be a table")
    cfg = Config(path=path, root=path.parent.resolve())
    for key, value in table.items():
        want = _KEYS.get(key)
        if want is None:
            raise err(key, f"unknown key (known: {', '.join(sorted(_KEYS))})")
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            raise err(key, f"expected {_type_name(want)}, got {type(value).__name__}")
        if isinstance(value, list) and key != "rules" and not all(isinstance(v, str) for v in value):
            raise err(key, "expected a list of strings")
    cfg.rules = []
    for i, data in enumerate(table.get("rules", [])):
        if not isinstance(data, dict):
            raise err(f"rules[{i}]", "expected a table")
        if data.get("lifecycle") is None:
            raise err(f"rules[{i}]", "user rules need a [lifecycle] table")
        try:
            rule = parse_rule(data, f"{path}: {prefix}rules[{i}]", builtin=False)
        except CatalogueError as exc:
            raise ConfigError(str(exc)) from None
        _check_user_rule(rule, err, i)
        cfg.rules.append(rule)
    known = {r.code for r in builtin_rules()}
    for r in cfg.rules:
        if r.code in known:
            raise err("rules", f"{r.code} is a built-in rule code; choose another")
    all_rules = all_rules_with(cfg.rules)
    for key in ("select", "ignore"):
        if key in table:
            try:
                select(all_rules, table[key])
            except CatalogueError as exc:
                raise err(key, str(exc)) from None
            setattr(cfg, key, list(table[key]))
    for key in ("exclude", "extend-exclude"):
        for pattern in table.get(key, []):
            problem = pattern_error(pattern)
            if problem is not None:
                raise err(key, f"pattern {pattern!r} is not valid: {problem}")
    cfg.exclude = list(table.get("exclude", [])) + list(table.get("extend-exclude", []))
    pfi = table.get("per-file-ignores", {})
    for pattern, codes in pfi.items():
        problem = pattern_error(pattern)
        if problem is not None:
            raise err(f"per-file-ignores.{pattern}", f"pattern is not valid: {problem}")
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise err(f"per-file-ignores.{pattern}", "expected a list of rule codes")
        try:
            select(all_rules, codes)
        except CatalogueError as exc:
            raise err(f"per-file-ignores.{pattern}", str(exc)) from None
    cfg.per_file_ignores = dict(pfi)
    for code, sev in table.get("severity", {}).items():
        if sev not in SEVERITIES:
            raise err(f"severity.{code}", f"must be one of {', '.join(SEVERITIES)}")
        try:
            for c in select(all_rules, [code]):
                cfg.severity[c] = sev
        except CatalogueError as exc:
            raise err(f"severity.{code}", str(exc)) from None
    if "max-file-size" in table:
        size = table["max-file-size"]
        if not 1 <= size <= MAX_FILE_SIZE_CAP:
            raise err("max-file-size", f"must be between 1 and {MAX_FILE_SIZE_CAP} bytes")
        cfg.max_file_size = size
    if "timeout" in table:
        t = float(table["timeout"])
        if not 0 < t <= 3600:
            raise err("timeout", "must be between 0 and 3600 seconds")
        cfg.timeout = t
    cfg.respect_gitignore = table.get("respect-gitignore", True)
    cfg.triage = settings_from_table(table.get("triage", {}),
                                     lambda key, msg: err(f"triage.{key}".rstrip("."), msg))
    return cfg


# a callee pattern: `name`, `pkg.name`, `*.Method` (any receiver) or `new Class`
_CALLEE = re.compile(r"(?:new\s+)?(?:\*\.)?[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
_MESSAGE_FIELDS = {"handle": "h", "call": "c", "where": "w", "verb": "v"}


def _check_user_rule(rule, err, i: int) -> None:
    """What the catalogue does not check about user rules, found here rather than as an
    error on every file: callee patterns go into parser queries, the message is formatted."""
    for pattern in rule.lifecycle.get("acquire", ()):
        if not _CALLEE.fullmatch(pattern):
            raise err(f"rules[{i}].lifecycle.acquire", f"{pattern!r} is not a callee pattern "
                      "(name, pkg.name, *.Method or new Class)")
    try:
        rule.message.format(**_MESSAGE_FIELDS)
    except (KeyError, IndexError, ValueError) as exc:
        raise err(f"rules[{i}].message", f"bad placeholder {exc} (use {{handle}}, {{call}}, "
                  "{where}, {verb})") from None


def all_rules_with(user_rules) -> list:
    return list(builtin_rules()) + list(user_rules)


def _type_name(t) -> str:
    names = {list: "a list", dict: "a table", int: "a whole number", bool: "true or false",
             str: "a string"}
    if isinstance(t, tuple):
        return "a number"
    return names.get(t, t.__name__)


def relative_to_root(path: str, root: Path) -> str:
    try:
        return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        return path.replace(os.sep, "/")
