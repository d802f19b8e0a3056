"""A rule's documentation rendered from its catalogue entry: for `leaklint explain`,
SARIF help and the README's rule table."""

from __future__ import annotations

import textwrap

from .escape import md_block, md_code, md_fenced, md_text

FENCE = {"go": "go", "typescript": "ts", "javascript": "js", "python": "python"}


def _clean(s: str) -> str:
    return textwrap.dedent(s).strip("\n")


def help_text(rule) -> str:
    parts = [f"{rule.code} {rule.name} ({rule.family}; {', '.join(rule.languages)}; "
             f"default severity {rule.severity})", "", rule.summary + "."]
    if rule.rationale:
        parts += ["", _clean(rule.rationale)]
    if rule.bad:
        parts += ["", "Leaks:", "", textwrap.indent(_clean(rule.bad), "    ")]
    if rule.good:
        parts += ["", "Correct:", "", textwrap.indent(_clean(rule.good), "    ")]
    if rule.fix:
        parts += ["", "Fix: " + _clean(rule.fix)]
    return "\n".join(parts) + "\n"


def help_markdown(rule) -> str:
    """The rule's documentation in Markdown. A user rule's text comes from the scanned
    tree's config: it is escaped, never rendered as Markdown or HTML."""
    if not rule.builtin:
        return _user_help_markdown(rule)
    fence = FENCE.get(rule.languages[0], "")
    parts = [f"## {rule.code} `{rule.name}`", "",
             f"Family: **{rule.family}**. Languages: {', '.join(rule.languages)}. "
             f"Default severity: {rule.severity}.", "", rule.summary + "."]
    if rule.rationale:
        parts += ["", _clean(rule.rationale)]
    if rule.bad:
        parts += ["", "### Leaks", "", f"```{fence}", _clean(rule.bad), "```"]
    if rule.good:
        parts += ["", "### Correct", "", f"```{fence}", _clean(rule.good), "```"]
    if rule.fix:
        parts += ["", "### Fix", "", _clean(rule.fix)]
    return "\n".join(parts) + "\n"


def _user_help_markdown(rule) -> str:
    fence = FENCE.get(rule.languages[0], "")
    parts = [f"## {md_text(rule.code)} {md_code(rule.name)}", "",
             f"Family: **{md_text(rule.family)}**. Languages: "
             f"{md_text(', '.join(rule.languages))}. Default severity: {md_text(rule.severity)}.",
             "", md_text(rule.summary) + "."]
    if rule.rationale:
        parts += ["", md_block(_clean(rule.rationale))]
    if rule.bad:
        parts += ["", "### Leaks", "", md_fenced(_clean(rule.bad), fence)]
    if rule.good:
        parts += ["", "### Correct", "", md_fenced(_clean(rule.good), fence)]
    if rule.fix:
        parts += ["", "### Fix", "", md_block(_clean(rule.fix))]
    return "\n".join(parts) + "\n"


def rule_table(rules) -> str:
    """The Markdown table of all rules, as the README shows it."""
    rows = ["| Code | Name | Family | Languages | Severity | What it finds |",
            "|---|---|---|---|---|---|"]
    for r in rules:
        rows.append(f"| {r.code} | `{r.name}` | {r.family} | {', '.join(r.languages)} | "
                    f"{r.severity} | {r.summary} |")
    return "\n".join(rows) + "\n"
