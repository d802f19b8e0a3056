"""``[tool.leaklint.triage]``: the leak thresholds (defaults from the field guides: heap
growth over 50 MB per 30 minutes, investigate; over 1 MB per minute sustained, alert;
goroutines over 100 above the baseline, investigate), the default ``--limit`` and the
flat tolerance."""

from __future__ import annotations

from dataclasses import dataclass

from .units import parse_size


@dataclass(frozen=True)
class TriageSettings:
    heap_growth_investigate: float = 50e6  # bytes per 30 minutes
    heap_rate_alert: float = 1e6  # bytes per minute, sustained
    goroutines_investigate: float = 100.0  # goroutines above the baseline
    limit: float | None = None  # bytes (or a count), for the time to reach it
    flat_tolerance: float = 0.10  # a series moving less than this share of its level is flat


# key -> (field, kind, description)
KEYS = {
    "heap-growth-investigate": ("heap_growth_investigate", "size",
                                "a size per 30 minutes, e.g. \"50MB\""),
    "heap-rate-alert": ("heap_rate_alert", "size", "a size per minute, e.g. \"1MB\""),
    "goroutines-investigate": ("goroutines_investigate", "count",
                               "a number of goroutines above the baseline"),
    "limit": ("limit", "size", "a size such as \"512MiB\""),
    "flat-tolerance": ("flat_tolerance", "fraction", "a fraction between 0 and 1"),
}


def settings_from_table(table, err) -> TriageSettings:
    """Validate the table; ``err(key, message)`` builds the error that names file and key."""
    if not isinstance(table, dict):
        raise err("", "expected a table")
    values = {}
    for key, value in table.items():
        spec = KEYS.get(key)
        if spec is None:
            raise err(key, f"unknown key (known: {', '.join(sorted(KEYS))})")
        name, kind, what = spec
        if isinstance(value, bool):
            raise err(key, f"expected {what}, got a boolean")
        if kind == "size":
            if isinstance(value, (int, float)):
                number = float(value)
            elif isinstance(value, str):
                try:
                    number = parse_size(value)
                except ValueError as exc:
                    raise err(key, str(exc)) from None
            else:
                raise err(key, f"expected {what}, got {type(value).__name__}")
            if not number > 0:
                raise err(key, "must be greater than zero")
        elif kind == "count":
            if not isinstance(value, (int, float)) or not value > 0:
                raise err(key, f"expected {what} greater than zero")
            number = float(value)
        else:
            if not isinstance(value, (int, float)) or not 0 < value < 1:
                raise err(key, f"expected {what}")
            number = float(value)
        values[name] = number
    return TriageSettings(**values)
