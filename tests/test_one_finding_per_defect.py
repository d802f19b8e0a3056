"""A handle that leaks on several exits is one finding: its message names every exit and
its SARIF result carries one code flow per exit (acquisition, branches taken, exit)."""

from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

from fuzz_support import sarif_validator
from leaklint.api import check_paths
from leaklint.cli import main
from leaklint.config import Config

GO = textwrap.dedent("""\
    package restore

    import (
    	"encoding/json"
    	"os"
    )

    func load(path string, strict bool, out any) error {
    	f, err := os.Open(path)
    	if err != nil {
    		return err
    	}
    	if strict {
    		if err := json.NewDecoder(f).Decode(out); err != nil {
    			return err
    		}
    	}
    	st, serr := f.Stat()
    	if serr != nil {
    		return serr
    	}
    	_ = st
    	return nil
    }
    """)

PY = textwrap.dedent("""\
    def head(path, n):
        fh = open(path)
        if n <= 0:
            return ""
        line = fh.readline()
        if not line:
            return None
        fh.close()
        return line
    """)

TS = textwrap.dedent("""\
    export async function names(pool: any, strict: boolean): Promise<string[]> {
      const client = await pool.connect();
      if (strict) {
        return [];
      }
      const res = await client.query("SELECT name FROM users");
      if (res.rows.length === 0) {
        return [];
      }
      client.release();
      return res.rows.map((r: any) => r.name);
    }
    """)


def _scan(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return check_paths([str(tmp_path / name)], config=Config(root=str(tmp_path)))


def test_go_handle_leaking_on_three_returns_is_one_finding_naming_them(tmp_path):
    report = _scan(tmp_path, "restore.go", GO)
    [f] = [f for f in report.findings if f.code == "LL107"]
    assert f.position.line == 9
    assert "on the returns at lines 15, 20 and 23" in f.message
    assert [r.position.line for r in f.related] == [15, 20, 23]
    # one path per exit, each ending at its exit, through the branches it takes
    assert [[s.position.line for s in path] for path in f.flows] == [
        [13, 14, 15], [19, 20], [23]]
    assert f.flows[0][0].message == "when this condition holds"
    assert f.flows[-1][-1].message == "leaks here: on the return at line 23"


def test_python_handle_leaking_on_two_returns_is_one_finding(tmp_path):
    report = _scan(tmp_path, "head.py", PY)
    found = [f for f in report.findings if f.position.line == 2]
    assert len(found) == 1, [(f.code, f.message) for f in report.findings]
    assert "on the returns at lines 4 and 7" in found[0].message
    assert [[s.position.line for s in path][-1] for path in found[0].flows] == [4, 7]


def test_typescript_handle_leaking_on_two_returns_is_one_finding(tmp_path):
    report = _scan(tmp_path, "names.ts", TS)
    found = [f for f in report.findings if f.position.line == 2]
    assert len(found) == 1, [(f.code, f.message) for f in report.findings]
    assert "on the returns at lines 4 and 8" in found[0].message


def test_sarif_carries_one_valid_code_flow_per_exit(tmp_path, monkeypatch):
    (tmp_path / "restore.go").write_text(GO, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", ".", "--format", "sarif", "--no-cache"])
    sarif = json.loads(result.stdout)
    problems = sorted(sarif_validator().iter_errors(sarif), key=str)
    assert not problems, problems[0]
    [res] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "LL107"]
    flows = res["codeFlows"]
    assert len(flows) == 3
    for flow, exit_line in zip(flows, (15, 20, 23)):
        steps = flow["threadFlows"][0]["locations"]
        lines = [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps]
        assert lines[0] == 9 and lines[-1] == exit_line
        assert steps[0]["location"]["message"]["text"] == "acquired here"
        assert all(s["location"]["message"]["text"] for s in steps)
    assert "lines 15, 20 and 23" in res["message"]["text"]
