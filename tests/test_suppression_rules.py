"""LL001 (unknown rule in a suppression) and LL002 (unused suppression): when they speak
and when they stay quiet. The fixtures under fixtures/meta/ hold the annotated cases."""

from __future__ import annotations

from pathlib import Path

from leaklint.api import check_source
from leaklint.config import Config, load_config

STALE = ('package p\n\nimport "database/sql"\n\nfunc f(db *sql.DB) error {\n'
         '\trows, err := db.Query("SELECT 1") // leaklint: ignore[LL101]\n'
         '\tif err != nil {\n\t\treturn err\n\t}\n\tdefer rows.Close()\n\treturn nil\n}\n')


def codes(report, suppressed=False):
    found = report.suppressed if suppressed else report.findings
    return [(f.position.line, f.code) for f in found]


def test_stale_suppression_is_reported_as_a_note():
    report = check_source("p.go", STALE.encode(), config=Config())
    [f] = report.findings
    assert (f.position.line, f.code, f.severity) == (6, "LL002", "note")
    assert f.message == "this suppression of LL101 suppresses no finding: remove it"
    assert report.verified["LL002"].checked == 1 and report.verified["LL002"].correct == 0


def test_quiet_when_a_named_rule_did_not_run():
    for select in (["LL002"], ["LL105", "LL002"]):
        report = check_source("p.go", STALE.encode(), config=Config(), select=select)
        assert codes(report) == [], select
    bare = STALE.replace("ignore[LL101]", "ignore")
    assert codes(check_source("p.go", bare.encode(), config=Config(), ignore=["LL105"])) == []
    assert codes(check_source("p.go", bare.encode(), config=Config())) == [(6, "LL002")]


def test_quiet_on_a_file_with_syntax_errors():
    broken = STALE.replace("return nil\n}", "return nil\n")
    report = check_source("p.go", broken.encode(), config=Config())
    assert [d.kind for d in report.diagnostics] == ["syntax-error"]
    assert "LL002" not in [c for _, c in codes(report)]


def test_the_meta_rules_can_be_turned_off_like_any_rule():
    for ignore in (["LL002"], ["unused-suppression"], ["suppression"]):
        assert codes(check_source("p.go", STALE.encode(), config=Config(), ignore=ignore)) == []


def test_a_suppression_of_the_meta_rule_on_the_line_above_silences_it():
    text = STALE.replace("\trows, err", "\t// leaklint: ignore[LL002]\n\trows, err")
    report = check_source("p.go", text.encode(), config=Config())
    assert codes(report) == [] and codes(report, suppressed=True) == [(7, "LL002")]


def test_rules_declared_in_config_are_known(tmp_path):
    (tmp_path / "leaklint.toml").write_text(
        'ignore = ["X001"]\n[[rules]]\ncode = "X001"\nname = "pool-conn-not-released"\n'
        'family = "resource"\nlanguages = ["go"]\nseverity = "warning"\nsummary = "S"\n'
        'message = "{handle} leaks {where}"\n[rules.lifecycle]\nacquire = ["*.Acquire"]\n'
        'release = ["Release"]\n')
    config = load_config(Path(tmp_path / "leaklint.toml"))
    text = ("package p\n\nfunc f(p Pool) {\n\tc := p.Acquire() // leaklint: ignore[X001, X002]\n"
            "\t_ = c\n}\n")
    report = check_source(str(tmp_path / "p.go"), text.encode(), config=config)
    [f] = report.findings
    assert f.code == "LL001" and "names X002," in f.message and "X001" not in f.message


def test_mentions_in_strings_are_not_suppressions():
    text = ('package p\n\nconst help = "write // leaklint: ignore[LL9] to silence a line"\n')
    assert codes(check_source("p.go", text.encode(), config=Config())) == []
