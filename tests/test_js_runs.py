"""How often a JS function runs (languages.javascript_runs) and which AMD module methods
an entry point starts once (facts.js_startup)."""

from __future__ import annotations

import os

from leaklint.facts import js_startup
from leaklint.languages import parser
from leaklint.languages.javascript import FUNCTIONS, function_name, walk
from leaklint.languages.javascript_runs import ONCE, PER_CALL, how_often


def _root(code: str):
    return parser("javascript").parse(code.encode()).root_node


def _function(root, name: str):
    return next(n for n in walk(root) if n.type in FUNCTIONS and function_name(n) == name)


PAGE = """
define("forum/page", ["hooks"], function (hooks) {
  const Page = {};
  Page.init = function () { helper(); };
  Page.started = function () {
    if (Page.running) { return; }
    Page.running = true;
  };
  function helper() {}
  function handedOn() {}
  hooks.on("x", handedOn);
  return Page;
});
"""


def test_amd_methods_run_per_call_unless_started_or_guarded():
    root = _root(PAGE)
    assert how_often(_function(root, "init")).kind == PER_CALL
    assert "AMD module object Page" in how_often(_function(root, "init")).why
    assert how_often(_function(root, "init"), started=("init",)).kind == ONCE
    assert how_often(_function(root, "started")).kind == ONCE
    # a private function only a per-call method calls runs per call; one handed on as a
    # value is not known
    assert how_often(_function(root, "helper")).kind == PER_CALL
    assert how_often(_function(root, "handedOn")).kind == ""


def test_exports_and_routes():
    root = _root("""
exports.query = function (q) { return run(q); };
exports.setup = function () { bus.on("x", f); };
router.get("/items", function list(req, res) { res.end(); });
router.get(name, function other(req, res) { res.end(); });
function local() { return 1; }
""")
    assert how_often(_function(root, "query")).kind == PER_CALL
    assert how_often(_function(root, "setup")).kind == ""  # returns nothing: may run once
    assert how_often(_function(root, "list")).kind == PER_CALL
    assert how_often(_function(root, "other")).kind == ""  # not a route path
    assert how_often(_function(root, "local")).kind == ""


def test_file_facts_follow_dependencies_and_clears():
    facts = js_startup.file_facts(_root("""
define("forum/header", ["forum/header/chat", "hooks"], function (chat, hooks) {
  const header = {};
  header.prepareDOM = function () {
    chat.prepareDOM();
    require(["search"], function (search) { search.init(); });
    $(window).on("click", function () { hooks.fire("x"); });
  };
  $(window).off("scroll");
  return header;
});
"""))
    assert facts["name"] == "forum/header"
    assert facts["calls"]["prepareDOM"] == [["forum/header/chat", "prepareDOM"],
                                            ["search", "init"]]
    assert facts["clears"] == [["$(window)", "scroll"]]


def test_startup_reaches_across_modules(tmp_path):
    files = {
        "app.js": 'require(["forum/header"], function (header) { header.prepareDOM(); });',
        "client/header.js": 'define("forum/header", ["forum/chat"], function (chat) {'
                            ' const h = {}; h.prepareDOM = function () { chat.prepareDOM(); };'
                            ' return h; });',
        "client/chat.js": 'define("forum/chat", [], function () { const c = {};'
                          ' c.prepareDOM = function () {}; c.init = function () {};'
                          ' return c; });',
    }
    for name, code in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(code)

    def read(p):
        return open(p, "rb").read() if os.path.isfile(p) else None

    def siblings(d):
        return [os.path.join(d, n) for n in sorted(os.listdir(d))] if os.path.isdir(d) else []

    def parsed(p):
        return js_startup.parse_root(p, read(p))

    def facts_of(p):
        root = parsed(p)
        return js_startup.file_facts(root) if root is not None else None

    chat = str(tmp_path / "client" / "chat.js")
    startup = js_startup.Startup([chat], facts_of, parsed, siblings)
    assert startup.read_of(chat)["started"] == ["prepareDOM"]
    # without the entry nothing is known to start once
    os.remove(tmp_path / "app.js")
    assert js_startup.Startup([chat], facts_of, parsed, siblings).read_of(chat)["started"] == []


def test_startup_facts_of_unchanged_files_come_from_the_cache(tmp_path, monkeypatch):
    """A hook run on one page module reads the entry beside it for its start-up facts;
    the next run (the module edited) takes the entry's facts from the cache unparsed."""
    from leaklint import api

    tree = tmp_path / "tree"
    (tree / "client").mkdir(parents=True)
    (tree / "pyproject.toml").write_text("[tool.leaklint]\n")  # the tree's root
    monkeypatch.chdir(tree)
    (tree / "app.js").write_text(
        'require(["forum/chat"], function (chat) { chat.prepareDOM(); });')
    chat = tree / "client" / "chat.js"
    module = ('define("forum/chat", [], function () { const c = {};'
              ' c.prepareDOM = function () { $(window).on("resize", function () {}); };'
              ' return c; });\n')
    chat.write_text(module)
    parsed = []
    real = js_startup.parse_root
    monkeypatch.setattr(js_startup, "parse_root",
                        lambda path, data: parsed.append(os.path.basename(path)) or real(path, data))
    cache = str(tmp_path / "cache")
    api.check_paths([str(chat)], cache_dir=cache)
    assert "app.js" in parsed
    parsed.clear()
    chat.write_text(module + "// edited\n")
    api.check_paths([str(chat)], cache_dir=cache)
    assert parsed == []
