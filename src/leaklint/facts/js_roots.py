"""Which JS/TS modules an entry point mounts as the application root: the read
``js-roots`` (``reads["js-root"]``: the names of the file's exports mounted so,
"default" for its default export) that tells a file those live as long as the page.

An entry point is a file named ``main``, ``index``, ``app``, ``entry`` or ``client``
(any JS/TS extension), or any JS/TS file of an ``entry/`` or ``entries/`` directory, in
the analysed file's directory or one of the three above it. It
mounts as roots what it passes to ``createApp(X)`` / ``createSSRApp(X)``, renders as
``render(<X />)``, ``hydrate(<X />)`` or ``hydrateRoot(el, <X />)``, and lists in the
root options' ``mixins: [...]`` (of ``createApp({...})`` or ``new Vue({...})``). A
module is a root when an entry imports it by a relative specifier and uses the import
so: a mixin of the root app is merged into the root, so what its ``created`` adds is
held for the page, like the root's own.

What a root always renders lives as long as it: the components the rendered element
wraps under no condition (``<Provider><App /></Provider>``), and, down to
``RENDER_DEPTH`` modules, the imported components (default or named) the root
component renders under no condition, or wraps (``export default connect(map)(Terms)``;
wrappers such as ``connect(...)``, ``forwardRef`` and ``memo`` are taken off to find the
component, ``languages.javascript_objects.wrapped_component``). A component whose other
returns are gates a latch closes (``_latched``), or gates on the page's own environment
(``if (!window.ipcRenderer) return ...``: set before the page's code runs, it holds for
the whole page), renders what its last return renders. So do the hooks such a component
calls that are its own (``useTelemetry()`` imported from a module of its directory that
no other module around imports): they run as often as the component, and the root's
effects that run once per mount run once per page (``checks/typescript/pairing``).
"""

from __future__ import annotations

import os

from .. import languages
from ..languages import ancestors, recent_syntax, within
# the syntax helpers, not the adapter (its IR and lifecycle model): a run without JS/TS
# files, which still loads this module, need not load that
from ..languages.javascript_syntax import FUNCTIONS, args, method_of, norm, strip, text, walk
from ..languages.javascript_modules import imports
from ..languages.javascript_objects import wrapped_component
from .modules import JS_EXTENSIONS, Resolver

READ = "js-roots"
ENTRY_STEMS = {"main", "index", "app", "entry", "client"}
ENTRY_DIRS = ("entry", "entries")  # every file in such a directory is an entry point
LEVELS = 4  # the file's directory and three above it
MOUNTS = {"createApp", "createSSRApp"}
RENDERS = {"render", "hydrate", "hydrateRoot"}
_CLASSES = ("class_declaration", "class")
RENDER_DEPTH = 4  # modules followed from the root down what it always renders


def root_names(root) -> set:
    """Local names an entry's tree mounts as the application root (or merges into it)."""
    names = set()
    for n in walk(root):
        if n.type == "new_expression" and norm(n.child_by_field_name("constructor")) == "Vue":
            names |= _option_roots(args(n)[:1])
        if n.type != "call_expression":
            continue
        meth, a = method_of(n), args(n)
        if meth in MOUNTS and a:
            first = strip(a[0])
            if first is not None and first.type == "identifier":
                names.add(text(first))
            names |= _option_roots(a[:1])
        elif meth in RENDERS:
            for arg in a[:2]:
                element = strip(arg)
                if element is not None and element.type in ("jsx_element",
                                                             "jsx_self_closing_element"):
                    # the element and what it always wraps (`<Provider><App /></Provider>`)
                    names |= _unconditional_tags(element)
    for name in list(names):
        names |= _always_rendered(_local_component(root, name))
    return names


# what lies between a component function and the elements it always renders
_UNCONDITIONAL = {"jsx_element", "jsx_self_closing_element", "jsx_opening_element",
                  "parenthesized_expression", "return_statement", "statement_block"}


def _local_component(root, name: str, depth: int = 3):
    """The function or class the module itself declares as component ``name`` (its
    wrappers taken off: ``const Hyper = forwardRef((props, ref) => ...)``), or None."""
    for n in walk(root):
        if n.type in ("function_declaration", "class_declaration") \
                and text(n.child_by_field_name("name")) == name:
            return n
        if n.type == "variable_declarator" and text(n.child_by_field_name("name")) == name:
            return _component(root, n.child_by_field_name("value"), depth)
    return None


