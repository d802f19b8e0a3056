"""Handlers of paired events of one target (for LL407): a setup handler (`view.addEventListener
("viewshow", ...)`) and a teardown handler of another event of the same target
(`"viewbeforehide"`) that removes what the setup handler added. The pair shows that the
setup handler runs again and again (each show of the view, each activation of the page):
what it adds to a target that outlives the pair and the teardown handler leaves in place
is added once more on every run.
"""

from __future__ import annotations

from ...languages.javascript import (FUNCTIONS, args, calls_in, enclosing_function,
                                     method_of, norm, receiver, strip, text, up)
from ...languages.javascript_runs import PAGE_LOAD_EVENTS, REPEATING_SUBSCRIPTIONS, \
    run_once_guard

# a registration method -> the methods that undo it
UNDO = {"on": {"off", "removeListener"}, "addListener": {"removeListener", "off"},
        "prependListener": {"removeListener", "off"},
        "addEventListener": {"removeEventListener"}, "subscribe": {"unsubscribe"},
        "bind": {"unbind"}}
REMOVING = {m for ms in UNDO.values() for m in ms} | {"removeAllListeners"}
LITERALS = ("string", "template_string")


def registration(call):
    """(target, event, handler) nodes of a registration call: `t.on(event, h)` or
    `t.addEventListener(event, h, options)`, and the form of a helper handed the target
    first, `Events.on(target, "event", h)`; None for another call."""
    meth, a = method_of(call), args(call)
    if meth not in UNDO or len(a) < 2:
        return None
    first = strip(a[0])
    if len(a) == 3 and meth != "addEventListener" and first is not None \
            and first.type in ("identifier", "member_expression", "this") \
            and strip(a[1]) is not None and strip(a[1]).type in LITERALS:
        return first, strip(a[1]), strip(a[2])
    t = receiver(call)
    if t is None or first is None:
        return None
    return strip(t), first, strip(a[1] if meth == "addEventListener" else a[-1])


def _bodies(m, handler) -> list:
    if handler is not None and handler.type in FUNCTIONS:
        return [handler]
    if handler is not None and handler.type == "identifier":
        return m.functions().get(text(handler), [])[:1]
    return []


def _run_calls(m, fn) -> list:
    """The calls a run of ``fn`` makes itself and through the same-file functions it calls
    by name (one level), not those of the callbacks it hands on."""
    own = [c for c in calls_in(fn) if enclosing_function(c) == fn]
    helpers = [f for c in own for f in m.functions().get(method_of(c), [])[:1]
               if strip(c.child_by_field_name("function")).type == "identifier"]
    return own + [c for f in helpers for c in calls_in(f) if enclosing_function(c) == f]


def _mirrors(removal, added) -> bool:
    """Does ``removal`` undo the registration call ``added``: the undoing method on the same
    receiver with the same leading arguments (`inputManager.off(window, onInput)` for
    `inputManager.on(window, onInput)`)?"""
    if method_of(removal) not in UNDO.get(method_of(added), ()):
        return False
    ra, aa = [norm(x) for x in args(removal)], [norm(x) for x in args(added)]
    h = registration(added)
    return norm(receiver(removal)) == norm(receiver(added)) and 0 < len(ra) <= len(aa) \
        and ra == aa[:len(ra)] and h is not None and h[2] is not None \
        and h[2].type not in FUNCTIONS


def removes(call, target: str, event: str) -> bool:
    """Does ``call`` remove the listeners of ``target`` for ``event``: `target.off(event,
    ...)`, `Events.off(target, event, ...)`, with the event computed or left out?"""
    if method_of(call) not in REMOVING:
        return False
    a = [strip(x) for x in args(call)]
    if norm(receiver(call)) == target:
        rest = a
    elif a and norm(a[0]) == target:
        rest = a[1:]
    else:
        return False
    return not rest or rest[0] is None or rest[0].type not in LITERALS \
        or norm(rest[0]).replace('"', "'") == event.replace('"', "'")


def _pairs(m) -> list:
    """[(setup handler, teardown handler, "its event of its target", teardown's event)]:
    handlers of two events of one target, the teardown's run removing a registration the
    setup's run makes."""
    subs: dict = {}
    for call in m.calls():
        if call.type != "call_expression" or method_of(call) not in REPEATING_SUBSCRIPTIONS:
            continue
        reg = registration(call)
        if reg is None or reg[1].type not in LITERALS \
                or text(reg[1]).strip("'\"`") in PAGE_LOAD_EVENTS:
            continue
        for body in _bodies(m, reg[2]):
            key = (enclosing_function(call).id if enclosing_function(call) else 0,
                   norm(reg[0]))
            subs.setdefault(key, []).append((call, body, text(reg[1])))
    out, removals = [], {}

    def removing(fn) -> list:  # the removals a handler's run makes (once per handler)
        if fn.id not in removals:
            removals[fn.id] = [c for c in _run_calls(m, fn) if method_of(c) in REMOVING]
        return removals[fn.id]
    for (_, target), regs in subs.items():
        if len({e for _, _, e in regs}) < 2:
            continue  # one event: no pair
        for _, setup, e1 in regs:
            added = [c for c in _run_calls(m, setup) if method_of(c) in UNDO]
            if not added or run_once_guard(setup):
                continue
            teardown = next(((t, e2) for _, t, e2 in regs if e1 != e2 and any(
                _mirrors(r, c) for r in removing(t) for c in added)), None)
            if teardown is not None:
                out.append((setup, teardown[0], f"{e1} event of {target}", teardown[1]))
    return out


def left_by_teardown(m, register: set):
    """(call, target, event, why) for each registration (a method of ``register``) that a
    paired setup handler's run makes and neither that run nor the teardown handler's
    removes; and (call, None, None, None) for each one that they remove."""
    for setup, teardown, setup_event, teardown_event in _pairs(m):
        gone = _run_calls(m, teardown)
        run = _run_calls(m, setup)
        for call in run:
            reg = registration(call) if method_of(call) in register else None
            p, _ = up(call)
            if reg is None or p is None or p.type != "expression_statement":
                continue
            target, event = norm(reg[0]), norm(reg[1])
            if any(_mirrors(r, call) or removes(r, target, event) for r in gone) \
                    or any(removes(r, target, event) for r in run):
                yield call, None, None, None
                continue
            yield call, reg[0], event, (
                f"is added on each {setup_event}, and the {teardown_event} handler, which "
                f"removes what that run adds, leaves it in place")
