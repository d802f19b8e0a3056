"""The ecosystem check: leaklint's precision measured on real repositories.

    python scripts/ecosystem.py prepare --trees DIR [--mirrors DIR]
    python scripts/ecosystem.py check --trees DIR [--lang go] [--repo NAME] [--rule LL101]
                                      [--unlabelled FILE] [--summary FILE]
                                      [--show true|false|unsure] [--stale]
                                      [--repos FILE] [--labels DIR]

``prepare`` puts each repository of ``ecosystem/repos.tsv`` at its pinned commit under
``DIR/<name>``: from a local bare mirror (``--mirrors DIR`` holding ``<owner>+<name>/repo``
or ``<owner>/<name>.git``) or, without one, by ``git clone`` from GitHub.

``check`` scans every tree as a user would (``leaklint check .`` from the tree, no
cache), with every rule, and compares each finding with the labels in
``ecosystem/labels/<language>.tsv`` (by the finding's language, not the repository's): a finding matches a label on (repository, rule,
path, line hash), where the line hash is GitHub's ``primaryLocationLineHash`` of the
line the finding starts on, so labels survive edits elsewhere in the file. It prints
precision per rule and, over the default selection, per language (strict: labelled
true / all labelled, so "unsure" counts against), the findings without a label and the
labels that matched nothing. Rules of low precision are opt-in: they are measured and
shown, but their findings need no label and they have no bar. Exit status: 0 when every
finding of a default rule is labelled and every rule meets the precision its catalogue
entry claims, 1 otherwise, 2 when a tree is missing or an input file is malformed.

Nothing fetched is ever written into the repository: trees live wherever ``--trees``
points.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gitmirror  # noqa: E402
import own_leaklint  # noqa: E402
from gitmirror import GitMirror  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REPOS = ROOT / "ecosystem" / "repos.tsv"
LABELS = ROOT / "ecosystem" / "labels"
LANGUAGES = ("go", "python", "typescript")
VERDICTS = ("true", "false", "unsure")
LABEL_COLUMNS = ("repo", "rule", "path", "line", "line_hash", "verdict", "reason")
# the precision a rule's catalogue entry claims, as the least labelled share it must keep
BARS = {"very-high": 0.95, "high": 0.90, "medium": 0.80, "low": 0.0}
# the older layout of a trees directory: <short language>/<name>
SHORT = {"go": "go", "python": "py", "typescript": "ts"}


class InputError(Exception):
    """A missing tree or a malformed input file; the message says which and why."""


@dataclass(frozen=True)
class Repo:
    lang: str
    name: str
    slug: str  # owner/name on GitHub
    commit: str
    kind: str  # application or library


@dataclass(frozen=True)
class Finding:
    repo: str
    rule: str
    language: str
    path: str
    line: int
    line_hash: str
    message: str

    @property
    def key(self):
        return (self.repo, self.rule, self.path, self.line_hash)


def read_tsv(path: Path, columns: tuple) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if tuple(header) != columns:
            raise InputError(f"{path}: the header must be {' '.join(columns)} (tab-separated)")
        for n, line in enumerate(f, start=2):
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.rstrip("\n").split("\t")
            if len(cells) != len(columns):
                raise InputError(f"{path}:{n}: {len(cells)} cells, expected {len(columns)}")
            rows.append(dict(zip(columns, cells), _where=f"{path.name}:{n}"))
    return rows


def load_repos(path: Path = REPOS) -> list[Repo]:
    repos = []
    for row in read_tsv(path, ("lang", "name", "repo", "commit", "kind")):
        if row["lang"] not in LANGUAGES or row["kind"] not in ("application", "library"):
            raise InputError(f"{row['_where']}: lang must be one of {', '.join(LANGUAGES)} and "
                             f"kind application or library")
        repos.append(Repo(row["lang"], row["name"], row["repo"], row["commit"], row["kind"]))
    return repos


def load_labels(directory: Path = LABELS) -> dict:
    labels = {}
    for lang in LANGUAGES:
        path = directory / f"{lang}.tsv"
        if not path.exists():
            continue
        for row in read_tsv(path, LABEL_COLUMNS):
            if row["verdict"] not in VERDICTS:
                raise InputError(f"{row['_where']}: verdict must be one of {', '.join(VERDICTS)}")
            if not row["reason"].strip():
                raise InputError(f"{row['_where']}: every label needs a reason")
            key = (row["repo"], row["rule"], row["path"], row["line_hash"])
            if key in labels:
                raise InputError(f"{row['_where']}: a second label for {' '.join(key)}")
            labels[key] = dict(row, lang=lang)
    return labels


def tree_of(trees: Path, repo: Repo) -> Path:
    for candidate in (trees / repo.name, trees / SHORT[repo.lang] / repo.name):
        if candidate.is_dir():
            return candidate
    raise InputError(f"no tree for {repo.slug} under {trees} (run `{Path(__file__).name} prepare`)")


def language_of(finding_language: str) -> str:
    return "typescript" if finding_language in ("typescript", "javascript") else finding_language


def scan(tree: Path, repo: Repo, select: str) -> list[Finding]:
    from leaklint.report.fingerprint import line_hashes

    command = [sys.executable, "-m", "leaklint", "check", ".", "--format", "json",
               "--no-cache", "--exit-zero", "--no-color", "--select", select]
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True,
                          env=own_leaklint.environment())
    if done.returncode != 0:
        raise InputError(f"leaklint failed on {repo.name} (exit {done.returncode}): "
                         f"{done.stderr.strip()[-500:]}")
    report = json.loads(done.stdout)
    hashes: dict = {}
    out = []
    for f in report["findings"]:
        path = os.path.relpath(os.path.join(tree, f["path"]), tree).replace(os.sep, "/")
        if path not in hashes:
            data = (tree / path).read_bytes()
            hashes[path] = line_hashes(data.decode("utf-8", errors="replace"))
        line_hash = hashes[path][f["line"] - 1] if 0 < f["line"] <= len(hashes[path]) else ""
        out.append(Finding(repo.name, f["code"], language_of(f["language"]), path, f["line"],
                           line_hash, f["message"]))
    return out


def catalogue():
    from leaklint.api import enabled_rules
    from leaklint.config import Config

    return {r.code: r for r in enabled_rules(Config(), select=["ALL"])}


def opt_in(rules: dict, code: str) -> bool:
    return code in rules and rules[code].precision == "low"


def percent(true: int, labelled: int) -> str:
    return f"{100 * true / labelled:.0f} %" if labelled else "-"


def measure(findings: list[Finding], labels: dict, rules: dict):
    """Counts per (language, rule): true, false, unsure, unlabelled."""
    counts = collections.defaultdict(collections.Counter)
    for f in findings:
        label = labels.get(f.key)
        counts[(f.language, f.rule)][label["verdict"] if label else "unlabelled"] += 1
    return counts


def print_table(counts, rules: dict) -> list[str]:
    """Print the per-rule and per-language table; return the rules below their bar."""
    below = []
    print(f"{'language':<11} {'rule':<6} {'found':>5} {'true':>5} {'false':>5} {'unsure':>6} "
          f"{'unlab.':>6} {'precision':>9}  claimed")
    by_language = collections.defaultdict(collections.Counter)
    for (lang, code), c in sorted(counts.items()):
        labelled = c["true"] + c["false"] + c["unsure"]
        found = labelled + c["unlabelled"]
        claim = rules[code].precision if code in rules else "?"
        bar = BARS.get(claim, 0.0)
        flag = ""
        if labelled and c["true"] / labelled < bar:
            below.append(code)
            flag = "  BELOW"
        print(f"{lang:<11} {code:<6} {found:>5} {c['true']:>5} {c['false']:>5} {c['unsure']:>6} "
              f"{c['unlabelled']:>6} {percent(c['true'], labelled):>9}  {claim}{flag}")
        if not opt_in(rules, code):
            by_language[lang].update(c)
    print("\nthe default selection (without the opt-in rules of low precision):")
    for lang, c in sorted(by_language.items()):
        labelled = c["true"] + c["false"] + c["unsure"]
        print(f"{lang:<11} all    {labelled + c['unlabelled']:>5} {c['true']:>5} {c['false']:>5} "
              f"{c['unsure']:>6} {c['unlabelled']:>6} {percent(c['true'], labelled):>9}")
    return below


def write_summary(path: str, counts) -> None:
    """Per-rule figures as JSON (what docs/accuracy.md and the README's table show)."""
    summary: dict = {}
    for (lang, code), c in sorted(counts.items()):
        labelled = c["true"] + c["false"] + c["unsure"]
        summary[code] = {"language": lang, "true": c["true"], "false": c["false"],
                         "unsure": c["unsure"], "unlabelled": c["unlabelled"],
                         "precision": round(c["true"] / labelled, 3) if labelled else None}
    Path(path).write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def clean(text: str) -> str:
    """One line of plain text for a TSV cell (tabs and line breaks folded)."""
    return " ".join(text.split())


def check(args) -> int:
    repos = [r for r in load_repos(Path(args.repos)) if not args.repo or r.name in args.repo]
    labels = load_labels(Path(args.labels))
    rules = catalogue()
    chosen = [r for r in rules.values() if r.family != "suppression"
              and (not args.lang or language_of(r.languages[0]) == args.lang)
              and (not args.rule or r.code in args.rule)]
    if not chosen:
        raise InputError("no rule matches --lang/--rule")
    select = ",".join(r.code for r in chosen)
    findings = []
    for repo in repos:
        tree = tree_of(Path(args.trees), repo)
        found = scan(tree, repo, select)
        print(f"{repo.name}: {len(found)} findings", file=sys.stderr)
        findings += found
    counts = measure(findings, labels, rules)
    below = print_table(counts, rules)
    missing = [f for f in findings if f.key not in labels]
    unlabelled = [f for f in missing if not opt_in(rules, f.rule)]
    unlabelled_opt_in = [f for f in missing if opt_in(rules, f.rule)]
    seen = {f.key for f in findings}
    scanned = {r.name for r in repos}
    stale = [l for k, l in sorted(labels.items())
             if k not in seen and l["repo"] in scanned and (not args.rule or l["rule"] in args.rule)
             and (not args.lang or l["lang"] == args.lang)]
    if unlabelled:
        print(f"\n{len(unlabelled)} findings without a label:")
        for f in unlabelled:
            print(f"  {f.repo}/{f.path}:{f.line} {f.rule} {clean(f.message)[:140]}")
    if unlabelled_opt_in:
        print(f"\n{len(unlabelled_opt_in)} findings of opt-in rules without a label:")
        for f in unlabelled_opt_in:
            print(f"  {f.repo}/{f.path}:{f.line} {f.rule} {clean(f.message)[:140]}")
    for verdict in args.show or ():
        shown = [(f, labels[f.key]) for f in findings
                 if f.key in labels and labels[f.key]["verdict"] == verdict]
        print(f"\n{len(shown)} findings labelled {verdict}:")
        for f, label in shown:
            print(f"  {f.repo}/{f.path}:{f.line} {f.rule} {label['reason']}")
    if stale and not args.stale:
        print(f"\n{len(stale)} labels that match no finding (fixed, moved or gone; "
              f"--stale lists them)")
    elif stale:
        print(f"\n{len(stale)} labels that match no finding (fixed, moved or gone):")
        for l in stale:
            print(f"  {l['repo']}/{l['path']}:{l['line']} {l['rule']} was {l['verdict']}: {l['reason']}")
    if args.unlabelled:
        with open(args.unlabelled, "w", encoding="utf-8") as out:
            out.write("\t".join(LABEL_COLUMNS) + "\n")
            for f in missing:
                out.write("\t".join([f.repo, f.rule, f.path, str(f.line), f.line_hash, "?",
                                     clean(f.message)]) + "\n")
    if args.summary:
        write_summary(args.summary, counts)
    if below:
        print(f"\nbelow the precision their catalogue entry claims: {', '.join(sorted(set(below)))}")
    return 1 if below or unlabelled else 0


def git(*args, **kw):
    return subprocess.run(["git", *args], capture_output=True, check=True, **kw).stdout


def prepare(args) -> int:
    trees = Path(args.trees)
    trees.mkdir(parents=True, exist_ok=True)
    for repo in load_repos(Path(args.repos)):
        dest = trees / repo.name
        if dest.exists():
            print(f"{repo.name}: already there")
            continue
        gitdir = gitmirror.find(Path(args.mirrors), repo.slug) if args.mirrors else None
        if gitdir is not None:
            mirror = GitMirror(gitdir)  # blobs the mirror lacks (large files) are left out
            missing = mirror.write(mirror.regular_files(repo.commit), dest)
            print(f"{repo.name}: from {gitdir}" + (f" ({missing} blobs absent from the mirror)"
                                                  if missing else ""))
            continue
        git("clone", "--quiet", "--filter=blob:none", "--no-checkout",
            f"https://github.com/{repo.slug}.git", str(dest))
        git("-C", str(dest), "checkout", "--quiet", repo.commit)
        print(f"{repo.name}: cloned at {repo.commit[:12]}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="leaklint's precision on real repositories")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="put the pinned repositories under --trees")
    p.add_argument("--trees", required=True, help="where the trees go (outside this repository)")
    p.add_argument("--mirrors", help="a directory of local bare mirrors to extract from")
    p.add_argument("--repos", default=str(REPOS), help="the pinned repositories (TSV)")
    c = sub.add_parser("check", help="scan the trees and compare with the labels")
    c.add_argument("--trees", required=True, help="where `prepare` put the trees")
    c.add_argument("--lang", choices=LANGUAGES, help="only this language's rules")
    c.add_argument("--repo", action="append", help="only this repository (repeatable)")
    c.add_argument("--rule", action="append", help="only this rule (repeatable)")
    c.add_argument("--unlabelled", metavar="FILE", help="write stub label rows for new findings")
    c.add_argument("--summary", metavar="FILE", help="write per-rule figures as JSON")
    c.add_argument("--show", action="append", choices=("true", "false", "unsure"),
                   help="list the findings labelled so, with the label's reason (repeatable)")
    c.add_argument("--stale", action="store_true",
                   help="list the labels that match no finding (kept to measure older versions)")
    c.add_argument("--repos", default=str(REPOS), help="the pinned repositories (TSV)")
    c.add_argument("--labels", default=str(LABELS), help="the directory of label files")
    args = parser.parse_args(argv)
    try:
        return prepare(args) if args.command == "prepare" else check(args)
    except (InputError, OSError, subprocess.CalledProcessError, json.JSONDecodeError) as exc:
        detail = exc.stderr.decode(errors="replace").strip() if isinstance(
            exc, subprocess.CalledProcessError) and exc.stderr else exc
        print(f"ecosystem: {detail}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