def _component(root, value, depth: int):
    """The function or class ``value`` is, through wrappers and the module's names; the
    name itself when the module does not declare it (an imported component)."""
    value = wrapped_component(value) if value is not None else None
    if value is not None and value.type == "identifier" and depth > 0:
        return _local_component(root, text(value), depth - 1) or value
    return value if value is not None and value.type in FUNCTIONS + _CLASSES else None


def _always_rendered(fn) -> set:
    """The components a root component (a function, or a class's ``render``) renders on
    every render: the tags of its returned elements that sit under no condition, loop or
    callback. They are mounted with the root and live as long as it."""
    if fn is not None and fn.type in _CLASSES:  # a class component: its render method
        body = fn.child_by_field_name("body")
        fn = next((m for m in (body.named_children if body is not None else [])
                   if m.type == "method_definition"
                   and text(m.child_by_field_name("name")) == "render"), None)
    body = fn.child_by_field_name("body") if fn is not None else None
    if body is None:
        return set()
    returns = sum(n.type == "return_statement" for n in walk(body, stop=FUNCTIONS))
    if returns <= 1:
        return _unconditional_tags(body)
    # several ways out: what each renders comes and goes, unless the others are gates
    # that a latch closes for good (`if (!loggedIn) return <Login />`)
    last = body.named_children[-1] if body.named_children else None
    gates = [c for c in body.named_children[:-1] if c.type == "if_statement"]
    if last is None or last.type != "return_statement" or returns != len(gates) + 1 \
            or not all(_latched(fn, g) or _environment_gate(g) for g in gates):
        return set()
    return _unconditional_tags(last)


def _latched(fn, gate) -> bool:
    """Is ``gate`` `if (!s) return ...` (or `if (s) ...`) on a state of the component
    ``fn`` (`const [s, setS] = useState(...)`) whose setter is only ever called with
    `true` (or `false`): once set, the gate never returns again, and what the function
    returns after it stays rendered."""
    if gate.child_by_field_name("alternative") is not None:
        return False
    cond = strip(gate.child_by_field_name("condition"))
    negated = cond is not None and cond.type == "unary_expression" and text(cond).startswith("!")
    if negated:
        cond = strip(cond.named_children[0]) if cond.named_children else None
    if cond is None or cond.type != "identifier":
        return False
    setter = None
    for n in walk(fn):
        value = n.child_by_field_name("value") if n.type == "variable_declarator" else None
        if value is None or not text(value).startswith(("useState(", "React.useState(")):
            continue
        names = n.child_by_field_name("name")
        parts = list(names.named_children) if names is not None \
            and names.type == "array_pattern" else []
        if len(parts) == 2 and text(parts[0]) == text(cond):
            setter = text(parts[1])
    if setter is None:
        return False
    values = {text(a[0]) if len(a) == 1 else None for n in walk(fn)
              if n.type == "call_expression" and text(n.child_by_field_name("function")) == setter
              for a in [args(n)]}
    return values == ({"true"} if negated else {"false"})


# the page's and the process's own objects: what a condition reads of them is set before
# the page's code runs (`window.ipcRenderer`, `process.env.X`), not by the component
ENVIRONMENT = {"window", "navigator", "document", "process", "globalThis"}


def _environment_gate(gate) -> bool:
    """Is ``gate`` `if (!window.ipcRenderer) return ...` with no else: a condition that
    reads only properties of the page's or process's own objects, calling nothing? It
    holds or fails for the whole page, so what the function returns after it is
    rendered for as long as the component, or never."""
    cond = strip(gate.child_by_field_name("condition"))
    if gate.child_by_field_name("alternative") is not None or cond is None:
        return False
    names = [n for n in [cond, *walk(cond)] if n.type in ("identifier", "this")]
    return bool(names) and all(n.type == "identifier" and text(n) in ENVIRONMENT for n in names) \
        and not any(n.type in ("call_expression", "new_expression", "assignment_expression",
                               "update_expression", "await_expression") for n in walk(cond))


