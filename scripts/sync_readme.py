#!/usr/bin/env python3
"""Rewrite the generated parts of README.md from the rule catalogue.

    python scripts/sync_readme.py          # rewrite in place
    python scripts/sync_readme.py --check  # exit 1 if README.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def synced(readme: str) -> str:
    from leaklint.catalogue import builtin_rules
    from leaklint.report.rule_docs import rule_table

    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{rule_table(builtin_rules())}{END}{tail}"


def main() -> int:
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    new = synced(text)
    if "--check" in sys.argv:
        if new != text:
            print("README.md rule table is out of date: run python scripts/sync_readme.py")
            return 1
        return 0
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
