"""Fixes: every before/after pair in tests/fixes, and the guarantees of `--fix`.

Each `<name>.before.<ext>` names the rules to run and whether unsafe fixes are on in a
`fix-test:` comment; `check --fix` must turn it into `<name>.after.<ext>` byte for byte,
the result must parse, the fixed findings must be gone with no other finding appearing,
and a second `--fix` must change nothing.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from leaklint import languages
from leaklint.languages import recent_syntax
from leaklint.analyze import FileContext
from leaklint.settings import Settings
from leaklint.api import check_paths
from leaklint.cli import main
from leaklint.config import load_config
from leaklint.autofix import apply_edits
from leaklint.fixes import go as go_fixes
from leaklint.model import FileResult
from leaklint.source import SourceFile
from markers import looked

FIXES = Path(__file__).resolve().parent / "fixes"
CONFIG = FIXES / "leaklint.toml"
HEADER = re.compile(r"fix-test:(.*)")


def options(path: Path) -> tuple[list[str], bool]:
    m = HEADER.search(path.read_text(encoding="utf-8").splitlines()[0])
    words = m.group(1).split()
    select = [w.split("=", 1)[1] for w in words if w.startswith("select=")]
    return (select[0].split(",") if select else []), "unsafe" in words


def pairs():
    return sorted(p for p in FIXES.rglob("*.before.*") if options(p)[0])


def after_of(before: Path) -> Path:
    return before.with_name(before.name.replace(".before.", ".after."))


def run(*args):
    return CliRunner().invoke(main, ["check", "--no-cache", "--config", str(CONFIG), *args])


def place(tmp_path: Path, before: Path, data: bytes | None = None) -> Path:
    target = tmp_path / ("sample" + before.suffix)
    target.write_bytes(before.read_bytes() if data is None else data)
    return target


def findings(path: Path, select) -> list:
    return check_paths([str(path)], config=load_config(CONFIG), select=select).findings


def parse_errors(path: Path) -> bool:
    """As leaklint reads the file (syntax newer than the grammar wheels included)."""
    lang = languages.language_of(path.name)
    return recent_syntax.parse(lang, path.read_bytes(), languages.parser(lang).parse).root_node.has_error


def fix(target: Path, select, unsafe: bool, *extra):
    args = ["--fix", "--select", ",".join(select), *extra, str(target)]
    return run(*(args + (["--unsafe-fixes"] if unsafe else [])))


@pytest.mark.parametrize("before", pairs(), ids=lambda p: p.name)
def test_fix_turns_before_into_after(before, tmp_path):
    select, unsafe = options(before)
    target = place(tmp_path, before)
    was = findings(target, select)
    assert was, "a before file must have findings"
    result = fix(target, select, unsafe)
    assert result.exit_code in (0, 1), result.output
    assert target.read_text(encoding="utf-8") == after_of(before).read_text(encoding="utf-8")
    # the fixed file parses, the fixed findings are gone and nothing new appears
    assert not parse_errors(target)
    now = findings(target, select)
    fixed = int(re.search(r"Fixed (\d+) finding", result.output).group(1))
    assert fixed == len(was) - len(now)
    assert not Counter(f.code for f in now) - Counter(f.code for f in was)
    assert f"{len(now)} remaining" in result.output
    # a second run has nothing to do
    again = fix(target, select, unsafe)
    assert "Fixed 0 findings" in again.output
    assert target.read_text(encoding="utf-8") == after_of(before).read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sorted(FIXES.rglob("*.*.*")), ids=lambda p: p.name)
def test_pair_files_parse(path):
    if languages.language_of(path.name):
        assert not parse_errors(path)


def test_every_pair_changes_something_or_says_why():
    for before in pairs():
        same = before.read_bytes() == after_of(before).read_bytes()
        assert not same or before.name.startswith("no_fix"), before


def test_diff_prints_without_writing(tmp_path):
    before = FIXES / "go" / "sql_rows.before.go"
    target = place(tmp_path, before)
    result = run("--diff", "--select", "LL101", str(target))
    assert result.exit_code == 1
    assert target.read_bytes() == before.read_bytes()
    assert result.stdout.startswith(f"--- a/{target.as_posix()}\n+++ b/{target.as_posix()}\n")
    assert result.stdout.count("\n+\tdefer rows.Close()\n") == 2
    assert "Would fix 2 findings, 2 would remain." in result.stderr
    clean = run("--diff", "--select", "LL101", str(FIXES / "go" / "sql_rows.after.go"))
    assert clean.exit_code == 0 and clean.stdout == ""


def test_unsafe_fixes_only_on_request(tmp_path):
    before = FIXES / "go" / "buffered_channel.before.go"
    target = place(tmp_path, before)
    result = fix(target, ["LL610"], False)
    assert "1 more fixable with --unsafe-fixes" in result.output
    fix(target, ["LL610"], True)
    assert target.read_text(encoding="utf-8").count("make(chan *Result, 1)") == 2
    assert findings(target, ["LL610"]) == []


def test_value_derived_from_the_resource_makes_the_with_unsafe(tmp_path):
    before = FIXES / "python" / "with_open.before.py"
    target = place(tmp_path, before)
    leaks = len(findings(target, ["LL110"]))
    result = fix(target, ["LL110", "LL111"], False)
    assert "Fixed 3 findings, 1 remaining. 1 more fixable with --unsafe-fixes." in result.output
    fix(target, ["LL110", "LL111"], True)
    assert "    with requests.Session() as session:\n        response = session.get(" \
        in target.read_text(encoding="utf-8")
    report = check_paths([str(target)], config=load_config(CONFIG), select=["LL110", "LL111"])
    # gone because each acquisition is now released, not because the rule lost sight of it
    # (the fixes move lines: what is compared is how many acquisitions were verified)
    verified = {line for line, code in looked(report) if code == "LL110"}
    assert report.findings == [] and len(verified) >= leaks == 3


@pytest.mark.parametrize("name", ["go/sql_rows", "python/with_open"])
def test_crlf_stays_crlf(name, tmp_path):
    before = next(FIXES.glob(name + ".before.*"))
    select, unsafe = options(before)
    crlf = before.read_bytes().replace(b"\n", b"\r\n")
    target = place(tmp_path, before, crlf)
    fix(target, select, unsafe)
    assert target.read_bytes() == after_of(before).read_bytes().replace(b"\n", b"\r\n")


@pytest.mark.parametrize("encoding,bom", [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"),
                                          ("utf-16-be", b"\xfe\xff")])
def test_encoding_is_kept(encoding, bom, tmp_path):
    before = FIXES / "python" / "with_open.before.py"
    select, unsafe = options(before)
    text = before.read_text(encoding="utf-8").replace("first_line", "première_ligne")
    target = place(tmp_path, before, bom + text.encode(encoding))
    fix(target, select, unsafe)
    want = after_of(before).read_text(encoding="utf-8").replace("first_line", "première_ligne")
    assert target.read_bytes() == bom + want.encode(encoding)


def test_sarif_carries_fixes(tmp_path, monkeypatch):
    from test_sarif_github import schema_validator

    validator = schema_validator()
    before = FIXES / "go" / "context_cancel.before.go"
    target = place(tmp_path, before)
    monkeypatch.chdir(tmp_path)
    result = run("--format", "sarif", "--select", "LL901", target.name)
    sarif = json.loads(result.stdout)
    validator.validate(sarif)
    fixes = [r["fixes"][0] for r in sarif["runs"][0]["results"]]
    assert [f["properties"]["safe"] for f in fixes] == [True, True, False]
    change = fixes[0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "sample.go"
    rename, insert = change["replacements"]
    assert rename == {"deletedRegion": {"startLine": 12, "startColumn": 7, "endLine": 12,
                                        "endColumn": 8},
                      "insertedContent": {"text": "cancel"}}
    assert insert == {"deletedRegion": {"startLine": 13, "startColumn": 1, "endLine": 13,
                                        "endColumn": 1},
                      "insertedContent": {"text": "\tdefer cancel()\n"}}


def test_python_without_libcst_has_no_fix_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "libcst", None)  # `import libcst` now fails
    before = FIXES / "python" / "with_open.before.py"
    target = place(tmp_path, before)
    result = fix(target, ["LL110", "LL111"], False)
    assert target.read_bytes() == before.read_bytes()
    assert "Python fixes need libcst" in result.stderr
    assert "Fixed 0 findings, 4 remaining." in result.output


def test_fixes_bypass_the_result_cache(tmp_path):
    before = FIXES / "go" / "sql_rows.before.go"
    target = place(tmp_path, before)
    cache = tmp_path / "cache"
    args = ["check", "--config", str(CONFIG), "--cache-dir", str(cache), "--select", "LL101"]
    CliRunner().invoke(main, [*args, str(target)])  # fills the cache without fixes
    assert any(cache.rglob("*.json"))
    result = CliRunner().invoke(main, [*args, "--diff", str(target)])
    assert result.stdout.count("+\tdefer rows.Close()") == 2


def test_fixes_are_kept_in_the_result_cache(tmp_path):
    """SARIF carries fixes; a second run serves them from the cache, unchanged."""
    import json

    target = place(tmp_path, FIXES / "go" / "sql_rows.before.go")
    cache = tmp_path / "cache"
    args = ["check", "--config", str(CONFIG), "--cache-dir", str(cache), "--select", "LL101",
            "--format", "sarif", str(target)]
    first = CliRunner().invoke(main, args).stdout
    from leaklint.cache import load_key, seal, unseal, user_key_file

    [index] = [p for p in cache.rglob("*.json") if not {"facts", "runs"} & set(p.parts)]  # the results
    secret = load_key(str(cache / "key"), create=False) or load_key(user_key_file(), create=False)
    stored = json.loads(unseal(secret, index.stem, index.read_bytes()))
    fixes = [f["fix"] for entry in stored.values() for f in entry["findings"] if f["fix"]]
    assert fixes and all(f["edits"] for f in fixes)
    second = json.loads(CliRunner().invoke(main, args).stdout)["runs"][0]["results"]
    assert second == json.loads(first)["runs"][0]["results"]
    for fix in fixes:  # a third run shows what the cache holds
        fix["description"] = "from the cache"
    index.write_bytes(seal(secret, index.stem, json.dumps(stored).encode()))
    third = json.loads(CliRunner().invoke(main, args).stdout)["runs"][0]["results"]
    described = {f["description"]["text"] for r in third for f in r.get("fixes", [])}
    assert described == {"from the cache"}


# -- defer in a loop: the shape, before its rule exists in this tree --------------------------

def _context(path: Path, data: bytes) -> FileContext:
    tree = languages.parser("go").parse(data)
    return FileContext(SourceFile(str(path), data, "go"), tree, Settings(),
                       FileResult(str(path), "go"), "go")


def _defer_fix(data: bytes, path=Path("x.go")):
    ctx = _context(path, data)
    stack = [ctx.tree.root_node]
    while stack:
        n = stack.pop()
        if n.type == "defer_statement":
            return go_fixes.fix_for(ctx, n, SimpleNamespace(lifecycle=None))
        stack.extend(n.children)
    raise AssertionError("no defer")


def test_defer_in_loop_becomes_a_func_literal():
    before = FIXES / "go" / "defer_in_loop.before.go"
    fix_ = _defer_fix(before.read_bytes())
    assert fix_ is not None and not fix_.safe
    assert apply_edits(before.read_bytes(), fix_.edits) == after_of(before).read_bytes()


@pytest.mark.parametrize("jump", ["return", "break", "continue", "goto done", "break outer"])
def test_defer_in_loop_with_a_jump_out_has_no_fix(jump):
    src = ("package p\n\nimport \"os\"\n\nfunc f(ps []string) {\nouter:\n\tfor _, p := range ps {\n"
           "\t\tf, _ := os.Open(p)\n\t\tdefer f.Close()\n\t\tif p == \"\" {\n"
           f"\t\t\t{jump}\n\t\t}}\n\t}}\ndone:\n}}\n")
    assert _defer_fix(src.encode()) is None


def test_defer_in_loop_keeps_inner_breaks():
    src = ("package p\n\nimport \"os\"\n\nfunc f(ps []string) {\n\tfor _, p := range ps {\n"
           "\t\tf, _ := os.Open(p)\n\t\tdefer f.Close()\n\t\tswitch p {\n\t\tcase \"\":\n"
           "\t\t\tbreak\n\t\t}\n\t\tfor range ps {\n\t\t\tcontinue\n\t\t}\n\t}\n}\n")
    fix_ = _defer_fix(src.encode())
    assert fix_ is not None
    tree = languages.parser("go").parse(apply_edits(src.encode(), fix_.edits))
    assert not tree.root_node.has_error


def test_fix_pairs_are_not_rule_fixtures():
    """The pairs live outside fixtures/, so the fixture runner never demands `want:` of them."""
    from test_fixtures import fixture_files

    assert not [p for p in fixture_files() if FIXES in p.parents]


def test_fix_release_must_be_a_string_or_a_table():
    from leaklint.catalogue import CatalogueError, parse_rule

    data = {"code": "LL950", "name": "x-y", "family": "resource", "languages": ["go"],
            "severity": "warning", "summary": "s", "message": "m",
            "lifecycle": {"acquire": ["os.Open"], "release": ["Close"], "fix_release": 3}}
    with pytest.raises(CatalogueError, match="fix_release"):
        parse_rule(data, "test", builtin=False)
    data["lifecycle"]["fix_release"] = {"*": "{handle}.Close()"}
    assert parse_rule(data, "test", builtin=False).lifecycle["fix_release"] == {
        "*": "{handle}.Close()"}
