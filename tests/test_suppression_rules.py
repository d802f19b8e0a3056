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


# -- the maintainers' directives for a peer linter's check of the same thing -------------

DROPPED_TASK = ("import asyncio\n\n\nasync def handle(coro):\n"
                "    asyncio.create_task(coro){comment}\n")


def test_a_peer_directive_for_the_same_check_suppresses_the_finding():
    for comment in ("  # noqa: RUF006", "  # noqa: E501, RUF006", "  # noqa:ruf006"):
        report = check_source("m.py", DROPPED_TASK.format(comment=comment).encode(), config=Config())
        assert codes(report) == [] and codes(report, suppressed=True) == [(5, "LL601")], comment


def test_a_peer_directive_for_another_check_suppresses_nothing():
    for comment in ("", "  # noqa: E501", "  # pylint: disable=consider-using-with", "  # RUF006"):
        report = check_source("m.py", DROPPED_TASK.format(comment=comment).encode(), config=Config())
        assert codes(report) == [(5, "LL601")] and codes(report, suppressed=True) == [], comment


def test_pylint_and_eslint_directives_name_their_checks():
    opened = b"def f(p):\n    fh = open(p)  # pylint: disable=consider-using-with\n    return fh.read()\n"
    assert codes(check_source("m.py", opened.replace(b"  # pylint", b"  # x"), config=Config())) == [(2, "LL110")]
    assert codes(check_source("m.py", opened, config=Config()), suppressed=True) == [(2, "LL110")]
    timer = ('import { useEffect } from "react";\n\nexport function Clock({ tick }) {\n'
             "  useEffect(() => {\n"
             "    // eslint-disable-next-line react-web-api/no-leaked-interval -- runs for the page\n"
             "    setInterval(tick, 1000);\n  }, []);\n  return null;\n}\n")
    report = check_source("t.tsx", timer.encode(), config=Config())
    assert codes(report) == [] and codes(report, suppressed=True) == [(6, "LL204")]
    other = timer.replace("no-leaked-interval", "no-leaked-timeout")
    assert codes(check_source("t.tsx", other.encode(), config=Config())) == [(6, "LL204")]
