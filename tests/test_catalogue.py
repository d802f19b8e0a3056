"""The catalogue checked against the code: every rule's `bad` example is reported and its
`good` example is not, and every message placeholder is one the rule fills."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from leaklint import checks
from leaklint.api import check_paths
from leaklint.catalogue import CatalogueError, builtin_rules, find_rule, parse_rule
from leaklint.config import Config

EXTENSION = {"go": ".go", "python": ".py", "typescript": ".ts", "javascript": ".js"}
EXAMPLES = [(rule, kind) for rule in builtin_rules() for kind in ("bad", "good")]


def run_example(tmp_path: Path, rule, text: str):
    """Every rule runs (a rule about suppressions needs the rule it suppresses); what is
    judged is the example's own rule."""
    path = tmp_path / ("example" + EXTENSION[rule.languages[0]])
    path.write_text(text, encoding="utf-8")
    return check_paths([str(path)], config=Config(root=tmp_path), select=["ALL"])


@pytest.mark.parametrize("rule,kind", EXAMPLES, ids=[f"{r.code}-{k}" for r, k in EXAMPLES])
def test_examples_are_whole_files_the_rule_judges_as_they_say(tmp_path, rule, kind):
    text = getattr(rule, kind)
    assert text.strip(), f"{rule.code} has no {kind} example"
    report = run_example(tmp_path, rule, text)
    assert not report.diagnostics, [(d.kind, d.message) for d in report.diagnostics]
    codes = [f.code for f in report.findings]
    if kind == "bad":
        assert rule.code in codes, f"{rule.code}'s bad example is not reported"
    else:
        assert rule.code not in codes, f"{rule.code}'s good example is reported: {report.findings}"


def lifecycle_rule(message: str) -> dict:
    return {"code": "LL990", "name": "thing-not-closed", "family": "resource",
            "languages": ["go"], "severity": "warning", "summary": "s", "message": message,
            "lifecycle": {"acquire": ["pkg.Open"], "release": ["Close"]}}


@pytest.mark.parametrize("message,problem", [
    ("{handle} from {call} is not closed {wher}", "bad placeholder 'wher'"),
    ("{0} is not closed", "bad placeholder '0'"),
    ("{handle.name} is not closed", "bad placeholder 'handle.name'"),
    ("{handle} is not closed {", "bad placeholder: Single '{'"),
])
def test_a_placeholder_the_engine_does_not_fill_is_an_error_naming_the_file(message, problem):
    with pytest.raises(CatalogueError) as err:
        parse_rule(lifecycle_rule(message), "go/LL990-thing-not-closed.toml")
    assert str(err.value).startswith("go/LL990-thing-not-closed.toml: rule LL990: message: ")
    assert problem in str(err.value)
    assert parse_rule(lifecycle_rule("{handle} from {call} is not {verb} {where}"), "x.toml")


def test_every_check_rule_fills_the_placeholders_of_its_message():
    problems = [checks.message_problem(r) for r in builtin_rules() if r.is_check]
    assert [p for p in problems if p] == []


def test_the_message_fields_read_from_a_rule_module_are_the_ones_it_defines():
    import importlib

    modules = checks.rule_modules()
    assert len(modules) > 30
    for name in modules.values():
        assert checks.message_fields(name) == importlib.import_module(name).MESSAGE_FIELDS, name


def test_a_check_rule_message_with_a_placeholder_its_module_never_fills(monkeypatch):
    rule = find_rule("LL401")
    assert rule.origin == "typescript/LL401-event-listener-not-removed.toml"
    broken = replace(rule, message="listener for {event} on {element} is not removed")
    problem = checks.message_problem(broken)
    assert problem.startswith("typescript/LL401-event-listener-not-removed.toml: rule LL401: ")
    assert "bad placeholder 'element'" in problem
    # a run refuses to start rather than fail on every file
    import leaklint.api as api

    monkeypatch.setattr(api, "all_rules_with", lambda user: [broken])
    with pytest.raises(CatalogueError, match="LL401-event-listener-not-removed.toml"):
        check_paths(["."], config=Config(root=Path.cwd()), select=["LL401"])


@pytest.mark.parametrize("value", [["New*Client"], {"pkg.Open": "New*Client"},
                                   {"pkg.Open": [3]}, {"pkg.Open": [""]}])
def test_borrowed_by_must_be_a_table_of_call_pattern_lists(value):
    data = lifecycle_rule("{handle} from {call} is not {verb} {where}")
    data["lifecycle"]["borrowed_by"] = value
    with pytest.raises(CatalogueError, match="borrowed_by"):
        parse_rule(data, "go/LL990-thing-not-closed.toml")
    data["lifecycle"]["borrowed_by"] = {"pkg.Open": ["*.New?*Client"]}
    assert parse_rule(data, "x.toml").lifecycle["borrowed_by"] == {"pkg.Open": ["*.New?*Client"]}


@pytest.mark.parametrize("value", [["DialContext"], {"Dial": "two"}, {"Dial": True},
                                   {"Dial": -1}])
def test_evidence_arity_must_be_a_table_of_argument_counts(value):
    data = lifecycle_rule("{handle} from {call} is not {verb} {where}")
    data["lifecycle"]["evidence_arity"] = value
    with pytest.raises(CatalogueError, match="evidence_arity"):
        parse_rule(data, "go/LL990-thing-not-closed.toml")
    data["lifecycle"]["evidence_arity"] = {"Dial": 2}
    assert parse_rule(data, "x.toml").lifecycle["evidence_arity"] == {"Dial": 2}


def test_rejections_only_is_for_ts_and_js_rules():
    data = lifecycle_rule("{handle} from {call} is not {verb} {where}")
    data["lifecycle"]["rejections_only"] = True
    with pytest.raises(CatalogueError, match="rejections_only is for TS/JS rules"):
        parse_rule(data, "go/LL990-thing-not-closed.toml")
    data["languages"] = ["typescript", "javascript"]
    assert parse_rule(data, "x.toml").lifecycle["rejections_only"] is True


def test_awaited_must_be_true_or_false():
    data = lifecycle_rule("{handle} from {call} is not {verb} {where}")
    data["lifecycle"]["awaited"] = "no"
    with pytest.raises(CatalogueError, match="lifecycle.awaited must be true or false"):
        parse_rule(data, "typescript/LL990-thing-not-closed.toml")
    data["lifecycle"]["awaited"] = False
    assert parse_rule(data, "x.toml").lifecycle["awaited"] is False
