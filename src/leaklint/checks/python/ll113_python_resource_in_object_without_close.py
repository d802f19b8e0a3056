"""LL113 python-resource-in-object-without-close: a handle LL110 would track, kept in an
attribute of a class that has no method to end its objects. It closes when the object
is collected; whether that piles up depends on how many objects their maker makes, which
the class does not show.
"""

from __future__ import annotations

from .split_findings import report_split

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("call", "handle", "where")


def check(ctx, rule) -> None:
    report_split(ctx, rule)