def _unconditional_tags(top) -> set:
    """The capitalised tags (components) of the elements in ``top`` (itself included)
    that sit under no condition, loop or callback between them and ``top``."""
    out = set()
    for n in [top, *walk(top)]:
        if n.type not in ("jsx_opening_element", "jsx_self_closing_element"):
            continue
        tag = n.child_by_field_name("name")
        if tag is None or tag.type != "identifier" or not text(tag)[:1].isupper():
            continue
        if n == top or all(p.type in _UNCONDITIONAL for p in ancestors(n, stop=top)):
            out.add(text(tag))
    return out


def default_component(root):
    """The component a module exports by default, its wrappers taken off (``export
    default connect(map)(Hyper)`` is ``Hyper``): a function or class node, or None."""
    for c in root.named_children:
        if c.type == "export_statement" and any(k.type == "default" for k in c.children):
            value = c.child_by_field_name("declaration") or c.child_by_field_name("value")
            return _component(root, value, 3)
    return None


def _option_roots(nodes) -> set:
    """The mixins of a root options object, and the component its render function draws
    (``render: () => h(App)``)."""
    out = set()
    for node in nodes:
        obj = strip(node)
        if obj is None or obj.type != "object":
            continue
        for pair in obj.named_children:
            if pair.type != "pair":
                continue
            key, value = text(pair.child_by_field_name("key")), strip(
                pair.child_by_field_name("value"))
            if key == "mixins" and value is not None and value.type == "array":
                out |= {text(v) for v in value.named_children if v.type == "identifier"}
            elif key == "render" and value is not None:
                for call in walk(value):
                    if call.type == "call_expression" and method_of(call) == "h" and args(call):
                        first = strip(args(call)[0])
                        if first is not None and first.type == "identifier":
                            out.add(text(first))
    return out


