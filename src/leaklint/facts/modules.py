"""Where a call of one file leads in the scanned tree: the index's resolution of the
call references that ``facts.summaries`` extracts (``languages/*_syntax.call_ref``).

- Go: "F" or "T.M" is a function or method of the same package: the files of the
  directory with the same package clause whose build constraint can hold (a test file
  also sees the package's other test files); "import:<import path>#F" an exported
  function of another package of the same module (the nearest go.mod);
- Python: "import:<dotted>" names a module of the scanned tree and a function in it:
  absolute imports from the root of the importing file's package (the first directory
  up without an ``__init__.py``), relative ones from the importing file's package;
- TS/JS: "import:<specifier>#<name>" names an export of a file reached by a relative
  specifier (``./x``, ``../y/z.js``) or an alias of the project's tsconfig.json
  (``@providers/updates``, ``ts_paths``), possibly re-exported once more.

Only files discovery would scan count (``list_siblings``); anything else stays unknown,
which rules treat as a handoff.
"""

from __future__ import annotations

import os

from ..languages.go_imports import in_module
from ..languages.go_versions import go_module
from .go_build import can_build
from .ts_paths import Aliases

JS_EXTENSIONS = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
# a specifier written with the compiled file's extension names the source beside it
JS_SOURCE_OF = {".js": (".ts", ".tsx"), ".mjs": (".mts",), ".cjs": (".cts",), ".jsx": (".tsx",)}
MAX_REEXPORTS = 4


