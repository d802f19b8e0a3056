"""SARIF for GitHub code scanning: every file produced validates against the official
schema, and each requirement of GitHub's ingestion is asserted on a multi-language tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from leaklint.catalogue import builtin_rules
from leaklint.cli import main
from leaklint.report.fingerprint import line_hashes

# shipped with the tests (tests/schemas/README.md), so the SARIF tests never skip
SCHEMA = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"

# The acquisition follows a statement holding an astral character (two UTF-16 code units).
LEAKY_GO = """\
package store

import (
\t"database/sql"
\t"log"
)

func first(db *sql.DB) (string, error) {
\tlog.Print("\U0001F600 start"); rows, err := db.Query("SELECT name FROM users")
\tif err != nil {
\t\treturn "", err
\t}
\tif rows.Err() != nil {
\t\treturn "", nil
\t}
\tvar name string
\trows.Next()
\terr = rows.Scan(&name)
\trows.Close()
\treturn name, err
}
"""
ACQUIRE_LINE = 9
LEAK_LINE = 14

SUPPRESSED_GO = """\
package store

import "database/sql"

func count(db *sql.DB) int {
\trows, err := db.Query("SELECT 1") // leaklint: ignore[LL101] closed by the pool owner
\tif err != nil {
\t\treturn 0
\t}
\treturn 1
}
"""

BROKEN_GO = """\
package store

