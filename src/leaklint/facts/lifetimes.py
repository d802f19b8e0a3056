"""How long an owner lives: the question behind "is this a leak?" for anything that is
held rather than released (a cache, a listener, a background task).

    PROCESS  as long as the process: package variables of a library or a server, what
             Go's init() or a Python module's top level makes, a __main__ block
    RUN      as long as one run of a command or a test: it ends soon, on its own
    PAGE     as long as the page or the process that loaded a JS/TS module (module scope)
    OBJECT   as long as the object that holds it (a field, an attribute)
    CALL     as long as one call (a local of a function)

An owner is named by plain data (``Owner``), so the answer can come from facts as well
as from a tree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

PROCESS, RUN, PAGE, OBJECT, CALL = "process", "run", "page", "object", "call"

# Go directories whose package is a command-line program (cobra-style `cmd/`, `command/`)
COMMAND_DIRS = ("cmd", "command", "commands")


@dataclass(frozen=True)
class Owner:
    """What holds a value. ``kind``: "package" (package or module scope), "main" (Go's
    main or a Python `if __name__ == "__main__":` block), "init" (Go's init), "field"
    (a field or attribute), "function" (a function's locals). ``package``: the Go package
    clause, when known."""

    language: str  # go, python, typescript, javascript
    path: str
    kind: str
    package: str = ""


def is_test_path(path: str, language: str) -> bool:
    base = os.path.basename(path)
    if language == "go":
        return base.endswith("_test.go")
    if language == "python":
        return base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py"
    return ".test." in base or ".spec." in base


def is_command(path: str, package: str) -> bool:
    """Is this Go file part of a command (package main, or a cmd/ or command/ package)?"""
    if package == "main":
        return True
    return os.path.basename(os.path.dirname(os.path.abspath(path))) in COMMAND_DIRS


def lifetime(owner: Owner) -> str:
    if owner.kind == "function":
        return CALL
    if owner.kind == "field":
        return OBJECT
    if is_test_path(owner.path, owner.language):
        return RUN
    if owner.language == "go":
        if is_command(owner.path, owner.package):
            return RUN
        return PROCESS
    if owner.language == "python":
        return PROCESS
    return PAGE if owner.kind == "package" else PROCESS


def go_package_state(path: str, package: str) -> str:
    """How long the package variables of a Go file live."""
    return lifetime(Owner("go", path, "package", package))


def ends_with_its_run(path: str, package: str) -> bool:
    """Do a Go file's package state and background goroutines end with one short run
    (a test, a command)?"""
    return go_package_state(path, package) == RUN
