"""The `leaklint: ignore` comments of a file, read from its comment nodes (text in strings
is not a suppression), and which findings each one covers."""

from __future__ import annotations

from dataclasses import dataclass

from ... import suppress
from ...catalogue import builtin_rules


@dataclass
class Suppression:
    node: object  # the comment node
    row: int  # 0-based line of the suppression; it covers this line and the next
    names: frozenset  # upper-cased codes and names; empty: every rule
    written: dict  # upper-cased name -> as the comment spells it


def suppressions(ctx) -> list[Suppression]:
    """Every suppression comment of the file (computed once per file, shared by the rules)."""
    if "suppressions" in ctx.cache:
        return ctx.cache["suppressions"]
    found = []
    stack = [ctx.tree.root_node]
    while stack:
        node = stack.pop()
        if "comment" in node.type:
            text = node.text or b""
            if b"leaklint:" in text:
                for i, line in enumerate(text.decode("utf-8", "replace").split("\n")):
                    names = suppress.written_ignores(line if i == 0 else "#" + line)
                    if names is not None:
                        written = {n.upper(): n for n in names}
                        found.append(Suppression(node, node.start_point[0] + i,
                                                 frozenset(written), written))
            continue
        stack.extend(reversed(node.children))
    ctx.cache["suppressions"] = found
    return found


def known_names(ctx) -> set[str]:
    """Upper-cased codes and names of every rule the run knows, enabled or not."""
    known = {n.upper() for r in builtin_rules() for n in (r.code, r.name)}
    return known | set(ctx.settings.known_rules)


def covers(s: Suppression, finding) -> bool:
    return (finding.position.line - 1 in (s.row, s.row + 1)
            and (not s.names or finding.code in s.names or finding.name.upper() in s.names))


def listed(s: Suppression, names) -> str:
    return ", ".join(sorted(s.written[n] for n in names))
