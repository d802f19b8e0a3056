"""JS/TS behaviour that fixtures alone do not pin down: control flow of the lowering,
messages, and bad input."""

from __future__ import annotations

import pytest

from leaklint.api import check_paths
from leaklint.config import Config
from markers import assert_markers


def run(tmp_path, name: str, code: str, select=None):
    path = tmp_path / name
    path.write_text(code, encoding="utf-8")
    report = check_paths([str(path)], config=Config(root=tmp_path))
    assert not [d for d in report.diagnostics if d.kind == "internal-error"], report.diagnostics
    findings = [f for f in report.findings if select is None or f.code == select]
    return findings, report


POOL = "const pool = require('./pool');\n"


def test_labeled_continue_runs_the_finally_it_leaves(tmp_path):
    code = POOL + """
async function sweep(groups) {
  outer: for (const g of groups) {
    for (const id of g) {
      const client = await pool.connect();  // ok: LL109
      try {
        if (id < 0) continue outer;
        await client.query("DELETE FROM t WHERE id = $1", [id]);
      } finally {
        client.release();
      }
    }
  }
}
"""
    assert_markers(tmp_path, code, name="sweep.js", select=["LL109"])


def test_release_only_in_catch_leaks_on_success(tmp_path):
    code = POOL + """
async function load(id) {
  const client = await pool.connect();
  try {
    return await client.query("SELECT 1");
  } catch (err) {
    client.release();
    throw err;
  }
}
"""
    findings, _ = run(tmp_path, "load.js", code, "LL109")
    assert len(findings) == 1
    assert "on the return at line 6" in findings[0].message


def test_switch_fall_through_reaches_the_release(tmp_path):
    code = POOL + """
async function pick(kind) {
  const client = await pool.connect();  // ok: LL109
  switch (kind) {
    case "a":
    case "b":
      client.release();
      break;
    default:
      client.release();
  }
}
"""
    assert_markers(tmp_path, code, name="pick.js", select=["LL109"])


def test_switch_without_default_leaks(tmp_path):
    code = POOL + """
async function pick(kind) {
  const client = await pool.connect();
  switch (kind) {
    case "a":
      client.release();
      break;
  }
}
"""
    findings, _ = run(tmp_path, "pick.js", code, "LL109")
    assert len(findings) == 1
    assert "when the function ends" in findings[0].message


def test_statement_after_acquire_may_throw(tmp_path):
    code = POOL + """
async function count() {
  const client = await pool.connect();
  console.log("connected");
  const res = await client.query("SELECT count(*) FROM t");
  client.release();
  return res;
}
"""
    findings, _ = run(tmp_path, "count.js", code, "LL109")
    assert len(findings) == 1
    # console.log does not throw; the awaited query does
    assert "raise at line 6" in findings[0].message


def test_inline_handler_message_says_it_can_never_be_removed(tmp_path):
    code = """
import { useEffect } from "react";
export function A() {
  useEffect(() => {
    window.addEventListener("resize", () => console.log(1));
    return () => window.removeEventListener("resize", () => console.log(1));
  }, []);
  return null;
}
"""
    findings, _ = run(tmp_path, "a.tsx", code, "LL401")
    assert len(findings) == 1
    assert "inline function" in findings[0].message
    assert "effect's cleanup" in findings[0].message


def test_bind_on_both_sides_is_a_leak_bound_once_is_not(tmp_path):
    code = """
export class W extends HTMLElement {
  constructor() {
    super();
    this.onA = this.onA.bind(this);
  }
  connectedCallback() {
    window.addEventListener("a", this.onA);
    window.addEventListener("b", this.onB.bind(this));
  }
  disconnectedCallback() {
    window.removeEventListener("a", this.onA);
    window.removeEventListener("b", this.onB.bind(this));
  }
  onA() {}
  onB() {}
}
"""
    findings, _ = run(tmp_path, "w.js", code, "LL401")
    assert [f.position.line for f in findings] == [9]
    assert ".bind()" in findings[0].message


@pytest.mark.parametrize("name", ["broken.ts", "broken.js", "broken.tsx"])
def test_syntax_errors_do_not_stop_the_scan(tmp_path, name):
    code = """
export function f() {
  window.addEventListener("x", () => {
  setInterval(() => {, 10
"""
    _, report = run(tmp_path, name, code)
    assert any(d.kind == "syntax-error" for d in report.diagnostics)


def test_deep_nesting_is_reported_not_crashed(tmp_path):
    depth = 400
    body = "if (x) {" * depth + "await client.query('x');" + "}" * depth
    code = POOL + f"async function deep(x) {{ const client = await pool.connect(); {body} }}\n"
    _, report = run(tmp_path, "deep.js", code)
    assert any(d.kind == "skipped" and "nests too deeply" in d.message
               for d in report.diagnostics)


@pytest.mark.parametrize("fixture", [
    "LL401-event-listener-not-removed/react_effects.tsx",
    "LL109-pool-client-not-released/queries.js",
    "LL404-rxjs-subscription-not-unsubscribed/angular.ts",
])
def test_truncated_sources_never_raise(tmp_path, fixture):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "fixtures" / "typescript" / fixture).read_text()
    name = Path(fixture).name
    for cut in range(0, len(text), max(1, len(text) // 40)):
        run(tmp_path, name, text[:cut])  # asserts there is no internal error
