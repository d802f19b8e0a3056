"""Every fixture file must produce exactly the findings its `want:` comments name, and its
rules must have verified every line marked `ok:` (see tests/markers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaklint import languages
from leaklint.api import check_paths
from leaklint.config import Config
from leaklint.languages import recent_syntax
from markers import markers, problems

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


def fixture_files():
    return sorted(p for p in FIXTURES.rglob("*")
                  if p.is_file() and languages.language_of(p.name) and "fix_after" not in p.parts)


def expected(path: Path) -> set:
    """(line, code) of every finding the file's markers want."""
    return set(markers(path)[0])


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path):
    found = problems(path, ROOT)
    assert not found, "\n".join(found)


def tree_fixtures():
    """The fixture files of multi-file trees (a sub-directory of a rule's folder), whose
    rules read what the other files of the tree say."""
    return [p for p in fixture_files() if len(p.relative_to(FIXTURES).parts) > 3]


@pytest.mark.parametrize("path", tree_fixtures(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_a_rule_run_alone_reads_what_it_needs(path):
    """The folder's rule selected alone finds on the file exactly what its markers want:
    what it reads from other files does not depend on which other rules run."""
    code = path.relative_to(FIXTURES).parts[1].split("-")[0]
    report = check_paths([str(path)], config=Config(root=ROOT), select=[code])
    got = {(f.position.line, f.code) for f in report.findings if f.code == code}
    assert got == {k for k in markers(path)[0] if k[1] == code}


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
