"""Real leak fixes: leaklint's recall on leaks that public repositories fixed.

    python scripts/leakfixes.py check --mirrors DIR [--lang L] [--repo OWNER/NAME]
                                      [--held-out | --seen] [--json FILE] [--fixes FILE]

``ecosystem/leakfixes.tsv`` lists fixes of real leaks found in the history of public
repositories: the repository, the fixing commit, the file, the leaking place (lines of
the file in the fix's PARENT commit, where leaklint should report: the acquisition, the
registration or the start), the rule family expected there, the kind of leak and a note
saying what leaked. A note starting with "held-out: " marks a fix found in a repository the
model had not been tuned on, listed to be scored and never tuned on (``--held-out`` scores
only those, ``--seen`` only the others).

``check`` reads each fix from a full-history bare mirror (``DIR/<owner>+<name>/repo`` or
``DIR/<owner>/<name>.git``), writes the parent's version of the file with what it needs
into a temporary directory (Go: the file's package directory; Python and TS/JS: the
file's directory, the modules it imports from the tree and, for Python, the packages'
``__init__.py``), scans it as a user would (``leaklint check .`` there, no cache, once
with ``--select ALL`` and once with the default selection) and counts a hit when a
finding of the expected family starts on one of the leaking lines. For each hit it also
scans the fixed version and asks whether the finding is gone from the same place (the
lines mapped through the diff): the "fixed" column. It prints recall per language and
per family, default selection and ALL, then every miss with its note.

Exit status: 0 after a run, 2 on a malformed row, a missing mirror or commit, or when
leaklint itself fails.
"""

from __future__ import annotations

import argparse
import collections
import difflib
import json
import os
import posixpath
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gitmirror  # noqa: E402
import own_leaklint  # noqa: E402
from gitmirror import GitMirror  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXES = ROOT / "ecosystem" / "leakfixes.tsv"
COLUMNS = ("language", "repo", "commit", "path", "lines", "family", "kind", "note")
# a note starting so marks a held-out fix: scored, never tuned on
HELD_OUT = "held-out: "
LANGUAGES = ("go", "python", "typescript")
FAMILIES = ("resource", "timer", "context", "listener", "cache", "concurrency", "loop")
EXTENSIONS = {
    "go": (".go",),
    "python": (".py",),
    "typescript": (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"),
}
SELECTIONS = ("DEFAULT", "ALL")
# a miss under ALL is scanned once more with tests, scripts and examples reported in full
# (docs/contexts.md), to tell a leak the context policy leaves out from one never seen
EVERY_CONTEXT = '[contexts]\ntests = "all"\nscripts = "all"\nexamples = "all"\n'


class InputError(Exception):
    """A fixes file, a mirror or a run that cannot be used (the message names it)."""


@dataclass(frozen=True)
class Fix:
    number: int  # line of the fixes file
    language: str
    repo: str
    commit: str
    path: str
    lines: tuple[int, int]
    family: str
    kind: str
    note: str

    def where(self) -> str:
        first, last = self.lines
        span = str(first) if first == last else f"{first}-{last}"
        return f"{self.repo}@{self.commit[:10]} {self.path}:{span}"


@dataclass
class Outcome:
    fix: Fix
    found: dict = field(default_factory=dict)  # selection -> bool
    fixed: dict = field(default_factory=dict)  # selection -> bool | None (None: not a hit)
    elsewhere: list = field(default_factory=list)  # findings in the file, not a hit (ALL)
    rules: list = field(default_factory=list)  # the rules of the hits (ALL)
    every_context: bool | None = None  # a miss under ALL: found when every context is reported?

    def as_json(self) -> dict:
        fix = self.fix
        return {"repo": fix.repo, "commit": fix.commit, "path": fix.path, "language": fix.language,
                "lines": list(fix.lines), "family": fix.family, "kind": fix.kind, "note": fix.note,
                "found": self.found, "fixed": self.fixed, "rules": self.rules,
                "other_findings": self.elsewhere,
                "found_in_every_context": self.every_context}


# -- the fixes file -------------------------------------------------------------------

def parse_lines(text: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d+)(?:-(\d+))?", text)
    if not match:
        return None
    first = int(match.group(1))
    last = int(match.group(2) or first)
    return (first, last) if 1 <= first <= last else None


def language_of(path: str) -> str | None:
    for language, extensions in EXTENSIONS.items():
        if path.endswith(extensions):
            return language
    return None


def load_fixes(path: Path) -> list[Fix]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    fixes, seen = [], set()
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        cells = raw.split("\t")
        if tuple(cells) == COLUMNS:
            continue
        where = f"{path}:{number}"
        if len(cells) != len(COLUMNS):
            raise InputError(f"{where}: expected {len(COLUMNS)} tab-separated cells "
                             f"({', '.join(COLUMNS)}), got {len(cells)}")
        language, repo, commit, name, lines, family, kind, note = cells
        if language not in LANGUAGES:
            raise InputError(f"{where}: language must be one of {', '.join(LANGUAGES)}: {language!r}")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repo):
            raise InputError(f"{where}: repo must be owner/name: {repo!r}")
        if not re.fullmatch(r"[0-9a-f]{40}", commit):
            raise InputError(f"{where}: commit must be 40 lower-case hex digits: {commit!r}")
        parts = name.split("/")
        if not name or name.startswith("/") or ".." in parts or "" in parts:
            raise InputError(f"{where}: path must be a relative path in the repository: {name!r}")
        if language_of(name) != language:
            raise InputError(f"{where}: {name} is not a {language} file")
        span = parse_lines(lines)
        if span is None:
            raise InputError(f"{where}: lines must be N or N-M (1 <= N <= M): {lines!r}")
        if family not in FAMILIES:
            raise InputError(f"{where}: family must be one of {', '.join(FAMILIES)}: {family!r}")
        if not kind or not note:
            raise InputError(f"{where}: kind and note must not be empty")
        key = (repo, commit, name, span)
        if key in seen:
            raise InputError(f"{where}: the same fix and place is listed twice")
        seen.add(key)
        fixes.append(Fix(number, language, repo, commit, name, span, family, kind, note))
    return fixes