func broken(db *sql.DB) {
\trows, err := db.Query("SELECT 1"
}
"""


def _tree(root: Path) -> None:
    (root / "go").mkdir()
    (root / "go" / "leaky.go").write_text(LEAKY_GO, encoding="utf-8")
    (root / "go" / "suppressed.go").write_text(SUPPRESSED_GO, encoding="utf-8")
    (root / "go" / "broken.go").write_text(BROKEN_GO, encoding="utf-8")
    (root / "web").mkdir()
    (root / "web" / "app.ts").write_text("export const answer: number = 42;\n", encoding="utf-8")
    (root / "web" / "util.js").write_text("export function id(x) { return x; }\n", encoding="utf-8")
    (root / "py").mkdir()
    (root / "py" / "tool.py").write_text("def main() -> int:\n    return 0\n", encoding="utf-8")


def schema_validator():
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def run_sarif(root: Path, monkeypatch, *args, paths=(".",)) -> tuple[dict, int]:
    """Run `leaklint check --format sarif` from ``root``, validate, return (sarif, exit)."""
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check", *paths, "--format", "sarif", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    sarif = json.loads(result.stdout)
    errors = sorted(schema_validator().iter_errors(sarif), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    return sarif, result.exit_code


@pytest.fixture
def tree(tmp_path):
    _tree(tmp_path)
    return tmp_path


def _results_for(sarif, uri):
    return [r for r in sarif["runs"][0]["results"]
            if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri]


def _all_artifacts(result):
    locs = list(result["locations"]) + list(result.get("relatedLocations", []))
    for flow in result.get("codeFlows", []):
        for thread in flow["threadFlows"]:
            locs += [step["location"] for step in thread["locations"]]
    return [loc["physicalLocation"]["artifactLocation"] for loc in locs]


def test_one_run_with_every_rule_documented(tree, monkeypatch):
    sarif, code = run_sarif(tree, monkeypatch)
    assert code == 1
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1
    driver = sarif["runs"][0]["tool"]["driver"]
    assert driver["name"] == "leaklint" and driver["version"] and driver["informationUri"]
    # the rules that ran: the default selection, without the opt-in rules of low precision
    assert [r["id"] for r in driver["rules"]] == sorted(
        r.code for r in builtin_rules() if r.precision != "low")
    catalogue = {r.code: r for r in builtin_rules()}
    for desc in driver["rules"]:
        rule = catalogue[desc["id"]]
        assert desc["name"] == rule.name
        assert desc["shortDescription"]["text"] == rule.summary
        assert desc["fullDescription"]["text"]
        assert desc["help"]["text"].startswith(rule.code)
        if rule.bad and rule.good:
            assert "### Leaks" in desc["help"]["markdown"]
            assert "### Correct" in desc["help"]["markdown"]
        assert desc["defaultConfiguration"]["level"] == rule.severity
        props = desc["properties"]
        assert props["tags"] == [rule.family, *rule.languages, "leak"]
        assert props["precision"] == rule.precision
        assert props["problem.severity"] in ("error", "warning", "recommendation")
        assert "security-severity" not in props
    assert "security-severity" not in json.dumps(sarif)


def test_results_have_rule_index_level_and_a_title_sentence(tree, monkeypatch):
    sarif, _ = run_sarif(tree, monkeypatch)
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    results = sarif["runs"][0]["results"]
    assert results
    for res in results:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        text = res["message"]["text"]
        assert text.endswith(".") and "\n" not in text and text.count(". ") == 0


def test_uris_are_relative_to_srcroot_even_for_absolute_arguments(tree, monkeypatch):
    for paths in ((".",), (str(tree / "go"),), ("go/leaky.go",)):
        sarif, _ = run_sarif(tree, monkeypatch, paths=paths)
        assert "%SRCROOT%" in sarif["runs"][0]["originalUriBaseIds"]
        for res in sarif["runs"][0]["results"]:
            for art in _all_artifacts(res):
                assert art["uriBaseId"] == "%SRCROOT%"
                assert art["uri"].startswith("go/"), art["uri"]
                assert ".." not in art["uri"].split("/") and "\\" not in art["uri"]


def test_regions_are_utf16_with_exclusive_end(tree, monkeypatch):
    sarif, _ = run_sarif(tree, monkeypatch)
    assert sarif["runs"][0]["columnKind"] == "utf16CodeUnits"
    [res] = _results_for(sarif, "go/leaky.go")
    region = res["locations"][0]["physicalLocation"]["region"]
    line = LEAKY_GO.splitlines()[ACQUIRE_LINE - 1]
    call = 'db.Query("SELECT name FROM users")'
    start = line.index(call)
    # UTF-16 columns counted independently: the emoji before the call takes two units
    col16 = len(line[:start].encode("utf-16-le")) // 2 + 1
    assert col16 == start + 2  # one more than the code point column
    assert region == {"startLine": ACQUIRE_LINE, "startColumn": col16,
                      "endLine": ACQUIRE_LINE, "endColumn": col16 + len(call)}


def test_related_locations_and_code_flows(tree, monkeypatch):
    sarif, _ = run_sarif(tree, monkeypatch)
    [res] = _results_for(sarif, "go/leaky.go")
    related = res["relatedLocations"]
    assert [loc["physicalLocation"]["region"]["startLine"] for loc in related] == [LEAK_LINE]
    assert len({loc["id"] for loc in related}) == len(related)
    assert all(loc["message"]["text"] for loc in related)
    [flow] = res["codeFlows"]
    steps = flow["threadFlows"][0]["locations"]
    lines = [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps]
    assert lines[0] == ACQUIRE_LINE and lines[-1] == LEAK_LINE
    assert all(s["location"]["message"]["text"] for s in steps)


def test_partial_fingerprints_match_githubs_line_hash(tree, monkeypatch):
    sarif, _ = run_sarif(tree, monkeypatch)
    [res] = _results_for(sarif, "go/leaky.go")
    expected = line_hashes(LEAKY_GO)[ACQUIRE_LINE - 1]
    assert res["partialFingerprints"] == {"primaryLocationLineHash": expected}


def test_automation_details_category(tree, monkeypatch):
    sarif, _ = run_sarif(tree, monkeypatch)
    assert sarif["runs"][0]["automationDetails"] == {"id": "leaklint/"}
    sarif, _ = run_sarif(tree, monkeypatch, "--sarif-category", "backend/go")
    assert sarif["runs"][0]["automationDetails"] == {"id": "backend/go"}


def test_invocation_reports_files_that_could_not_be_analysed(tree, monkeypatch):
    (tree / "go" / "latin1.go").write_bytes(b"package store\n// caf\xe9 Query\n")
    sarif, _ = run_sarif(tree, monkeypatch)
    [inv] = sarif["runs"][0]["invocations"]
    assert inv["executionSuccessful"] is True
    notes = {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: n
             for n in inv["toolExecutionNotifications"]}
    assert notes["go/broken.go"]["level"] == "warning"
    assert "syntax" in notes["go/broken.go"]["message"]["text"]
    assert notes["go/latin1.go"]["level"] == "error"
    assert "UTF-8" in notes["go/latin1.go"]["message"]["text"]


def test_internal_error_marks_execution_unsuccessful(tree, monkeypatch):
    from leaklint.analysis import handles

    def boom(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(handles, "check_lifecycles", boom)
    sarif, code = run_sarif(tree, monkeypatch)
    assert code == 2
    [inv] = sarif["runs"][0]["invocations"]
    assert inv["executionSuccessful"] is False
    assert any(n["level"] == "error" and "simulated failure" in n["message"]["text"]
               for n in inv["toolExecutionNotifications"])


def test_suppressed_findings_left_out_unless_asked(tree, monkeypatch):
    sarif, _ = run_sarif(tree, monkeypatch)
    assert _results_for(sarif, "go/suppressed.go") == []
    assert not any("suppressions" in r for r in sarif["runs"][0]["results"])
    sarif, _ = run_sarif(tree, monkeypatch, "--include-suppressed")
    [res] = _results_for(sarif, "go/suppressed.go")
    assert res["suppressions"] == [{"kind": "inSource"}]
    [unsuppressed] = _results_for(sarif, "go/leaky.go")
    assert "suppressions" not in unsuppressed


def test_clean_tree_is_valid_sarif_with_no_results(tmp_path, monkeypatch):
    (tmp_path / "ok.go").write_text("package ok\n\nfunc F() int { return 1 }\n", encoding="utf-8")
    sarif, code = run_sarif(tmp_path, monkeypatch)
    assert code == 0 and sarif["runs"][0]["results"] == []
    assert sarif["runs"][0]["invocations"] == [{"executionSuccessful": True}]


def test_verified_counts_are_in_the_run_properties(tree, monkeypatch):
    sarif, _ = run_sarif(tree, monkeypatch)
    props = sarif["runs"][0]["properties"]
    assert props["verified"]["LL101"]["checked"] >= 2
    assert props["findingsPerRule"] == {"LL101": 1}


def test_sarif_of_every_fixture_meets_githubs_requirements(monkeypatch):
    """The fixtures hold findings of every rule in every language: one SARIF file for all
    of them validates and has consistent indexes, relative URIs, regions and fingerprints."""
    root = Path(__file__).resolve().parents[1]
    sarif, code = run_sarif(root, monkeypatch, "--select", "ALL", paths=("fixtures",))
    assert code == 1
    [run] = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert {r["ruleId"] for r in run["results"]} == {r.code for r in builtin_rules()}
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["partialFingerprints"]["primaryLocationLineHash"]
        assert "suppressions" not in res
        for art in _all_artifacts(res):
            assert art["uriBaseId"] == "%SRCROOT%" and art["uri"].startswith("fixtures/")
        region = res["locations"][0]["physicalLocation"]["region"]
        assert region["startColumn"] >= 1 and region["endLine"] >= region["startLine"]
        if region["endLine"] == region["startLine"]:
            assert region["endColumn"] > region["startColumn"]


def test_the_sarif_schema_ships_with_the_tests():
    """The SARIF tests validate on a fresh clone: the schema is inside the repository."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert SCHEMA.is_relative_to(Path(__file__).resolve().parent)
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    assert "sarifLog" not in schema.get("definitions", {}) and "run" in schema["definitions"]
