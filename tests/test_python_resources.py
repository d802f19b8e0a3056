"""Python resources: the shapes `with`-only linters get wrong, and the paths the engine must follow."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from leaklint.api import check_paths
from leaklint.config import Config
from markers import assert_markers

ROOT = Path(__file__).resolve().parents[1]


SELECT = ("LL110", "LL111", "LL112", "LL206", "LL602")


def findings(tmp_path, code: str, select=SELECT):
    path = tmp_path / "mod.py"
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    report = check_paths([str(path)], config=Config(root=tmp_path), select=list(select))
    assert not [d for d in report.diagnostics if d.kind == "internal-error"], report.diagnostics
    return [(f.code, f.position.line) for f in report.findings]


# Shapes for which pylint's consider-using-with / ruff's SIM115 users reported false
# positives: the handle is released on every path, or handed to the caller or the owner.
SILENT = {
    "try_finally_close": """
        def read(path):
            f = open(path)  # ok: LL110, LL111
            try:
                return f.read()
            finally:
                f.close()
    """,
    "returned_handle": """
        def open_log(path):
            f = open(path, "a")  # ok: LL110
            f.write("started\\n")
            return f
    """,
    "returned_temp_file": """
        import tempfile

        def spool(data):
            tmp = tempfile.NamedTemporaryFile(delete=False)  # ok: LL110
            tmp.write(data)
            tmp.flush()
            return tmp
    """,
    "forked_popen_returned": """
        import subprocess

        def start_server(cmd):
            proc = subprocess.Popen(cmd)  # ok: LL110
            return proc
    """,
    "self_stored_closed_in_close": """
        import socket

        class Client:
            def __init__(self, host):
                self.sock = socket.create_connection((host, 80))  # ok: LL110

            def close(self):
                self.sock.close()
    """,
    "self_stored_closed_in_exit_helper": """
        class Reader:
            def __enter__(self):
                self.f = open("data.bin", "rb")  # ok: LL110
                return self

            def __exit__(self, *exc):
                self._release()

            def _release(self):
                self.f.close()
    """,
    "exit_stack": """
        from contextlib import ExitStack

        def read_all(paths):
            with ExitStack() as stack:
                files = [stack.enter_context(open(p)) for p in paths]  # ok: LL110
                return [f.read() for f in files]
    """,
    "contextmanager_generator": """
        import contextlib
        import sqlite3

        @contextlib.contextmanager
        def connect(path):
            conn = sqlite3.connect(path)  # ok: LL110
            try:
                yield conn
            finally:
                conn.close()
    """,
}


@pytest.mark.parametrize("name", sorted(SILENT))
def test_with_only_false_positive_shapes_are_silent(tmp_path, name):
    """Silent, and not for want of looking: the acquisition is verified as handed on or
    released (its `ok:` marker)."""
    assert_markers(tmp_path, SILENT[name], select=SELECT)


# Leaks the `with`-only linters do not see: they know files only, and nothing that is
# never put in a `with` at all (a sqlite3 connection, a Session, a Timer, a Popen).
REPORTED = {
    "sqlite3": ("""
        import sqlite3

        def count(path):
            conn = sqlite3.connect(path)
            n = conn.execute("SELECT count(*) FROM t").fetchone()[0]
            if n:
                return n
            conn.close()
            return 0
    """, ("LL110", 5)),
    "sqlite3_with": ("""
        import sqlite3

        def add(path, row):
            with sqlite3.connect(path) as conn:
                conn.execute("INSERT INTO t VALUES (?)", (row,))
    """, ("LL112", 5)),
    "session": ("""
        import requests

        def fetch(url):
            session = requests.Session()
            return session.get(url).json()
    """, ("LL110", 5)),
    "timer": ("""
        import threading

        class Poller:
            def start(self):
                self._timer = threading.Timer(10, self.poll)
                self._timer.start()

            def poll(self):
                self.start()
    """, ("LL206", 6)),
    "popen": ("""
        import subprocess

        def run(cmd):
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
            first = proc.stdout.readline()
            return first
    """, ("LL110", 5)),
}


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_leaks_with_only_linters_miss_are_reported(tmp_path, name):
    code, want = REPORTED[name]
    assert want in findings(tmp_path, code)


# -- paths ------------------------------------------------------------------------------

def test_exit_inside_with_body_releases_the_handle(tmp_path):
    code = """
        def first(path, wanted):
            f = open(path)  # ok: LL110
            with f:
                for line in f:
                    if wanted in line:
                        return line
            return None
    """
    assert_markers(tmp_path, code)


def test_raise_inside_try_goes_to_the_handler(tmp_path):
    code = """
        def parse(path):
            f = open(path)  # ok: LL110
            try:
                if not f.readable():
                    raise ValueError(path)
                data = f.read()
            except ValueError:
                f.close()
                return None
            f.close()
            return data
    """
    assert_markers(tmp_path, code)


def test_raise_outside_any_handler_leaks(tmp_path):
    code = """
        def parse(path):
            f = open(path)
            if not f.readable():
                raise ValueError(path)
            f.close()
    """
    assert findings(tmp_path, code) == [("LL110", 3)]


def test_while_true_is_left_only_by_break_or_return(tmp_path):
    code = """
        def until_blank(path):
            f = open(path)  # ok: LL110
            while True:
                line = f.readline()
                if not line.strip():
                    break
            f.close()
    """
    assert_markers(tmp_path, code, select=("LL110",))


def test_match_without_wildcard_may_fall_through(tmp_path):
    code = """
        def by_kind(path, kind):
            f = open(path)  # ok: LL110
            match kind:
                case "a":
                    f.close()
                case _:
                    f.close()
    """
    assert_markers(tmp_path, code)
    partial = code.replace('case _:', 'case "b":')
    assert findings(tmp_path, partial) == [("LL110", 3)]


def test_sys_exit_ends_the_path(tmp_path):
    code = """
        import sys

        def main(path):
            f = open(path)  # ok: LL110
            if not f.readable():
                sys.exit(2)
            f.close()
    """
    assert_markers(tmp_path, code, select=("LL110",))


def test_normal_path_only_names_the_raising_call(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text(textwrap.dedent("""
        import json

        def save(path, rows):
            f = open(path, "w")
            json.dump(rows, f)
            f.close()
    """), encoding="utf-8")
    report = check_paths([str(path)], config=Config(root=tmp_path), select=["LL111"])
    [f] = report.findings
    assert f.code == "LL111" and f.severity == "note"
    assert "json.dump() at line 6" in f.message


def test_import_alias_is_resolved(tmp_path):
    code = """
        import sqlite3 as db

        def count(path):
            conn = db.connect(path)
            return conn.execute("SELECT 1")
    """
    assert findings(tmp_path, code) == [("LL110", 5)]


def test_module_function_named_open_shadows_the_builtin(tmp_path):
    code = """
        def open(name):
            return name

        def use():
            x = open("a")
            return None
    """
    assert findings(tmp_path, code) == []
    # the same call of the builtin is a leak: the rule did read that line
    builtin = code.replace("def open(name):", "def opener(name):")
    assert findings(tmp_path, builtin) == [("LL110", 6)]


def test_broken_code_does_not_stop_the_scan(tmp_path):
    code = """
        def f(path:
            x = open(path)
        def g(path):
            y = open(path)
            return 1
    """
    findings(tmp_path, code)  # asserts no internal error


def _lease_rule(tmp_path, code: str, extra: str = "") -> None:
    """A user rule for leases (``pool.take_lease()`` ... ``lease.give_back()``), with
    ``extra`` lines in its lifecycle table, in ``tmp_path / "leaklint.toml"``."""
    (tmp_path / "leaklint.toml").write_text(textwrap.dedent(f'''
        [[rules]]
        code = "{code}"
        name = "lease-not-returned"
        family = "resource"
        languages = ["python"]
        severity = "warning"
        summary = "A lease is not returned"
        message = "{{handle}} from {{call}} is not returned {{where}}"
        [rules.lifecycle]
        acquire = ["*.take_lease"]
        release = ["give_back"]
    ''') + extra + "\n", encoding="utf-8")


def test_user_declared_pair_runs_on_python(tmp_path):
    _lease_rule(tmp_path, "X900")
    path = tmp_path / "mod.py"
    path.write_text(textwrap.dedent("""
        def work(pool, job):
            lease = pool.take_lease()
            if job is None:
                return
            lease.give_back()

        def fine(pool):
            lease = pool.take_lease()
            try:
                pass
            finally:
                lease.give_back()
    """), encoding="utf-8")
    report = check_paths([str(path)], config_path=str(tmp_path / "leaklint.toml"),
                         select=["X900"])
    assert [(f.code, f.position.line) for f in report.findings] == [("X900", 3)]


@pytest.mark.parametrize("borrowed, lines", [("", []), ('["audit.*"]', [3])])
def test_a_user_rule_says_which_calls_only_borrow_its_handle(tmp_path, borrowed, lines):
    _lease_rule(tmp_path, "X901", f'borrowed_by."*.take_lease" = {borrowed}' if borrowed else "")
    path = tmp_path / "mod.py"
    # an unknown callee takes the lease, unless the rule says it only looks at it
    path.write_text(textwrap.dedent("""
        def work(pool):
            lease = pool.take_lease()
            audit.record(lease)
    """), encoding="utf-8")
    report = check_paths([str(path)], config_path=str(tmp_path / "leaklint.toml"),
                         select=["X901"])
    assert [f.position.line for f in report.findings] == lines
