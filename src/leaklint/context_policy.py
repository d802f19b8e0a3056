"""The settings of ``[tool.leaklint.contexts]``: the kinds of code a file can be, the
policy of each (what is reported there) and the extra path patterns that put a file in
one. Kept apart from ``contexts`` (which classifies files and findings with the facts
layer) so that reading the configuration does not load the analysis."""

from __future__ import annotations

from dataclasses import dataclass

CODE, TEST, SCRIPT, EXAMPLE, GENERATED = "code", "test", "script", "example", "generated"
KINDS = (TEST, SCRIPT, EXAMPLE, GENERATED)  # the configurable ones; "code" is always "all"
ALL, ACCUMULATING, OFF = "all", "accumulating", "off"
POLICIES = (ALL, ACCUMULATING, OFF)

# examples are copied into real programs, so their leaks are reported as in ordinary code
DEFAULT_POLICY = {TEST: ACCUMULATING, SCRIPT: ACCUMULATING, EXAMPLE: ALL, GENERATED: OFF}


@dataclass(frozen=True)
class ContextSettings:
    """``[tool.leaklint.contexts]``: the policy of each context and the extra path
    patterns (gitignore-style, relative to ``root``) that put a file in it."""

    root: str = ""
    policy: tuple = tuple(sorted(DEFAULT_POLICY.items()))  # ((kind, policy), ...)
    paths: tuple = ()  # ((kind, (pattern, ...)), ...)
    marked: tuple = ()  # what the root's .gitattributes marks (vendored.marked)

    def policy_of(self, kind: str) -> str:
        return ALL if kind == CODE else dict(self.policy).get(kind, DEFAULT_POLICY[kind])

    def patterns_of(self, kind: str) -> tuple:
        return dict(self.paths).get(kind, ())


# config keys: "<kind>s" holds the policy, "<kind>-paths" the extra patterns
POLICY_KEYS = {"tests": TEST, "scripts": SCRIPT, "examples": EXAMPLE, "generated": GENERATED}
PATH_KEYS = {"code-paths": CODE, "test-paths": TEST, "script-paths": SCRIPT,
             "example-paths": EXAMPLE, "generated-paths": GENERATED}
KEY_OF_KIND = {kind: key for key, kind in POLICY_KEYS.items()}


def settings_from_table(table, root: str, err) -> ContextSettings:
    """Validate ``[tool.leaklint.contexts]``; ``err(key, message)`` builds the error that
    names the file and the key (the JSON schema has already checked the types)."""
    if not isinstance(table, dict):
        raise err("", "expected a table")
    policy = dict(DEFAULT_POLICY)
    paths = {}
    for key, value in table.items():
        if key in POLICY_KEYS:
            if value not in POLICIES:
                raise err(key, f"expected one of {', '.join(POLICIES)}")
            policy[POLICY_KEYS[key]] = value
        elif key in PATH_KEYS:
            if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
                raise err(key, "expected a list of path patterns")
            paths[PATH_KEYS[key]] = tuple(value)  # config.py checks each pattern
        else:
            known = sorted([*POLICY_KEYS, *PATH_KEYS])
            raise err(key, f"unknown key (known: {', '.join(known)})")
    return ContextSettings(root=root, policy=tuple(sorted(policy.items())),
                           paths=tuple(sorted(paths.items())))
