"""A Markdown review checklist for a pull request comment: one section per family with
a box that is ticked when no finding of the family remains, what was verified as
correct ("31 of 33 `Query` results are closed on every path") and each finding as
``path:line`` with its message."""

from __future__ import annotations

from .escape import md_code, md_text
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


def render(report, statistics: bool = False) -> str:
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
        if not found and not counted:
            check += " (nothing of this kind in the scanned files)"
        out += ["", f"### {title}", "", f"- [{' ' if found else 'x'}] {check}"]
        out += [f"  - {verified_line(rule, v)}" for rule, v in counted]
        for f in found[:MAX_LISTED]:
            out.append(f"  - {md_code(f'{f.path}:{f.position.line}')}: {md_text(f.message)} "
                       f"({md_text(f.code)})")
        if len(found) > MAX_LISTED:
            out.append(f"  - … and {len(found) - MAX_LISTED} more (see the full report)")
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
