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
# reads the first row only (a loop to the end would close them)
GO_LEAKY = "package p\n\nimport \"database/sql\"\n\nfunc consume(rows *sql.Rows) {\n\tif rows.Next() {\n\t}\n}\n"
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


def test_go_sibling_files_of_the_directory_scanned_as_dot(tree, monkeypatch):
    """`leaklint check .` in the package's own directory: its files are "a.go", whose
    directory is "" (asked as "."), and their siblings are still found."""
    _write(tree / "a.go", GO_CALLER)
    monkeypatch.chdir(tree)
    for helper, want in ((GO_LEAKY, [("a.go", "LL101")]), (GO_CLOSING, [])):
        _write(tree / "b.go", helper)
        report = check_paths(["."], config=Config(root=tree), select=["LL101"])
        assert _found(report) == want


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


def test_python_a_class_of_another_module_runs_its_constructor(tree):
    """`use(f)` with `use` a class runs use.__init__: one that keeps the handle in a
    field its class closes takes it over, one that only looks at it leaves it to the
    caller; a class without its own
    constructor is no function leaklint can see."""
    _write(tree / "pkg/__init__.py", "")
    _write(tree / "pkg/a.py", PY_CALLER.format(how=".helpers"))
    _flip(tree, "pkg/a.py", "pkg/helpers.py",
          "class use:\n    def __init__(self, f):\n        print(f.name)\n",
          "class use:\n    def __init__(self, f):\n        self.f = f\n\n"
          "    def close(self):\n        self.f.close()\n", "LL110", ["LL110"])
    _write(tree / "pkg/helpers.py", "class use(Base):\n    pass\n")
    assert _found(_run(tree, ["LL110"])) == []


def test_python_a_name_a_package_re_exports_and_a_handle_made_in_place(tree):
    """`from pkg import io; io.Reader(open(p))` where pkg/io/__init__.py imports Reader
    from its submodule: the call runs pkg/io/reader.py's Reader.__init__."""
    _write(tree / "pkg/__init__.py", "")
    _write(tree / "pkg/io/__init__.py", "from .reader import Reader\n\n__all__ = ['Reader']\n")
    _write(tree / "pkg/view.py", "from pkg import io\n\n\ndef load(path):\n"
                                 "    return list(io.Reader(open(path, 'rb')).stream())\n")
    _flip(tree, "pkg/view.py", "pkg/io/reader.py",
          "class Reader:\n    def __init__(self, fo):\n        self.fo = fo\n\n"
          "    def stream(self):\n        yield self.fo.read()\n",
          "class Reader:\n    def __init__(self, fo):\n        self.fo = fo\n\n"
          "    def stream(self):\n        yield self.fo.read()\n\n"
          "    def close(self):\n        self.fo.close()\n", "LL110", ["LL110"])


def test_python_a_class_that_owns_a_socket_is_a_factory(tree):
    """A class whose constructor keeps a socket that its close() closes: making one
    and dropping it leaks the socket; closing it does not."""
    _write(tree / "pkg/__init__.py", "")
    _write(tree / "pkg/agent.py", PY_AGENT)
    _write(tree / "pkg/a.py", "from pkg.agent import Agent\n\n\ndef keys():\n"
                              "    return Agent().get_keys()\n")
    assert _found(_run(tree, ["LL110"])) == [(os.path.relpath(tree / "pkg/a.py"), "LL110")]
    _write(tree / "pkg/a.py", "from pkg.agent import Agent\n\n\ndef keys():\n"
                              "    agent = Agent()\n    try:\n        return agent.get_keys()\n"
                              "    finally:\n        agent.close()\n")
    assert _found(_run(tree, ["LL110"])) == []
    # its close() does not close the socket: the class owns nothing its users could close
    _write(tree / "pkg/a.py", "from pkg.agent import Agent\n\n\ndef keys():\n"
                              "    return Agent().get_keys()\n")
    _write(tree / "pkg/agent.py", PY_AGENT.replace("self.conn.close()", "self.keys = ()"))
    assert _found(_run(tree, ["LL110"])) == [(os.path.relpath(tree / "pkg/agent.py"), "LL110")]


PY_AGENT = """import socket


class Agent:
    def __init__(self):
        self.keys = ()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect("/run/agent.sock")
        self.conn = conn

    def get_keys(self):
        return self.keys

    def close(self):
        self.conn.close()
"""


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
    for p in stored:  # after the seal, a line per entry: its key, a tab, plain JSON (no tree nodes)
        for line in p.read_text().split("\n")[1:]:
            key, value = line.split("\t")
            assert key and isinstance(json.loads(value), dict)


