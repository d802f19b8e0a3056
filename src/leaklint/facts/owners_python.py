"""Python owners for ``lifetimes``: which scope owns the code at a node.

``if __name__ == "__main__":`` blocks, ``setup.py`` and scripts (a ``#!`` line) are the
program's main; other module-level code is the package; a method's ``self.x`` is the
object; a function's locals live for one call. A ``nonlocal`` name belongs to the
enclosing function that declares it (a handle handed out through a closure).
"""

from __future__ import annotations

import os

from ..languages import tree_root
from ..languages.python_syntax import (decorators, enclosing_class, enclosing_function,
                                       module_imports, qualified_name, text)

ONCE = "once"  # the read naming a file's functions that run once per process (python_entry)

SCRIPT_NAMES = ("setup.py", "__main__.py", "manage.py", "conftest.py")
# command-line frameworks whose commands are decorated functions, one run per process
CLI_MODULES = ("click", "typer", "asyncclick", "cloup")


def main_guard(node) -> bool:
    """Is ``node`` an ``if __name__ == "__main__":`` statement?"""
    if node.type != "if_statement":
        return False
    cond = node.child_by_field_name("condition")
    words = "".join(text(cond).split()).replace("'", '"') if cond is not None else ""
    return words in ('__name__=="__main__"', '"__main__"==__name__')


def _in_main_block(node) -> bool:
    n = node
    while n is not None:
        if main_guard(n) and n.parent is not None and n.parent.type == "module":
            return True
        n = n.parent
    return False


def _script(node, path: str) -> bool:
    if os.path.basename(path) in SCRIPT_NAMES:
        return True
    return tree_root(node).text.startswith(b"#!")


def owner_kind(node, path: str, reads=None) -> tuple[str, str]:
    if _in_main_block(node):
        return "main", ""
    fn = enclosing_function(node)
    if fn is None:
        if _script(node, path):
            return "main", ""
        return "package", ""
    if fn.type == "function_definition" and qualified_name(fn) in (reads or {}).get(ONCE, ()):
        return "main", qualified_name(fn)  # traced from the program's entry: once per process
    if fn.type == "function_definition" and cli_command(fn):
        return "main", qualified_name(fn)  # the command the program was started to run
    outer = fn
    while enclosing_function(outer) is not None:
        outer = enclosing_function(outer)
    name = text(outer.child_by_field_name("name"))
    if enclosing_class(outer) is None and name == "main" and _script(node, path):
        return "main", name
    return "function", name


def cli_command(fn) -> bool:
    """Is ``fn`` a command of a command-line framework (``@cli.command()``, ``@click.group``,
    typer's ``@app.command()``, in a module importing one)? The framework runs the one
    command the program was started with, once per process."""
    names = [d.split("(", 1)[0] for d in decorators(fn)]
    if not any(n in ("command", "group") or n.endswith((".command", ".group")) for n in names):
        return False
    return any(v.split(".", 1)[0] in CLI_MODULES
               for v in module_imports(tree_root(fn)).values())


def single_instance(cls) -> str:
    """The module-level variable holding the only instance this module makes of class
    ``cls`` (``registry = Registry()``, nowhere else a ``Registry(...)``), or "": that
    object lives as long as the module, a singleton."""
    name = text(cls.child_by_field_name("name")).encode()
    made, holder = 0, ""
    stack = [tree_root(cls)]
    while stack:
        n = stack.pop()
        if name not in n.text:
            continue
        if n.type == "call" and n.child_by_field_name("function") is not None \
                and n.child_by_field_name("function").text == name:
            made += 1
            a = n.parent
            if a is not None and a.type == "assignment" and a.child_by_field_name("right") == n \
                    and a.parent is not None and a.parent.type == "expression_statement" \
                    and a.parent.parent is not None and a.parent.parent.type == "module" \
                    and a.child_by_field_name("left").type == "identifier":
                holder = text(a.child_by_field_name("left"))
        stack.extend(n.named_children)
    return holder if made == 1 else ""


def dies_with(target, at) -> bool:
    """``self.x`` where ``at`` is a method of the class that assigns ``self.x``: the
    attribute lives and dies with the object."""
    t = text(target)
    if not t.startswith("self."):
        return False
    fn = enclosing_function(at)
    cls = enclosing_class(fn) if fn is not None else None
    if cls is None:
        return False
    key = t.split(".", 2)[:2]
    attr = ".".join(key)
    stack = [cls]
    while stack:
        n = stack.pop()
        if n.type == "assignment" and text(n.child_by_field_name("left")) == attr:
            return True
        stack.extend(n.named_children)
    return False


def aliases(node) -> set:
    """A local read from an attribute (``conn = self._conn``) is that attribute too; a
    name a closure declares ``nonlocal`` is the enclosing function's variable, which the
    closure the caller gets hands out: both spellings are returned."""
    name = text(node)
    names = {name}
    fn = enclosing_function(node)
    if fn is None:
        return names
    stack = [fn.child_by_field_name("body")]
    while stack:
        n = stack.pop()
        if n is None:
            continue
        if n.type == "assignment" and text(n.child_by_field_name("left")) == name:
            right = n.child_by_field_name("right")
            if right is not None and right.type == "attribute":
                names.add(text(right))
        elif n.type == "nonlocal_statement" and any(text(c) == name for c in n.named_children):
            outer = enclosing_function(fn)
            if outer is not None:
                names.add(f"{text(outer.child_by_field_name('name'))}.{name}")
        if n.type not in ("function_definition", "lambda", "class_definition"):
            stack.extend(n.named_children)
    return names


def holder_kind(node):
    """Python values do not name their holder themselves (yet: daemon threads could)."""
    return None


def management_command(path: str) -> bool:
    """A Django management command's module (``<app>/management/commands/<name>.py``),
    whose ``Command.handle`` manage.py calls once, as the command the process runs."""
    parts = os.path.normpath(path).split(os.sep)
    return parts[-3:-1] == ["management", "commands"] and not parts[-1].startswith("_")
