"""The packages a Go file imports, by the names they bind (what `pkg.F(...)` calls)."""

from __future__ import annotations

import re

from .go_syntax import text

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
