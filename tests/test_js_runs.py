"""How often a JS function runs (languages.javascript_runs) and which AMD module methods
an entry point starts once (facts.js_startup)."""

from __future__ import annotations

import os

from leaklint.facts import js_startup, js_startup_facts
from leaklint.languages import parser
from leaklint.languages.javascript import FUNCTIONS, function_name, walk
from leaklint.languages.javascript_runs import ONCE, PER_CALL, command_mode, how_often


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
    facts = js_startup_facts.file_facts(_root("""
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


def _startup_of(tmp_path, files):
    read_of = _reader(tmp_path, files)
    return lambda path: read_of(path)["started"]


def _reader(tmp_path, files):
    """The js-startup read of a file of a tree of ``files``, as a function of its path."""
    for name, code in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(code)

    def read(p):
        return open(p, "rb").read() if os.path.isfile(p) else None

    def siblings(d):
        return [os.path.join(d, n) for n in sorted(os.listdir(d))] if os.path.isdir(d) else []

    def parsed(p):  # as the facts phase parses the files it analyses: all of them
        return _root(read(p).decode()) if read(p) is not None else None

    def facts_of(p):
        root = js_startup_facts.parse_root(p, read(p))
        return js_startup_facts.file_facts(root) if root is not None else None

    return lambda path: js_startup.Startup([str(tmp_path / path)], facts_of, parsed,
                                           siblings).read_of(str(tmp_path / path))


def test_startup_reaches_across_modules(tmp_path):
    started = _startup_of(tmp_path, {
        "app.js": 'require(["forum/header"], function (header) { header.prepareDOM(); });',
        "client/header.js": 'define("forum/header", ["forum/chat"], function (chat) {'
                            ' const h = {}; h.prepareDOM = function () { chat.prepareDOM(); };'
                            ' return h; });',
        "client/chat.js": 'define("forum/chat", [], function () { const c = {};'
                          ' c.prepareDOM = function () {}; c.init = function () {};'
                          ' return c; });',
    })
    assert started("client/chat.js") == ["prepareDOM"]
    # without the entry nothing is known to start once
    os.remove(tmp_path / "app.js")
    assert started("client/chat.js") == []


def test_code_under_a_test_of_the_command_line_is_a_mode_of_the_command():
    root = _root("""
function list(opts) {
  fetch(function (rows) {
    if (opts && opts.rawArgs && opts.rawArgs.indexOf("--watch") > -1) { tick(); }
  });
}
function tail() { if (process.argv.includes("-f")) { a(); } else { b(); } }
function plain(opts) { if (opts.watch) { c(); } }
function routes(router) {
  router.get("/x", function (req, res) { if (process.argv.includes("-v")) { d(); } });
}
""")
    calls = {n.child_by_field_name("function").text.decode(): n for n in walk(root)
             if n.type == "call_expression"}
    assert command_mode(calls["tick"]).startswith("(opts && opts.rawArgs")
    assert command_mode(calls["a"]) == '(process.argv.includes("-f"))'
    assert command_mode(calls["b"]) == ""  # the else branch is no mode
    assert command_mode(calls["c"]) == ""  # an option, not the command line
    assert command_mode(calls["d"]) == ""  # a route handler runs per request


def test_import_uses_split_load_time_calls_from_other_uses():
    facts = js_startup_facts.file_facts(_root("""
import swipe from "./swipe";
import * as watch from "./watch";
import { ready, later } from "./util";
import ext from "ext";
swipe(1);
watch.focus();
ready(() => watch.blur());
btn.addEventListener("click", () => later());
export function open() { swipe(2); }
run({ later });
ext();
"""))
    assert facts["once"] == [["./swipe", "default"], ["./watch", "focus"], ["./util", "ready"],
                             ["./watch", "blur"]]
    assert sorted(facts["uses"]) == [["./util", "later"], ["./util", "later"]]
    # called directly by a top-level function: once as often as that function runs
    assert facts["called_in"] == [["./swipe", "default", "open"]]
    # what an entry starts: its top-level calls and any callback written there
    assert ["./util", "later"] in facts["starts"] and ["./swipe", "default"] in facts["starts"]


def test_functions_only_the_load_runs_start_what_they_call():
    facts = js_startup_facts.file_facts(_root("""
import focus from "./focus";
import { poll } from "./poll";
async function init() { await setup(); focus.enable(); }
async function setup() { poll(); }
function again() { focus.track(); }
function loop() { focus.blur(); }
init().catch(console.error);
for (const x of xs) loop();
document.body.addEventListener("click", again);
"""))
    # init() runs once, from the top level, and setup() only from it; loop() runs per
    # turn and again() per click
    assert facts["once"] == [["./focus", "enable"], ["./poll", "poll"]]
    assert sorted(facts["called_in"]) == [["./focus", "blur", "loop"],
                                          ["./focus", "track", "again"]]


def _boot_tree(tmp_path, ring: str):
    return _startup_of(tmp_path, {
        "index.js": 'import { boot, refresh } from "./boot";\n'
                    'function onClick() { refresh(); }\nboot();\n'
                    'document.body.addEventListener("click", onClick);\n',
        "boot.js": 'import { connect, probe } from "./net/link";\n'
                   'export function boot() { connect(); probe(); }\n'
                   'export function refresh() { probe(); }\n',
        "net/link.js": 'import { ring } from "./ring";\n'
                       'export function connect() { ring(); }\n'
                       'export function probe() {}\n',
        "net/ring.js": ring,
    })


def test_the_start_up_trace_follows_callers_across_modules(tmp_path):
    started = _boot_tree(tmp_path, "export function ring() {}\n")
    assert started("boot.js") == ["boot"]  # refresh: per click
    # entry -> boot -> connect -> ring; probe is also called per click, through refresh
    assert started("net/link.js") == ["connect"]
    assert started("net/ring.js") == ["ring"]


def test_the_start_up_trace_stops_at_a_caller_that_may_run_again(tmp_path):
    started = _boot_tree(tmp_path, 'import { connect } from "./link";\n'
                         'export function ring() {}\nexport function loop() { connect(); }\n')
    assert started("net/link.js") == []  # connect: ring.js's loop() calls it too
    assert started("net/ring.js") == []  # ring: connect is not once


def test_a_function_only_module_start_up_code_calls_is_started(tmp_path):
    started = _startup_of(tmp_path, {
        "keys.js": 'import swipes from "./lib/swipes";\nimport { a, b } from "./lib/ab";\n'
                   'swipes();\na();\nb();\n',
        "panel.js": 'import { b } from "./lib/ab";\nexport function open() { b(); }\n',
        "lib/swipes.js": "function swipes() {}\nexport default swipes;\n",
        "lib/ab.js": "export function a() {}\nexport function b() {}\n"
                     "export function c() { a(); }\n",
        "lib/solo.js": "export function d() {}\n",
    })
    assert started("lib/swipes.js") == ["swipes"]
    assert started("lib/ab.js") == []  # a: its own module calls it too; b: panel calls it per call
    assert started("lib/solo.js") == []  # called by no one


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
    real = js_startup_facts.parse_root
    monkeypatch.setattr(js_startup_facts, "parse_root",
                        lambda path, data: parsed.append(os.path.basename(path)) or real(path, data))
    cache = str(tmp_path / "cache")
    api.check_paths([str(chat)], cache_dir=cache)
    assert "app.js" in parsed
    parsed.clear()
    chat.write_text(module + "// edited\n")
    api.check_paths([str(chat)], cache_dir=cache)
    assert parsed == []


def test_file_facts_name_the_directories_a_computed_require_loads_from():
    facts = js_startup_facts.file_facts(_root(
        'const a = require("./transports/" + name);\n'
        'const b = require(`../drivers/${kind}.js`);\n'
        'const c = require("./" + name);\n'
        'const d = require(path.join(__dirname, name));\n'
        'const e = require("./fixed");\n'))
    assert facts["loads"] == ["./transports", "../drivers"]


PLUGIN_TREE = {
    "agent.js": 'class A { bind(n) { const T = require("./transports/" + n); return new T(); } }\n'
                "module.exports = A;\n",
    "transports/ws.js": "module.exports = class Ws { constructor() {} };\n",
    "transports/tcp.js": "module.exports = class Tcp { constructor() {} };\n",
    "user.js": 'const Tcp = require("./transports/tcp");\nmodule.exports = () => new Tcp();\n',
}


def test_a_module_only_a_computed_require_reaches_is_a_plugin(tmp_path):
    assert _reader(tmp_path, PLUGIN_TREE)("transports/ws.js")["plugin"] is True


def test_a_module_imported_by_its_name_is_no_plugin(tmp_path):
    read_of = _reader(tmp_path, PLUGIN_TREE)
    assert read_of("transports/tcp.js")["plugin"] is False
    assert read_of("agent.js")["plugin"] is False


def test_the_read_names_the_registration_helpers_a_file_imports(tmp_path):
    read = _reader(tmp_path, {
        "toolkit.js": "export function listen(type, el, fn) { el.addEventListener(type, fn); }\n"
                      "export function onResize(fn) { window.addEventListener('resize', fn); }\n",
        "main.js": 'import { listen, onResize } from "./toolkit";\n'
                   'listen("click", document, go);\nonResize(go);\n',
    })("main.js")
    assert read["helpers"] == [["./toolkit", "listen",
                                {"event": 0, "handler": 2, "options": None, "on": [1]}]]


def test_a_class_made_once_by_start_up_through_an_alias_lives_as_long_as_the_process(tmp_path):
    """main.ts starts boot() once; boot() makes the container; the container's constructor
    makes the provider (imported through a tsconfig alias): one provider for the process,
    so the interval its boot() starts is the program's. A provider a request handler
    makes is one per request: its interval is still owed a clear in shutdown()."""
    from leaklint import api
    from leaklint.config import Config

    files = {
        "tsconfig.json": '{ "compilerOptions": { "baseUrl": ".", // aliases\n'
                         '  "paths": { "@providers/*": ["./src/app/providers/*"], }, }, }\n',
        "src/main.ts": 'import { boot } from "./app/lifecycle";\n'
                       'app.whenReady().then(() => { boot(); });\n',
        "src/app/lifecycle.ts": 'import { Container } from "./container";\n'
                                'export async function boot() {\n'
                                '  const c = new Container();\n  await c.start();\n}\n',
        "src/app/container.ts": 'import Updates from "@providers/updates";\n'
                                'export class Container {\n  private u: Updates;\n'
                                '  constructor() { this.u = new Updates(); }\n'
                                '  async start() { this.u.boot(); }\n}\n',
        "src/app/handler.ts": 'import Reports from "@providers/reports";\n'
                              'export function handle() { new Reports().boot(); }\n',
    }
    provider = ('export default class {name} {{\n  boot() {{\n'
                '    setInterval(() => this.check(), 60000);\n  }}\n'
                '  check() {{}}\n  shutdown() {{}}\n}}\n')
    files["src/app/providers/updates/index.ts"] = provider.format(name="Updates")
    files["src/app/providers/reports/index.ts"] = provider.format(name="Reports")
    for rel, body in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(body)
    report = api.check_paths([str(tmp_path)], config=Config(root=tmp_path), select=["LL204"])
    found = {(os.path.relpath(f.path, tmp_path), f.position.line) for f in report.findings}
    assert found == {("src/app/providers/reports/index.ts", 3)}


def test_load_time_functions_include_variables_and_one_shot_callbacks():
    from leaklint.languages.javascript_load import load_time_functions
    root = _root("""
const setup = function () {};
function banner() {}
function rotate() {}
function each() {}
var later = () => banner();
setTimeout(function () { setup(); }, 10);
later();
rotate();
for (const x of xs) { each(); }
module.exports = { rotate };
""")
    found = load_time_functions(root)
    names = {function_name(n) or n.parent.child_by_field_name("name").text.decode()
             for n in walk(root) if n.type in FUNCTIONS and n.id in found}
    # a loop runs `each` many times; `rotate` is handed to the module's importers
    assert names == {"setup", "banner", "later"}