class Roots:
    """The modules mounted as roots by the entries around the files of one run."""

    def __init__(self, read, list_siblings):
        self.read = read
        self.list_siblings = list_siblings
        self.resolver = Resolver(lambda _path: None, list_siblings, read=read)
        self._entries: dict = {}  # entry path -> {module path: names of the exports it mounts}
        self._dirs: dict = {}  # directory -> its entry points
        self._rendered: dict = {}  # (module, export) -> (module, export) it always renders

    def mounted(self, path: str) -> set:
        """The exports of ``path`` that an entry around it mounts as the root ("default"
        for its default export, else the exported names); empty when none."""
        path = os.path.normpath(path)
        directory = os.path.dirname(path)
        out: set = set()
        for _ in range(LEVELS):
            for entry in self._entries_in(directory):
                if os.path.abspath(entry) != os.path.abspath(path):
                    for module, names in self._mounts(entry).items():
                        if os.path.abspath(module) == os.path.abspath(path):
                            out |= names
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
        return out

    def _entries_in(self, directory: str) -> list:
        """The entry points of ``directory``: its files named for one, and every JS/TS
        file of an ``entry/`` or ``entries/`` directory in it (a bundler's entries)."""
        directory = os.path.normpath(directory or ".")
        if directory not in self._dirs:
            out = []
            for p in self.resolver.files_in(directory):
                stem, ext = os.path.splitext(os.path.basename(p))
                if ext in JS_EXTENSIONS and stem in ENTRY_STEMS:
                    out.append(p)
            for sub in ENTRY_DIRS:
                out += [p for p in self.resolver.files_in(os.path.join(directory, sub))
                        if os.path.splitext(p)[1] in JS_EXTENSIONS]
            self._dirs[directory] = sorted(out)
        return self._dirs[directory]

    def _mounts(self, entry: str) -> dict:
        if entry not in self._entries:
            self._entries[entry] = self._extract(entry)
        return self._entries[entry]

    def _extract(self, entry: str) -> dict:
        """{module: the names of its exports ``entry`` mounts as roots}."""
        data = self.read(entry)
        lang = languages.language_of(entry)
        if data is None or lang is None or not any(
                w in data for w in (b"createApp", b"createSSRApp", b"render", b"hydrate",
                                    b"new Vue")):
            return {}
        tree = recent_syntax.parse(lang, data, languages.parser(lang).parse)
        names = root_names(tree.root_node)
        imported = imports(tree.root_node)
        out: dict = {}
        for name in names:
            spec, exported = imported.get(name, ("", ""))
            module = self._module(entry, spec) if spec else None
            if module is not None:
                out.setdefault(module, set()).add(exported)
                work = [(module, exported, 1)]
                while work:  # what the root always renders, across modules
                    current, export, depth = work.pop()
                    for child, child_name in self._renders(current, export) \
                            if depth < RENDER_DEPTH else ():
                        if child_name not in out.get(child, ()):
                            out.setdefault(child, set()).add(child_name)
                            work.append((child, child_name, depth + 1))
        return out

    def _renders(self, module: str, export: str = "default") -> list:
        """(module, exported name) of the components that the component ``module``
        exports as ``export`` renders on every render or wraps (``export default
        connect(map)(Terms)`` of an imported ``Terms``), and of the hooks it calls that
        are its own (``_own_hooks``)."""
        key = (module, export)
        if key not in self._rendered:
            self._rendered[key] = []
            data = self.read(module)
            lang = languages.language_of(module)
            if data is not None and lang is not None and export not in ("", "*") \
                    and (export != "default" or b"export default" in data):
                root = recent_syntax.parse(lang, data, languages.parser(lang).parse).root_node
                imported = imports(root)
                component = default_component(root) if export == "default" \
                    else _local_component(root, export)
                tags = {text(component)} if component is not None \
                    and component.type == "identifier" else _always_rendered(component)
                for tag in sorted(tags):  # what it renders, or the import it wraps
                    spec, name = imported.get(tag, ("", ""))
                    child = self._module(module, spec) if spec and name != "*" else None
                    if child is not None:
                        self._rendered[key].append((child, name))
                self._rendered[key] += self._own_hooks(module, root, component, imported)
        return self._rendered[key]

    def _own_hooks(self, module: str, root, component, imported) -> list:
        """(module, exported name) of the hooks (``useTelemetry()``) that ``component``
        calls in its own body and that are its own: imported from a module of its
        directory that nothing else around uses (no other module of the directories
        around it names it, and its own module calls the hook only there). Their effects
        run as often as the component's."""
        body = component.child_by_field_name("body") if component is not None \
            and component.type in FUNCTIONS else None
        out = []
        for call in walk(body, stop=FUNCTIONS) if body is not None else ():
            head = call.child_by_field_name("function") if call.type == "call_expression" \
                else None
            local = text(head) if head is not None and head.type == "identifier" else ""
            if not (local[:3] == "use" and local[3:4].isupper()) or local not in imported:
                continue
            spec, name = imported[local]
            hook = self._module(module, spec) if name != "*" else None
            if hook is not None and os.path.dirname(os.path.abspath(hook)) == os.path.dirname(
                    os.path.abspath(module)) and all(
                    within(n, body) or n.parent.type in ("import_specifier", "import_clause")
                    for n in walk(root) if n.type == "identifier" and text(n) == local) \
                    and not self._used_elsewhere(hook, module):
                out.append((hook, name))
        return out

    def _used_elsewhere(self, hook: str, caller: str) -> bool:
        """Does a module of the directories around ``hook``, other than ``caller``, import
        it? (Found by the module's name in the text, then by the imports it resolves.)"""
        stem = os.path.basename(hook).split(".")[0]
        if stem == "index":
            stem = os.path.basename(os.path.dirname(hook))
        mine = {os.path.abspath(hook), os.path.abspath(caller)}
        directory = os.path.dirname(os.path.normpath(hook))
        for _ in range(LEVELS):
            for p in self.resolver.files_in(directory):
                if os.path.splitext(p)[1] not in JS_EXTENSIONS or os.path.abspath(p) in mine:
                    continue
                data = self.read(p)
                lang = languages.language_of(p)
                if data is None or lang is None or stem.encode() not in data:
                    continue
                root = recent_syntax.parse(lang, data, languages.parser(lang).parse).root_node
                if any(self._module(p, spec) is not None and os.path.abspath(
                        self._module(p, spec)) == os.path.abspath(hook)
                        for spec, _ in imports(root).values()):
                    return True
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
        return False

    def _module(self, entry: str, spec: str) -> str | None:
        """The file ``spec`` names from ``entry``: relative, or through a path alias of the
        nearest tsconfig.json / jsconfig.json (``"~/*": ["./app/*"]``, ``ts_paths``)."""
        return self.resolver.js_module(entry, spec)