# -- the mirrors ----------------------------------------------------------------------

def mirror_of(mirrors: Path, repo: str) -> GitMirror:
    gitdir = gitmirror.find(mirrors, repo)
    if gitdir is None:
        owner, name = repo.split("/")
        raise InputError(f"no mirror of {repo} under {mirrors} (expected {owner}+{name}/repo)")
    return GitMirror(gitdir, InputError)


def text_at(mirror: GitMirror, commit: str, name: str) -> str | None:
    data = mirror.read(commit, name)
    return data.decode("utf-8", errors="replace") if data is not None else None


# -- what a file needs ----------------------------------------------------------------

# how many levels of imports beyond the fix's file's own are extracted with it
IMPORT_DEPTH = 2

PY_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[\w \t,.*]+)", re.M)
PY_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w.]+)", re.M)
JS_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"](\.{1,2}/[^'"]*)['"]""")


def _module_files(base: str, dotted: str, names: set[str]) -> list[str]:
    stem = posixpath.join(base, *dotted.split(".")) if dotted else base
    return [c for c in (stem + ".py", posixpath.join(stem, "__init__.py")) if c in names]


def python_needs(path: str, text: str, names: set[str]) -> set[str]:
    folder = posixpath.dirname(path)
    wanted = set()
    roots = ["", "src", "lib"]
    for dots, module, imported in PY_FROM.findall(text):
        if dots:
            base = folder
            for _ in range(len(dots) - 1):
                base = posixpath.dirname(base)
            bases = [base]
        else:
            bases = roots
        for base in bases:
            wanted.update(_module_files(base, module, names))
            for item in re.split(r"[\s,()]+", imported):
                if item and item != "*" and item.isidentifier():
                    wanted.update(_module_files(base, f"{module}.{item}" if module else item, names))
    for module in PY_IMPORT.findall(text):
        for base in roots:
            wanted.update(_module_files(base, module, names))
    # the packages' __init__.py from each wanted file up to the top
    for name in list(wanted) + [path]:
        parent = posixpath.dirname(name)
        while parent:
            init = posixpath.join(parent, "__init__.py")
            if init not in names:
                break
            wanted.add(init)
            parent = posixpath.dirname(parent)
    return wanted


def typescript_needs(path: str, text: str, names: set[str]) -> set[str]:
    folder = posixpath.dirname(path)
    wanted = set()
    for spec in JS_IMPORT.findall(text):
        stem = posixpath.normpath(posixpath.join(folder, spec))
        if stem.startswith(".."):
            continue
        stem = re.sub(r"\.(js|mjs|cjs|jsx)$", "", stem) if stem not in names else stem
        candidates = [stem] + [stem + e for e in EXTENSIONS["typescript"]] + [
            posixpath.join(stem, "index" + e) for e in EXTENSIONS["typescript"]]
        wanted.update(c for c in candidates if c in names)
    return wanted


GO_IMPORT_BLOCK = re.compile(r"^import[ \t]*\(([^)]*)\)", re.M)
GO_IMPORT_LINE = re.compile(r"^import[ \t]+(?:[\w.]+[ \t]+)?\"([^\"]+)\"", re.M)
GO_QUOTED = re.compile(r"\"([^\"]+)\"")


def go_needs(path: str, text: str, names: set[str]) -> set[str]:
    """The non-test Go files of the packages of the module that PATH imports: the
    directories under the nearest go.mod whose path ends the import path."""
    folder = posixpath.dirname(path)
    mods = [posixpath.dirname(n) for n in names if n == "go.mod" or n.endswith("/go.mod")]
    mods = [m for m in mods if m == "" or (folder + "/").startswith(m + "/")]
    if not mods:
        return set()
    root = max(mods, key=len)
    imported = set(GO_IMPORT_LINE.findall(text))
    for block in GO_IMPORT_BLOCK.findall(text):
        imported.update(GO_QUOTED.findall(block))
    wanted = set()
    for n in names:
        if not n.endswith(".go") or n.endswith("_test.go") or (root and not n.startswith(root + "/")):
            continue
        rel = posixpath.dirname(n)[len(root) + 1 if root else 0:]
        if rel and rel != folder[len(root) + 1 if root else 0:] and any(
                p.endswith("/" + rel) for p in imported):
            wanted.add(n)
    return wanted


def needed_files(language: str, path: str, text: str, names: set[str]) -> list[str]:
    """The files to extract with PATH: its directory's files of the language (the Go
    package), plus imported modules of the tree for Python and TS/JS, and the imported
    packages of the module for Go."""
    folder = posixpath.dirname(path)
    wanted = {n for n in names if posixpath.dirname(n) == folder and language_of(n) == language}
    wanted.add(path)
    if language == "python":
        wanted |= python_needs(path, text, names)
    elif language == "typescript":
        wanted |= typescript_needs(path, text, names)
    if language == "go":
        wanted |= {n for n in names if n == "go.mod" or n.endswith("/go.mod") and
                   (folder + "/").startswith(posixpath.dirname(n) + "/")}
        wanted |= go_needs(path, text, names)
    return sorted(wanted)


# -- scanning -------------------------------------------------------------------------

def scan(tree: Path, select: str, leaklint: list[str], config: Path | None = None) -> list[dict]:
    command = [*leaklint, "check", ".", "--format", "json", "--no-cache", "--allow-empty"]
    if select != "DEFAULT":
        command += ["--select", select]
    if config is not None:
        command += ["--config", str(config)]
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True,
                          env=own_leaklint.environment())
    if done.returncode not in (0, 1):
        raise InputError(f"leaklint failed in {tree} (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    try:
        return json.loads(done.stdout)["findings"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise InputError(f"leaklint printed no JSON report in {tree}: {done.stdout[:200]!r}") from None


def extract_version(mirror: GitMirror, fix: Fix, commit: str, dest: Path) -> bool:
    """Write the fix's file and what it needs at COMMIT under DEST; False when the file
    does not exist at COMMIT."""
    text = text_at(mirror, commit, fix.path)
    if text is None:
        return False
    names = set(mirror.names(commit))
    wanted = set(needed_files(fix.language, fix.path, text, names))
    wanted |= imported_further(mirror, commit, fix.language, wanted - {fix.path}, names)
    mirror.write([(f"{commit}:{n}", n) for n in sorted(wanted)], dest)
    return True


def imported_further(mirror: GitMirror, commit: str, language: str, files: set[str],
                     names: set[str], depth: int = IMPORT_DEPTH) -> set[str]:
    """What the modules FILES import in turn (Python, TS/JS), DEPTH levels on: a helper's
    or a class's body that another module's summary reads (a reader that hands the
    stream to a function of a third module)."""
    needs = {"python": python_needs, "typescript": typescript_needs}.get(language)
    seen, frontier = set(files), set(files)
    for _ in range(depth if needs is not None else 0):
        found = set()
        for name in sorted(frontier):
            text = text_at(mirror, commit, name) if language_of(name) == language else None
            if text is not None:
                found |= needs(name, text, names)
        frontier = found - seen
        seen |= frontier
    return seen - set(files)


def findings_at(findings: list[dict], fix: Fix, lines: tuple[int, int]) -> list[dict]:
    first, last = lines
    return [f for f in findings if f.get("path") == fix.path and f.get("family") == fix.family
            and first <= f.get("line", 0) <= last]


def map_lines(old: str, new: str, lines: tuple[int, int]) -> tuple[int, int]:
    """Where LINES of OLD are in NEW: unchanged lines map one to one, changed ones to
    the lines that replaced them (or the point where they were removed)."""
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    targets = []
    first, last = lines
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        lo, hi = max(first - 1, i1), min(last, i2)
        if lo >= hi:
            continue
        if tag == "equal":
            targets += [j1 + (lo - i1) + 1, j1 + (hi - i1)]
        elif j2 > j1:
            targets += [j1 + 1, j2]
        else:
            targets += [max(j1, 1), j1 + 1]
    return (min(targets), max(targets)) if targets else lines


def judge(fix: Fix, mirror: GitMirror, leaklint: list[str], work: Path) -> Outcome:
    outcome = Outcome(fix)
    parent = mirror.parent(fix.commit)
    before = work / "before"
    if not extract_version(mirror, fix, parent, before):
        raise InputError(f"{fix.where()}: {fix.path} does not exist in the fix's parent {parent[:10]}")
    old = text_at(mirror, parent, fix.path)
    last_line = old.count("\n") + 1
    if fix.lines[1] > last_line:
        raise InputError(f"{fix.where()}: the parent's {fix.path} has only {last_line} lines")
    after = work / "after"
    new = text_at(mirror, fix.commit, fix.path)
    has_after = new is not None and extract_version(mirror, fix, fix.commit, after)
    mapped = map_lines(old, new, fix.lines) if has_after else None
    for select in SELECTIONS:
        findings = scan(before, select, leaklint)
        hits = findings_at(findings, fix, fix.lines)
        outcome.found[select] = bool(hits)
        if select == "ALL":
            outcome.rules = sorted({f["code"] for f in hits})
            outcome.elsewhere = [f"{f['code']}:{f['line']}" for f in findings
                                 if f.get("path") == fix.path and f not in hits]
        if not hits:
            outcome.fixed[select] = None
        elif not has_after:
            outcome.fixed[select] = True  # the file is gone
        else:
            outcome.fixed[select] = not findings_at(scan(after, select, leaklint), fix, mapped)
    if not outcome.found["ALL"]:
        config = work / "every-context" / "leaklint.toml"
        config.parent.mkdir()
        config.write_text(EVERY_CONTEXT, encoding="utf-8")
        outcome.every_context = bool(findings_at(scan(before, "ALL", leaklint, config), fix, fix.lines))
    return outcome


# -- the report -----------------------------------------------------------------------

def percent(hit: int, total: int) -> str:
    return f"{100 * hit / total:.0f} %" if total else "-"


def table(outcomes: list[Outcome]) -> list[str]:
    groups = collections.defaultdict(list)
    for o in outcomes:
        groups[(o.fix.language, "all")].append(o)
        groups[(o.fix.language, o.fix.family)].append(o)
    for o in outcomes:
        groups[("all", "all")].append(o)
    out = [f"{'language':<11} {'family':<12} {'fixes':>5} {'default':>8} {'recall':>7} "
           f"{'ALL':>5} {'recall':>7} {'fixed':>6}"]
    order = sorted(groups, key=lambda k: (k[0] == "all", k[0], k[1] != "all", k[1]))
    for language, family in order:
        rows = groups[(language, family)]
        default = sum(o.found["DEFAULT"] for o in rows)
        every = sum(o.found["ALL"] for o in rows)
        gone = sum(bool(o.fixed["ALL"]) for o in rows)
        out.append(f"{language:<11} {family:<12} {len(rows):>5} {default:>8} {percent(default, len(rows)):>7} "
                   f"{every:>5} {percent(every, len(rows)):>7} {percent(gone, every):>6}")
    return out


def check(args) -> int:
    fixes = load_fixes(Path(args.fixes))
    if args.lang:
        fixes = [f for f in fixes if f.language == args.lang]
    if args.repo:
        fixes = [f for f in fixes if f.repo in args.repo]
    if args.held_out is not None:
        fixes = [f for f in fixes if f.note.startswith(HELD_OUT) == args.held_out]
    if not fixes:
        raise InputError("no fix left to check (see --lang / --repo)")
    mirrors = Path(args.mirrors)
    if not mirrors.is_dir():
        raise InputError(f"{mirrors}: no such directory of mirrors")
    repos = {f.repo: mirror_of(mirrors, f.repo) for f in fixes}  # every mirror before any scan
    leaklint = [sys.executable, "-m", "leaklint"]
    outcomes = []
    for fix in fixes:
        with tempfile.TemporaryDirectory(prefix="leakfixes-") as work:
            outcome = judge(fix, repos[fix.repo], leaklint, Path(work))
        outcomes.append(outcome)
        if args.verbose:
            mark = "hit " if outcome.found["DEFAULT"] else ("ALL " if outcome.found["ALL"] else "miss")
            print(f"{mark} {fix.where()}", file=sys.stderr)
    print("\n".join(table(outcomes)))
    misses = [o for o in outcomes if not o.found["DEFAULT"]]
    if misses:
        print(f"\nmissed by the default selection ({len(misses)}):")
        for o in misses:
            also = " (found with ALL)" if o.found["ALL"] else (
                " (found when every context is reported)" if o.every_context else "")
            others = f" [other findings in the file: {', '.join(o.elsewhere)}]" if o.elsewhere else ""
            print(f"  {o.fix.where()} {o.fix.family}/{o.fix.kind}{also}: {o.fix.note}{others}")
    still = [o for o in outcomes if o.fixed["ALL"] is False]
    if still:
        print(f"\nstill reported at the same place after the fix ({len(still)}):")
        for o in still:
            print(f"  {o.fix.where()}: {o.fix.note}")
    if args.json:
        Path(args.json).write_text(json.dumps([o.as_json() for o in outcomes], indent=1) + "\n",
                                   encoding="utf-8")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="leaklint's recall on real leak fixes")
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="scan each fix's leaking version and score recall")
    c.add_argument("--mirrors", required=True, help="directory of full-history bare mirrors")
    c.add_argument("--lang", choices=LANGUAGES, help="only this language's fixes")
    c.add_argument("--repo", action="append", help="only this repository, owner/name (repeatable)")
    c.add_argument("--json", metavar="FILE", help="write one record per fix as JSON")
    c.add_argument("--fixes", default=str(FIXES), help="the list of fixes (TSV)")
    c.add_argument("-v", "--verbose", action="store_true", help="print each fix as it is judged")
    held = c.add_mutually_exclusive_group()
    held.add_argument("--held-out", dest="held_out", action="store_true", default=None,
                      help=f"only the fixes whose note starts with {HELD_OUT!r}: found in "
                           "repositories the model was not tuned on, and never tuned on")
    held.add_argument("--seen", dest="held_out", action="store_false",
                      help="only the other fixes (the ones the project has seen)")
    args = parser.parse_args(argv)
    try:
        return check(args)
    except (InputError, OSError) as exc:
        print(f"leakfixes: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
