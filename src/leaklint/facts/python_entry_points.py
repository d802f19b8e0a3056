"""The console scripts and entry points a Python project declares: ``[project.scripts]``,
``[project.gui-scripts]``, ``[project.entry-points.*]`` and ``[tool.poetry.scripts]`` of
pyproject.toml, the ``[options.entry_points]`` of setup.cfg and setup.py's
``entry_points``. A host program loads such an entry and calls it once
(``python_entry``). Two starts in code: a child process's target (``spawns``) and a
function loaded by a computed dotted name (``loaded_by_name``)."""

from __future__ import annotations

import configparser
import os
import re

from ..languages.python_syntax import assigned_once, text

_SPEC = re.compile(r"^\s*([\w.]+)\s*:\s*([\w.]+)\s*$")
_SETUP_SCRIPT = re.compile(r"""["']\s*[\w.-]+\s*=\s*([\w.]+\s*:\s*[\w.]+)\s*["']""")


def entry_specs(read, directory: str) -> list:
    """["module:function"] of the console scripts and entry points declared in
    ``directory`` (a declaration file that cannot be read or parsed declares none)."""
    out = []
    data = read(os.path.join(directory, "pyproject.toml"))
    if data:
        try:
            import tomllib
        except ImportError:  # Python < 3.11
            tomllib = None
        if tomllib is not None:
            try:
                doc = tomllib.loads(data.decode("utf-8", "replace"))
            except (tomllib.TOMLDecodeError, ValueError):
                doc = {}
            project = doc.get("project", {}) if isinstance(doc.get("project"), dict) else {}
            groups = project.get("entry-points", {})
            tables = [project.get("scripts", {}), project.get("gui-scripts", {}),
                      doc.get("tool", {}).get("poetry", {}).get("scripts", {})] + (
                list(groups.values()) if isinstance(groups, dict) else [])
            out += [v for t in tables if isinstance(t, dict) for v in t.values()
                    if isinstance(v, str)]
    data = read(os.path.join(directory, "setup.cfg"))
    if data:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(data.decode("utf-8", "replace"))
            value = "\n".join(parser.get("options.entry_points", group) for group in (
                parser.options("options.entry_points")
                if parser.has_section("options.entry_points") else ()))
        except configparser.Error:
            value = ""
        out += [line.split("=", 1)[1] for line in value.splitlines() if "=" in line]
    data = read(os.path.join(directory, "setup.py"))
    if data and b"entry_points" in data:
        out += _SETUP_SCRIPT.findall(data.decode("utf-8", "replace"))
    return [m.group(1) + ":" + m.group(2) for m in map(_SPEC.match, out) if m]


# what returns the object a dotted name ("pkg.mod.f") spells: Twisted's reflect, pkgutil, Django
NAME_LOADERS = ("namedObject", "namedAny", "resolve_name", "import_string")
DOTTED = re.compile(rb"""["']([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)["']""")


def spawns(callee: str, where) -> bool:
    """``Process(target=f)``: ``f`` runs once in a child process of its own, which it ends."""
    return where == "target" and callee.rsplit(".", 1)[-1] == "Process"


def loaded_by_name(fn, call, assigned: dict) -> bool:
    """Is ``call`` ``run(...)`` for ``run = namedObject(name)`` in ``fn``: a function loaded by
    a computed dotted name (a command table's entry, one of the file's dotted strings)?"""
    callee = call.child_by_field_name("function")
    value = assigned_once(fn, callee, assigned) if callee.type == "identifier" else None
    args = value.child_by_field_name("arguments") if value is not None and \
        value.type == "call" else None
    return args is not None and text(value.child_by_field_name("function")).rsplit(
        ".", 1)[-1] in NAME_LOADERS and [a.type for a in args.named_children][:1] not in (
        [], ["string"], ["comment"])
