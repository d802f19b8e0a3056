"""LL114 python-process-started-and-dropped: a child process whose ``Popen`` object is
dropped as it is made. Nothing waits for it or sees it fail; most such calls launch a
program meant to run on its own (a file opened in its application, a daemon), which the
call does not show.
"""

from __future__ import annotations

from .split_findings import report_split

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("call", "where")


def check(ctx, rule) -> None:
    report_split(ctx, rule)