# -- factories: a function of another file that returns a fresh resource ----------------------

GO_USER = """package p

import "database/sql"

func list(db *sql.DB) error {
\trows, err := open2(db)
\tif err != nil {
\t\treturn err
\t}
\tfor rows.Next() {
\t\tvar n string
\t\tif err := rows.Scan(&n); err != nil {
\t\t\treturn err
\t\t}
\t}
\treturn nil
}
"""
GO_WRAPPER = """package p

import "database/sql"

func open2(db *sql.DB) (*sql.Rows, error) {
\trows, err := openRows(db)
\tif err != nil {
\t\treturn nil, err
\t}
\treturn rows, nil
}
"""
GO_FACTORY = "package p\n\nimport \"database/sql\"\n\nfunc openRows(db *sql.DB) (*sql.Rows, error) {\n\treturn db.Query(\"SELECT 1\")\n}\n"
GO_NOT_FACTORY = ("package p\n\nimport \"database/sql\"\n\nvar shared *sql.Rows\n\n"
                  "func openRows(db *sql.DB) (*sql.Rows, error) {\n\treturn shared, nil\n}\n")


@pytest.mark.parametrize("names", [None, ["a.go"]])
def test_go_a_factory_of_a_factory_in_other_files(tree, names):
    _write(tree / "a.go", GO_USER)
    _write(tree / "b.go", GO_WRAPPER)
    _flip(tree, "a.go", "c.go", GO_FACTORY, GO_NOT_FACTORY, "LL101", ["LL101"], names=names)
    found = _run(tree, ["LL101"]).findings
    assert "rows from open2 is not closed on the return at line 13" in found[0].message


def test_go_a_dropped_factory_result_is_not_reported(tree):
    _write(tree / "a.go", "package p\n\nimport \"database/sql\"\n\nfunc f(db *sql.DB) {\n\topenRows(db)\n}\n")
    _write(tree / "c.go", GO_FACTORY)
    assert _found(_run(tree, ["LL101"])) == []


PY_USER = """from .conn import connect_db


def run(path):
    db = connect_db(path)
    db.execute("select 1")
"""
PY_FACTORY = "import sqlite3\n\n\ndef connect_db(path):\n    conn = sqlite3.connect(path)\n    return conn\n"
PY_NOT_FACTORY = "import sqlite3\n\nSHARED = sqlite3.connect(':memory:')\n\n\ndef connect_db(path):\n    return SHARED\n"


def test_python_factory_in_another_module(tree):
    _write(tree / "pkg/__init__.py", "")
    _write(tree / "pkg/a.py", PY_USER)
    _flip(tree, "pkg/a.py", "pkg/conn.py", PY_FACTORY, PY_NOT_FACTORY, "LL110", ["LL110"])


def test_python_a_factory_closed_by_its_caller_is_fine(tree):
    _write(tree / "pkg/__init__.py", "")
    _write(tree / "pkg/a.py", PY_USER + "    db.close()\n")
    _write(tree / "pkg/conn.py", PY_FACTORY)
    assert _found(_run(tree, ["LL110"])) == []


PY_CONFIG = """import socket


class Config:
    def __init__(self, host):
        self.host = host

    def bind_socket(self):
        sock = socket.socket()
        sock.bind((self.host, 0))
        return sock
"""
PY_CONFIG_KEEPS = PY_CONFIG.replace("        return sock\n",
                                    "        self.sock = sock\n        return sock\n")


def test_python_a_method_of_an_object_made_in_the_function_is_followed(tree):
    """`config = Config(host); sock = config.bind_socket()`: the local's class is known
    from its one assignment, so its method's summary says it returns a fresh socket (and
    not one it keeps in a field, which the object owns)."""
    _write(tree / "pkg/__init__.py", "")
    _write(tree / "pkg/server.py", "from pkg.config import Config\n\n\ndef serve(host):\n"
                                   "    config = Config(host)\n    sock = config.bind_socket()\n"
                                   "    return sock.getsockname()\n")
    _flip(tree, "pkg/server.py", "pkg/config.py", PY_CONFIG, PY_CONFIG_KEEPS, "LL110", ["LL110"])


TS_USER = """import {{ checkout }} from "./pool";

export async function count(pool: any) {{
  const client = await checkout(pool);
  await client.query("SELECT 1");
  {release}
}}
"""
TS_FACTORY = "export async function checkout(pool: any) {\n  return pool.connect();\n}\n"
TS_NOT_FACTORY = "const shared: any = {};\n\nexport async function checkout(pool: any) {\n  return shared;\n}\n"


