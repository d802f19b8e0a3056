"""Applying fixes: per file, in rounds, each round checked before it is kept.

A round applies the chosen findings' fixes that do not overlap, re-analyses the new
text and keeps it only when it parses with no more syntax errors than before, every
fixed finding is gone and no rule reports more than before; a round that fails is
retried one fix at a time. Rounds repeat (fixes that overlapped wait for the next one)
until nothing applicable is left, so a second `--fix` has nothing to do.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field

from . import languages
from .languages import recent_syntax
from .analyze import analyze_file, read_source
from .model import Diagnostic
from .safe_io import tree_roots, write_atomic
from .source import decode

MAX_ROUNDS = 10


@dataclass
class FileFix:
    path: str
    before: bytes
    after: bytes
    fixed: int = 0  # how many findings the changes ended


@dataclass
class Outcome:
    files: list = field(default_factory=list)  # FileFix, for files that changed
    errors: list = field(default_factory=list)  # (path, message)

    @property
    def fixed(self) -> int:
        return sum(f.fixed for f in self.files)


def applicable(fix, unsafe: bool) -> bool:
    return fix is not None and bool(fix.edits) and (fix.safe or unsafe)


def apply_edits(raw: bytes, edits) -> bytes:
    """``raw`` (the file's bytes) with ``edits`` (offsets in its UTF-8 form) applied,
    back in the file's encoding (a UTF-8 BOM stays, UTF-16 stays UTF-16 with its BOM)."""
    data, encoding = decode(raw)
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        data = data[:e.start] + e.text.encode("utf-8") + data[e.end:]
    if encoding == "utf-16":
        text = data.decode("utf-8")
        if raw.startswith(b"\xfe\xff"):
            return b"\xfe\xff" + text.encode("utf-16-be")
        return b"\xff\xfe" + text.encode("utf-16-le")
    return data


def choose(fixes) -> list:
    """The fixes, in order, that touch no span another chosen fix touches."""
    taken, chosen = [], []
    for fix in fixes:
        spans = [(e.start, e.end) for e in fix.edits]
        if any(_overlap(a, b) for a in spans for b in taken):
            continue
        chosen.append(fix)
        taken.extend(spans)
    return chosen


def _overlap(a, b) -> bool:
    return a[0] == b[0] or (a[0] < b[1] and b[0] < a[1])


def _key(finding) -> tuple:
    return finding.code, finding.line_text.strip()


def syntax_errors(path: str, raw: bytes) -> int:
    lang = languages.language_of(path)
    try:
        data, _ = decode(raw)
    except UnicodeDecodeError:
        return 1 << 30
    return recent_syntax.error_count(
        recent_syntax.parse(lang, data, languages.parser(lang).parse).root_node)


class _File:
    """One file being fixed: its current bytes and analysis."""

    def __init__(self, path, raw, settings):
        self.path, self.raw, self.settings = path, raw, settings
        self.result = analyze_file(path, settings, raw)
        self.errors = syntax_errors(path, raw)

    def counts(self, result) -> Counter:
        return Counter(f.code for f in result.findings)

    def attempt(self, findings) -> bool:
        """Apply the fixes of ``findings``; keep them if the new text checks out."""
        new = apply_edits(self.raw, [e for f in findings for e in f.fix.edits])
        if new == self.raw or syntax_errors(self.path, new) > self.errors:
            return False
        result = analyze_file(self.path, self.settings, new)
        if any(d.kind == "internal-error" for d in result.diagnostics):
            return False
        before, after = self.counts(self.result), self.counts(result)
        gone = Counter(f.code for f in findings)
        if any(after[c] > before[c] - gone[c] for c in set(after) | set(gone)):
            return False
        self.raw, self.result = new, result
        return True


def fix_file(path: str, findings, settings, unsafe: bool) -> FileFix | Diagnostic | None:
    """Fix ``findings`` (those a report chose: not suppressed, not hidden) in ``path``."""
    raw = read_source(path, settings)
    if isinstance(raw, Diagnostic):
        return raw
    current = _File(path, raw, settings)
    first = current.result
    wanted = Counter(_key(f) for f in findings)
    rejected = set()
    for _ in range(MAX_ROUNDS):
        todo = []
        budget = Counter(wanted)
        for f in current.result.findings:
            k = _key(f)
            if f.suppressed or budget[k] <= 0 or not applicable(f.fix, unsafe) \
                    or (k, f.fix.description) in rejected:
                continue
            budget[k] -= 1
            todo.append(f)
        chosen = {id(x) for x in choose([g.fix for g in todo])}
        batch = [f for f in todo if id(f.fix) in chosen]
        if not batch:
            break
        if current.attempt(batch):
            accepted = batch
        else:
            accepted = []
            for f in batch:  # one at a time; offsets of the current text, so re-read
                fresh = next((g for g in current.result.findings if _key(g) == _key(f)
                              and g.fix is not None and g.fix.description == f.fix.description
                              and applicable(g.fix, unsafe)), None)
                if fresh is not None and current.attempt([fresh]):
                    accepted.append(f)
                else:
                    rejected.add((_key(f), f.fix.description))
        for f in accepted:
            wanted[_key(f)] -= 1
    if current.raw == raw:
        return None
    # fixed: how many findings are gone (one fix can end several, such as one cleanup for
    # every listener of an effect; no rule reports more than before, so none are new)
    before = sum(not f.suppressed for f in first.findings)
    done = before - sum(not f.suppressed for f in current.result.findings)
    return FileFix(path, raw, current.raw, done)


def fix_report(report, unsafe: bool = False, write: bool = True, roots=()) -> Outcome:
    """Fix the findings of ``report`` (a run with fixes computed); write the files when
    ``write``, else only work out the new text. Files are replaced through a temporary
    file, never written through a link, and (when ``roots`` are given) only inside them."""
    by_file: dict[str, list] = {}
    for f in report.findings:
        if applicable(f.fix, unsafe):
            by_file.setdefault(f.path, []).append(f)
    out = Outcome()
    for path, findings in by_file.items():
        res = fix_file(path, findings, report.settings, unsafe)
        if isinstance(res, Diagnostic):
            out.errors.append((path, res.message))
        elif res is not None:
            if write:
                try:
                    write_atomic(path, res.after, roots=roots or tree_roots([path]),
                                 confined=True)
                except OSError as exc:
                    out.errors.append((path, f"cannot write: {exc.strerror or exc}"))
                    continue
            out.files.append(res)
    return out


def unified_diff(fixes) -> str:
    """The changes as one unified diff (``a/<path>`` -> ``b/<path>``)."""
    out = []
    for ff in fixes:
        before = decode(ff.before)[0].decode("utf-8").splitlines(keepends=True)
        after = decode(ff.after)[0].decode("utf-8").splitlines(keepends=True)
        path = ff.path.replace("\\", "/")
        for line in difflib.unified_diff(before, after, f"a/{path}", f"b/{path}"):
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
