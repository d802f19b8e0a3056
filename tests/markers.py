"""Markers in code that say what a rule must find and what it must have looked at.

In a comment on the line they are about (`//`, `#` or `/*`):

    want: LL101                          a finding of LL101 on this line
    want: LL101 "on the return at line 24"   ...whose message contains that text
    want: LL101, LL102                   several (each may carry its text)
    ok: LL401                            LL401 examined this line and found it fine: the
                                         rule counted it as verified (`ctx.count`), and
                                         reports nothing here

An `ok:` line proves the rule looked: a rule that never reached the line (wrong scope,
a prefilter that skipped the file, a query that missed it) fails. The fixtures use these
markers (tests/test_fixtures.py), and so do tests that write code of their own.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from leaklint.api import check_paths
from leaklint.config import Config

CODE_WITH_TEXT = r'LL\d{3}(?:\s+"[^"]*")?'
WANT = re.compile(r"(?://|#|/\*)\s*want:\s*((?:%s[,\s]*)+)" % CODE_WITH_TEXT)
OK = re.compile(r"(?://|#|/\*)(?:.*?[\s;,])?\s*ok:\s*((?:LL\d{3}[,\s]*)+)")


def markers(path: Path) -> tuple[dict, set]:
    """({(line, code): [texts the message must contain]}, {(line, code) marked ok})."""
    want, ok = {}, set()
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = WANT.search(line)
        if m:
            for code, text in re.findall(r'(LL\d{3})(?:\s+"([^"]*)")?', m.group(1)):
                want.setdefault((i, code), [])
                if text:
                    want[(i, code)].append(text)
        m = OK.search(line)
        if m:
            ok |= {(i, code) for code in re.findall(r"LL\d{3}", m.group(1))}
    return want, ok


def looked(report) -> set[tuple[int, str]]:
    """(line, code) of everything the report's rules examined and found fine."""
    return {(line, code) for lines in report.verified_lines.values()
            for code, found in lines.items() for line in found}


def problems(path: Path, root: Path, select=None) -> list[str]:
    """What is wrong with the findings on ``path`` against its markers (empty: nothing);
    ``select``: the rules to run (default: every rule, the opt-in ones too)."""
    report = check_paths([str(path)], config=Config(root=root),
                         select=list(select) if select else ["ALL"])
    got = {(f.position.line, f.code) for f in report.findings}
    pinned, ok = markers(path)
    want = set(pinned)
    out = []
    if got != want:
        details = "\n".join(f"  {f.position.line}: {f.code} {f.message}" for f in report.findings)
        out.append(f"missing: {sorted(want - got)}\nunexpected: {sorted(got - want)}\n"
                   f"all findings:\n{details}")
    for (line, code), texts in pinned.items():
        messages = [f.message for f in report.findings if (f.position.line, f.code) == (line, code)]
        out += [f"line {line}: no {code} message contains {text!r}; got {messages}"
                for text in texts if not any(text in m for m in messages)]
    if ok & want:
        out.append(f"lines marked both want and ok: {sorted(ok & want)}")
    seen = looked(report)
    if not ok <= seen:
        out.append(f"marked ok but not verified by the rule: {sorted(ok - seen)}; "
                   f"verified: {sorted(seen)}")
    out += [f"{d.kind}: {d.message}" for d in report.diagnostics if d.kind == "internal-error"]
    return out


def assert_markers(tmp_path: Path, code: str, name: str = "mod.py", select=None) -> None:
    """Write ``code`` (dedented) to ``tmp_path/name`` and demand exactly what its markers say."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    found = problems(path, tmp_path, select)
    assert not found, "\n".join(found)
