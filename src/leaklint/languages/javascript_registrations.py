"""Registration helpers: functions that add an event listener on behalf of their callers.

``listen(type, target, handler)`` whose body calls ``target.addEventListener(type,
handler)``, or adds to the document a delegating listener that calls ``handler``,
registers what its caller hands it. Whether that registration is owed a removal is the
caller's question (how often the caller runs, how long the target lives), not the
helper's: a helper called from a page's start-up code with page-lifetime targets leaks
nothing, one called per event piles up listeners. ``summary(fn)`` is the helper's
summary read from its body, as plain data so that it can travel between files (the
``js-startup`` facts): LL401 judges each call of a helper where the call is made, as it
judges an ``addEventListener`` written there.
"""

from __future__ import annotations

from .javascript_modules import parameters
from .javascript_values import declares
from .javascript_syntax import (FUNCTIONS, args, callee, enclosing_function, method_of, norm,
                                receiver, strip, text, walk)

ADD = "addEventListener"


def summary(fn) -> dict | None:
    """``{"event": i, "handler": j, "options": k or None, "on": [...]}`` when the function
    ``fn`` adds, with ``addEventListener``, a listener for the event its parameter ``i``
    names, whose handler is its parameter ``j`` or an inline function calling it;
    ``on`` lists the targets: a parameter's index, or the receiver as written
    (``"document"``) for a fixed one that outlives the call (not ``this``, nor an object
    the function holds in a local of its own). None when ``fn`` registers nothing of its
    caller's."""
    body = fn.child_by_field_name("body")
    found = None
    for call in walk(body, stop=FUNCTIONS) if body is not None else ():
        if call.type != "call_expression" or method_of(call) != ADD:
            continue
        got = _registration(call, fn)
        if got is None:
            continue
        event, handler, options, target = got
        if found is None:
            found = {"event": event, "handler": handler, "options": options, "on": []}
        elif (found["event"], found["handler"]) != (event, handler):
            return None  # two registrations of different things: not one helper's
        if target not in found["on"]:
            found["on"].append(target)
    return found


def _registration(call, fn):
    """(event, handler, options, target) of an ``addEventListener`` ``call`` in ``fn`` made
    for ``fn``'s callers (see ``summary``); None otherwise."""
    named = {p: i for i, p in enumerate(parameters(fn)) if p}
    a = args(call)
    if len(a) < 2 or norm(a[0]) not in named:
        return None
    handler = _handler_param(a[1], named)
    r = receiver(call)
    root = norm(r).split(".", 1)[0].split("(", 1)[0] if r is not None else "window"
    if handler is None or root == "this" or (root not in named and declares(fn, root)):
        return None  # the function's own object decides, not its callers
    options = named.get(norm(a[2])) if len(a) > 2 else None
    return named[norm(a[0])], handler, options, named.get(norm(r), norm(r) if r is not None
                                                          else "window")


def _handler_param(node, named: dict):
    """The index of the parameter the handler is, or that an inline handler calls
    (``(e) => listener.call(el, e)``); None otherwise."""
    h = strip(node)
    if h is None:
        return None
    if h.type == "identifier":
        return named.get(text(h))
    if h.type not in FUNCTIONS:
        return None
    for n in walk(h):
        if n.type == "call_expression":
            name = callee(n)
            for head in (name, name.removesuffix(".call"), name.removesuffix(".apply")):
                if head in named:
                    return named[head]
    return None


def registered(call, helper: dict) -> tuple[list, list]:
    """(arguments, targets) a call of a registration helper hands it: the argument nodes
    an ``addEventListener`` would get (event, handler and the options when passed) and
    the targets the listener goes on (argument nodes, or the helper's fixed receivers as
    text). A target argument that is a string names no object (a selector the helper
    delegates on): the helper's fixed receivers stand for it. No targets when the call
    does not pass the event and the handler."""
    a = args(call)
    if max(helper["event"], helper["handler"]) >= len(a):
        return [], []
    given = [a[helper["event"]], a[helper["handler"]]]
    if helper["options"] is not None and helper["options"] < len(a):
        given.append(a[helper["options"]])
    fixed = [t for t in helper["on"] if isinstance(t, str)]
    targets = []
    for t in helper["on"]:
        if isinstance(t, int) and t < len(a):
            v = strip(a[t])
            if v is not None and v.type in ("string", "template_string"):
                targets.extend(x for x in fixed if x not in targets)
            else:
                targets.append(a[t])
        elif isinstance(t, str) and t not in targets and not any(
                isinstance(x, int) for x in helper["on"]):
            targets.append(t)
    return given, targets


def for_callers(call) -> bool:
    """Is the ``addEventListener`` ``call`` made for the callers of the function it is in
    (see ``summary``)?"""
    fn = enclosing_function(call)
    return fn is not None and _registration(call, fn) is not None
