"""The Go version a file is built with (its nearest go.mod), and how rules whose leak
the runtime fixes from some version adjust their findings."""

from __future__ import annotations

import functools
import os
import re

from ..safe_io import ReadRefused, read_regular


_GO_DIRECTIVE = re.compile(rb"^go\s+(\d+)\.(\d+)", re.M)
_MODULE_DIRECTIVE = re.compile(rb"^module\s+\"?([^\s\"/][^\s\"]*)\"?", re.M)
GO_MOD_LIMIT = 1024 * 1024


@functools.lru_cache(maxsize=1024)
def nearest_go_mod(directory: str) -> tuple | None:
    """The nearest go.mod at or above ``directory``: (its directory, absolute; its `go`
    directive as (major, minor) or None; its module path or None). Read like the tree's
    sources: a link or a special file named go.mod is not read."""
    directory = os.path.abspath(directory)
    while True:
        try:
            data = read_regular(os.path.join(directory, "go.mod"), GO_MOD_LIMIT)
        except ReadRefused:
            data = None
        if data is not None:
            go = _GO_DIRECTIVE.search(data)
            module = _MODULE_DIRECTIVE.search(data)
            return (directory, (int(go.group(1)), int(go.group(2))) if go else None,
                    module.group(1).decode("utf-8", "replace") if module else None)
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def build_inputs(path: str) -> tuple:
    """What a Go file's findings depend on beyond its bytes and its facts: (the nearest
    go.mod's `go` and `module` directives as text for its result key; the go.mod paths
    looked at, from the file's directory up to the nearest one, which a warm run must
    see unchanged: a go.mod edited, added closer or removed changes the answer)."""
    directory = os.path.abspath(os.path.dirname(path) or ".")
    found = nearest_go_mod(directory)
    top = found[0] if found else None
    looked = []
    while True:
        looked.append(os.path.join(directory, "go.mod"))
        parent = os.path.dirname(directory)
        if directory == top or parent == directory:
            break
        directory = parent
    return (repr(found[1:]) if found else "", looked)


def go_mod_version(directory: str) -> tuple | None:
    """The `go` directive of the nearest go.mod at or above ``directory``: (major, minor)."""
    found = nearest_go_mod(directory)
    return found[1] if found else None


def file_go_version(ctx) -> tuple | None:
    """The Go version a file is built with: the run's setting, else its nearest go.mod."""
    if ctx.settings.go_version:
        return tuple(ctx.settings.go_version)
    return go_mod_version(os.path.dirname(ctx.src.path) or ".")


def emit_adjusted(ctx, rule, node, message: str, related=()) -> bool:
    """Report from a Go code check, lowered or dropped by the file's Go version; whether
    it was reported."""
    severity, note = collected_adjustment(ctx, rule)
    if severity == "drop":
        return False
    ctx.emit(rule, node, message + note, related=related, severity=severity)
    return True


def collected_adjustment(ctx, rule) -> tuple:
    """(severity, note) for timer rules whose leak the runtime fixes from some Go version.

    A rule opts in with ``[options] collected_since_go = "1.23"`` and ``collected = "note"``
    (report at that severity), ``"drop"`` (do not report) or ``"held"`` (report only a
    handle that a goroutine started by the function still holds: the lifecycle runner
    asks the adapter's ``held_after_return``)."""
    since = rule.options.get("collected_since_go")
    if not since:
        return None, ""
    version = file_go_version(ctx)
    want = tuple(int(x) for x in since.split(".")[:2])
    if version is None or version < want:
        return None, ""
    action = rule.options.get("collected", "note")
    return action, (f" (go.mod declares go {version[0]}.{version[1]}: since Go {since} an "
                    "unreferenced timer or ticker is garbage collected even if never stopped)")


def go_module(directory: str) -> tuple | None:
    """The nearest go.mod at or above ``directory``: (its directory, absolute, and the
    module path its `module` directive declares), or None."""
    found = nearest_go_mod(directory)
    return (found[0], found[2]) if found and found[2] else None
