"""Function summaries across files: a helper in another file of the Go package, another
module of the Python tree, or a TS/JS module reached by a relative import decides
whether handing it a handle releases it. Runs use the result cache and edit the
helper's file between runs: the caller's cached answer must follow."""

from __future__ import annotations

import json
import os

import pytest

from leaklint.api import check_paths
from leaklint.config import Config

GO_CALLER = """package p

import "database/sql"

func list(db *sql.DB) error {
\trows, err := db.Query("SELECT 1")
\tif err != nil {
\t\treturn err
\t}
\tconsume(rows)
\treturn nil
}
"""
GO_LEAKY = "package p\n\nimport \"database/sql\"\n\nfunc consume(rows *sql.Rows) {\n\tfor rows.Next() {\n\t}\n}\n"
GO_CLOSING = ("package p\n\nimport \"database/sql\"\n\nfunc consume(rows *sql.Rows) {\n"
              "\tdefer rows.Close()\n\tfor rows.Next() {\n\t}\n}\n")

PY_CALLER = """from {how} import use


def run(path):
    f = open(path)
    use(f)
"""
PY_LEAKY = "def use(f):\n    print(f.name)\n"
PY_CLOSING = "def use(f):\n    f.close()\n"

TS_CALLER = """import {{ finish }} from "{spec}";

export async function count(pool: any) {{
  const client = await pool.connect();
  try {{
    await client.query("SELECT 1");
  }} finally {{
    finish(client);
  }}
}}
"""
TS_LEAKY = "export function finish(c: any) {\n  console.log(c);\n}\n"
TS_CLOSING = "export function finish(c: any) {\n  c.release();\n}\n"


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "tree"
    root.mkdir()
    return root


def _run(tree, select, names=None, cache=True, **kw):
    paths = [str(tree / n) for n in names] if names else [str(tree)]
    return check_paths(paths, config=Config(root=tree), select=select,
                       cache_dir=str(tree.parent / "cache") if cache else None, **kw)


def _found(report):
    return sorted((os.path.relpath(f.path), f.code) for f in report.findings)


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _flip(tree, caller, helper, leaky, closing, code, select, names=None):
    """The caller's finding follows the helper's file, run after run, cache on."""
    want = [(os.path.relpath(tree / caller), code)]
    _write(tree / helper, leaky)
    assert _found(_run(tree, select, names)) == want
    assert _found(_run(tree, select, names)) == want  # served from the cache
    _write(tree / helper, closing)
    assert _found(_run(tree, select, names)) == []
    _write(tree / helper, leaky)
    assert _found(_run(tree, select, names)) == want


@pytest.fixture(autouse=True)
def _cwd(tree, monkeypatch):
    monkeypatch.chdir(tree.parent)


def test_go_function_in_a_sibling_file(tree):
    _write(tree / "a.go", GO_CALLER)
    _flip(tree, "a.go", "b.go", GO_LEAKY, GO_CLOSING, "LL101", ["LL101"])


def test_go_only_the_caller_named_still_reads_its_package(tree):
    _write(tree / "a.go", GO_CALLER)
    _flip(tree, "a.go", "b.go", GO_LEAKY, GO_CLOSING, "LL101", ["LL101"], names=["a.go"])


def test_go_method_of_the_receiver_in_another_file(tree):
    _write(tree / "a.go", GO_CALLER.replace("func list(", "type S struct{}\n\nfunc (s *S) list(")
           .replace("\tconsume(rows)", "\ts.consume(rows)"))
    leaky = GO_LEAKY.replace("func consume(", "func (s *S) consume(")
    closing = GO_CLOSING.replace("func consume(", "func (s *S) consume(")
    _flip(tree, "a.go", "b.go", leaky, closing, "LL101", ["LL101"])


def test_go_a_file_no_build_includes_is_not_the_package(tree):
    _write(tree / "a.go", GO_CALLER)
    _write(tree / "b.go", "//go:build ignore\n\n" + GO_LEAKY)
    assert _found(_run(tree, ["LL101"])) == []  # consume is not in the package: unknown


def test_go_summaries_compose_across_files(tree):
    _write(tree / "a.go", GO_CALLER)
    _write(tree / "b.go", "package p\n\nimport \"database/sql\"\n\nfunc consume(rows *sql.Rows) { drain(rows) }\n")
    leaky = "package p\n\nimport \"database/sql\"\n\nfunc drain(rows *sql.Rows) { _ = rows.Err() }\n"
    closing = "package p\n\nimport \"database/sql\"\n\nfunc drain(rows *sql.Rows) { rows.Close() }\n"
    _flip(tree, "a.go", "c.go", leaky, closing, "LL101", ["LL101"])


def test_go_a_recursive_cycle_across_files_is_not_taken_for_a_leak(tree):
    _write(tree / "a.go", GO_CALLER + "\nfunc back(rows *sql.Rows, n int) { if n > 0 { consume(rows) } else { rows.Close() } }\n")
    _write(tree / "b.go", "package p\n\nimport \"database/sql\"\n\nfunc consume(rows *sql.Rows) { back(rows, 0) }\n")
    assert _found(_run(tree, ["LL101"])) == []


