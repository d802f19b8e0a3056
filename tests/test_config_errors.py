"""Configuration errors exit 2 naming the file, the line and the key; the JSON Schema that
ships with the package is what validates the configuration."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from leaklint import schema
from leaklint.catalogue import FAMILIES, LANGUAGES, LIFECYCLE_KEYS, PRECISIONS
from leaklint.cli import main
from leaklint.config import ConfigError, load_config
from leaklint.model import SEVERITIES
from leaklint.toml_lines import key_lines

LEAKY = 'package a\n\nimport "database/sql"\n\nfunc f(db *sql.DB) {\n\trows, _ := db.Query("SELECT 1")\n\t_ = rows\n}\n'

PYPROJECT = """\
[project]
name = "demo"
dependencies = [
  "a",  # not = a key
]

[tool.leaklint]
select = ["ALL"]
exclude = [
  "gen/",
]
timeout = {timeout}

[tool.leaklint.severity]
LL101 = "{severity}"

[[tool.leaklint.rules]]
code = "X001"
name = "first"
family = "resource"
languages = ["go"]
severity = "warning"
summary = "One"
message = "{{handle}} from {{call}} is not released {{where}}"
[tool.leaklint.rules.lifecycle]
acquire = ["*.Acquire"]
release = ["Release"]

