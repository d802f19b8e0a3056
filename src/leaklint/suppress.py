"""Inline suppressions: ``leaklint: ignore``, ``leaklint: ignore[LL101, name]`` on the
reported line or the line above, and ``leaklint: ignore-file`` anywhere in a comment."""

from __future__ import annotations

import re

_COMMENT = r"(?://|#|/\*|\*|<!--)"
_IGNORE = re.compile(_COMMENT + r"[^\n]*?\bleaklint:\s*ignore(?!-)(?:\[([^\]]*)\])?")
_IGNORE_FILE = re.compile(rb"(?://|#|/\*)[^\n]*?\bleaklint:\s*ignore-file\b")


def file_ignored(data: bytes) -> bool:
    return b"leaklint:" in data and _IGNORE_FILE.search(data) is not None


def line_ignores(line: str) -> set[str] | None:
    """None: no suppression on this line; an empty set: all rules; else codes/names,
    upper-cased."""
    names = written_ignores(line)
    return None if names is None else {n.upper() for n in names}


def written_ignores(line: str) -> list[str] | None:
    """Like ``line_ignores``, with the codes and names as the comment spells them."""
    if "leaklint:" not in line:
        return None
    m = _IGNORE.search(line)
    if m is None:
        return None
    if m.group(1) is None:
        return []
    return [p.strip() for p in m.group(1).split(",") if p.strip()]


def is_suppressed(src, finding, bare_on_own_line: bool = True) -> bool:
    """``bare_on_own_line=False`` for findings about a suppression comment: a bare
    `leaklint: ignore` does not silence the finding that reports it."""
    row = finding.position.line - 1
    for r in (row, row - 1):
        if r < 0:
            continue
        codes = line_ignores(src.line_text(r))
        if codes is None or (r == row and not codes and not bare_on_own_line):
            continue
        if not codes or finding.code in codes or finding.name.upper() in codes:
            return True
    return False


# The maintainers' own directive for another linter's check of the same thing (a rule's
# `[options]` `noqa`: ruff/flake8 codes; `pylint`: pylint's names or ids; `eslint`: ESLint
# rule ids) vouches for the code it marks: `# noqa: RUF006` on the line that drops a task,
# `// eslint-disable-next-line react-web-api/no-leaked-timeout` above a timeout.
_NOQA = re.compile(r"#\s*noqa\s*:\s*([A-Za-z]+[0-9]+(?:\s*,\s*[A-Za-z]+[0-9]+)*)")
_PYLINT = re.compile(r"#\s*pylint\s*:\s*disable\s*=\s*([\w\-]+(?:\s*,\s*[\w\-]+)*)")
_ESLINT_SAME = re.compile(r"eslint-disable-line\s+([^\n]*?)\s*(?:\*/|--|$)")
_ESLINT_ABOVE = re.compile(r"eslint-disable-next-line\s+([^\n]*?)\s*(?:\*/|--|$)")


def _names(match) -> set[str]:
    return {n.strip() for n in match.group(1).split(",") if n.strip()} if match else set()


def peer_directive(src, finding, options: dict) -> str:
    """The comment's directive for a peer check that ``options`` names as checking the same
    thing as the finding's rule, on the finding's line (ESLint's also on the line
    above); "" when there is none."""
    row = finding.position.line - 1
    line = src.line_text(row) if row >= 0 else ""
    above = src.line_text(row - 1) if row > 0 else ""
    found = [(f"noqa: {n}", n.upper() in {c.upper() for c in options.get("noqa", ())})
             for n in _names(_NOQA.search(line))]
    found += [(f"pylint: disable={n}", n in options.get("pylint", ()))
              for n in _names(_PYLINT.search(line))]
    found += [(f"eslint-disable {n}", n in options.get("eslint", ()))
              for n in _names(_ESLINT_SAME.search(line)) | _names(_ESLINT_ABOVE.search(above))]
    return next((said for said, same in found if same), "")