class Resolver:
    """``facts_of(path)``: the summary facts of a file (``facts.summaries``), or None
    when it cannot be read; ``list_siblings(directory)``: discovery's files there;
    ``may_define(path, name)``: False when the file's text cannot declare a function of
    that name (so its facts need not be had to know it does not), else True."""

    def __init__(self, facts_of, list_siblings, may_define=None, read=None):
        self.facts_of = facts_of
        self._list = list_siblings
        self._may_define = may_define or (lambda _path, _name: True)
        # ``read(path)``: bytes or None, for the import aliases of tsconfig.json files
        self.aliases = Aliases(read) if read is not None else None
        self._dirs: dict = {}
        self._roots: dict = {}  # directory -> package_root (asked for every import)
        self._js_modules: dict = {}  # (directory, specifier) -> file (asked for every import)
        self._py_modules: dict = {}  # (base, parts) -> file (asked for every call's import)
        # Go: (directory, package, test?, name) -> the package's files that may define it, and
        # (directory, "import:..." reference) -> what it names (asked by every file of a package)
        self._go_members: dict = {}
        self._go_imports: dict = {}

    def files_in(self, directory: str) -> set:
        directory = os.path.normpath(directory or ".")
        hit = self._dirs.get(directory)
        if hit is None:
            hit = self._dirs[directory] = {os.path.normpath(p) for p in self._list(directory)}
        return hit

    def exists(self, path: str) -> bool:
        path = os.path.normpath(path)
        directory = os.path.dirname(path)
        if directory not in self._dirs and not os.path.lexists(path):
            return False  # nothing there: its directory need not be listed to know it
        return path in self.files_in(directory)

    def resolve(self, path: str, lang: str, ref: str) -> list:
        """[(file, function key)] the call named ``ref`` in ``path`` may run, sorted."""
        path = os.path.normpath(path)
        if lang == "go":
            return self._go(path, ref)
        if lang == "python":
            return self._python(path, ref)
        if lang in ("typescript", "javascript"):
            return self._js(path, ref, MAX_REEXPORTS)
        return []

    # -- Go ------------------------------------------------------------------------

    def go_members(self, path: str, defining: str | None = None) -> list:
        """The other files of ``path``'s package (with ``defining``: only those whose
        text may declare a function or method of that name; the others' facts are not
        asked for, so a hook's run does not parse the whole package)."""
        own = self.facts_of(path)
        if own is None or "package" not in own:
            return []
        test = path.endswith("_test.go")
        key = (os.path.dirname(path), own["package"], test, defining)
        if key not in self._go_members:
            out = []
            for p in sorted(self.files_in(key[0])):
                if not p.endswith(".go") or (p.endswith("_test.go") and not test):
                    continue
                if defining is not None and not self._may_define(p, defining):
                    continue
                f = self.facts_of(p)
                if f is not None and f.get("package") == own["package"] \
                        and can_build(f.get("build", "")):
                    out.append(p)
            self._go_members[key] = out
        return [p for p in self._go_members[key] if p != path]

    def _go(self, path: str, ref: str) -> list:
        if ref.startswith("import:"):
            key = (os.path.dirname(path), ref)
            if key not in self._go_imports:
                self._go_imports[key] = self._go_package(path, ref)
            return self._go_imports[key]
        return [(p, ref) for p in self.go_members(path, ref.rsplit(".", 1)[-1])
                if ref in (self.facts_of(p) or {}).get("functions", {})]

    def _go_package(self, path: str, ref: str) -> list:
        """"import:<path>#F": the exported function F of another package of the file's
        module (the nearest go.mod's `module` path leads the import path): the files of
        that directory, tests left out, whose build constraint can hold."""
        target, _, name = ref[len("import:"):].rpartition("#")
        found = go_module(os.path.dirname(path) or ".")
        if found is None or not name:
            return []
        root, module = found
        if target == module or not in_module(target, module):
            return []
        directory = os.path.join(root, *target[len(module) + 1:].split("/"))
        if not os.path.isabs(path):
            directory = os.path.relpath(directory)
        out = []
        for p in sorted(self.files_in(directory)):
            if not p.endswith(".go") or p.endswith("_test.go") or not self._may_define(p, name):
                continue
            f = self.facts_of(p)
            if f is not None and can_build(f.get("build", "")) and name in f.get("functions", {}):
                out.append((p, name))
        return out

    # -- Python --------------------------------------------------------------------

    def package_root(self, directory: str) -> str:
        """The directory absolute imports start from: the first one up from
        ``directory`` that is not a package (holds no ``__init__.py``)."""
        directory = os.path.normpath(directory or ".")
        if directory not in self._roots:
            self._roots[directory] = self._package_root(directory)
        return self._roots[directory]

    def _package_root(self, directory: str) -> str:
        for _ in range(64):
            if not self.exists(os.path.join(directory, "__init__.py")):
                return directory
            parent = os.path.dirname(directory)
            if parent == directory or not parent:
                return "."
            directory = parent
        return directory

    def module_file(self, base: str, parts: list) -> str | None:
        key = (base, tuple(parts))
        if key not in self._py_modules:
            self._py_modules[key] = self._module_file(base, parts)
        return self._py_modules[key]

    def _module_file(self, base: str, parts: list) -> str | None:
        where = os.path.join(base, *parts) if parts else base
        for candidate in ((where + ".py") if parts else None, os.path.join(where, "__init__.py")):
            if candidate and self.exists(candidate):
                return os.path.normpath(candidate)
        return None

    def _python(self, path: str, ref: str) -> list:
        found = self.python_name(path, ref)
        if found is None:
            return []
        module, name = found
        functions = (self.facts_of(module) or {}).get("functions", {})
        if name not in functions and f"{name}.__init__" in functions:
            name += ".__init__"  # `C(...)` runs C.__init__ on a new object
        return [(module, name)] if name in functions else []

    def python_errors(self, path: str, refs) -> list:
        """The call references among ``refs`` (of the Python file ``path``) that make an
        exception of another module of the tree outside OSError's family (the ``errors``
        of its facts)."""
        out = []
        for ref in refs:
            found = self.python_name(path, ref)
            if found and found[1] in (self.facts_of(found[0]) or {}).get("errors", ()):
                out.append(ref)
        return out

    def python_name(self, path: str, ref: str, hops: int = MAX_REEXPORTS) -> tuple | None:
        """(module file, name in it) that a Python call reference ``ref`` in ``path``
        names: a function, a class or a method ("C.m") of a module of the scanned tree,
        followed through a few re-exports; None when it leads to no such module."""
        if not ref.startswith("import:"):
            return None
        dotted = ref[len("import:"):]
        level = len(dotted) - len(dotted.lstrip("."))
        parts = [p for p in dotted[level:].split(".") if p]
        if not parts:
            return None
        if level:
            base = os.path.dirname(path) or "."
            for _ in range(level - 1):
                base = os.path.dirname(base) or "."
            lowest = 0
        else:
            base = self.package_root(os.path.dirname(path))
            lowest = 1
        # the longest prefix that is a module; what follows must be one of its names
        for k in range(len(parts) - 1, lowest - 1, -1):
            module = self.module_file(base, parts[:k])
            if module is None:
                continue
            if k < len(parts) - 2 or module == path:
                return None
            name = ".".join(parts[k:])
            facts = self.facts_of(module) or {}
            if name in facts.get("functions", {}) or f"{name}.__init__" in facts.get("functions", {}) \
                    or name in facts.get("errors", ()):
                return module, name
            # a name the module imports from another (``from .io import Reader`` in a
            # package's __init__.py), followed a few hops
            head, dot, rest = name.partition(".")
            imported = facts.get("imports", {}).get(head) if hops > 0 else None
            if isinstance(imported, str):
                return self.python_name(module, "import:" + imported + dot + rest, hops - 1)
            return None
        return None

    # -- TS/JS ---------------------------------------------------------------------

    def js_module(self, path: str, spec: str) -> str | None:
        """The file a TS/JS import of ``spec`` in ``path`` names: a relative specifier,
        or an alias of the project's tsconfig.json/jsconfig.json (``ts_paths``)."""
        key = (os.path.dirname(path) or ".", spec)
        if key not in self._js_modules:
            directory = key[0]
            if spec.startswith(("./", "../")) or spec in (".", ".."):
                found = self._js_file(os.path.normpath(os.path.join(directory, spec)))
            elif self.aliases is not None and not spec.startswith(("/", "node:")):
                found = next((f for f in map(self._js_file, self.aliases.candidates(
                    directory, spec)) if f is not None), None)
            else:
                found = None
            self._js_modules[key] = found
        return self._js_modules[key]

    def _js_file(self, where: str) -> str | None:
        stem, ext = os.path.splitext(where)
        candidates = []
        if ext in JS_EXTENSIONS:
            candidates.append(where)
            candidates.extend(stem + e for e in JS_SOURCE_OF.get(ext, ()))
        candidates.extend(where + e for e in JS_EXTENSIONS)
        candidates.extend(os.path.join(where, "index" + e) for e in JS_EXTENSIONS)
        for c in candidates:
            if self.exists(c):
                return os.path.normpath(c)
        return None

    def _js(self, path: str, ref: str, hops: int) -> list:
        if not ref.startswith("import:") or "#" not in ref or hops <= 0:
            return []
        spec, _, name = ref[len("import:"):].rpartition("#")
        module = self.js_module(path, spec)
        if module is None or module == path:
            return []
        facts = self.facts_of(module) or {}
        target = facts.get("exports", {}).get(name)
        if isinstance(target, str):
            if target.startswith("import:"):  # re-exported from another file
                return self._js(module, target, hops - 1)
            if target in facts.get("functions", {}):
                return [(module, target)]
        return []
