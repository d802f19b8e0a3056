"""How long an owner lives (facts.lifetimes), per language."""

from __future__ import annotations

import pytest

from leaklint.facts.lifetimes import (CALL, OBJECT, PAGE, PROCESS, RUN, Owner, go_package_state,
                                      lifetime)


@pytest.mark.parametrize("owner, expected", [
    # Go: package variables live as long as the process, unless the program is a command
    (Owner("go", "pkg/cache/store.go", "package", "cache"), PROCESS),
    (Owner("go", "pkg/cache/store.go", "init", "cache"), PROCESS),
    (Owner("go", "main.go", "package", "main"), RUN),
    (Owner("go", "main.go", "main", "main"), RUN),
    (Owner("go", "cmd/serve.go", "package", "serve"), RUN),
    (Owner("go", "pkg/cache/store_test.go", "package", "cache"), RUN),
    (Owner("go", "pkg/cache/store.go", "field", "cache"), OBJECT),
    (Owner("go", "pkg/cache/store.go", "function", "cache"), CALL),
    # Python: the module's top level and a __main__ block live with the interpreter
    (Owner("python", "app/registry.py", "package"), PROCESS),
    (Owner("python", "app/cli.py", "main"), PROCESS),
    (Owner("python", "tests/test_registry.py", "package"), RUN),
    (Owner("python", "app/registry.py", "field"), OBJECT),
    (Owner("python", "app/registry.py", "function"), CALL),
    # TS/JS: module scope lives with the page (or the process) that loaded it
    (Owner("typescript", "src/store.ts", "package"), PAGE),
    (Owner("javascript", "src/store.spec.js", "package"), RUN),
    (Owner("typescript", "src/widget.tsx", "field"), OBJECT),
    (Owner("javascript", "src/handler.js", "function"), CALL),
])
def test_lifetime(owner, expected):
    assert lifetime(owner) == expected


def test_go_package_state_is_what_the_cache_rule_asks():
    assert go_package_state("internal/lru/lru.go", "lru") == PROCESS
    assert go_package_state("tools/gen/main.go", "main") == RUN
    assert go_package_state("commands/run.go", "commands") == RUN
