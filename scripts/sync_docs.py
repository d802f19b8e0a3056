#!/usr/bin/env python3
"""Rewrite the documents generated from the rule catalogue: the rule table of README.md
and one page per rule under docs/rules/ (pages of rules that no longer exist are removed).

    python scripts/sync_docs.py          # rewrite in place
    python scripts/sync_docs.py --check  # exit 1 if any of them is out of date
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

START, END = "<!-- rules:start -->", "<!-- rules:end -->"
# per-rule figures of the ecosystem check (scripts/ecosystem.py check --summary)
PRECISION = ROOT / "ecosystem" / "precision.json"


def measured() -> dict | None:
    return json.loads(PRECISION.read_text(encoding="utf-8")) if PRECISION.exists() else None


def synced_readme(readme: str) -> str:
    from leaklint.catalogue import builtin_rules
    from leaklint.report.rule_docs import RULE_PAGES_DIR, rule_table

    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    table = rule_table(builtin_rules(), pages=RULE_PAGES_DIR, measured=measured())
    return f"{head}{START}\n{table}{END}{tail}"


def rule_pages() -> dict[str, str]:
    """Every rule page as it should be: path relative to the root -> text."""
    from leaklint.catalogue import builtin_rules, rules_dir, tomllib
    from leaklint.report.rule_docs import page_path, rule_page

    sources = {}
    for path in rules_dir().rglob("*.toml"):
        with open(path, "rb") as fh:
            sources[tomllib.load(fh).get("code")] = path
    pages = {}
    figures = measured()
    for rule in builtin_rules():
        source = sources[rule.code]
        try:
            source_name = source.resolve().relative_to(ROOT).as_posix()
        except ValueError:  # run against an installed catalogue
            source_name = f"rules/{source.parent.name}/{source.name}"
        pages[page_path(rule)] = rule_page(rule, source_name, figures)
    return pages


def expected() -> dict[Path, str | None]:
    """Each generated file -> its text, or None for a stale page to remove."""
    from leaklint.report.rule_docs import RULE_PAGES_DIR

    readme = ROOT / "README.md"
    out: dict[Path, str | None] = {readme: synced_readme(readme.read_text(encoding="utf-8"))}
    pages = rule_pages()
    for rel, text in pages.items():
        out[ROOT / rel] = text
    for old in (ROOT / RULE_PAGES_DIR).glob("*.md"):
        if old.relative_to(ROOT).as_posix() not in pages:
            out[old] = None
    return out


def main() -> int:
    stale = []
    for path, text in expected().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path.relative_to(ROOT).as_posix())
            if "--check" not in sys.argv:
                if text is None:
                    path.unlink()
                else:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text, encoding="utf-8")
    if stale and "--check" in sys.argv:
        print("out of date (run python scripts/sync_docs.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
