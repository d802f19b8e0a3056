"""Every fixture file must produce exactly the findings its `want:` comments name.

Markers, in a comment on the line they are about (`//`, `#` or `/*`):

    want: LL101                          a finding of LL101 on this line
    want: LL101 "on the return at line 24"   ...whose message contains that text
    want: LL101, LL102                   several (each may carry its text)
    ok: LL401                            LL401 examined this line and found it fine: the
                                         rule counted it as verified (`ctx.count`), and
                                         reports nothing here

An `ok:` line proves the rule looked: a rule that never reached the line (wrong scope,
a prefilter that skipped the file, a query that missed it) fails the test.
"""

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
CODE_WITH_TEXT = r'LL\d{3}(?:\s+"[^"]*")?'
WANT = re.compile(r"(?://|#|/\*)\s*want:\s*((?:%s[,\s]*)+)" % CODE_WITH_TEXT)
OK = re.compile(r"(?://|#|/\*)(?:.*?[\s;,])?\s*ok:\s*((?:LL\d{3}[,\s]*)+)")


def fixture_files():
    return sorted(p for p in FIXTURES.rglob("*")
                  if p.is_file() and languages.language_of(p.name) and "fix_after" not in p.parts)


def markers(path: Path) -> tuple[dict, set]:
    """({(line, code): [texts the message must contain]}, {(line, code) marked ok})."""
    want, ok = {}, set()
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = WANT.search(line)
        if m:
            for code, text in re.findall(r'(LL\d{3})(?:\s+"([^"]*)")?', m.group(1)):
                want.setdefault((i, code), [])
                if text:
                    want[(i, code)].append(text)
        m = OK.search(line)
        if m:
            ok |= {(i, code) for code in re.findall(r"LL\d{3}", m.group(1))}
    return want, ok


def expected(path: Path) -> set:
    return set(markers(path)[0])


def problems(path: Path, root: Path = ROOT) -> list[str]:
    """What is wrong with the findings on ``path`` against its markers (empty: nothing)."""
    report = check_paths([str(path)], config=Config(root=root))
    got = {(f.position.line, f.code) for f in report.findings}
    pinned, ok = markers(path)
    want = set(pinned)
    out = []
    if got != want:
        details = "\n".join(f"  {f.position.line}: {f.code} {f.message}" for f in report.findings)
        out.append(f"missing: {sorted(want - got)}\nunexpected: {sorted(got - want)}\n"
                   f"all findings:\n{details}")
    for (line, code), texts in pinned.items():
        messages = [f.message for f in report.findings if (f.position.line, f.code) == (line, code)]
        out += [f"line {line}: no {code} message contains {text!r}; got {messages}"
                for text in texts if not any(text in m for m in messages)]
    if ok & want:
        out.append(f"lines marked both want and ok: {sorted(ok & want)}")
    looked = {(line, code) for lines in report.verified_lines.values()
              for code, found in lines.items() for line in found}
    if not ok <= looked:
        out.append(f"marked ok but not verified by the rule: {sorted(ok - looked)}; "
                   f"verified: {sorted(looked)}")
    out += [f"{d.kind}: {d.message}" for d in report.diagnostics if d.kind == "internal-error"]
    return out


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path):
    found = problems(path)
    assert not found, "\n".join(found)


ROWS = """package store

import "database/sql"

func names(db *sql.DB, stop bool) error {
	rows, err := db.Query("SELECT name FROM t")%s
	if err != nil {
		return err
	}
	%s
	for rows.Next() {
		if stop {
			return nil
		}
	}
	return rows.Err()%s
}
"""


def test_markers_are_read_with_their_texts(tmp_path):
    f = tmp_path / "m.py"
    f.write_text('x = 1  # want: LL110 "is not closed", LL111\n'
                 "y = 2  # released by the caller; ok: LL110, LL602\n"
                 "z = 3  # want: LL503\n", encoding="utf-8")
    want, ok = markers(f)
    assert want == {(1, "LL110"): ["is not closed"], (1, "LL111"): [], (3, "LL503"): []}
    assert ok == {(2, "LL110"), (2, "LL602")}


def test_an_ok_marker_passes_only_where_the_rule_looked(tmp_path):
    f = tmp_path / "rows.go"
    f.write_text(ROWS % ("  // ok: LL101", "defer rows.Close()", ""), encoding="utf-8")
    assert problems(f, tmp_path) == []
    f.write_text(ROWS % ("", "defer rows.Close()", "  // ok: LL101"), encoding="utf-8")
    assert any("marked ok but not verified" in p for p in problems(f, tmp_path))


def test_a_pinned_message_must_match(tmp_path):
    f = tmp_path / "rows.go"
    f.write_text(ROWS % ('  // want: LL101 "is not closed on the return at line 13"', "", ""),
                 encoding="utf-8")
    assert problems(f, tmp_path) == []
    f.write_text(ROWS % ('  // want: LL101 "is closed"', "", ""), encoding="utf-8")
    assert any("no LL101 message contains 'is closed'" in p for p in problems(f, tmp_path))
    f.write_text(ROWS % ("  // ok: LL101", "", ""), encoding="utf-8")
    found = problems(f, tmp_path)
    assert any("unexpected: [(6, 'LL101')]" in p for p in found)


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
