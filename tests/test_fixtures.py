"""Every fixture file must produce exactly the findings its `want:` comments name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from leaklint import languages
from leaklint.languages import recent_syntax
from leaklint.api import check_paths
from leaklint.config import Config

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
WANT = re.compile(r"(?://|#|/\*)\s*want:\s*((?:LL\d{3}[,\s]*)+)")


def fixture_files():
    return sorted(p for p in FIXTURES.rglob("*")
                  if p.is_file() and languages.language_of(p.name) and "fix_after" not in p.parts)


def expected(path: Path) -> set:
    out = set()
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = WANT.search(line)
        if m:
            out |= {(i, code) for code in re.findall(r"LL\d{3}", m.group(1))}
    return out


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path):
    report = check_paths([str(path)], config=Config(root=ROOT))
    got = {(f.position.line, f.code) for f in report.findings}
    want = expected(path)
    details = "\n".join(f"  {f.position.line}: {f.code} {f.message}" for f in report.findings)
    assert got == want, (f"missing: {sorted(want - got)}\nunexpected: {sorted(got - want)}\n"
                         f"all findings:\n{details}")
    assert not [d for d in report.diagnostics if d.kind == "internal-error"], report.diagnostics


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_parses_cleanly(path):
    """Fixtures are real code: they must parse without syntax errors (as leaklint reads
    them: syntax newer than the grammar wheels goes through ``recent_syntax``)."""
    if "syntax_error" in path.name:
        pytest.skip("this fixture is broken on purpose")
    lang = languages.language_of(path.name)
    tree = recent_syntax.parse(lang, path.read_bytes(), languages.parser(lang).parse)
    assert not tree.root_node.has_error


def test_every_rule_has_positive_and_negative_fixtures():
    from leaklint.catalogue import builtin_rules

    wanted = {}
    for path in fixture_files():
        for _, code in expected(path):
            wanted[code] = wanted.get(code, 0) + 1
    missing = [r.code for r in builtin_rules() if r.code not in wanted]
    assert not missing, f"rules without a positive fixture: {missing}"
    for r in builtin_rules():
        dirs = [p for p in FIXTURES.rglob("*") if p.is_dir() and p.name.startswith(r.code)]
        assert dirs, f"{r.code} has no fixtures/<lang>/{r.code}* directory"
