# fix-test: select=LL110 unsafe
"""A sqlite3 connection's `with` commits or rolls back but does not close: the fix
closes it in a `finally`, and is unsafe (the close moves to every exit)."""

import sqlite3


def row_count(path):
    conn = sqlite3.connect(path)
    try:
        (n,) = conn.execute("SELECT count(*) FROM items").fetchone()
        if n == 0:
            raise LookupError("empty table")
    finally:
        conn.close()
    return n
