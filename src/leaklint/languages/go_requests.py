"""An HTTP request whose context the function cancels on return: net/http closes the
response's connection when the request's context ends, so a body left unclosed there
holds nothing once the function has returned."""

from __future__ import annotations

from .go_syntax import callee_text, own_nodes, text

_CANCELLABLE = ("context.WithCancel", "context.WithTimeout", "context.WithDeadline",
                "context.WithCancelCause", "context.WithTimeoutCause", "context.WithDeadlineCause")


def _makings(fn, name: str) -> list:
    """The calls ``fn`` assigns to the local ``name`` (None for a value that is not a
    call), with the assignment's targets."""
    out = []
    for node in own_nodes(fn):
        if node.type not in ("short_var_declaration", "assignment_statement"):
            continue
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        targets = [text(n) for n in left.named_children] if left is not None else []
        if name in targets and right is not None and len(right.named_children) == 1:
            made = right.named_children[0]
            out.append((made if made.type == "call_expression" else None, targets))
        elif name in targets:
            out.append((None, targets))
    return out


def cancelled_on_return(call, fn) -> bool:
    """Is the request ``call`` sends (`client.Do(req)`) made only by
    `http.NewRequestWithContext(ctx, ...)` over a `ctx, cancel := context.WithTimeout(...)`
    of ``fn`` whose cancel ``fn`` defers?"""
    args = call.child_by_field_name("arguments")
    first = next((a for a in (args.named_children if args is not None else ())
                  if a.type != "comment"), None)
    if first is None or first.type != "identifier":
        return False
    contexts = set()
    for made, _ in _makings(fn, text(first)) or [(None, [])]:
        margs = made.child_by_field_name("arguments") if made is not None else None
        listed = [a for a in margs.named_children if a.type != "comment"] if margs else []
        if made is None or callee_text(made) != "http.NewRequestWithContext" or not listed \
                or listed[0].type != "identifier":
            return False
        contexts.add(text(listed[0]))
    if len(contexts) != 1:
        return False
    makings = _makings(fn, contexts.pop())
    cancels = set()
    for made, targets in makings or [(None, [])]:
        if made is None or callee_text(made) not in _CANCELLABLE or len(targets) != 2:
            return False
        cancels.add(targets[1])
    return len(cancels) == 1 and any(
        node.type == "defer_statement" and text(node).replace(" ", "") == f"defer{c}()"
        for node in own_nodes(fn) for c in cancels)
