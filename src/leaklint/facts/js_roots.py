"""Which JS/TS modules an entry point mounts as the application root: the read
``js-roots`` (``reads["js-root"]``) that tells a file its default export lives as long
as the page.

An entry point is a file named ``main``, ``index``, ``app``, ``entry`` or ``client``
(any JS/TS extension) in the analysed file's directory or one of the three above it. It
mounts as roots what it passes to ``createApp(X)`` / ``createSSRApp(X)``, renders as
``render(<X />)``, ``hydrate(<X />)`` or ``hydrateRoot(el, <X />)``, and lists in the
root options' ``mixins: [...]`` (of ``createApp({...})`` or ``new Vue({...})``). A
module is a root when an entry imports it by a relative specifier and uses the import
so: a mixin of the root app is merged into the root, so what its ``created`` adds is
held for the page, like the root's own.
"""

from __future__ import annotations

import os

from .. import languages
from ..languages import recent_syntax
from ..languages.javascript import args, method_of, norm, strip, text, walk
from ..languages.javascript_modules import imports
from .modules import JS_EXTENSIONS, Resolver

READ = "js-roots"
ENTRY_STEMS = {"main", "index", "app", "entry", "client"}
LEVELS = 4  # the file's directory and three above it
MOUNTS = {"createApp", "createSSRApp"}
RENDERS = {"render", "hydrate", "hydrateRoot"}


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
                    opening = element if element.type == "jsx_self_closing_element" \
                        else element.child_by_field_name("open_tag")
                    tag = opening.child_by_field_name("name") if opening is not None else None
                    if tag is not None:
                        names.add(text(tag))
    return names


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
        self.resolver = Resolver(lambda _path: None, list_siblings)
        self._entries: dict = {}  # entry path -> set of module paths it mounts
        self._dirs: dict = {}  # directory -> its entry points

    def mounted(self, path: str) -> bool:
        path = os.path.normpath(path)
        directory = os.path.dirname(path)
        for _ in range(LEVELS):
            for entry in self._entries_in(directory):
                if os.path.abspath(entry) != os.path.abspath(path) and os.path.abspath(path) \
                        in {os.path.abspath(m) for m in self._mounts(entry)}:
                    return True
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
        return False

    def _entries_in(self, directory: str) -> list:
        directory = os.path.normpath(directory or ".")
        if directory not in self._dirs:
            out = []
            for p in self.resolver.files_in(directory):
                stem, ext = os.path.splitext(os.path.basename(p))
                if ext in JS_EXTENSIONS and stem in ENTRY_STEMS:
                    out.append(p)
            self._dirs[directory] = sorted(out)
        return self._dirs[directory]

    def _mounts(self, entry: str) -> set:
        if entry not in self._entries:
            self._entries[entry] = self._extract(entry)
        return self._entries[entry]

    def _extract(self, entry: str) -> set:
        data = self.read(entry)
        lang = languages.language_of(entry)
        if data is None or lang is None or not any(
                w in data for w in (b"createApp", b"createSSRApp", b"render", b"hydrate",
                                    b"new Vue")):
            return set()
        tree = recent_syntax.parse(lang, data, languages.parser(lang).parse)
        names = root_names(tree.root_node)
        imported = imports(tree.root_node)
        out = set()
        for name in names:
            spec = imported.get(name, ("", ""))[0]
            module = self.resolver.js_module(entry, spec) if spec else None
            if module is not None:
                out.add(module)
        return out
