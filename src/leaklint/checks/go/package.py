"""Facts about the Go package a file belongs to."""

from __future__ import annotations

from ...facts import lifetimes
from ...languages.go_syntax import package_name


def is_command(path: str, root) -> bool:
    """Is this file part of a command (package main, or a cmd/ or command/ package)? Its
    package state and background goroutines live only as long as one run."""
    return lifetimes.is_command(path, package_name(root))
