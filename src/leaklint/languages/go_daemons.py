"""A daemon's start: code after the call that makes the process a session leader runs
once per process, since that call succeeds once (a leader cannot become one again). What
such a function opens (a log file, /dev/null for the standard streams) is the process's,
left open on an error return only once."""

from __future__ import annotations

from . import matches
from .go_syntax import callee_text

SESSION_LEADERS = ("unix.Setsid", "syscall.Setsid")


def after_setsid(call, fn, data: bytes) -> bool:
    """Does ``fn`` make the process a session leader (`unix.Setsid()`) before ``call``?
    ``data``: the file's bytes, which must name it first (most files never do)."""
    return b"Setsid" in data and any(callee_text(c) in SESSION_LEADERS and c.end_byte <= call.start_byte
               for _, caps in matches("go", "(call_expression) @c", fn) for c in caps["c"])