def test_go_an_unreadable_callee_is_unknown(tree):
    _write(tree / "a.go", GO_CALLER)
    (tree / "b.go").write_bytes(b"package p\n\nfunc consume(rows \xff\xfe) {}\n")
    assert _found(_run(tree, ["LL101"])) == []


@pytest.mark.parametrize("how, helper", [
    (".helpers", "pkg/helpers.py"),
    ("pkg.helpers", "pkg/helpers.py"),
    ("..util.helpers", "pkg/util/helpers.py"),
    ("pkg", "pkg/__init__.py"),
])
def test_python_function_of_an_imported_module(tree, how, helper):
    _write(tree / "pkg/__init__.py", "")
    _write(tree / "pkg/util/__init__.py", "")
    _write(tree / "pkg/sub/__init__.py", "")
    caller = "pkg/a.py" if not how.startswith("..") else "pkg/sub/a.py"
    _write(tree / caller, PY_CALLER.format(how=how))
    _flip(tree, caller, helper, PY_LEAKY, PY_CLOSING, "LL110", ["LL110"])


def test_python_module_attribute_call(tree):
    _write(tree / "pkg/__init__.py", "")
    _write(tree / "pkg/a.py", "from pkg import helpers as h\n\n\ndef run(path):\n    f = open(path)\n    h.use(f)\n")
    _flip(tree, "pkg/a.py", "pkg/helpers.py", PY_LEAKY, PY_CLOSING, "LL110", ["LL110"])


def test_python_module_outside_the_tree_is_unknown(tree):
    _write(tree / "a.py", PY_CALLER.format(how="somewhere.else"))
    assert _found(_run(tree, ["LL110"])) == []


def test_python_a_class_of_another_module_is_not_a_function(tree):
    _write(tree / "pkg/__init__.py", "")
    _write(tree / "pkg/a.py", PY_CALLER.format(how=".helpers"))
    _write(tree / "pkg/helpers.py", "class use:\n    def __init__(self, f):\n        pass\n")
    assert _found(_run(tree, ["LL110"])) == []


@pytest.mark.parametrize("spec, helper", [
    ("./lib/db", "lib/db.ts"),
    ("./lib/db.js", "lib/db.ts"),
    ("./lib", "lib/index.ts"),
])
def test_typescript_function_of_a_relative_import(tree, spec, helper):
    _write(tree / "main.ts", TS_CALLER.format(spec=spec))
    _flip(tree, "main.ts", helper, TS_LEAKY, TS_CLOSING, "LL109", ["LL109"])


def test_typescript_reexported_function(tree):
    _write(tree / "main.ts", TS_CALLER.format(spec="./lib"))
    _write(tree / "lib/index.ts", 'export { finish } from "./impl";\n')
    _flip(tree, "main.ts", "lib/impl.ts", TS_LEAKY, TS_CLOSING, "LL109", ["LL109"])


def test_javascript_require_and_module_exports(tree):
    _write(tree / "main.js", """const util = require("./util");

async function count(pool) {
  const client = await pool.connect();
  try {
    await client.query("SELECT 1");
  } finally {
    util.finish(client);
  }
}
module.exports = { count };
""")
    leaky = "function finish(c) {\n  console.log(c);\n}\nmodule.exports = { finish };\n"
    closing = "function finish(c) {\n  c.release();\n}\nmodule.exports = { finish };\n"
    _flip(tree, "main.js", "util.js", leaky, closing, "LL109", ["LL109"])


def test_typescript_package_import_is_unknown(tree):
    _write(tree / "main.ts", TS_CALLER.format(spec="some-package"))
    assert _found(_run(tree, ["LL109"])) == []


def test_same_answer_without_the_cache_and_in_any_order(tree):
    _write(tree / "a.go", GO_CALLER)
    _write(tree / "b.go", GO_LEAKY)
    _write(tree / "pkg/__init__.py", "")
    _write(tree / "pkg/a.py", PY_CALLER.format(how=".helpers"))
    _write(tree / "pkg/helpers.py", PY_LEAKY)
    names = ["a.go", "b.go", "pkg/a.py", "pkg/helpers.py"]
    first = _found(_run(tree, None, names, cache=False))
    assert first == _found(_run(tree, None, list(reversed(names)), cache=False))
    assert ("tree/a.go", "LL101") in first and ("tree/pkg/a.py", "LL110") in first


def test_summary_facts_are_plain_data_in_the_facts_cache(tree):
    _write(tree / "a.go", GO_CALLER)
    _write(tree / "b.go", GO_LEAKY)
    _run(tree, ["LL101"])
    facts_dir = tree.parent / "cache"
    stored = [p for p in facts_dir.rglob("*.json") if "facts" in p.parts]
    assert stored, "the facts phase wrote nothing"
    text = "".join(p.read_text() for p in stored)
    assert '"consume"' in text and '"deps"' in text
    for p in stored:
        json.loads(p.read_text().split("\n", 1)[1])  # plain JSON (after the seal): no tree nodes
