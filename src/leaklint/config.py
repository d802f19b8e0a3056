"""Configuration: ``[tool.leaklint]`` in pyproject.toml, or leaklint.toml / .leaklint.toml
(top-level keys), found from the current directory upwards or named with --config."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import context_policy
from .catalogue import (LIFECYCLE_FIELDS, CatalogueError, builtin_rules, parse_rule,
                        placeholder_problem, select)
from .discovery import pattern_error
from . import schema
from .safe_io import ReadRefused, read_regular
from .toml_lines import key_lines, line_of
from .triage.settings import TriageSettings, settings_from_table

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CONFIG_FILES = ("leaklint.toml", ".leaklint.toml", "pyproject.toml")
MAX_CONFIG_SIZE = 16 * 1024 * 1024
MAX_FILE_SIZE_CAP = 1024 * 1024 * 1024  # as the schema's maximum for max-file-size


class ConfigError(ValueError):
    """Bad configuration; the message names the file and the key."""


@dataclass
class Config:
    path: Path | None = None  # the file it came from, if any
    root: Path = field(default_factory=Path.cwd)  # patterns are relative to this
    select: list = field(default_factory=lambda: ["DEFAULT"])
    ignore: list = field(default_factory=list)
    exclude: list = field(default_factory=list)
    per_file_ignores: dict = field(default_factory=dict)
    severity: dict = field(default_factory=dict)
    rules: list = field(default_factory=list)  # user-declared Rule objects
    max_file_size: int = 5 * 1024 * 1024
    respect_gitignore: bool = True
    timeout: float = 10.0  # seconds per file
    triage: TriageSettings = field(default_factory=TriageSettings)  # [tool.leaklint.triage]
    # [tool.leaklint.contexts]: what is reported in tests, scripts, examples, generated code
    contexts: context_policy.ContextSettings = field(
        default_factory=context_policy.ContextSettings)


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
    """Whether a pyproject.toml configures leaklint. One that cannot be read, or that
    mentions leaklint and does not parse, is an error rather than a silent default."""
    try:
        data = read_regular(str(p), MAX_CONFIG_SIZE, follow_links=True)
    except ReadRefused as exc:
        raise ConfigError(f"{p}: {exc.message}") from None
    if b"leaklint" not in data:
        return False
    raw, _ = _parse_toml(p, data)
    return "leaklint" in raw.get("tool", {})


_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)")


def _parse_toml(path: Path, data: bytes) -> tuple[dict, str]:
    """(document, text) of a config file's bytes; ConfigError names the line when they are
    not TOML."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not valid TOML: not UTF-8 text") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        message = str(getattr(exc, "msg", None) or exc)
        m = _TOML_AT.search(str(exc))
        if m and m.group(1):
            where = f"{path}:{m.group(1)}:{m.group(2)}"
        elif m:  # at the end of the document: its last line
            where = f"{path}:{max(1, len(text.splitlines()))}"
        else:
            where = str(path)
        raise ConfigError(f"{where}: not valid TOML: {_TOML_AT.sub('', message)}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nests too deeply to read") from None


ENV_MAX_FILE_SIZE = "LEAKLINT_MAX_FILE_SIZE"
ENV_TIMEOUT = "LEAKLINT_TIMEOUT"


def load_config(path: Path | None = None, start: Path | None = None) -> Config:
    """The configuration in ``path`` (else found upwards from ``start``), with the limits
    the environment puts on it (``LEAKLINT_MAX_FILE_SIZE``, ``LEAKLINT_TIMEOUT``)."""
    return cap_from_env(_load_config(path, start))


def cap_from_env(cfg: Config, environ=None) -> Config:
    """Limits a scanned tree's own config may not raise: ``LEAKLINT_MAX_FILE_SIZE``
    (bytes) and ``LEAKLINT_TIMEOUT`` (seconds per file) are ceilings on ``max-file-size``
    and ``timeout``, so CI bounds what a pull request's config can ask for."""
    environ = os.environ if environ is None else environ
    size = _env_number(environ, ENV_MAX_FILE_SIZE, int, 1, MAX_FILE_SIZE_CAP)
    if size is not None:
        cfg.max_file_size = min(cfg.max_file_size, size)
    timeout = _env_number(environ, ENV_TIMEOUT, float, 0.001, 3600)
    if timeout is not None:
        cfg.timeout = min(cfg.timeout, timeout)
    return cfg


def _env_number(environ, name: str, kind, low, high):
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high or value != value:
        raise ConfigError(f"environment variable {name}={raw!r}: expected a number between "
                          f"{low:g} and {high:g}")
    return value


def override_limits(cfg: Config, max_file_size: int | None = None,
                    timeout: float | None = None) -> Config:
    """Limits given on the command line: they replace the config's (and the
    environment's) values."""
    if max_file_size is not None:
        cfg.max_file_size = max_file_size
    if timeout is not None:
        cfg.timeout = timeout
    return cfg


def _load_config(path: Path | None, start: Path | None) -> Config:
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
        data = read_regular(str(path), MAX_CONFIG_SIZE, follow_links=True)
    except ReadRefused as exc:
        raise ConfigError(f"{path}: {exc.message}") from None
    raw, text = _parse_toml(path, data)
    base: tuple = ("tool", "leaklint") if path.name == "pyproject.toml" else ()
    table = raw
    for key in base:
        table = table.get(key, {}) if isinstance(table, dict) else None
    return from_table(table, path, base, key_lines(text))