def test_typescript_factory_in_another_module(tree):
    _write(tree / "main.ts", TS_USER.format(release="client.release();"))
    _flip(tree, "main.ts", "pool.ts", TS_FACTORY, TS_NOT_FACTORY, "LL109", ["LL109"])


def test_typescript_a_factory_released_in_finally_is_fine(tree):
    _write(tree / "main.ts", TS_USER.format(release="").replace(
        '  await client.query("SELECT 1");\n',
        '  try {\n    await client.query("SELECT 1");\n  } finally {\n    client.release();\n  }\n'))
    _write(tree / "pool.ts", TS_FACTORY)
    assert _found(_run(tree, ["LL109"])) == []


def test_a_large_run_finds_factories_through_the_files_that_name_them(tree):
    """More files than a hook's: only files naming a possible factory are shaped."""
    from leaklint.facts.collect import SHAPE_ALL_UP_TO

    _write(tree / "pkg/__init__.py", "")
    for i in range(SHAPE_ALL_UP_TO + 5):
        _write(tree / f"pkg/filler{i}.py", f"def f{i}(x):\n    return x + {i}\n")
    _write(tree / "pkg/a.py", PY_USER.replace(".conn import connect_db", ".wrap import wrapped")
           .replace("connect_db(path)", "wrapped(path)"))
    _write(tree / "pkg/wrap.py", "from .conn import connect_db\n\n\ndef wrapped(p):\n    return connect_db(p)\n")
    _write(tree / "pkg/conn.py", PY_FACTORY)
    assert _found(_run(tree, ["LL110"], cache=False)) == [("tree/pkg/a.py", "LL110")]


def test_a_large_run_takes_the_calls_only_of_files_that_need_them(tree, monkeypatch):
    """In a large run a file that holds no acquisition (a rule's prefilter matched only a
    word) gets a light shape, without its calls, unless it calls a possible factory: the
    wrapper of a factory is shaped whole, and the caller still reads that it is one."""
    from leaklint.facts import shapes
    from leaklint.facts.collect import SHAPE_ALL_UP_TO

    _write(tree / "pkg/__init__.py", "")
    for i in range(SHAPE_ALL_UP_TO + 5):  # "open" in a comment makes LL110 active on each
        _write(tree / f"pkg/filler{i}.py", f"def f{i}(x):\n    # opens nothing\n    return g(x)\n")
    _write(tree / "pkg/a.py", PY_USER.replace(".conn import connect_db", ".wrap import wrapped")
           .replace("connect_db(path)", "wrapped(path)"))
    _write(tree / "pkg/wrap.py", "from .conn import connect_db\n\n\ndef wrapped(p):\n    return connect_db(p)\n")
    _write(tree / "pkg/conn.py", PY_FACTORY)
    taken: dict = {}
    real = shapes.shape

    def shape(lang, ctx, full=True):
        facts = real(lang, ctx, full)
        taken.setdefault(os.path.basename(ctx.src.path), []).append(bool(facts.get("light")))
        return facts

    monkeypatch.setattr(shapes, "shape", shape)
    assert _found(_run(tree, ["LL110"], cache=False)) == [("tree/pkg/a.py", "LL110")]
    assert all(taken[f"filler{i}.py"] == [True] for i in range(SHAPE_ALL_UP_TO + 5))
    assert taken["conn.py"] == [False]  # it holds the acquisition: whole from the start
    assert taken["wrap.py"][-1] is False  # it calls the factory: completed


def test_only_functions_that_can_reach_an_acquisition_name_factories():
    """Returning another call's result makes a function a factory only once a factory
    is known under that call's name (through other files, own functions, exports and
    constructors); one returning some unrelated call's result names none."""
    from leaklint.facts.shapes import factory_names

    def fn(direct=None, deps=()):
        return {"direct": direct or {}, "deps": [list(d) for d in deps]}

    pool = {"factories": {"open_pool": fn({"LL110": "sqlite3.connect"}),
                          "Owner.__init__": fn({"LL110": "open"}),
                          "pooled": fn(deps=[("local", "open_pool", 0)])},
            "exports": {"makePool": "pooled"}}
    users = {"factories": {"wrap": fn(deps=[("external", "import:./pool#makePool", 0)]),
                           "wrap_again": fn(deps=[("external", "import:./users#wrap", 0)]),
                           "colour": fn(deps=[("external", "import:./maths#mix", 0)]),
                           "loop": fn(deps=[("local", "loop", 0)])}}
    assert factory_names([pool, None, users]) == {
        b"open_pool", b"__init__", b"Owner", b"pooled", b"makePool", b"wrap", b"wrap_again"}
    assert factory_names([users]) == set()
