"""Rule pages: one per built-in rule under docs/rules/, linked from SARIF (`helpUri`),
from `leaklint explain` and from the README table; their URLs follow the repository URL
of pyproject's [project.urls]."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from leaklint.catalogue import builtin_rules, parse_rule, tomllib
from leaklint.cli import main
from leaklint.report import sarif
from leaklint.report.rule_docs import REPOSITORY_URL, page_url, rule_page

ROOT = Path(__file__).resolve().parents[1]


def test_repository_url_is_the_one_in_pyproject():
    with open(ROOT / "pyproject.toml", "rb") as fh:
        urls = tomllib.load(fh)["project"]["urls"]
    assert urls["Repository"] == REPOSITORY_URL


def test_every_rule_has_its_committed_page():
    pages = {p.stem for p in (ROOT / "docs" / "rules").glob("*.md")}
    assert pages == {r.code for r in builtin_rules()}
    for r in builtin_rules():
        text = (ROOT / "docs" / "rules" / f"{r.code}.md").read_text(encoding="utf-8")
        assert text.splitlines()[2] == f"# {r.code} `{r.name}`"
        assert r.summary in text and r.fix.strip().splitlines()[0] in text


def test_page_urls_point_at_the_pages():
    for r in builtin_rules():
        assert page_url(r) == f"{REPOSITORY_URL}/blob/main/docs/rules/{r.code}.md"


def test_sarif_rules_carry_help_uri(tmp_path, monkeypatch):
    (tmp_path / "a.go").write_text('package p\n\nimport "database/sql"\n\nfunc f(db *sql.DB) {\n'
                                   '\trows, _ := db.Query("SELECT 1")\n\t_ = rows\n}\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "sarif", "."])
    rules = json.loads(result.stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert rules and all(r["helpUri"] == f"{REPOSITORY_URL}/blob/main/docs/rules/{r['id']}.md"
                         for r in rules)


def test_user_rules_have_no_page():
    rule = parse_rule({"code": "X001", "name": "pool-conn-not-released", "family": "resource",
                       "languages": ["go"], "severity": "warning", "summary": "S", "message": "m",
                       "lifecycle": {"acquire": ["*.Acquire"], "release": ["Release"]}},
                      "config", builtin=False)
    assert page_url(rule) is None
    assert "helpUri" not in sarif.rule_descriptor(rule)


def test_explain_prints_the_page_url():
    result = CliRunner().invoke(main, ["explain", "sql-rows-not-closed"])
    assert result.exit_code == 0
    assert result.stdout.rstrip().splitlines()[-1] == \
        f"Docs: {REPOSITORY_URL}/blob/main/docs/rules/LL101.md"


def test_page_names_its_source_and_how_to_select():
    rule = next(r for r in builtin_rules() if r.code == "LL203")
    page = rule_page(rule, "rules/go/LL203-time-after-in-loop.toml")
    assert page.startswith("<!-- generated from rules/go/LL203-time-after-in-loop.toml by "
                           "scripts/sync_docs.py")
    assert "`leaklint: ignore[LL203]`" in page
    assert re.search(r"^## Leaks$", page, re.M) and re.search(r"^## Correct$", page, re.M)


def test_readme_table_links_each_code_to_its_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for r in builtin_rules():
        assert f"| [{r.code}](docs/rules/{r.code}.md) | `{r.name}` |" in readme


def test_explain_and_rules_say_which_rules_are_opt_in():
    from click.testing import CliRunner

    from leaklint.catalogue import builtin_rules
    from leaklint.cli import main

    low = [r for r in builtin_rules() if r.precision == "low"]
    high = [r for r in builtin_rules() if r.precision != "low"]
    assert low and high
    runner = CliRunner()
    assert "--extend-select " + low[0].code in runner.invoke(main, ["explain", low[0].code]).output
    assert "default selection" not in runner.invoke(main, ["explain", high[0].code]).output
    listing = runner.invoke(main, ["rules"]).output.splitlines()
    marked = {line.split()[0] for line in listing if line.endswith("(opt-in)")}
    assert marked == {r.code for r in low}
