"""How long an owner lives (facts.lifetimes), per language."""

from __future__ import annotations

import os

import pytest

from leaklint.facts.lifetimes import (CALL, OBJECT, PAGE, PROCESS, RUN, Owner, go_package_state,
                                      lifetime)


@pytest.mark.parametrize("owner, expected", [
    # Go: package variables live as long as the process, unless the program is a command
    (Owner("go", "pkg/cache/store.go", "package", "cache"), PROCESS),
    (Owner("go", "pkg/cache/store.go", "init", "cache"), PROCESS),
    (Owner("go", "main.go", "package", "main"), RUN),
    (Owner("go", "main.go", "main", "main"), RUN),
    (Owner("go", "cmd/serve.go", "package", "serve"), RUN),
    (Owner("go", "pkg/cache/store_test.go", "package", "cache"), RUN),
    (Owner("go", "pkg/cache/store.go", "field", "cache"), OBJECT),
    (Owner("go", "pkg/cache/store.go", "function", "cache"), CALL),
    # Python: the module's top level and a __main__ block live with the interpreter
    (Owner("python", "app/registry.py", "package"), PROCESS),
    (Owner("python", "app/cli.py", "main"), PROCESS),
    (Owner("python", "tests/test_registry.py", "package"), RUN),
    (Owner("python", "app/registry.py", "field"), OBJECT),
    (Owner("python", "app/registry.py", "function"), CALL),
    # TS/JS: module scope lives with the page (or the process) that loaded it
    (Owner("typescript", "src/store.ts", "package"), PAGE),
    (Owner("javascript", "src/store.spec.js", "package"), RUN),
    (Owner("typescript", "src/widget.tsx", "field"), OBJECT),
    (Owner("javascript", "src/handler.js", "function"), CALL),
    # the class of a module a loader picks by a computed name: one object per name
    (Owner("javascript", "src/transports/ws.js", "plugin"), PAGE),
])
def test_lifetime(owner, expected):
    assert lifetime(owner) == expected


def listed_files(directory):
    """The files of ``directory`` as discovery lists them: none for a directory that is not
    there."""
    if not os.path.isdir(directory):
        return []
    return [p for p in (os.path.join(directory, n) for n in sorted(os.listdir(directory)))
            if os.path.isfile(p)]


def test_go_package_state_is_what_the_cache_rule_asks():
    assert go_package_state("internal/lru/lru.go", "lru") == PROCESS
    assert go_package_state("tools/gen/main.go", "main") == RUN
    assert go_package_state("commands/run.go", "commands") == RUN


# -- owners found in code (owner_of), what dies with them, aliases ---------------------------

from leaklint.facts import ts_paths, lifetimes  # noqa: E402
from leaklint.languages import parser  # noqa: E402


def _parse(lang, code):
    return parser(lang).parse(code.encode()).root_node


def _node_at(root, needle: str):
    """The smallest named node whose text starts with ``needle``."""
    best = None
    stack = [root]
    while stack:
        n = stack.pop()
        if n.text.decode().startswith(needle) and (best is None or n.end_byte - n.start_byte
                                                    <= best.end_byte - best.start_byte):
            best = n
        stack.extend(n.named_children)
    assert best is not None, needle
    return best


def _owner(lang, code, needle, path="src/x"):
    root = _parse(lang, code)
    return lifetimes.owner_of(lang, _node_at(root, needle), path)


