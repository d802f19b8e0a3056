"""One rule, one place: every rule's TOML, fixture folder and (for check rules) module share
one stem, under one spelling of the language, and the registry finds each check by its code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from leaklint import checks
from leaklint.catalogue import builtin_rules, rules_dir

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ROOT / "src" / "leaklint" / "checks"
LANGUAGES = set(checks.LANGUAGE_PACKAGES)


def module_stem(stem: str) -> str:
    return stem.lower().replace("-", "_")


def rule_files() -> dict[str, Path]:
    return {p.stem: p for p in rules_dir().rglob("*.toml")}


def test_one_spelling_per_language():
    rule_langs = {p.name for p in rules_dir().iterdir() if p.is_dir()}
    fixture_langs = {p.name for p in (ROOT / "fixtures").iterdir() if p.is_dir()}
    check_langs = {p.name for p in CHECKS.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert rule_langs == fixture_langs == check_langs == LANGUAGES


@pytest.mark.parametrize("rule", builtin_rules(), ids=lambda r: r.code)
def test_rule_file_fixture_folder_and_module_share_a_stem(rule):
    stem = f"{rule.code}-{rule.name}"
    files = rule_files()
    assert stem in files, f"{rule.code}: its file must be rules/<language>/{stem}.toml"
    language = files[stem].parent.name
    assert (ROOT / "fixtures" / language / stem).is_dir(), \
        f"{rule.code}: no fixtures/{language}/{stem}/"
    module = CHECKS / language / f"{module_stem(stem)}.py"
    if rule.is_check:
        assert module.is_file(), f"{rule.code} is a check rule without {module.relative_to(ROOT)}"
        assert checks.rule_modules()[rule.code] == \
            f"leaklint.checks.{language}.{module_stem(stem)}"
        assert callable(checks.check_for(rule.code))
    else:
        assert not module.exists(), f"{rule.code} is a lifecycle rule: it has no module"


def test_every_rule_module_and_fixture_folder_belongs_to_a_rule():
    stems = set(rule_files())
    modules = {module_stem(s) for s in stems}
    for path in CHECKS.glob("*/*.py"):
        if checks.RULE_MODULE.match(path.stem):
            assert path.stem in modules, f"{path.relative_to(ROOT)} implements no rule in rules/"
    for path in (ROOT / "fixtures").glob("*/*"):
        if path.is_dir() and re.match(r"LL\d", path.name):
            assert path.name in stems, f"{path.relative_to(ROOT)} is named after no rule"


def test_registry_has_no_module_for_an_unknown_code():
    assert checks.check_for("LL999") is None
    assert set(checks.rule_modules()) == {r.code for r in builtin_rules() if r.is_check}


# a module past this many lines holds more than one concern: split it by concern
MAX_MODULE_LINES = 520


def test_no_module_is_over_about_500_lines():
    src = Path(checks.__file__).resolve().parents[1]
    long = {str(p.relative_to(src)): n for p in sorted(src.rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"
