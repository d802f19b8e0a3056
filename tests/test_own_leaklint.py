"""The scripts' child processes run the leaklint the scripts import (scripts/own_leaklint.py),
also when PYTHONPATH is relative and the child starts in another directory."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import leaklint

ROOT = Path(__file__).resolve().parents[1]


def own_leaklint():
    spec = importlib.util.spec_from_file_location("own_leaklint", ROOT / "scripts" / "own_leaklint.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_child_imports_this_leaklint_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    env = own_leaklint().environment({"PYTHONPATH": os.pathsep.join(["src", "elsewhere"]),
                                      "PATH": os.environ.get("PATH", "")})
    entries = env["PYTHONPATH"].split(os.pathsep)
    assert entries[0] == os.path.dirname(os.path.dirname(os.path.abspath(leaklint.__file__)))
    assert all(os.path.isabs(p) for p in entries)
    assert str(ROOT / "elsewhere") in entries
    done = subprocess.run([sys.executable, "-c", "import leaklint; print(leaklint.__file__)"],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.stdout.strip() == os.path.abspath(leaklint.__file__)