@pytest.mark.parametrize("code, needle, kind", [
    ("package main\nfunc main() {\n\tgo func() { work() }()\n}\n", "work()", "main"),
    ("package p\nfunc init() {\n\tstart()\n}\n", "start()", "init"),
    ("package p\nfunc TestMain(m *testing.M) {\n\tsetup()\n}\n", "setup()", "test-main"),
    ("package p\nvar cache = build()\n", "build()", "init"),
    ("package p\nfunc (s *S) Run() {\n\tstep()\n}\n", "step()", "function"),
    # main's last statement runs it: when it returns the program ends
    ("package main\nfunc run() int {\n\tstep()\n\treturn 0\n}\n"
     "func main() {\n\tflag.Parse()\n\tos.Exit(run())\n}\n", "step()", "main"),
    ("package main\nfunc gen() error {\n\treturn step()\n}\nfunc all() {\n\t_ = gen()\n}\n"
     "func main() {\n\tif err := all; err != nil {\n\t}\n}\n", "step()", "function"),
    ("package main\nfunc gen() error {\n\tstep()\n\treturn nil\n}\nfunc all() {\n\t_ = gen()\n}\n"
     "func main() {\n\tall()\n}\n", "step()", "main"),
    # main goes on after it, calls it in a loop or a closure, or another package does
    ("package main\nfunc run() {\n\tstep()\n}\nfunc main() {\n\trun()\n\tfmt.Println()\n}\n",
     "step()", "function"),
    ("package main\nfunc run() {\n\tstep()\n}\nfunc main() {\n\tfor {\n\t\trun()\n\t}\n}\n",
     "step()", "function"),
    ("package main\nfunc run() {\n\tstep()\n}\nfunc main() {\n\thttp.HandleFunc(\"/\", "
     "func(w http.ResponseWriter, r *http.Request) { run() })\n}\n", "step()", "function"),
    ("package tool\nfunc run() {\n\tstep()\n}\nfunc main() {\n\trun()\n}\n", "step()", "function"),
])
def test_go_owners(code, needle, kind):
    assert _owner("go", code, needle, "p/x.go").kind == kind


def test_go_owner_lifetimes():
    code = "package p\nfunc TestMain(m *testing.M) {\n\tsetup()\n}\nvar c = build()\n"
    assert lifetimes.lifetime(_owner("go", code, "setup()", "p/x_test.go")) == RUN
    assert lifetimes.lifetime(_owner("go", code, "build()", "p/x.go")) == PROCESS


@pytest.mark.parametrize("code, needle, path, kind", [
    ('import sys\nif __name__ == "__main__":\n    serve()\n', "serve()", "app/srv.py", "main"),
    ("from setuptools import setup\nsetup(name='x')\n", "setup(name", "setup.py", "main"),
    ("#!/usr/bin/env python\nrun()\n", "run()", "tools/gen.py", "main"),
    ("REGISTRY = build()\n", "build()", "app/reg.py", "package"),
    ("def handle(req):\n    open(req)\n", "open(req)", "app/h.py", "function"),
])
def test_python_owners(code, needle, path, kind):
    owner = _owner("python", code, needle, path)
    assert owner.kind == kind
    assert lifetimes.lives_to_exit(owner) == (kind != "function")


@pytest.mark.parametrize("code, needle, kind", [
    # the component the entry point renders is the application root
    ("function App() { useEffect(() => { window.addEventListener('resize', f); }); }\n"
     "createRoot(el).render(<App />);\n", "window.addEventListener", "root"),
    ("class Shell { mounted() { bus.on('x', f); } }\ncreateApp(Shell).mount('#app');\n",
     "bus.on", "root"),
    # a custom element the module itself puts into the page, once
    ("class Shell extends HTMLElement { connectedCallback() { go(); } }\n"
     "customElements.define('x-shell', Shell);\n"
     "document.body.appendChild(document.createElement('x-shell'));\n", "go()", "root"),
    ("class Shell extends HTMLElement { connectedCallback() { go(); } }\n"
     "document.body.append(new Shell());\n", "go()", "root"),
    # its tag says nothing: an element defined but put into pages by others may be many
    ("class Shell extends HTMLElement { connectedCallback() { go(); } }\n"
     "customElements.define('my-app', Shell);\n", "go()", "field"),
    ("class Shell extends HTMLElement { connectedCallback() { go(); } }\n"
     "function show() { document.body.append(new Shell()); }\n", "go()", "field"),
    # a class the module instantiates once, and a module-level object literal
    ("class Store { init() { ipc.on('x', f); } }\nexport default new Store();\n",
     "ipc.on", "singleton"),
    ("const actions = { LISTEN(ctx) { ipc.on('x', f); } };\nexport default { actions };\n",
     "ipc.on", "singleton"),
    # a module extension applied once to the object its parent passes in
    ("module.exports = function (Posts) {\n  pubsub.on('x', f);\n"
     "  Posts.edit = async function () {};\n};\n", "pubsub.on", "bootstrap"),
    # ordinary owners
    ("class Widget { start() { bus.on('x', f); } }\nnew Widget(); new Widget();\n",
     "bus.on", "field"),
    ("export default { mounted() { window.addEventListener('x', f); } };\n",
     "window.addEventListener", "function"),
    ("export function track(r) { document.addEventListener('click', r); }\n",
     "document.addEventListener", "function"),
    ("window.addEventListener('error', report);\n", "window.addEventListener", "package"),
])
def test_javascript_owners(code, needle, kind):
    lang = "tsx" if "<" in code else "javascript"
    owner = _owner(lang, code, needle, "src/app.js")
    assert owner.kind == kind
    assert lifetimes.lives_to_exit(owner) == (kind in ("root", "singleton", "bootstrap",
                                                       "package"))


