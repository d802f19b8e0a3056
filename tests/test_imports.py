"""Imports run one way. Every module of src/leaklint is parsed (imports inside functions
count too), the graph of its imports within the package is built, and:

- no module imports a module of a higher layer (LAYERS, highest first);
- the graph has no cycle, within a layer too;
- report modules read only the model layer and each other;
- no module imports another module's private (``_name``) names.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "leaklint"

# Highest first. A module belongs to the layer of the longest prefix that names it (a
# package, or a module); "leaklint" itself is only the package's __init__.
LAYERS = [
    ("cli", ["leaklint.__main__", "leaklint.cli", "leaklint.cli_contexts", "leaklint.cli_fixes",
             "leaklint.cli_runtime",
             "leaklint.cli_shared", "leaklint.lsp"]),
    ("api", ["leaklint.api", "leaklint.report", "leaklint.triage"]),
    ("pipeline", ["leaklint.pipeline", "leaklint.runner", "leaklint.cache", "leaklint.config",
                  "leaklint.discovery", "leaklint.baseline", "leaklint.gitdiff",
                  "leaklint.autofix", "leaklint.shard", "leaklint.unchanged",
                  "leaklint.crew", "leaklint.gc_policy"]),
    ("analyze", ["leaklint.analyze"]),
    ("checks", ["leaklint.checks"]),
    # contexts: which code a finding is in (the owners of facts/), and what is reported there
    ("analysis", ["leaklint.analysis", "leaklint.facts", "leaklint.fixes", "leaklint.contexts"]),
    ("languages", ["leaklint.languages"]),
    ("ir", ["leaklint.ir", "leaklint.tracks", "leaklint.members"]),
    # the model, and leaf utilities every layer may use
    ("model", ["leaklint", "leaklint.model", "leaklint.source", "leaklint.catalogue",
               "leaklint.deadline", "leaklint.safe_io", "leaklint.vendored",
               "leaklint.ignore_patterns", "leaklint.heap", "leaklint.report.escape",
               "leaklint.suppress", "leaklint.report.fingerprint", "leaklint.git",
               "leaklint.schema", "leaklint.toml_lines", "leaklint.settings",
               "leaklint.context_policy", "leaklint.own_files",

               # sizes and the [tool.leaklint.triage] table, which config validates
               "leaklint.triage.units", "leaklint.triage.settings"]),
]
RANK = {name: len(LAYERS) - i for i, (name, _) in enumerate(LAYERS)}
# report modules that are not formatters of a finished report: the investigation report
# re-reads sources and replays fixes, so it reads the pipeline (it stays in the api layer)
NOT_FORMATTERS = {"leaklint.report.investigation"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def layer(module: str) -> str:
    best, best_len = None, -1
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            within = module.startswith(prefix + ".") and prefix != "leaklint"
            if (module == prefix or within) and len(prefix) > best_len:
                best, best_len = name, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def optional_imports(tree) -> set[int]:
    """ids of the imports in ``try:`` blocks that catch ImportError (optional parts)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                h.type is not None and "ImportError" in ast.unparse(h.type) for h in node.handlers):
            out |= {id(n) for stmt in node.body for n in ast.walk(stmt)
                    if isinstance(n, (ast.Import, ast.ImportFrom))}
    return out


def imports(module: str, optional: bool = True) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for each import of a leaklint module;
    ``optional=False`` leaves out those guarded by ``except ImportError``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set() if optional else optional_imports(tree)
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "leaklint":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:  # `from . import languages`: the module itself
                    out.append((sub, None, node.lineno))
                else:
                    out.append((target, alias.name, node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names
                    if a.name.split(".")[0] == "leaklint"]
    return out


def graph() -> dict[str, set[str]]:
    """Module -> the modules it imports (an optional one not there yet is no edge)."""
    return {m: {t for t, _, _ in imports(m) if t != m and t in MODULES} for m in MODULES}


def upward(edges: dict[str, set[str]]) -> list[str]:
    return sorted(f"{m} ({layer(m)}) -> {t} ({layer(t)})" for m, targets in edges.items()
                  for t in targets if RANK[layer(t)] > RANK[layer(m)])


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (its modules, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(edges):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(edges[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(edges.get(nxt, ()))))
    return None


def test_every_import_names_a_module_of_the_package():
    for m in MODULES:
        for target, _, line in imports(m, optional=False):
            assert target in MODULES, f"{MODULES[m]}:{line} imports {target}, which does not exist"


def test_every_module_is_in_a_layer():
    for m in MODULES:
        layer(m)


def test_no_import_goes_up_a_layer():
    wrong = upward(graph())
    assert not wrong, "imports from a lower layer to a higher one:\n" + "\n".join(wrong)


def test_no_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_report_modules_read_only_the_model():
    wrong = []
    for m in MODULES:
        if not (m == "leaklint.report" or m.startswith("leaklint.report.")) \
                or layer(m) == "model" or m in NOT_FORMATTERS:
            continue
        for target, _, line in imports(m):
            if layer(target) != "model" and not target.startswith("leaklint.report"):
                wrong.append(f"{m} -> {target} at line {line}")
    assert not wrong, "\n".join(wrong)


def test_no_private_name_is_imported_from_another_module():
    wrong = [f"{m} imports {name} from {target} at line {line}"
             for m in MODULES for target, name, line in imports(m)
             if name and name.startswith("_") and not name.startswith("__")]
    assert not wrong, "\n".join(wrong)


def test_the_checks_see_what_they_look_for():
    """On a made-up graph: an arrow up and a circle are found."""
    edges = {"leaklint.languages.go": {"leaklint.checks.go.channels"},
             "leaklint.checks.go.channels": {"leaklint.languages.go"},
             "leaklint.model": set()}
    assert upward(edges) == ["leaklint.languages.go (languages) -> "
                             "leaklint.checks.go.channels (checks)"]
    assert find_cycle(edges) == ["leaklint.checks.go.channels", "leaklint.languages.go",
                                 "leaklint.checks.go.channels"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
