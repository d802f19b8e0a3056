"""Escaping of text that comes from the scanned tree or its config (paths, config keys,
selectors, rule names and docs, messages quoting source, source lines) for each output.

A pull request chooses its file names and config, so none of that text may:
- break a line: every control character (newline, carriage return, ESC...), format
  character (bidi overrides) and unassigned code point becomes a visible escape
  (``\\n``, ``\\x1b``, ``\\u202e``), so one error is one line and no text rewrites
  the terminal;
- be read as a GitHub Actions workflow command: the runner takes a line whose first
  non-blank characters are ``::`` as a command, and ``##[`` anywhere in a line as one
  in the older syntax (``::stop-commands::`` would silence every later annotation);
- be read as Markdown or HTML in a review comment or in SARIF markdown.

Every renderer calls these functions on tree text; nothing else escapes by hand.
"""

from __future__ import annotations

import re

_OLD_COMMAND = "##["
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&])")
_BACKTICKS = re.compile(r"`+")


def _escape_char(c: str) -> str:
    if "\udc80" <= c <= "\udcff":  # a byte of a file name that is not UTF-8
        return f"\\x{ord(c) - 0xDC00:02x}"
    return c.encode("unicode_escape").decode("ascii")


def printable(text: str, keep: str = "") -> str:
    """``text`` on one line with nothing a terminal or a log reader acts on: control,
    format and unassigned characters escaped (but those in ``keep``, such as a source
    line's tabs), ``##[`` broken up."""
    if not text.isprintable():
        text = "".join(c if c.isprintable() or c in keep else _escape_char(c) for c in text)
    if _OLD_COMMAND in text:
        text = text.replace(_OLD_COMMAND, "##\\x5b")
    return text


def _starts_command(text: str) -> bool:
    return text.lstrip().startswith("::")


def line(text: str, keep: str = "") -> str:
    """``printable`` for text that may begin an output line: a leading ``::`` (after
    blanks) is escaped too."""
    text = printable(text, keep)
    if _starts_command(text):
        i = text.index(":")
        text = text[:i] + "\\x3a" + text[i + 1:]
    return text


def path(p: str) -> str:
    """A path for display: ``printable``, and ``./`` put before a relative path whose
    text could begin a workflow command (the path stays one you can type)."""
    p = printable(p)
    if _starts_command(p) or p[:1].isspace():
        p = "./" + p
    return p


def md_text(text: str) -> str:
    """Plain text inside Markdown (a checklist item, SARIF help): one line, Markdown and
    HTML specials backslash-escaped, so no link, image, tag, emphasis or table cell
    comes out of it."""
    return _MD_SPECIAL.sub(r"\\\1", printable(text))


def md_code(text: str) -> str:
    """``text`` as one Markdown code span (paths, names): a fence longer than any run
    of backticks inside, so the span cannot be closed early; HTML in a code span is
    shown, never rendered."""
    text = printable(text)
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_block(text: str) -> str:
    """Several lines of tree text (a user rule's rationale) as Markdown paragraphs:
    each line escaped as ``md_text``."""
    return "\n".join(md_text(ln) for ln in text.split("\n"))


def md_fenced(text: str, info: str = "") -> str:
    """A fenced code block holding ``text`` whatever backticks it contains; control
    characters other than tabs and newlines escaped."""
    body = "\n".join(printable(ln.replace("\t", "    ")) for ln in text.split("\n"))
    longest = max((len(m) for m in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def gh_data(text: str) -> str:
    """The message of a workflow command (after ``::``): printable, then the runner's
    own escapes."""
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(text: str, exact: bool = False) -> str:
    """A workflow command property value. ``exact`` keeps the text as it is apart from
    the runner's escapes (a ``file=`` must name the file as it is on disk; the runner
    consumes it and never prints it, and a line that is a command already is not
    searched for ``##[``); otherwise it is made printable first."""
    if not exact:
        text = printable(text)
    return (text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            .replace(":", "%3A").replace(",", "%2C"))