@pytest.mark.parametrize("code, target, dies", [
    # the object itself and what the function creates
    ("function f() { this.on('x', g); }", "this", True),
    ("function f() { const s = fs.createReadStream(p); s.on('x', g); }", "s", True),
    ("let child;\nfunction f() { child = spawn('x'); child.on('close', g); }", "child", True),
    # what the class creates, and the object passed into its constructor
    ("class P { constructor() { this.bus = new Bus(); }\n m() { this.bus.on('x', g); } }",
     "this.bus", True),
    ("class P { constructor(conf) { this.conf = conf; conf.on('x', g); } }", "conf", True),
    ("class P { constructor(conf) { this.conf = conf; }\n m() { this.conf.on('x', g); } }",
     "this.conf", True),
    ("class Q extends B { constructor(muya) { super(muya); }\n"
     " m() { const { eventCenter } = this.muya; eventCenter.on('x', g); } }",
     "eventCenter", True),
    # long-lived or foreign targets do not
    ("function f() { window.on('x', g); }", "window", False),
    ("function f(bus) { bus.on('x', g); }", "bus", False),
    ("function f() { document.getElementById('a').on('x', g); }",
     "document.getElementById('a')", False),
    ("class P { m(other) { this.other = other; }\n n() { this.other.on('x', g); } }",
     "this.other", False),
])
def test_javascript_dies_with(code, target, dies):
    root = _parse("javascript", code)
    call = _node_at(root, target + ".on(")
    recv = call.child_by_field_name("function").child_by_field_name("object")
    assert lifetimes.dies_with("javascript", recv, call) is dies


def test_javascript_aliases():
    code = ("class P { constructor(conference) { this._conference = conference; }\n"
            " m() { const c = this._conference; c.on('x', g); } }")
    root = _parse("javascript", code)
    call = _node_at(root, "c.on(")
    recv = call.child_by_field_name("function").child_by_field_name("object")
    assert lifetimes.aliases("javascript", recv) >= {"c", "this._conference", "conference"}


def test_unknown_language_is_a_clear_error():
    with pytest.raises(ValueError, match="no owners for language 'cobol'"):
        lifetimes.owner_of("cobol", None, "x.cbl")


def test_python_aliases_and_dies_with():
    code = ("class Pool:\n    def __init__(self):\n        self._conn = connect()\n"
            "    def use(self):\n        conn = self._conn\n        conn.send()\n"
            "def opener():\n    handle = None\n    def get():\n        nonlocal handle\n"
            "        handle = open('x')\n        return handle\n    return get\n")
    root = _parse("python", code)
    conn = _node_at(root, "conn.send").child_by_field_name("object")
    assert lifetimes.aliases("python", conn) == {"conn", "self._conn"}
    handle = _node_at(root, "handle = open").child_by_field_name("left")
    assert lifetimes.aliases("python", handle) == {"handle", "opener.handle"}
    target = _node_at(root, "self._conn =").child_by_field_name("left")
    assert lifetimes.dies_with("python", target, target)


def test_go_method_value_alias():
    root = _parse("go", "package p\nfunc f() {\n\tdefer cleanup(it.Close)\n}\n")
    sel = _node_at(root, "it.Close")
    assert lifetimes.aliases("go", sel) == {"it.Close", "it"}


# -- application roots mounted by an entry point (facts.js_roots) ----------------------------

