"""The Python and TS/JS conformance builders (pylint R1732, ruff SIM115/B019,
@eslint-react): how each reads its peer's expectations, on small trees of our own."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts" / "conformance"
sys.path.insert(0, str(SCRIPTS))

import build_eslint_react  # noqa: E402
import build_pylint_r1732  # noqa: E402
import build_ruff  # noqa: E402
from suite import Row, SuiteError, build_suite, read_expected  # noqa: E402


def plain_mirror(tmp_path: Path, files: dict[str, str]) -> Path:
    base = tmp_path / "mirror"
    for name, text in files.items():
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        (base / name).write_text(text)
    return base


def numbered(count: int) -> str:
    return "".join(f"line_{n} = {n}\n" for n in range(1, count + 1))


def test_pylint_rows_come_from_the_txt_and_blanked_cases_keep_line_numbers(tmp_path):
    folder = build_pylint_r1732.FOLDER
    txt = ("consider-using-with:3:4:3:20:f:Consider using 'with':UNDEFINED\n"
           "consider-using-with:32:4:32:20:g:Consider using 'with':UNDEFINED\n"
           "consider-using-with:41:4:41:20:h:Consider using 'with':UNDEFINED\n"
           "used-before-assignment:7:1:7:2:f:Using variable:CONTROL_FLOW\n")
    other = "consider-using-with:15:4:15:20:t:Consider using 'with':UNDEFINED\n"
    mirror = plain_mirror(tmp_path, {
        f"{folder}/consider_using_with.py": numbered(50),
        f"{folder}/consider_using_with.txt": txt,
        f"{folder}/consider_using_with_open.py": numbered(130),
        f"{folder}/consider_using_with_open.txt": other,
        "LICENSE": "licence\n",
    })
    out = tmp_path / "suites" / "pylint"
    rows = build_suite(build_pylint_r1732, mirror, out)
    assert sorted((r.file, r.spelled_lines(), r.neutral) for r in rows) == [
        ("consider_using_with.py", "3", False),
        ("consider_using_with.py", "32", True),  # closed explicitly right after: style
        ("consider_using_with_open.py", "15", True),
    ]  # line 41 lies in the blanked case; the other message is not R1732
    text = (out / "consider_using_with.py").read_text().split("\n")
    assert text[38] == "line_39 = 39" and text[41] == "line_42 = 42"
    assert "left out" in text[39] and text[40] == ""
    assert read_expected(out) == sorted(rows, key=lambda r: (r.file, r.lines))


def test_pylint_txt_with_a_broken_line_is_named():
    with pytest.raises(SuiteError, match="x.txt:2"):
        build_pylint_r1732.expected_lines("consider-using-with:1:0\nconsider-using-with:oops\n", "x.txt")


def test_ruff_rows_from_snapshot_arrows(tmp_path):
    fixtures = build_ruff.FIXTURES
    snap = build_ruff.SNAPSHOTS
    sim = "x\n  --> SIM115.py:8:5\n |\n  --> SIM115.py:12:5\n   --> SIM115.py:35:1\n   --> other.py:9:1\n"
    b019 = "  --> B019.py:20:5\n"
    mirror = plain_mirror(tmp_path, {
        f"{fixtures}/flake8_simplify/SIM115.py": numbered(40),
        f"{fixtures}/flake8_bugbear/B019.py": numbered(25),
        snap.format(plugin="flake8_simplify", rule="SIM115", file="SIM115.py"): sim,
        snap.format(plugin="flake8_bugbear", rule="B019", file="B019.py"): b019,
        "LICENSE": "licence\n",
    })
    rows = build_suite(build_ruff, mirror, tmp_path / "out" / "ruff")
    assert sorted((r.file, r.spelled_lines(), r.family, r.neutral) for r in rows) == [
        ("B019.py", "20|21", "cache", False),
        ("SIM115.py", "12", "resource", True),
        ("SIM115.py", "8", "resource", False),
    ]
    kept = (tmp_path / "out" / "ruff" / "SIM115.py").read_text().split("\n")
    assert kept[32] == "line_33 = 33" and "left out" in kept[33] and kept[36] == "line_37 = 37"


def test_ruff_snapshot_without_diagnostics_is_an_error():
    with pytest.raises(SuiteError, match="no `--> B019.py"):
        build_ruff.snapshot_lines("nothing here\n", "B019.py", "snap")


def case(rule, kind, index, reported, code="a\nb\nc\nd\ne\nf\ng\n"):
    return {"rule": rule, "kind": kind, "index": index, "code": code, "expected": [], "reported": reported}


def test_eslint_react_rows_per_rule():
    listener = case("no-leaked-event-listener", "invalid", 3, [
        {"messageId": "expectedRemoveEventListenerInCleanup", "line": 4},
        {"messageId": "unexpectedInlineFunction", "line": 4},
        {"messageId": "unexpectedInlineFunction", "line": 6}])
    assert build_eslint_react.rows_of(listener, "l.tsx") == [
        Row("l.tsx", (4, 6), "listener", "listener never removed")]
    timeout = case("no-leaked-timeout", "invalid", 2, [{"messageId": "expectedClearTimeoutInCleanup", "line": 3}])
    assert build_eslint_react.rows_of(timeout, "t.tsx")[0].neutral
    later = case("no-leaked-timeout", "invalid", 9, [{"messageId": "expectedClearTimeoutInCleanup", "line": 3}])
    assert not build_eslint_react.rows_of(later, "t.tsx")[0].neutral
    valid = case("no-leaked-interval", "valid", 0, [])
    assert build_eslint_react.rows_of(valid, "v.tsx") == [Row("v.tsx", (), "-", "peer's valid case")]


def test_eslint_react_observer_pairs_construction_and_observe():
    code = "x\nconst ro = new ResizeObserver(f);\ny\nro.observe(el);\nz\n"
    assert build_eslint_react.observer_pair(code, 4) == (4, 2)
    assert build_eslint_react.observer_pair(code, 2) == (2, 4)


def test_eslint_react_needs_the_tools_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("ESLINT_TOOLS", raising=False)
    with pytest.raises(SuiteError, match="ESLINT_TOOLS"):
        build_eslint_react.tools()
    monkeypatch.setenv("ESLINT_TOOLS", str(tmp_path))
    with pytest.raises(SuiteError, match="no node_modules/eslint-plugin-react-web-api"):
        build_eslint_react.tools()


def test_run_skips_the_eslint_suite_without_its_tools(monkeypatch, tmp_path, capsys):
    import run
    monkeypatch.delenv("ESLINT_TOOLS", raising=False)
    (tmp_path / "mirrors" / "Rel1cx+eslint-react").mkdir(parents=True)
    assert run.main(["--mirrors", str(tmp_path / "mirrors"), "--out", str(tmp_path / "out"),
                     "--only", "eslint-react"]) == 2
    assert "eslint-react: skipped, set ESLINT_TOOLS" in capsys.readouterr().err
