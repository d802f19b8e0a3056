"""A rule's ``wrappers`` (writers and decoders over a stream they are given) made over
no stream at all: `zstd.NewReader(nil)`, `zstd.NewWriter(nil, opts...)`. Such a value is
a codec of whole buffers (`DecodeAll`, `EncodeAll`), or one that a later `Reset` gives a
stream; until then it holds nothing of the process's (no descriptor, no goroutine), so
neither the function that makes it nor one that returns or keeps it owes a `Close`."""

from __future__ import annotations

from ..tracks import pattern_matches


def over_no_stream(cand) -> bool:
    """Is ``cand``'s call one of its rule's wrappers, with `nil` as its first argument?"""
    args = cand.call.child_by_field_name("arguments")
    first = next((a for a in args.named_children if a.type != "comment"), None) \
        if args is not None else None
    return first is not None and first.type == "nil" and any(
        pattern_matches(p, cand.callee) for p in cand.rule.lifecycle.get("wrappers", ()))