from leaklint.facts import js_roots  # noqa: E402


@pytest.mark.parametrize("lang, code, names", [
    ("tsx", "import App from './App';\ncreateRoot(el).render(<App />);\n", {"App"}),
    ("tsx", "hydrateRoot(document.getElementById('r'), <Shell user={u} />);\n", {"Shell"}),
    ("javascript", "createApp(App).mount('#app');\n", {"App"}),
    ("javascript", "createApp({ mixins: [socket, mobile], render: () => h(App) });\n",
     {"socket", "mobile", "App"}),
    ("javascript", "new Vue({ mixins: [theme], render: (h) => h(Root) }).$mount('#app');\n",
     {"theme", "Root"}),
    ("javascript", "const el = document.createElement('div');\nrender(el);\n", set()),
    # a root the entry declares: what it renders under no condition is mounted with it
    ("tsx", "if (el) {\n  const App = () => (\n    <Store><Menu />{open ? <Help /> : null}"
     "{xs.map((x) => <Row />)}</Store>\n  );\n  render(<App />, el);\n}\n",
     {"App", "Store", "Menu"}),
    ("tsx", "function Shell() {\n  if (ready) { return <Page />; }\n  return <Spinner />;\n}\n"
     "render(<Shell />, el);\n", {"Shell"}),
    # what the rendered element always wraps is mounted too; what it shows under a condition not
    ("tsx", "createRoot(el).render(<Provider store={s}><App />{x ? <Help /> : null}</Provider>);\n",
     {"Provider", "App"}),
])
def test_entry_root_names(lang, code, names):
    assert js_roots.root_names(_parse(lang, code)) == names


def test_a_module_an_entry_mounts_is_a_root(tmp_path):
    src = tmp_path / "src"
    (src / "mixins").mkdir(parents=True)
    (src / "main.js").write_text("import mobile from './mixins/mobile';\n"
                                 "import other from './mixins/other';\n"
                                 "createApp({ mixins: [mobile] }).mount('#app');\n")
    (src / "mixins" / "mobile.js").write_text("export default { created() {} };\n")
    (src / "mixins" / "other.js").write_text("export default { created() {} };\n")

    roots = js_roots.Roots(lambda p: open(p, "rb").read(), listed_files)
    assert roots.mounted(str(src / "mixins" / "mobile.js"))
    assert not roots.mounted(str(src / "mixins" / "other.js"))  # imported, not mounted
    assert not roots.mounted(str(src / "main.js"))


def test_tsconfig_path_aliases_are_read_from_its_dialect(tmp_path):
    (tmp_path / "pkg" / "src" / "app").mkdir(parents=True)
    (tmp_path / "tsconfig.base.json").write_text('{"compilerOptions": {"baseUrl": "pkg/src"}}')
    (tmp_path / "pkg" / "tsconfig.json").write_text(
        '{\n  // comment\n  "extends": "../tsconfig.base.json",\n  "compilerOptions": {\n'
        '    "paths": { "~/*": ["./app/*"], "~/app/x/*": ["./x/*"], "@x/*": ["../../../out/*"],'
        ' "exact": ["./e"], "two/*/*": ["./t/*"], },  /* trailing */\n  },\n}\n')
    aliases = ts_paths.Aliases(lambda p: open(p, "rb").read() if os.path.isfile(p) else None)
    src = str(tmp_path / "pkg" / "src")
    here = str(tmp_path / "pkg" / "src" / "app")
    # targets are relative to the baseUrl the extended file sets, relative to that file
    assert aliases.candidates(here, "~/views/list") == [os.path.join(src, "app", "views", "list")]
    assert aliases.candidates(here, "~/app/x/y") == [os.path.join(src, "x", "y")]  # longest prefix
    assert aliases.candidates(here, "exact") == [os.path.join(src, "e")]
    assert aliases.candidates(here, "@x/lib") == []     # out of the configurations' tree
    # two wildcards make no pattern: the specifier is looked for under baseUrl
    assert aliases.candidates(here, "two/a/b") == [os.path.join(src, "two", "a", "b")]
    assert aliases.candidates(here, "exactly") == [os.path.join(src, "exactly")]
    assert aliases.candidates(here, "react") == [os.path.join(src, "react")]  # under baseUrl
    broken = ts_paths.Aliases(lambda p: b"{ not json" if p.endswith("tsconfig.json") else None)
    assert broken.candidates(here, "~/views/list") == []
    assert ts_paths.parse_config(b'{"compilerOptions": {"paths": 3}}') is not None
    assert ts_paths.Aliases(lambda p: b'{"compilerOptions": {"paths": 3}}').candidates(
        here, "~/x") == []


