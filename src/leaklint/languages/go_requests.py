"""What the making of the HTTP request a call sends says: the methods it may use (the
response to a HEAD has no body), and whether the function cancels its context on return
(net/http closes the response's connection when the request's context ends, so a body
left unclosed there holds nothing once the function has returned)."""

from __future__ import annotations

from .go_syntax import callee_text, own_nodes, text

# the request makers of net/http and the place of their method argument
_REQUEST_MAKERS = {"http.NewRequest": 0, "http.NewRequestWithContext": 1}
# the methods a constant may be named after (`http.MethodHead`, a project's `httpm.HEAD`)
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE")
_CANCELLABLE = ("context.WithCancel", "context.WithTimeout", "context.WithDeadline",
                "context.WithCancelCause", "context.WithTimeoutCause", "context.WithDeadlineCause")


def _unwrapped(made):
    """The call a must-style wrapper takes (`must.Get(http.NewRequest(...))`, `lo.Must(...)`:
    it returns its argument's first result and panics on its error), else ``made``."""
    callee = callee_text(made)
    listed = _arguments(made)
    if (callee.startswith("must.") or callee.rsplit(".", 1)[-1] in ("Must", "MustGet")) \
            and len(listed) == 1 and listed[0].type == "call_expression":
        return listed[0]
    return made


def _makings(fn, name: str) -> list:
    """The calls ``fn`` assigns to the local ``name`` (None for a value that is not a
    call; seen through a must-style wrapper), with the assignment's targets."""
    out = []
    for node in own_nodes(fn):
        if node.type not in ("short_var_declaration", "assignment_statement"):
            continue
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        targets = [text(n) for n in left.named_children] if left is not None else []
        if name in targets and right is not None and len(right.named_children) == 1:
            made = right.named_children[0]
            out.append((_unwrapped(made) if made.type == "call_expression" else None, targets))
        elif name in targets:
            out.append((None, targets))
    return out


def _arguments(call) -> list:
    args = call.child_by_field_name("arguments") if call is not None else None
    return [a for a in (args.named_children if args is not None else ()) if a.type != "comment"]


def request_makings(call, fn) -> list:
    """The calls that make the request ``call`` sends (its first argument, a local of
    ``fn``; None for a making that is not a call); [] when it is no local."""
    listed = _arguments(call)
    if not listed or listed[0].type != "identifier":
        return []
    return [made for made, _ in _makings(fn, text(listed[0]))] or [None]


def request_methods(makings) -> set | None:
    """The HTTP methods a request made by ``makings`` (``request_makings``) may use
    (`req, err := http.NewRequest("HEAD", url, nil)`; a constant named after the method,
    `http.MethodHead` or a project's `httpm.HEAD`, reads "HEAD"), or None when some making
    of it is not such a call."""
    found = set()
    for made in makings:
        place = _REQUEST_MAKERS.get(callee_text(made)) if made is not None else None
        listed = _arguments(made) if place is not None else []
        if place is None or len(listed) <= place:
            return None
        method = listed[place]
        field = text(method.child_by_field_name("field")) \
            if method.type == "selector_expression" else ""
        name = field[len("Method"):].upper() if field.startswith("Method") else field
        if method.type == "interpreted_string_literal":
            found.add(method.text.decode("utf-8", "replace")[1:-1])
        elif name in _METHODS:  # `http.MethodHead`, or a project's `httpm.HEAD`
            found.add(name)
        else:
            return None
    return found or None


def cancelled_on_return(makings, fn) -> bool:
    """Is the request a call of ``fn`` sends (`client.Do(req)`) made (``makings``) only by
    `http.NewRequestWithContext(ctx, ...)` over a `ctx, cancel := context.WithTimeout(...)`
    of ``fn`` whose cancel ``fn`` defers?"""
    contexts = set()
    for made in makings:
        listed = _arguments(made)
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
