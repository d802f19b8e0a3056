"""A pull request's tree and config are an attacker's: each test here is one attempt to
hide findings, hang or blow up the scan, inject into the output or write outside the
tree, and checks that it fails. docs/security.md lists which promise each one tests."""

from __future__ import annotations

import os
import stat
import threading

import pytest
from click.testing import CliRunner

from conftest import LEAKY_GO
from leaklint.cli import main
from leaklint.safe_io import ReadRefused, WriteRefused, read_regular, write_atomic

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX file types")


def check(*args, env=None):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False, env=env)


def in_thread(fn, seconds=10.0):
    """``fn()`` run where a block cannot hang the test: returns its result or raises."""
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "blocked"
    if "error" in box:
        raise box["error"]
    return box["value"]


# -- the safe reader ---------------------------------------------------------------------

def test_reader_refuses_a_fifo_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "fifo.go")
    with pytest.raises(ReadRefused, match="FIFO"):
        in_thread(lambda: read_regular(str(tmp_path / "fifo.go"), 1000))


def test_reader_refuses_a_device_even_through_a_followed_link(tmp_path):
    (tmp_path / "zero.go").symlink_to("/dev/zero")
    with pytest.raises(ReadRefused, match="symbolic link"):
        read_regular(str(tmp_path / "zero.go"), 1000)
    with pytest.raises(ReadRefused, match="device"):
        read_regular(str(tmp_path / "zero.go"), 1000, follow_links=True)


def test_reader_applies_the_size_limit(tmp_path):
    (tmp_path / "big.go").write_bytes(b"x" * 5000)
    with pytest.raises(ReadRefused, match="over the size limit of 4999 bytes"):
        read_regular(str(tmp_path / "big.go"), 4999)
    assert read_regular(str(tmp_path / "big.go"), 5000) == b"x" * 5000


def test_fifo_in_the_tree_gets_a_diagnostic(tree):
    os.mkfifo(tree / "fifo.go")
    r = in_thread(lambda: check(".", "--no-cache", "-j", "1"))
    assert r.exit_code == 1
    assert "fifo.go: unreadable: is a FIFO (named pipe), not a regular file; not read" in r.output
    assert "leaky.go:6:15: LL101" in r.output


def test_fifo_named_on_the_command_line_gets_a_diagnostic(tree):
    os.mkfifo(tree / "fifo.go")
    r = in_thread(lambda: check("fifo.go", "leaky.go", "--no-cache"))
    assert "fifo.go: unreadable: is a FIFO (named pipe)" in r.output
    assert "leaky.go:6:15: LL101" in r.output


def test_device_behind_a_followed_link_gets_a_diagnostic(tree):
    (tree / "zero.go").symlink_to("/dev/zero")
    r = in_thread(lambda: check(".", "--follow-symlinks", "--no-cache", "-j", "1"))
    assert "zero.go: unreadable: is a device, not a regular file; not read" in r.output
    assert r.exit_code == 1


def test_link_named_on_the_command_line_is_not_read(tree, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "theirs.go").write_text(LEAKY_GO)
    (tree / "link.go").symlink_to(outside / "theirs.go")
    r = check("link.go", "--no-cache")
    assert "LL101" not in r.output
    assert "link.go: skipped: is a symbolic link; links are not followed" in r.output
    r = check("link.go", "--no-cache", "--follow-symlinks")
    assert "link.go:6:15: LL101" in r.output


# -- writes ------------------------------------------------------------------------------

def test_atomic_write_refuses_links(tmp_path):
    target = tmp_path / "victim"
    target.write_text("mine")
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "out.sarif").symlink_to(target)
    (tmp_path / "tree" / "dangling").symlink_to(tmp_path / "new-victim")
    (tmp_path / "tree" / "reports").symlink_to(tmp_path)
    roots = [str(tmp_path / "tree")]
    for name in ("out.sarif", "dangling", "reports/victim"):
        with pytest.raises(WriteRefused):
            write_atomic(str(tmp_path / "tree" / name), b"theirs", roots=roots)
    with pytest.raises(WriteRefused, match="outside"):
        write_atomic(str(tmp_path / "elsewhere"), b"theirs", roots=roots, confined=True)
    assert target.read_text() == "mine" and not (tmp_path / "new-victim").exists()
    assert not (tmp_path / "elsewhere").exists()
    write_atomic(str(tmp_path / "tree" / "fine"), b"ok", roots=roots, mode=0o600)
    assert (tmp_path / "tree" / "fine").read_bytes() == b"ok"
    assert stat.S_IMODE(os.stat(tmp_path / "tree" / "fine").st_mode) == 0o600
