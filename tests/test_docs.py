"""The README's generated parts and the catalogue's documentation stay true."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from leaklint.catalogue import builtin_rules

ROOT = Path(__file__).resolve().parents[1]


def test_readme_rule_table_is_in_sync():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "sync_readme.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_rule_is_documented():
    for r in builtin_rules():
        assert r.rationale.strip(), f"{r.code} has no rationale"
        assert r.bad.strip() and r.good.strip(), f"{r.code} needs a bad and a good example"
        assert r.fix.strip(), f"{r.code} has no fix"
        assert r.summary[0].isupper() and not r.summary.endswith("."), r.code
