"""Removals that cannot remove (for LL401 and LL407): a function that adds a listener and
itself removes the target's listeners for that event, but with another handler.

`el.removeEventListener("input", (e) => onInput(e))` removes nothing: a function written
in place (or a fresh `.bind()`) is a new object that no registration was made with (the
same function written again to remove what the function adds, from the element it had
before, is one too). A removal by a function the file writes that no registration of the
file adds for that event (`socket.removeListener("close", onClose)` beside
`socket.on("close", onFinished)`) removes nothing either. The removal shows that the code
means the listener to go (the target outlives it); since it does not match, the listener
stays and each run of the function adds one more.

Also the `"abort"` listener that a module's exported function (or a method of its
exported class) adds to an AbortSignal it was handed (a parameter, or a field of its
object other than a controller the object makes): the caller, another module, may use
one signal for many calls (one signal for a whole session of requests), and the signal
keeps every listener until it aborts, which it may never do.
"""

from __future__ import annotations

from ...languages import of_type, tree_root
from ...languages.javascript import (args, calls_in, enclosing_function, method_of, norm,
                                     receiver, strip, text)
from ...languages.javascript_runs import commonjs_export
from ...languages.javascript_scopes import exported
from ...languages.javascript_syntax import FUNCTIONS, made_here
from ...languages.javascript_values import declaring_function, local_value
from .pairing import inline_handler, target_text

# registration method -> the methods that remove one of its listeners by handler
DOM = ({"addEventListener"}, {"removeEventListener"})
EMITTER = ({"on", "addListener", "prependListener"}, {"off", "removeListener"})
# registrations that also add a handler a removal may take off (a one-time one)
ONE_TIME = {"once", "prependOnceListener"}
# a signal some code of the file makes, whose `abort()` it calls itself
SIGNAL_MAKERS = ("newAbortController", "AbortSignal.")  # as `norm` writes them


def chain_target(call, methods):
    """The receiver of ``call`` with calls of ``methods`` chained before it unwrapped
    (`socket.on("drain", a).on("close", b)`: `socket`)."""
    t = receiver(call)
    while t is not None and strip(t) is not None and strip(t).type == "call_expression" \
            and method_of(strip(t)) in methods:
        t = receiver(strip(t))
    return t


def line_of(call) -> int:
    """The line of a call's method name (`.on(` of a chain that starts lines above)."""
    f = call.child_by_field_name("function")
    at = f.child_by_field_name("property") if f is not None and f.type == "member_expression" \
        else None
    return (at or call).start_point[0] + 1


def _event(node) -> str:
    return norm(node).replace('"', "'").replace("`", "'")


def _handler(call):
    """The handler a registration or removal names: its second argument (the DOM's), or
    its last (an emitter's, jQuery's `off(events, selector, handler)`); None when it
    names none (a removal of every handler)."""
    a = args(call)
    if len(a) < 2:
        return None
    h = strip(a[1] if method_of(call) in ("addEventListener", "removeEventListener") else a[-1])
    # `$(el).off("click", ".item")`: a selector, every handler delegated for it
    return None if h is None or h.type in ("string", "template_string") else h


def _same(handler, other, fn) -> bool:
    """Is ``other`` (a removal's handler) the function ``handler`` names: the same text,
    or a local of ``fn`` (or a function around it) bound to it?"""
    h = strip(handler)
    if h is not None and h.type == "assignment_expression":  # `(onGone = () => ...)`
        handler = h.child_by_field_name("left")
    if norm(other) == norm(handler):
        return True
    o = strip(other)
    f = declaring_function(fn, text(o)) if o is not None and o.type == "identifier" else None
    v = local_value(f, text(o)) if f is not None else None
    return v is not None and norm(v) == norm(handler)


def mismatched(m, call, kinds):
    """The removal that does not match the registration ``call`` (of the ``kinds``, DOM
    or EMITTER), or None: its function (with the functions it nests) removes the
    target's listeners for the event only with handlers that cannot be the registered
    one (written in place, or a name of the file's own that no registration of the file
    adds for that event), and no code that sees the target removes the registered
    handler from it."""
    adds, removes = kinds
    fn, handler, a = enclosing_function(call), _handler(call), args(call)
    tnode = chain_target(call, adds)
    if fn is None or handler is None or tnode is None or not a:
        return None
    target, event = target_text(tnode), _event(a[0])
    root = strip(tnode)
    if root is not None and root.type == "identifier" and made_here(fn, text(root)):
        return None  # a target the function makes: what it holds goes with it
    near = None
    for c in calls_in(fn):
        other = _handler(c)
        if method_of(c) in removes and other is not None and inline_handler(other) \
                and norm(other) == norm(handler) and _event(args(c)[0]) == event:
            near = near or c  # the registration's own function written again: a new one
            continue
        if method_of(c) not in removes or not _on(c, target, event, removes):
            continue
        if other is None or not inline_handler(other) and _same(handler, other, fn):
            return None  # removes every listener of the event, or this very one
        if inline_handler(other) or _own_name(other, fn) and not _added(m, event, other, adds):
            near = near or c
        else:
            return None  # the removal of another registration, here or elsewhere
    if near is None or inline_handler(handler) == "" and _removed_elsewhere(
            unit_calls(m, call, tnode), target, event, handler, removes):
        return None
    return near


