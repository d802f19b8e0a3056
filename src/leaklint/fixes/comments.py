"""Fixes of any language that edit comments."""

from __future__ import annotations

from .edits import Fix, edit, line_end, line_start


def remove_comment(ctx, node) -> Fix | None:
    """Remove a one-line comment that holds only a `leaklint:` directive (and its reason):
    its whole line when nothing else is on it, else the comment and the blanks before it.
    None when the comment says something before the directive, spans lines, or has code
    after it."""
    src = ctx.src
    if node.start_point[0] != node.end_point[0]:
        return None
    body = node.text.decode("utf-8", "replace").lstrip("/#*<!- \t")
    if not body.startswith("leaklint:"):
        return None
    data, start, end = src.data, node.start_byte, node.end_byte
    first, last = line_start(src, start), line_end(src, end)
    if data[end:last].strip():
        return None
    if not data[first:start].strip():
        begin, stop = first, last
    else:
        begin, stop = start, end
        while begin > first and data[begin - 1] in b" \t":
            begin -= 1
    return Fix("Remove the unused suppression comment", (edit(src, begin, stop, ""),))
