"""A rule's documentation rendered from its catalogue entry: for `leaklint explain`,
SARIF help, the README's rule table and the pages under docs/rules/."""

from __future__ import annotations

import textwrap

from .escape import md_block, md_code, md_fenced, md_text

FENCE = {"go": "go", "typescript": "ts", "javascript": "js", "python": "python"}
# the project's repository, as in pyproject's [project.urls] (a test keeps them equal);
# rule pages are addressed as files of its main branch
REPOSITORY_URL = "https://github.com/leaklint/leaklint"
RULE_PAGES_DIR = "docs/rules"


def page_path(rule) -> str:
    """The rule's page, relative to the repository root."""
    return f"{RULE_PAGES_DIR}/{rule.code}.md"


def page_url(rule) -> str | None:
    """Where a built-in rule's page is published; None for a rule from the user's config."""
    return f"{REPOSITORY_URL}/blob/main/{page_path(rule)}" if rule.builtin else None


def _clean(s: str) -> str:
    return textwrap.dedent(s).strip("\n")


def opt_in_note(rule) -> str:
    """What a rule outside the default selection says about it ("" for the others)."""
    if rule.precision != "low":
        return ""
    return (f"Not in the default selection (its precision on real code is low): run it by "
            f"name, e.g. `leaklint check --extend-select {rule.code}`.")


def help_text(rule) -> str:
    parts = [f"{rule.code} {rule.name} ({rule.family}; {', '.join(rule.languages)}; "
             f"default severity {rule.severity})", "", rule.summary + "."]
    if opt_in_note(rule):
        parts += ["", opt_in_note(rule)]
    if rule.rationale:
        parts += ["", _clean(rule.rationale)]
    if rule.bad:
        parts += ["", "Leaks:", "", textwrap.indent(_clean(rule.bad), "    ")]
    if rule.good:
        parts += ["", "Correct:", "", textwrap.indent(_clean(rule.good), "    ")]
    if rule.fix:
        parts += ["", "Fix: " + _clean(rule.fix)]
    url = page_url(rule)
    if url:
        parts += ["", f"Docs: {url}"]
    return "\n".join(parts) + "\n"


def help_markdown(rule, level: int = 2) -> str:
    """The rule's documentation in Markdown; ``level``: the heading level of the title
    (sections are one deeper). A user rule's text comes from the scanned tree's config:
    it is escaped, never rendered as Markdown or HTML."""
    if not rule.builtin:
        return _user_help_markdown(rule, level)
    fence = FENCE.get(rule.languages[0], "")
    h = "#" * level
    parts = [f"{h} {rule.code} `{rule.name}`", "",
             f"Family: **{rule.family}**. Languages: {', '.join(rule.languages)}. "
             f"Default severity: {rule.severity}.", "", rule.summary + "."]
    if opt_in_note(rule):
        parts += ["", opt_in_note(rule)]
    if rule.rationale:
        parts += ["", _clean(rule.rationale)]
    if rule.bad:
        parts += ["", f"{h}# Leaks", "", f"```{fence}", _clean(rule.bad), "```"]
    if rule.good:
        parts += ["", f"{h}# Correct", "", f"```{fence}", _clean(rule.good), "```"]
    if rule.fix:
        parts += ["", f"{h}# Fix", "", _clean(rule.fix)]
    return "\n".join(parts) + "\n"


def _user_help_markdown(rule, level: int) -> str:
    fence = FENCE.get(rule.languages[0], "")
    h = "#" * level
    parts = [f"{h} {md_text(rule.code)} {md_code(rule.name)}", "",
             f"Family: **{md_text(rule.family)}**. Languages: "
             f"{md_text(', '.join(rule.languages))}. Default severity: {md_text(rule.severity)}.",
             "", md_text(rule.summary) + "."]
    if rule.rationale:
        parts += ["", md_block(_clean(rule.rationale))]
    if rule.bad:
        parts += ["", f"{h}# Leaks", "", md_fenced(_clean(rule.bad), fence)]
    if rule.good:
        parts += ["", f"{h}# Correct", "", md_fenced(_clean(rule.good), fence)]
    if rule.fix:
        parts += ["", f"{h}# Fix", "", md_block(_clean(rule.fix))]
    return "\n".join(parts) + "\n"


def rule_page(rule, source: str, measured: dict | None = None) -> str:
    """The page docs/rules/<code>.md of a built-in rule; ``source`` is its catalogue file
    (relative to the repository root), named in the page's generated-file notice;
    ``measured``: the ecosystem check's per-rule figures, when there are some."""
    selection = ""  # whether the rule is in the default selection: help_markdown says it
    if measured is not None:
        selection += (f"Measured on the labelled findings of real repositories "
                      f"([docs/accuracy.md](../accuracy.md)): "
                      f"{measured_precision(rule, measured).removesuffix(', opt-in')}. ")
    return (f"<!-- generated from {source} by scripts/sync_docs.py: edit the catalogue "
            "entry, not this page -->\n\n" + help_markdown(rule, level=1) +
            f"\n## Selecting and suppressing\n\n"
            f"Precision: {rule.precision}. {selection}Select or ignore the rule by its code "
            f"(`{rule.code}`), its name (`{rule.name}`) or its family (`{rule.family}`), "
            f"e.g. `leaklint check --ignore {rule.code}` or `ignore = [\"{rule.code}\"]` in "
            f"`[tool.leaklint]`. Suppress one finding with a comment on its line or the "
            f"line above: `leaklint: ignore[{rule.code}]`.\n")


def measured_precision(rule, measured: dict) -> str:
    """A rule's precision on the labelled real repositories (docs/accuracy.md), for the
    rule table: "92 % of 48", "none found", and "opt-in" for rules off by default."""
    m = measured.get(rule.code) or {}
    labelled = m.get("true", 0) + m.get("false", 0) + m.get("unsure", 0)
    text = f"{100 * m['true'] / labelled:.0f} % of {labelled}" if labelled else "none found"
    return f"{text}, opt-in" if rule.precision == "low" else text


def rule_table(rules, pages: str | None = None, measured: dict | None = None) -> str:
    """The Markdown table of all rules; with ``pages`` (the relative path of
    docs/rules/ from the document), each code links to its rule page; with ``measured``
    (per-rule figures of the ecosystem check), a column of measured precision."""
    extra = (" Precision on real code |", "---|") if measured is not None else ("", "")
    rows = ["| Code | Name | Family | Languages | Severity | What it finds |" + extra[0],
            "|---|---|---|---|---|---|" + extra[1]]
    for r in rules:
        code = f"[{r.code}]({pages}/{r.code}.md)" if pages is not None else r.code
        column = f" {measured_precision(r, measured)} |" if measured is not None else ""
        rows.append(f"| {code} | `{r.name}` | {r.family} | {', '.join(r.languages)} | "
                    f"{r.severity} | {r.summary} |{column}")
    return "\n".join(rows) + "\n"