def test_an_aliased_module_a_declared_root_renders_is_a_root(tmp_path):
    (tmp_path / "app" / "components").mkdir(parents=True)
    (tmp_path / "tsconfig.json").write_text('{"compilerOptions": {"paths": {"~/*": ["./app/*"],'
                                            ' "up/*": ["../*"]}}}')
    (tmp_path / "app" / "index.tsx").write_text(
        "import Analytics from '~/components/Analytics';\n"
        "import Outside from 'up/Outside';\n"
        "import Help from '~/components/Help';\n"
        "const App = () => <Analytics><Outside />{x ? <Help /> : null}</Analytics>;\n"
        "render(<App />, el);\n")
    for name in ("Analytics", "Help"):
        (tmp_path / "app" / "components" / f"{name}.tsx").write_text("export default 1;\n")

    def read(p):
        try:
            return open(p, "rb").read()
        except OSError:
            return None

    roots = js_roots.Roots(read, listed_files)
    assert roots.mounted(str(tmp_path / "app" / "components" / "Analytics.tsx"))
    assert not roots.mounted(str(tmp_path / "app" / "components" / "Help.tsx"))  # conditional
    assert roots._module(str(tmp_path / "app" / "index.tsx"), "up/Outside") is None


@pytest.mark.parametrize("code, kind, name", [
    ("const A = forwardRef((p, r) => <div />);\nexport default connect(m)(A, 'A');\n",
     "arrow_function", ""),
    ("const B = memo(function Row() { return null; });\nconst C = connect(m)(B);\n"
     "export default C;\n", "function_expression", ""),
    ("class T extends React.Component {}\nexport default withRouter(T);\n", "class_declaration", "T"),
    ("import Terms from './terms';\nexport default connect(m, d)(Terms, 'Terms');\n",
     "identifier", "Terms"),
    ("export default makeStore(reducer);\n", None, None),  # a call wrapping no component
    ("export const x = 1;\n", None, None),
])
def test_the_component_a_default_export_wraps(code, kind, name):
    found = js_roots.default_component(_parse("tsx", code))
    assert (found.type if found is not None else None) == kind
    if name:
        assert (found.text.decode() if kind == "identifier"
                else found.child_by_field_name("name").text.decode()) == name


def test_a_module_a_mounted_root_always_renders_or_wraps_is_a_root(tmp_path):
    (tmp_path / "containers").mkdir()
    (tmp_path / "components").mkdir()
    (tmp_path / "index.tsx").write_text(
        "import Shell from './containers/shell';\n"
        "createRoot(el).render(<Provider store={s}><Shell /></Provider>);\n")
    (tmp_path / "containers" / "shell.tsx").write_text(
        "import Panes from './panes';\nimport Help from '../components/help';\n"
        "const Shell = forwardRef((p, r) => <div><Panes />{p.help && <Help />}</div>);\n"
        "export default connect(m)(Shell);\n")
    (tmp_path / "containers" / "panes.ts").write_text(
        "import Panes from '../components/panes';\nexport default connect(m)(Panes);\n")
    for name in ("panes", "help"):
        (tmp_path / "components" / f"{name}.tsx").write_text("export default class X {}\n")

    roots = js_roots.Roots(lambda p: open(p, "rb").read(), listed_files)
    assert roots.mounted(str(tmp_path / "containers" / "shell.tsx"))
    assert roots.mounted(str(tmp_path / "containers" / "panes.ts"))
    assert roots.mounted(str(tmp_path / "components" / "panes.tsx"))  # wrapped by a rendered one
    assert not roots.mounted(str(tmp_path / "components" / "help.tsx"))  # under a condition


