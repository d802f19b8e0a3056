"""Owners and their lifetimes: the one answer rules get to "who owns this target and how
long does it live?" for Go, Python and TypeScript/JavaScript.

A finding says a handle outlives its owner, so the rule must know the owner. Lifetimes,
from short to long:

    CALL     as long as one call (a local of a function)
    OBJECT   as long as the object that holds it (a field, an attribute, a DOM element)
    RUN      as long as one run of a command or a test: it ends soon, on its own
    PAGE     as long as the page or the process that loaded a JS/TS module
    PROCESS  as long as the process: package variables of a library or a server, what
             Go's init() or a Python module's top level makes, a __main__ block

The API (every function takes the language first; "typescript" and "javascript" share
one implementation):

    owner_of(language, node, path, package="", reads=None) -> Owner
        the owner of the code at ``node``: what it acquires is held for that owner
        (``reads``: what other files say, such as an entry mounting this module as root);
    lifetime(owner) -> one of the constants above; ``lives_to_exit(owner)``: is the
        owner there until the program (or page) ends, so what it holds is no leak?
    held_by(language, node, path) -> Owner | None
        the owner of the value made at ``node`` when the value says so itself (a Node
        timer that is ``.unref()``'d: the process);
    dies_with(language, target, at) -> bool
        is the object ``target`` (a receiver, an emitter, a map) owned by the owner of
        the code at ``at``: created by it, the object that created it, or passed into
        its constructor? A listener on such a target dies with the owner;
    aliases(language, node) -> set of names the same object goes by where ``node``
        is (``conference`` and ``this._conference``; a destructured ``const { bus } =
        this``; a method value handed on);
    outlives(a, b) -> bool on two lifetimes.

Each language's syntax lives in its own module (owners_go, owners_python, owners_js):
those modules answer with plain values and never import this one, so a line of work
that teaches leaklint a new owner adds it there and every rule asking here sees it.
An owner is plain data (``Owner``), so the answer can come from facts as well as from a
tree.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from . import owners_go, owners_python

PROCESS, RUN, PAGE, OBJECT, CALL = "process", "run", "page", "object", "call"
_RANK = {CALL: 0, OBJECT: 1, RUN: 2, PAGE: 3, PROCESS: 3}

# Go directories whose package is a command-line program (cobra-style `cmd/`, `command/`)
COMMAND_DIRS = ("cmd", "command", "commands")

# owner kinds, with the lifetime of each (package and main depend on the language)
KINDS = {
    "function": CALL,     # a function's locals
    "field": OBJECT,      # a field or attribute of an object of ordinary lifetime
    "package": None,      # package or module scope
    "main": None,         # Go main, Python `if __name__ == "__main__":`, a script, setup.py
    "init": PROCESS,      # Go init(), package var initialisers
    "test-main": RUN,     # Go TestMain
    "root": PAGE,         # JS application root: the component the entry point renders,
                          # a custom element its module puts into the page, the root Vue app's options
    "singleton": PAGE,    # a module-level singleton (`export default new X()`)
    "plugin": PAGE,       # the class of a module a loader picks by a computed name
                          # (`require("./transporters/" + name)`), one object per name
    "injected": PAGE,     # JS run as the source of another document or a worker
    "bootstrap": PROCESS,  # server bootstrap, a function the module runs once at load
    "timer": PROCESS,     # an unref'd Node timer: it never keeps the process alive
}


@dataclass(frozen=True)
class Owner:
    """What holds a value. ``kind``: one of ``KINDS``. ``package``: the Go package clause,
    when known. ``name``: the function, class or variable that owns, when there is one."""

    language: str  # go, python, typescript, javascript
    path: str
    kind: str
    package: str = ""
    name: str = ""


def is_test_path(path: str, language: str) -> bool:
    base = os.path.basename(path)
    if language == "go":
        return base.endswith("_test.go")
    if language == "python":
        return base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py"
    return ".test." in base or ".spec." in base


def is_command(path: str, package: str) -> bool:
    """Is this Go file part of a command: package main, or a package under a cmd/ or
    command/ directory of its module (`cmd/tool/serve/serve.go` is the tool's code)?"""
    if package == "main":
        return True
    directory = os.path.dirname(os.path.abspath(path))
    return any(part in COMMAND_DIRS for part in _below_module_root(directory))


@functools.lru_cache(maxsize=1024)
def _below_module_root(directory: str) -> tuple:
    """The directory names from the nearest go.mod's directory (excluded) down to
    ``directory``; without a go.mod, only ``directory``'s own name."""
    parts, d = [], directory
    while True:
        parts.append(os.path.basename(d))
        if os.path.isfile(os.path.join(d, "go.mod")):
            return tuple(reversed(parts[:-1])) if len(parts) > 1 else ()
        parent = os.path.dirname(d)
        if parent == d:
            return (os.path.basename(directory),)
        d = parent


def lifetime(owner: Owner) -> str:
    fixed = KINDS.get(owner.kind)
    if fixed is not None:
        return fixed
    if owner.kind == "main":
        return RUN if owner.language == "go" else PROCESS
    if is_test_path(owner.path, owner.language):
        return RUN
    if owner.language == "go":
        return RUN if is_command(owner.path, owner.package) else PROCESS
    if owner.language == "python":
        return PROCESS
    return PAGE


def outlives(a: str, b: str) -> bool:
    """Does lifetime ``a`` last longer than lifetime ``b``?"""
    return _RANK[a] > _RANK[b]


def lives_to_exit(owner: Owner) -> bool:
    """Is the owner there until its program or page ends? What it holds is then released
    by the end itself, not leaked."""
    return _RANK[lifetime(owner)] >= _RANK[RUN]


def _module(language: str):
    if language == "go":
        return owners_go
    if language == "python":
        return owners_python
    if language in ("typescript", "javascript", "tsx"):
        return _owners_js()
    raise ValueError(f"no owners for language {language!r}")


def _owners_js():
    # imported when a TS/JS owner is first asked for: its syntax modules are most of the
    # facts layer's start-up, which a run of other languages (or a warm one) never needs
    from . import owners_js
    return owners_js


def owner_of(language: str, node, path: str, package: str = "", reads=None) -> Owner:
    """The owner of the code at ``node`` (a tree-sitter node of a file in ``language``);
    ``reads``: what the file's analysis read from other files (``ctx.reads``), e.g. that an
    entry point mounts this module as the application root."""
    kind, name = _module(language).owner_kind(node, path, reads or {})
    return Owner("javascript" if language == "tsx" else language, path, kind, package, name)


def held_by(language: str, node, path: str) -> Owner | None:
    """The owner that holds the value made at ``node`` when the value itself says so (an
    unref'd Node timer belongs to the process); None when its binding decides."""
    found = _module(language).holder_kind(node)
    if found is None:
        return None
    kind, name = found
    return Owner("javascript" if language == "tsx" else language, path, kind, "", name)


def dies_with(language: str, target, at) -> bool:
    """Is ``target`` (an expression node) owned by the owner of the code at ``at``?"""
    return _module(language).dies_with(target, at)


def aliases(language: str, node) -> set:
    """The names the object written ``node`` goes by where it is written (itself included)."""
    return _module(language).aliases(node)


def instance_of(language: str, cls, path: str) -> Owner:
    """The owner of the objects of class ``cls`` (a class node): "singleton" when the
    module makes exactly one, at its top level (named after the variable holding it),
    else "field" (objects of ordinary lifetime)."""
    holder = (owners_python if language == "python" else _owners_js()).single_instance(cls) \
        if language != "go" else ""
    if holder:
        return Owner("javascript" if language == "tsx" else language, path, "singleton", "", holder)
    return Owner(language, path, "field")


def go_package_state(path: str, package: str) -> str:
    """How long the package variables of a Go file live."""
    return lifetime(Owner("go", path, "package", package))


def error_ends_command(language: str, fn, reads) -> bool:
    """Does an error returned by the function ``fn`` end its program: a Go function a
    command-line framework's command runs once (``owners_go.runs_the_command``)?"""
    return language == "go" and owners_go.runs_the_command(fn, reads)


def return_ends_command(language: str, fn, reads) -> bool:
    """Does any return of the function ``fn`` end its program: a Go command-line
    framework's command action itself (``owners_go.is_command_action``), whose return
    hands the framework's run back to main, which exits?"""
    return language == "go" and owners_go.is_command_action(fn, reads)


def once_per_run(language: str, node, fn) -> bool:
    """Does ``node`` run once per run of the Go function ``fn`` (no loop or closure of it
    around it)? What a command's action acquires so, it holds only until it returns."""
    return language == "go" and owners_go.runs_once_in(node, fn)


def error_ends_run(path: str, package: str, fn, reads) -> bool:
    """Does an error returned by the Go function ``fn`` end a short run: its package's
    state ends with one (a command, a test: ``ends_with_its_run``), and it is not code
    that a program running until it is stopped runs again and again
    (``owners_go.runs_again_until_stopped``)?"""
    return ends_with_its_run(path, package) and not owners_go.runs_again_until_stopped(fn, reads)


def ends_with_its_run(path: str, package: str) -> bool:
    """Do a Go file's package state and background goroutines end with one short run
    (a test, a command)?"""
    return go_package_state(path, package) == RUN
