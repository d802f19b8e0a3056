"""Facts about the Go package a file belongs to."""

from __future__ import annotations

import os

# directories whose package is a command-line program (cobra-style `cmd/`, `command/`)
COMMAND_DIRS = ("cmd", "command", "commands")


def package_name(root) -> str:
    clause = next((c for c in root.named_children if c.type == "package_clause"), None)
    if clause is None or not clause.named_children:
        return ""
    return clause.named_children[0].text.decode("utf-8", "replace")


def is_command(path: str, root) -> bool:
    """Is this file part of a command (package main, or a cmd/ or command/ package)? Its
    package state and background goroutines live only as long as one run."""
    if package_name(root) == "main":
        return True
    return os.path.basename(os.path.dirname(os.path.abspath(path))) in COMMAND_DIRS
