"""The one error the triage readers raise for input they cannot use."""

from __future__ import annotations


class TriageInputError(ValueError):
    """A triage input that cannot be read or is not in the expected format; the message
    names the file and what is wrong, for the command to print on one line."""
