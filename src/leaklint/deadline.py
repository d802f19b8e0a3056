"""The per-file time budget: no input may hold up a scan for longer than ``timeout``.

Three guards share one ``Deadline``:

- parsing: tree-sitter calls a progress callback while it parses, which cancels the
  parse once the time is up (large texts only: a small one parses in milliseconds);
- the rules, on the main thread of a process (the CLI, pool workers): a one-shot
  ``SIGALRM`` timer interrupts whatever rule is running (never the parse: an exception
  raised inside tree-sitter's callbacks would not unwind safely);
- everywhere else (threads, platforms without ``setitimer``): code that loops over
  many nodes may call ``ctx.deadline.check()``.

``FileTimeout`` derives from ``BaseException`` so that a rule's ``except Exception``
cannot swallow it; ``analyze_file`` turns it into a "timeout" diagnostic.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager

from . import heap

# bytes handed to tree-sitter per read when parsing through the progress callback
_CHUNK = 1 << 16
# smaller texts parse in milliseconds whatever they hold: they are parsed in one call,
# without the progress callback (and the second parse it needs, see ``parse``)
CANCELLABLE_MIN_BYTES = 64 * 1024


class FileTimeout(BaseException):
    """The file's time budget is spent."""


class Deadline:
    def __init__(self, seconds: float | None):
        self.seconds = seconds if seconds and seconds > 0 else None
        self.at = time.monotonic() + self.seconds if self.seconds else None

    def expired(self) -> bool:
        return self.at is not None and time.monotonic() >= self.at

    def check(self) -> None:
        if self.expired():
            raise FileTimeout()

    def parse(self, parser, data: bytes):
        """``parser.parse(data)``, cancelled with ``FileTimeout`` when time runs out
        (for texts of ``CANCELLABLE_MIN_BYTES`` or more). Every parse of a file's text goes
        through here, and is counted for giving freed memory back (``heap``)."""
        heap.parsed(len(data))
        if self.at is None or len(data) < CANCELLABLE_MIN_BYTES:
            return parser.parse(data)
        at, clock = self.at, time.monotonic

        def read(offset, _point):
            return data[offset:offset + _CHUNK]

        try:
            tree = parser.parse(read, progress_callback=lambda *_: clock() >= at)
        except ValueError:
            # a cancelled parse is reported as a failure, and the parser would resume it
            # on its next call: start afresh
            parser.reset()
            if self.expired():
                raise FileTimeout() from None
            raise
        # A tree parsed through a callback reads its text through that callback later,
        # from inside queries: an exception there (the timer's) would crash the process.
        # Reparsing the bytes with the old tree reuses every node and costs next to nothing.
        return parser.parse(data, old_tree=tree)

    @contextmanager
    def interrupting(self):
        """Interrupt the Python code run inside when the deadline passes (when a timer
        signal can be used here; otherwise this only relies on ``check`` calls)."""
        if self.at is None or not _can_alarm():
            yield
            return
        armed = True

        def on_alarm(_signum, _frame):
            if armed:
                raise FileTimeout()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        try:
            signal.setitimer(signal.ITIMER_REAL, max(self.at - time.monotonic(), 0.001))
            yield
        finally:
            armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _can_alarm() -> bool:
    """A timer signal is ours to use: main thread, POSIX, and nobody else's timer running."""
    return (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
            and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None))
