"""A Markdown review checklist to paste into a pull request comment: one section per
family with a box that is ticked when the family had places to verify and none of them
leaks, the places verified ("31 of 33 `Query` results are closed on every path"), each
finding as an unticked task with a link to its lines (``link_base``), collapsed in a
``<details>`` block past a size; a family with nothing to verify is marked not applicable
rather than ticked."""

from __future__ import annotations

import os
from urllib.parse import quote

from .escape import md_code, md_text
from .paths import source_relative
from .statistics import by_rule

# family -> (section title, what the reviewer checks)
FAMILIES = {
    "concurrency": ("Concurrency", "Goroutines, threads and tasks have exit conditions; "
                                   "channels are closed"),
    "timer": ("Timers", "Tickers and timers are stopped"),
    "context": ("Contexts", "Contexts are cancelled"),
    "resource": ("Resources", "Rows, files and connections are closed"),
    "listener": ("Listeners", "Listeners are removed"),
    "cache": ("Caches", "Caches are bounded"),
    "loop": ("Loops", "Nothing piles up in loops (defers, acquisitions)"),
    "suppression": ("Suppressions", "Suppression comments name real rules and still "
                                    "suppress a finding"),
}
NOT_ANALYSED = ("internal-error", "timeout", "unreadable", "syntax-error")
# findings listed per family: a pull request comment holds at most 65536 characters
MAX_LISTED = 50
# a family's findings past this many are folded into a <details> block
FOLD_AFTER = 10
# what a link base may hold as it is; anything else is percent-encoded, so a base cannot
# end the Markdown link early
_URL_SAFE = ":/?#@!$&'*+,;=%~-._"


def default_link_base(environ=os.environ) -> str | None:
    """The commit's file view on GitHub, from the variables every Actions job has."""
    server, repo, sha = (environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY",
                                                   "GITHUB_SHA"))
    if server and repo and sha:
        return f"{server.rstrip('/')}/{repo}/blob/{sha}"
    return None


def line_link(link_base: str, path: str, p) -> str | None:
    """``<base>/<path from the repository root>#L16-L18``, or None for a file outside it."""
    rel = source_relative(path)
    if rel is None:
        return None
    lines = f"#L{p.line}" + (f"-L{p.end_line}" if p.end_line != p.line else "")
    return (quote(link_base.rstrip("/"), safe=_URL_SAFE) + "/"
            + quote(rel, safe="/", errors="surrogateescape") + lines)


def _finding(f, link_base: str | None) -> str:
    where = md_code(f"{f.path}:{f.position.line}")
    url = line_link(link_base, f.path, f.position) if link_base else None
    if url:
        where = f"[{where}]({url})"
    return f"- [ ] {where}: {md_text(f.message)} ({md_text(f.code)})"


def _calls(rule) -> str:
    names = []
    for pattern in (rule.lifecycle or {}).get("acquire", ()):
        name = pattern[2:] if pattern.startswith("*.") else pattern
        if name not in names:
            names.append(name)
    shown = "/".join(md_code(n) for n in names[:3])
    return shown + ("/…" if len(names) > 3 else "")


def verified_line(rule, v) -> str:
    """What a rule checked, e.g. "31 of 33 `Query`/`QueryContext` results are closed on
    every path (LL101 `sql-rows-not-closed`)"."""
    tag = f"({md_text(rule.code)} {md_code(rule.name)})"
    if rule.lifecycle:
        verb = md_text(rule.lifecycle.get("verb", "released"))
        what = "result is" if v.checked == 1 else "results are"
        return f"{v.correct} of {v.checked} {_calls(rule)} {what} {verb} on every path {tag}"
    return f"{v.correct} of {v.checked} places checked are correct {tag}"


def render(report, statistics: bool = False, link_base: str | None = None) -> str:
    rules = sorted(report.rules, key=lambda r: r.code)
    families = [fam for fam in FAMILIES if any(r.family == fam for r in rules)]
    families += sorted({r.family for r in rules} - set(families))
    n = len(report.findings)
    out = ["## leaklint review checklist", "",
           f"{report.files_scanned} file{'s' if report.files_scanned != 1 else ''} scanned, "
           f"{n} finding{'s' if n != 1 else ''}"
           + (f", {len(report.suppressed)} suppressed inline" if report.suppressed else "")
           + "".join(f", {count} {reason}" for reason, count in report.hidden.items() if count)
           + "."]
    for fam in families:
        title, check = FAMILIES.get(fam, (fam.capitalize(), f"No {fam} leaks"))
        found = [f for f in report.findings if f.family == fam]
        counted = [(r, report.verified[r.code]) for r in rules
                   if r.family == fam and r.code in report.verified
                   and report.verified[r.code].checked]
        out += ["", f"### {title}", ""]
        if not found and not counted:
            out.append(f"- Not applicable: {check.lower()[:1] + check[1:]} "
                       "(nothing of this kind in the scanned files)")
            continue
        checked = sum(v.checked for _, v in counted)
        correct = sum(v.correct for _, v in counted)
        tally = (f"{correct} of {checked} place{'s' if checked != 1 else ''} verified correct"
                 if checked else "no place counted")
        if found:
            tally = f"{len(found)} finding{'s' if len(found) != 1 else ''}; " + tally
        out.append(f"- [{' ' if found else 'x'}] {check}: {tally}")
        out += [f"  - {verified_line(rule, v)}" for rule, v in counted]
        if not found:
            continue
        items = [_finding(f, link_base) for f in found[:MAX_LISTED]]
        if len(found) > MAX_LISTED:
            items.append(f"- … and {len(found) - MAX_LISTED} more (see the full report)")
        if len(found) > FOLD_AFTER:
            out += ["", f"<details><summary>{len(found)} {title.lower()} findings</summary>", ""]
            out += items + ["", "</details>"]
        else:
            out += [""] + items
    broken = [d for d in report.diagnostics if d.kind in NOT_ANALYSED]
    if broken:
        out += ["", "### Not fully analysed", ""]
        out += [f"- {md_code(d.path)}: {d.kind}: {md_text(d.message)}" for d in broken[:MAX_LISTED]]
        if len(broken) > MAX_LISTED:
            out.append(f"- … and {len(broken) - MAX_LISTED} more")
    if statistics:
        counts = by_rule(report)
        names = {r.code: r.name for r in rules}
        out += ["", "### Findings per rule", "", "| Rule | Name | Findings |", "|---|---|---:|"]
        out += [f"| {md_text(code)} | {md_code(names.get(code, ''))} | {count} |"
                for code, count in counts.items()]
    return "\n".join(out) + "\n"