def test_the_default_export_of_a_mounted_module_is_the_root():
    code = "export default { created() { window.addEventListener('resize', f); } };\n"
    root = _parse("javascript", code)
    node = _node_at(root, "window.addEventListener")
    assert lifetimes.owner_of("javascript", node, "m.js", reads={"js-root": ["default"]}).kind == "root"
    assert lifetimes.owner_of("javascript", node, "m.js").kind == "function"
    # declared first, exported by name: `const Root = ...; export default Root`
    code = ("const Root = () => { useEffect(() => { window.addEventListener('resize', f); }); };\n"
            "const Other = () => { window.addEventListener('scroll', f); };\n"
            "export default Root;\n")
    root = _parse("tsx", code)
    node = _node_at(root, "window.addEventListener('resize'")
    assert lifetimes.owner_of("javascript", node, "m.tsx", reads={"js-root": ["default"]}).kind == "root"
    node = _node_at(root, "window.addEventListener('scroll'")
    assert lifetimes.owner_of("javascript", node, "m.tsx", reads={"js-root": ["default"]}).kind != "root"


def test_an_export_a_root_mounts_by_name_is_the_root():
    code = ("export class App { componentDidMount() { window.addEventListener('keydown', f); } }\n"
            "export class Panel { componentDidMount() { window.addEventListener('copy', f); } }\n"
            "export const Shell = () => { window.addEventListener('resize', f); };\n")
    root = _parse("tsx", code)
    keydown, copy, resize = (_node_at(root, f"window.addEventListener('{e}'")
                             for e in ("keydown", "copy", "resize"))
    reads = {"js-root": ["App", "Shell"]}
    assert lifetimes.owner_of("javascript", keydown, "app.tsx", reads=reads).kind == "root"
    assert lifetimes.owner_of("javascript", resize, "app.tsx", reads=reads).kind == "root"
    assert lifetimes.owner_of("javascript", copy, "app.tsx", reads=reads).kind != "root"
    # the default export is not mounted when only names are
    code = "export default { created() { window.addEventListener('resize', f); } };\n"
    root = _parse("javascript", code)
    node = _node_at(root, "window.addEventListener")
    assert lifetimes.owner_of("javascript", node, "m.js", reads=reads).kind != "root"


def test_a_mode_of_the_command_line_is_owned_by_the_command_run():
    code = ("function list(opts) {\n  if (opts.rawArgs.indexOf('--watch') > -1) {\n"
            "    setInterval(show, 900);\n  }\n  setInterval(poll, 900);\n}\n")
    root = _parse("javascript", code)
    owner = lifetimes.owner_of("javascript", _node_at(root, "setInterval(show"), "cli.js")
    assert (owner.kind, lifetimes.lifetime(owner)) == ("main", lifetimes.PROCESS)
    assert lifetimes.owner_of("javascript", _node_at(root, "setInterval(poll"),
                              "cli.js").kind == "function"


def test_tsconfig_aliases_survive_what_a_tree_may_hold(tmp_path):
    """Extends in a cycle, targets that are not strings, a pattern mapped to a string, a
    configuration that is not JSON: each gives what it can and never an error."""
    (tmp_path / "tsconfig.json").write_text(
        '{"extends": "./b.json", "compilerOptions": {"baseUrl": ".", "paths": '
        '{"@x/*": ["./src/*", 3, null], "bad": "str", "/abs/*": ["/etc/*"]}}}')
    (tmp_path / "b.json").write_text('{"extends": "./tsconfig.json"}')
    (tmp_path / "src").mkdir()
    aliases = ts_paths.Aliases(lambda p: open(p, "rb").read() if os.path.isfile(p) else None)
    here = str(tmp_path / "src")
    assert aliases.candidates(here, "@x/lib") == [str(tmp_path / "src" / "lib")]
    assert aliases.candidates(here, "/abs/passwd") == []  # out of the tree: not followed
    (tmp_path / "tsconfig.json").write_bytes(b"\xff\xfe\x00{{{")
    assert ts_paths.Aliases(lambda p: open(p, "rb").read() if os.path.isfile(p) else None
                            ).candidates(here, "@x/lib") == []
