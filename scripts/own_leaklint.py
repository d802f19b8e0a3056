"""The leaklint the scripts run in their child processes: the one they import themselves.

The scripts scan each tree from inside it (its root is the child's current directory),
where a relative ``PYTHONPATH`` (``PYTHONPATH=src``) names nothing: the child would import
whatever leaklint is installed instead, and measure another version without a word. The
child gets this leaklint's directory first, and the other entries made absolute.
"""

from __future__ import annotations

import os


def environment(base=None) -> dict:
    """``base`` (default: this process's environment) with ``PYTHONPATH`` leading to the
    leaklint package this process imports."""
    import leaklint

    base = dict(os.environ if base is None else base)
    top = os.path.dirname(os.path.dirname(os.path.abspath(leaklint.__file__)))
    rest = [os.path.abspath(p) for p in base.get("PYTHONPATH", "").split(os.pathsep) if p]
    base["PYTHONPATH"] = os.pathsep.join([top] + [p for p in rest if p != top])
    return base
