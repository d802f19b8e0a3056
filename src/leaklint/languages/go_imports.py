"""The packages a Go file imports, by the names they bind, and how a call names the
function it runs for the index (`F`, `T.M`, `pkg.F(...)`)."""

from __future__ import annotations

import re

from .go_syntax import FIND, receiver_of, text

_MAJOR = re.compile(r"^v\d+$")


def package_imports(root) -> dict:
    """The names the file's imports of non-standard packages bind -> import path: an
    alias, else the path's last element (`.../pgx/v5` binds pgx, `gopkg.in/yaml.v3`
    binds yaml); `_` and `.` imports bind no name."""
    out = {}
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type == "import_spec":
            path = n.child_by_field_name("path")
            alias = n.child_by_field_name("name")
            if path is None:
                continue
            target = text(path).strip('"`')
            if "." not in target.split("/", 1)[0]:
                continue  # the standard library: never a package of the scanned tree
            if alias is not None:
                if alias.type == "package_identifier":
                    out[text(alias)] = target
                continue
            parts = target.split("/")
            last = parts[-2] if len(parts) > 1 and _MAJOR.match(parts[-1]) else parts[-1]
            out[re.sub(r"\.v\d+$", "", last)] = target
        elif n.type in ("source_file", "import_declaration", "import_spec_list"):
            stack.extend(n.named_children)
    return out


def call_ref(call, imports: dict | None = None, around=FIND) -> str | None:
    """How a call names a function of its package, as the index resolves it across the
    package's files: "F" for `F(...)`, "T.M" for `r.M(...)` on the receiver `r` of a
    method of T; with the file's ``imports`` (``go_imports.package_imports``), `pkg.F(...)` is
    "import:<import path>#F" (another package, resolved within the module); None for
    any other call (a value of unknown type). ``around``: as for ``receiver_of``."""
    fn = call.child_by_field_name("function")
    if fn is None:
        return None
    if fn.type == "identifier":
        return text(fn)
    if fn.type != "selector_expression":
        return None
    operand, field = fn.child_by_field_name("operand"), fn.child_by_field_name("field")
    if operand is None or field is None or operand.type != "identifier":
        return None
    owner = receiver_of(call, text(operand), around)
    if owner:
        return f"{owner}.{text(field)}"
    name = text(field)
    if imports and text(operand) in imports and name[:1].isupper():
        return f"import:{imports[text(operand)]}#{name}"
    return None


def in_module(import_path: str, module: str) -> bool:
    """Is ``import_path`` a package of the module whose path is ``module`` (its go.mod's)?"""
    return import_path == module or import_path.startswith(module + "/")
