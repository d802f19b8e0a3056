"""leaklint only reads: it never runs or imports what it scans, never leaves the scanned
roots through links, writes nothing but its cache and --output, opens no connection, and
its SARIF names files relative to the working directory."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys

import pytest
from click.testing import CliRunner

from conftest import LEAKY_GO
from leaklint import settings
from leaklint.cli import main


def check(*args):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def snapshot(root) -> dict:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            out[os.path.relpath(p, root)] = (st.st_size, st.st_mtime_ns)
    return out


HOSTILE = {
    # each would create a marker file if it were run or imported
    "evil.py": "open({marker!r}, 'w').write('ran')\nimport os\nos.system('touch {marker}.sh')\n",
    "conftest.py": "open({marker!r} + '.conftest', 'w')\n",
    "setup.py": "open({marker!r} + '.setup', 'w')\n",
    "pkg/__init__.py": "open({marker!r} + '.init', 'w')\n",
    "evil.js": "require('fs').writeFileSync({marker!r} + '.js', 'ran');\n",
    "evil.ts": "import * as fs from 'fs';\nfs.writeFileSync({marker!r} + '.ts', 'ran');\n",
    "evil.go": ("//go:generate touch {marker}.generate\npackage main\n\nimport \"os\"\n\n"
                "func init() {{ os.WriteFile({marker!r}, nil, 0o644) }}\n"),
}


def test_scanned_code_is_never_run_or_imported(tree, tmp_path_factory):
    markers = tmp_path_factory.mktemp("markers")
    marker = str(markers / "marker")
    for name, text in HOSTILE.items():
        (tree / name).parent.mkdir(exist_ok=True)
        (tree / name).write_text(text.format(marker=marker).replace("'", '"')
                                 if name.endswith(".go") else text.format(marker=marker))
    before = set(sys.modules)
    for fmt in ("text", "json", "sarif"):
        r = check(".", "--select", "ALL", "--format", fmt, "--no-cache", "-j", "1")
        assert r.exit_code in (0, 1), r.output
    assert os.listdir(markers) == []
    new = set(sys.modules) - before
    loaded = [m for m in new if str(tree) in (getattr(sys.modules[m], "__file__", "") or "")]
    assert not loaded and not {"evil", "conftest", "setup", "pkg"} & new


def test_no_network_access(tree, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for jobs in ("1", "2"):
        r = check(".", "--select", "ALL", "--format", "sarif", "--no-cache", "-j", jobs)
        assert r.exit_code == 1 and "network access" not in r.output


def test_writes_nothing_but_cache_and_output(tree, tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    tmp = tmp_path_factory.mktemp("tmp")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr("tempfile.tempdir", None)
    before = snapshot(tree)
    assert check(".", "--no-cache", "-j", "1").exit_code == 1
    assert snapshot(tree) == before
    assert check(".", "--format", "json", "-o", "out.json", "--cache-dir", "cache").exit_code == 1
    changed = {p for p, v in snapshot(tree).items() if before.get(p) != v}
    assert changed and all(p == "out.json" or p.split(os.sep)[0] == "cache" for p in changed)
    before = snapshot(tree)
    assert check(".", "--format", "json").exit_code == 1  # the default cache: outside the tree
    assert snapshot(tree) == before
    # the explicit cache inside the tree keeps its key in the user's config directory
    assert sorted(os.listdir(home / ".config" / "leaklint")) == ["cache-key"]
    shutil.rmtree(home / ".config")
    assert sorted(snapshot(home)) == [".cache", os.path.join(".cache", "leaklint"),
                                      os.path.join(".cache", "leaklint", ".gitignore"),
                                      os.path.join(".cache", "leaklint", "key"),
                                      os.path.join(".cache", "leaklint", "v2")] + sorted(
        os.path.relpath(os.path.join(d, n), home)  # results, and the facts beside them
        for d, dirs, files in os.walk(home / ".cache" / "leaklint" / "v2") for n in dirs + files)
    assert os.listdir(tmp) == []


def test_links_out_of_the_roots_are_never_opened(tree, tmp_path_factory, monkeypatch):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "theirs.go").write_text(LEAKY_GO)
    (tree / "link_dir").symlink_to(outside)
    (tree / "link.go").symlink_to(outside / "theirs.go")
    opened = []
    real_read = settings.read_regular

    def spy(path, *args, **kwargs):
        opened.append(os.path.realpath(path))
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(settings, "read_regular", spy)
    r = check(".", "--no-cache", "-j", "1")
    assert r.exit_code == 1 and "theirs" not in r.output and "link" not in r.output
    assert opened and not [p for p in opened if p.startswith(str(outside))]


@pytest.mark.parametrize("how", ["relative", "absolute"])
def test_sarif_paths_are_relative(tree, how):
    (tree / "sub dir").mkdir()
    (tree / "sub dir" / "more.go").write_text(LEAKY_GO)
    arg = "." if how == "relative" else str(tree)
    r = check(arg, "--format", "sarif", "--no-cache")
    doc = json.loads(r.stdout)
    uris = sorted(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  for res in doc["runs"][0]["results"])
    assert uris == ["leaky.go", "sub%20dir/more.go"]
    assert str(tree) not in r.stdout and os.path.realpath(tree) not in r.stdout
