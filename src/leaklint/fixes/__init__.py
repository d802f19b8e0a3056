"""Fixes: edits attached to findings, computed only when a run asks for them.

Fixers (``go.py``, ``javascript.py``, ``python.py``) are keyed by the shape of the
reported code, not by rule code, so a rule added later gets the fix of the shape it
reports (a lifecycle rule with a release method gets `defer h.Release()`). What a fix
is made of is in ``edits.py``; ``leaklint.autofix`` applies fixes to files.
"""

from __future__ import annotations


def attach(ctx) -> None:
    """Give each finding of this file that has no fix yet the fix of its shape, if any."""
    emitted = [record for record in ctx.cache.get("emitted", ())
               if record[0].fix is None and not record[0].suppressed]
    if not emitted:
        return
    by_language = []
    for record in emitted:
        anchors = record[3]
        if anchors is not None and anchors.get("shape") == "remove-comment":
            from .comments import remove_comment

            record[0].fix = remove_comment(ctx, record[1])
        else:
            by_language.append(record)
    emitted = by_language
    if not emitted:
        return
    if ctx.family == "go":
        from .go import fix_for
    elif ctx.family in ("typescript", "javascript"):
        from .javascript import fix_for
    elif ctx.family == "python":
        from .python import fixes_for

        for f, fix in fixes_for(ctx, emitted):
            f.fix = fix
        return
    else:
        return
    for f, node, rule, anchors in emitted:
        f.fix = fix_for(ctx, node, rule, anchors)