def unit_calls(m, call, tnode) -> list:
    """The calls that may remove what ``call`` adds to ``tnode``: those of the function
    that declares the target's name (a parameter, a local), or every call of the file
    for a field, a module-level name or a global."""
    root = strip(tnode)
    while root is not None and root.type in ("member_expression", "subscript_expression"):
        root = strip(root.child_by_field_name("object"))
    if root is None or root.type != "identifier":
        return m.calls()
    fn = declaring_function(enclosing_function(call), text(root))
    return m.calls() if fn is None else calls_in(fn)


def _on(c, target: str, event: str, removes) -> bool:
    """Does the removal ``c`` remove from ``target`` listeners of ``event``?"""
    ra = args(c)
    t = chain_target(c, removes)
    return bool(ra) and t is not None and target_text(t) == target and _event(ra[0]) == event


def _own_name(handler, fn) -> bool:
    """Is ``handler`` a name the file gives a value of its own: a local of ``fn`` or of a
    function around it (not a parameter: the caller's function, which the caller may
    have added), or a function of the module?"""
    h = strip(handler)
    if h is None or h.type != "identifier":
        return False
    f = declaring_function(fn, text(h))
    if f is not None:  # a function the file writes, not a value found (`listeners.pop()`)
        v = strip(local_value(f, text(h)))
        return not _parameter(f, text(h)) and v is not None and (
            v.type in FUNCTIONS or v.type == "call_expression" and method_of(v) == "bind")
    return any(n.type in ("function_declaration", "variable_declarator")
               and text(n.child_by_field_name("name")) == text(h)
               for n in of_type(tree_root(h), ("function_declaration", "variable_declarator"))
               if enclosing_function(n) is None)


def _added(m, event: str, handler, adds) -> bool:
    """Does some registration of the file, on any target, add ``handler`` for ``event``
    (also a one-time one)?"""
    return any(method_of(c) in adds | ONE_TIME and args(c) and _handler(c) is not None
               and norm(_handler(c)) == norm(handler) and _event(args(c)[0]) == event
               for c in m.calls())


def _removed_elsewhere(calls, target: str, event: str, handler, removes) -> bool:
    """Does one of ``calls`` remove ``handler`` (by its text) from ``target`` for
    ``event``, or every listener of it?"""
    for c in calls:
        if method_of(c) in removes and _on(c, target, event, removes):
            other = _handler(c)
            if other is None or norm(other) == norm(handler):
                return True
    return False


def callers_signal(m, call) -> bool:
    """Is ``call`` an `"abort"` listener added to an AbortSignal the function was handed
    and never removed: `signal`, `options.signal` or `this.options.signal` rooted in a
    parameter of a function around it or in a field of its object, that no controller of
    the file (nor of the function) made, and that no removeEventListener("abort", ...) of
    the function declaring it (of the file, for a field) takes off it?"""
    a = args(call)
    if method_of(call) != "addEventListener" or len(a) < 2 or _event(a[0]) != "'abort'" \
            or not _public(call):
        return False
    t = strip(receiver(call))
    if t is None or not norm(t).lower().endswith("signal"):
        return False
    parts = norm(t).replace("?.", ".").split(".")
    if parts[0] == "this":
        # a field of the object: the caller's unless a controller of the file is kept there
        if len(parts) < 3 or any(norm(n).replace("?.", ".").startswith(SIGNAL_MAKERS)
                                 for n in _assigned(m, parts[:-1])):
            return False
    else:
        fn = declaring_function(enclosing_function(call), parts[0])
        if fn is None or not _parameter(fn, parts[0]) or made_here(fn, parts[0]):
            return False
    return not any(method_of(c) == "removeEventListener" and args(c)
                   and _event(args(c)[0]) == "'abort'" and receiver(c) is not None
                   and target_text(receiver(c)) == target_text(t)
                   for c in unit_calls(m, call, t))


def _public(call) -> bool:
    """Is the code at ``call`` in what its module exports (an exported function or class,
    `exports.f = function`): called by other modules, with signals of their own? The
    module's own helpers get their signals from its code, which makes them per call."""
    top, fn = None, enclosing_function(call)
    while fn is not None:
        top, fn = fn, enclosing_function(fn)
    return top is not None and (exported(top) or bool(commonjs_export(top)))


def _assigned(m, parts: list) -> list:
    """The values the file gives the field ``parts`` (`this.controller = new
    AbortController()`, or a class field `controller = new AbortController()`)."""
    left = ".".join(parts)
    out = [n.child_by_field_name("right") for n in of_type(m.root, ("assignment_expression",))
           if norm(n.child_by_field_name("left")).replace("?.", ".") == left]
    if len(parts) == 2:
        out += [n.child_by_field_name("value")
                for n in of_type(m.root, ("public_field_definition", "field_definition"))
                if text(n.child_by_field_name("property") or n.child_by_field_name("name"))
                == parts[1] and n.child_by_field_name("value") is not None]
    return out


def _parameter(fn, name: str) -> bool:
    """Is ``name`` a parameter of ``fn`` (plain, defaulted or destructured)?"""
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    if params is None:
        return False
    stack = [params]
    while stack:
        n = stack.pop()
        if n.type in FUNCTIONS:
            continue
        if n.type in ("identifier", "shorthand_property_identifier_pattern") \
                and text(n) == name:
            return True
        stack.extend(n.named_children)
    return False