def _error(path: Path, base: tuple, lines: dict, keys: tuple, message: str) -> ConfigError:
    """``file:line: key: message``; the line is the key's own, or its nearest ancestor's."""
    line = line_of(lines, base + tuple(keys))
    where = f"{path}:{line}" if line else str(path)
    return ConfigError(f"{where}: {schema.dotted(base + tuple(keys)) or 'config'}: {message}")


def from_table(table, path: Path, base: tuple = (), lines: dict | None = None) -> Config:
    """Validate ``table`` against config.schema.json, then check what a schema cannot
    say (rule selectors, patterns, user rules); ConfigError names the file, line and key."""
    lines = lines or {}

    def err(keys: tuple, msg: str) -> ConfigError:
        return _error(path, base, lines, keys, msg)

    if not isinstance(table, dict):
        raise _error(path, (), lines, base, "must be a table")
    problems = schema.errors(table, schema.load())
    if problems:
        where, message = problems[0]
        raise err(where, message)
    cfg = Config(path=path, root=path.parent.resolve())
    for i, data in enumerate(table.get("rules", [])):
        try:
            rule = parse_rule(data, f"{path}: {schema.dotted(base + ('rules', i))}", builtin=False)
        except CatalogueError as exc:
            raise err(("rules", i), str(exc).rsplit(": ", 1)[-1]) from None
        _check_user_rule(rule, err, i)
        cfg.rules.append(rule)
    known = {r.code for r in builtin_rules()}
    for i, r in enumerate(cfg.rules):
        if r.code in known:
            raise err(("rules", i, "code"), f"{r.code} is a built-in rule code; choose another")
    all_rules = all_rules_with(cfg.rules)
    for key in ("select", "ignore"):
        if key in table:
            try:
                select(all_rules, table[key])
            except CatalogueError as exc:
                raise err((key,), str(exc)) from None
            setattr(cfg, key, list(table[key]))
    for key in ("exclude", "extend-exclude"):
        for pattern in table.get(key, []):
            problem = pattern_error(pattern)
            if problem is not None:
                raise err((key,), f"pattern {pattern!r} is not valid: {problem}")
    cfg.exclude = list(table.get("exclude", [])) + list(table.get("extend-exclude", []))
    pfi = table.get("per-file-ignores", {})
    for pattern, codes in pfi.items():
        problem = pattern_error(pattern)
        if problem is not None:
            raise err(("per-file-ignores", pattern), f"pattern is not valid: {problem}")
        try:
            select(all_rules, codes)
        except CatalogueError as exc:
            raise err(("per-file-ignores", pattern), str(exc)) from None
    cfg.per_file_ignores = dict(pfi)
    for code, sev in table.get("severity", {}).items():
        try:
            for c in select(all_rules, [code]):
                cfg.severity[c] = sev
        except CatalogueError as exc:
            raise err(("severity", code), str(exc)) from None
    cfg.max_file_size = table.get("max-file-size", cfg.max_file_size)
    cfg.timeout = float(table.get("timeout", cfg.timeout))
    cfg.respect_gitignore = table.get("respect-gitignore", True)
    cfg.triage = settings_from_table(table.get("triage", {}),
                                     lambda key, msg: err(("triage", key) if key else ("triage",), msg))
    cfg.contexts = context_policy.settings_from_table(
        table.get("contexts", {}), str(cfg.root),
        lambda key, msg: err(("contexts", key) if key else ("contexts",), msg))
    for key in context_policy.PATH_KEYS:
        for pattern in table.get("contexts", {}).get(key, []):
            problem = pattern_error(pattern)
            if problem is not None:
                raise err(("contexts", key), f"pattern {pattern!r} is not valid: {problem}")
    return cfg


# a callee pattern: `name`, `pkg.name`, `*.Method` (any receiver) or `new Class`
_CALLEE = re.compile(r"(?:new\s+)?(?:\*\.)?[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")


def _check_user_rule(rule, err, i: int) -> None:
    """What the catalogue does not check about user rules, found here rather than as an
    error on every file: callee patterns go into parser queries, the message is formatted."""
    for pattern in rule.lifecycle.get("acquire", ()):
        if pattern == "*":  # any call whose result the function releases itself
            if not rule.lifecycle.get("evidence") or "python" in rule.languages:
                raise err(("rules", i, "lifecycle", "acquire"), "'*' needs an evidence list "
                          "of release methods, and is read for Go and TS/JS only")
            continue
        if not _CALLEE.fullmatch(pattern):
            raise err(("rules", i, "lifecycle", "acquire"), f"{pattern!r} is not a callee pattern "
                      "(name, pkg.name, *.Method or new Class)")
    problem = placeholder_problem(rule.message, LIFECYCLE_FIELDS)
    if problem:
        raise err(("rules", i, "message"), problem)


def all_rules_with(user_rules) -> list:
    return list(builtin_rules()) + list(user_rules)


def relative_to_root(path: str, root: Path) -> str:
    try:
        return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        return path.replace(os.sep, "/")