[[tool.leaklint.rules]]
code = "X002"
name = "second"
family = "resource"
languages = ["{language}"]
severity = "warning"
summary = "Two"
message = "{{handle}} is not released {{where}}"
lifecycle = {{acquire = ["*.Open"], release = ["Close"]}}
"""


def pyproject(tmp_path: Path, **values) -> Path:
    fields = dict(timeout=5, severity="error", language="go") | values
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(**fields), encoding="utf-8")
    (tmp_path / "a.go").write_text(LEAKY, encoding="utf-8")
    return tmp_path


def error_of(tmp_path: Path) -> str:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["check", "."])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    [line] = result.stderr.splitlines()
    return line.removeprefix("leaklint: error: ").replace(str(tmp_path) + os.sep, "")


def test_a_valid_pyproject_is_read(tmp_path):
    pyproject(tmp_path)
    cfg = load_config(tmp_path / "pyproject.toml")
    assert [r.code for r in cfg.rules] == ["X001", "X002"]
    assert cfg.severity["LL101"] == "error" and cfg.timeout == 5 and cfg.exclude == ["gen/"]


@pytest.mark.parametrize("values, expected", [
    ({"timeout": '"slow"'}, "pyproject.toml:12: tool.leaklint.timeout: expected a number, got a string"),
    ({"timeout": 0}, "pyproject.toml:12: tool.leaklint.timeout: must be more than 0"),
    ({"severity": "fatal"}, "pyproject.toml:15: tool.leaklint.severity.LL101: must be one of "
                            "error, warning, note, got 'fatal'"),
    ({"language": "rust"}, "pyproject.toml:33: tool.leaklint.rules[1].languages[0]: must be one "
                           "of go, typescript, javascript, python, got 'rust'"),
])
def test_errors_name_file_line_and_key(tmp_path, values, expected):
    assert error_of(pyproject(tmp_path, **values)) == expected


def test_error_in_an_array_of_tables_names_its_own_line(tmp_path):
    pyproject(tmp_path)
    text = (tmp_path / "pyproject.toml").read_text().replace('release = ["Release"]', "release = []")
    (tmp_path / "pyproject.toml").write_text(text)
    assert error_of(tmp_path) == ("pyproject.toml:27: tool.leaklint.rules[0].lifecycle.release: "
                                  "needs at least 1 item(s)")


def test_toml_syntax_error_in_pyproject_is_an_error(tmp_path):
    """It used to be skipped silently, and the scan ran with the defaults."""
    (tmp_path / "a.go").write_text(LEAKY, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.leaklint]\nselect = ["LL101"\nignore = []\n')
    message = error_of(tmp_path)
    assert message.startswith("pyproject.toml:3:") and "not valid TOML" in message


def test_a_broken_pyproject_that_is_not_ours_is_not_read(tmp_path):
    (tmp_path / "a.go").write_text(LEAKY, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[project\nname = "x"\n')
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["check", "."])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1 and "LL101" in result.output


def test_not_utf8_names_the_line(tmp_path):
    (tmp_path / "leaklint.toml").write_bytes(b'select = ["ALL"]\nignore = ["\xff"]\n')
    with pytest.raises(ConfigError, match=r"leaklint.toml:2: not valid TOML: not UTF-8"):
        load_config(tmp_path / "leaklint.toml")


def test_unknown_key_in_the_tool_table(tmp_path):
    (tmp_path / "a.go").write_text(LEAKY, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nx = 1\n\n[tool.leaklint]\n"
                                             'select = ["ALL"]\nfollow = true\n')
    assert error_of(tmp_path).startswith("pyproject.toml:6: tool.leaklint.follow: unknown key")


def test_tool_leaklint_that_is_not_a_table(tmp_path):
    (tmp_path / "a.go").write_text(LEAKY, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool]\nleaklint = "on"\n')
    assert error_of(tmp_path) == "pyproject.toml:2: tool.leaklint: must be a table"


# -- the schema --------------------------------------------------------------------------


def test_the_schema_ships_in_the_package_and_is_valid_draft_07():
    assert schema.CONFIG_SCHEMA.parent.name == "leaklint"
    doc = json.loads(schema.CONFIG_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(doc)
    assert doc["$schema"] == "http://json-schema.org/draft-07/schema#" and doc["title"]


def test_the_schema_agrees_with_the_catalogue():
    doc = schema.load()
    rule = doc["definitions"]["rule"]["properties"]
    assert rule["family"]["enum"] == list(FAMILIES)
    assert rule["languages"]["items"]["enum"] == list(LANGUAGES)
    assert rule["severity"]["enum"] == list(SEVERITIES) == doc["properties"]["severity"][
        "additionalProperties"]["enum"]
    assert rule["precision"]["enum"] == list(PRECISIONS)
    # every lifecycle key a rule of one's own may use, and no other
    assert set(doc["definitions"]["lifecycle"]["properties"]) == set(LIFECYCLE_KEYS)


CASES = [
    {}, {"select": ["ALL"], "timeout": 2.5, "max-file-size": 10},
    {"select": "ALL"}, {"timeout": True}, {"timeout": -1}, {"max-file-size": 0},
    {"severity": {"LL101": "loud"}}, {"per-file-ignores": {"x/**": "LL101"}},
    {"rules": [{"code": "X1"}]}, {"rules": [{"code": "x1", "name": "a", "family": "resource",
              "languages": ["go"], "severity": "note", "summary": "s", "message": "m",
              "lifecycle": {"acquire": ["a"], "release": ["b"], "handle": 99}}]},
    {"respect-gitignore": "yes"}, {"nope": 1}, {"exclude": [1]},
]


@pytest.mark.parametrize("instance", CASES)
def test_our_validator_agrees_with_jsonschema(instance):
    """The small validator decides exactly as a full JSON Schema implementation."""
    doc = schema.load()
    ours = bool(schema.errors(instance, doc))
    theirs = bool(list(jsonschema.Draft7Validator(doc).iter_errors(instance)))
    assert ours == theirs


def test_schema_keywords_the_validator_does_not_check_are_refused(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"type": "object", "properties": {"a": {"oneOf": []}}}))
    with pytest.raises(schema.SchemaError, match="oneOf"):
        schema.load(path)


def test_key_lines_skip_multiline_strings_and_arrays():
    text = 'a = """\nb = 1\n"""\nc = [\n  "d = 2",\n]\n[t."x.y"]\ne.f = 3\n'
    assert key_lines(text) == {("a",): 1, ("c",): 4, ("t", "x.y"): 7, ("t", "x.y", "e"): 8,
                               ("t", "x.y", "e", "f"): 8}
