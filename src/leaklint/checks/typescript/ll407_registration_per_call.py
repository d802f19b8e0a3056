"""LL407 registration-per-call: a listener added to a long-lived target by a function that
runs per call (a page module's init, an exported function, a route handler) and never
removed by it; and of one handler registered once for several events of a target, the
registrations it does not remove when it runs.
"""

from __future__ import annotations

from ...languages import of_type
from ...languages.javascript import (FUNCTIONS, args, calls_in, enclosing_function,
                                     function_name, identifiers_named, method_of, norm,
                                     receiver, strip, text, up)
from ...languages.javascript_children import (constructor_class, creator_arguments,
                                              exported_as, made_per_call, parameter_fields,
                                              parameter_index)
from ...languages.javascript_members import END_EVENTS
from ...languages.javascript_syntax import callback_chain, made_here
from ...languages.javascript_runs import (ONCE, PAGE_LOAD_EVENTS, PER_CALL,
                                         REPEATING_SUBSCRIPTIONS, amd_factory, call_sites,
                                         class_constructor, per_call, per_event_makers,
                                         running_function)
from ...languages.javascript_scopes import GLOBALS, PLAIN_RELEASE, model
from ...languages.javascript_values import declares
from .paired_events import REMOVING, left_by_teardown
from .pairing import inline_handler, relevant, report
from .removals import EMITTER, chain_target, line_of, mismatched

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("event", "target", "why")

REGISTER = {"on", "addListener", "prependListener"}
# subscriptions whose handler runs on each event, and events fired once per page or
# process (its load, its readiness, the signals and events that end it)
REPEATING = REPEATING_SUBSCRIPTIONS
ONE_TIME_EVENTS = PAGE_LOAD_EVENTS | {"ready", "will-finish-launching", "SIGINT", "SIGTERM",
                                     "SIGQUIT", "exit", "beforeExit", "before-quit", "will-quit"}
ONCE_REGISTER = {"once", "prependOnceListener"}
# `server.listen(options, callback)`: the callback is a one-time "listening" listener
LISTEN_EVENT = {"listen": "'listening'"}
# an emitter's removals (a DOM target's removeEventListener is LL401's)
REMOVE = REMOVING - {"removeEventListener"}
# events after which their target emits nothing more: what is left on it goes with it
ENDING = {f"'{e}'" for e in END_EVENTS | {"abort", "aborted"}}
# `$(window)`, `jQuery(document)`: a wrapper of the page itself
PAGE_OBJECTS = {"window", "document", "document.body", "'body'", '"body"'}
WRAPPERS = {"$", "jQuery"}


def long_lived(m, tnode, call) -> bool:
    """Does the target outlive one run of ``fn``: the page or process itself, a
    (jQuery-wrapped) window or document, a module-level value (a variable or import of
    the module, a dependency an AMD factory receives) or a global the file never declares?"""
    t = strip(tnode)
    if t is None:
        return False
    if t.type == "call_expression":
        a = args(t)
        return norm(t.child_by_field_name("function")) in WRAPPERS and len(a) == 1 \
            and norm(a[0]) in PAGE_OBJECTS
    if t.type != "identifier":
        return False
    name = text(t)
    if name in GLOBALS:
        return True
    if _assigned_anywhere(m, name):
        return False  # given a new value as the code runs: what it held goes away
    f = enclosing_function(call)
    while f is not None:
        if declares(f, name):
            return amd_factory(f) is not None  # the module's own dependency or variable
        f = enclosing_function(f)
    # a variable or import of the module, or a global the file never declares
    # (`/* global socket */`) nor defines as a function
    return name in m.module_names() or name not in m.functions()


def _per_event(m, node, depth: int = 0) -> str:
    """Why the code at ``node`` runs on each event of a long-lived emitter: it is in the
    handler given to `x.on(event, fn)` for a target that outlives it (an event the process
    or page fires once aside), or in a named function of the module that only such code
    calls (`autoUpdater.on("update-available", () => createWindow())`); "" otherwise."""
    chain, fn = callback_chain(node)
    for sub, cb, child in chain:
        named = strip(args(sub)[0]) if args(sub) else None
        if method_of(sub) in REPEATING and len(args(sub)) in (2, 3) \
                and strip(args(sub)[1]) == strip(child) and named is not None \
                and named.type in ("string", "template_string", "member_expression") \
                and not _keyed_once(node, cb):
            target = receiver(sub)
            while target is not None and strip(target) is not None \
                    and strip(target).type == "call_expression" \
                    and method_of(strip(target)) in REPEATING:
                target = receiver(strip(target))  # `emitter.on(a, f).on(b, g)`
            event = text(args(sub)[0]).strip("'\"`")
            if target is not None and event not in ONE_TIME_EVENTS and long_lived(m, target, sub):
                return f"run on each {text(args(sub)[0])} event of {norm(target)}"
    sites = call_sites(fn) if fn is not None and depth < 3 else None
    whys = [_per_event(m, c, depth + 1) for c in sites or ()]
    return whys[0] if whys and all(whys) else ""


def _keyed_once(node, fn) -> bool:
    """Is ``node`` inside an `if (!seen[key])` of ``fn`` whose block sets `seen[key] =
    true`: it runs once per key, not once per event?"""
    n = node.parent
    while n is not None and n != fn:
        if n.type == "if_statement":
            cond = strip(n.child_by_field_name("condition"))
            if cond is not None and cond.type == "unary_expression" and text(cond)[:1] == "!":
                flag = text(cond)[1:].strip()
                body = text(n.child_by_field_name("consequence")).replace(" ", "")
                if f"{flag.replace(' ', '')}=true" in body:
                    return True
        n = n.parent
    return False


def _assigned_anywhere(m, name: str) -> bool:
    for n in identifiers_named(m.root, name):
        p, child = up(n)
        if p is not None and p.type == "assignment_expression" \
                and p.child_by_field_name("left") == child:
            return True
    return False


def _searched(m, fn) -> list:
    """The functions whose calls may remove what ``fn`` adds: ``fn`` itself (with what it
    nests), the same-file functions it calls, and the release-named methods of its module
    object (``Page.destroy``)."""
    out, seen, work = [], set(), [fn]
    while work and len(out) < 40:
        f = work.pop()
        key = (f.start_byte, f.end_byte)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
        for c in calls_in(f):
            work.extend(m.functions().get(method_of(c), [])[:3])
    for name in PLAIN_RELEASE:
        for f in m.functions().get(name, []):
            if enclosing_function(f) is not None and enclosing_function(f) == enclosing_function(fn):
                out.append(f)
    # an object made anew per event: the handler that makes it may first remove what the
    # previous object added (`ipcMain.removeAllListeners(EVENT); m = new Manager()`)
    out.extend(handler for handler, _ in per_event_makers(class_constructor(fn)))
    return out


def _removes(call, event: str) -> bool:
    """Does ``call`` remove listeners for ``event``: `off()`, `off(event)`, `off(event,
    handler)`, or an event computed (it may be this one)?"""
    if method_of(call) not in REMOVE:
        return False
    a = args(call)
    return not a or norm(a[0]).replace('"', "'") == event.replace('"', "'") \
        or strip(a[0]).type not in ("string", "template_string")


def _removed(m, fn, target: str, event: str) -> bool:
    return any(norm(receiver(c)) == target and _removes(c, event)
               for f in _searched(m, fn) for c in calls_in(f))


def _one_time(m, call):
    """(target, event, handler) of a one-time registration: ``t.once(event, h)``,
    ``server.listen(options, h)`` (once "listening"), or ``t.on(event, h)`` whose handler
    removes that very registration when it runs; the handler a function of the file by
    its name, a method of the object (``this.m``) or written in place; None."""
    meth, a, t = method_of(call), args(call), receiver(call)
    h = strip(a[-1]) if a else None
    if t is None or h is None or len(a) < 2 - (meth in LISTEN_EVENT) or not _bodies(m, h):
        return None
    if meth in ONCE_REGISTER:
        return norm(t), norm(a[0]).replace('"', "'"), _key(h)
    if meth in LISTEN_EVENT and len(a) >= 1:
        return norm(t), LISTEN_EVENT[meth], _key(h)
    if meth in REGISTER and len(a) == 2 and h.type in ("identifier", "member_expression"):
        event, names = norm(a[0]).replace('"', "'"), _aliases(call, norm(t))
        if any(norm(receiver(c)) in names and _removes(c, event) and len(args(c)) == 2
               and norm(args(c)[1]) == norm(h)
               for f in _bodies(m, h) for c in calls_in(f)):
            return norm(t), event, _key(h)
    return None


def _key(h) -> str:
    """How a handler is named among the registrations: as written, or where it is written."""
    row, column = h.start_point
    return f"the function at {row + 1}:{column + 1}" if h.type in FUNCTIONS else norm(h)


def _bodies(m, h) -> list:
    """The function nodes a handler runs: a function of the file by that name, the method
    ``m`` of the file for ``this.m``, or the function written in place."""
    if h.type in FUNCTIONS:
        return [h]
    if h.type == "identifier":
        return m.functions().get(text(h), [])[:3]
    o = strip(h.child_by_field_name("object")) if h.type == "member_expression" else None
    if o is not None and o.type == "this":
        return m.functions().get(text(h.child_by_field_name("property")), [])[:3]
    return []


def _aliases(call, target: str) -> set:
    """The names ``target`` goes by in the function registering on it: what it was copied
    from or into (`const con = connection`, `this.connection = connection`)."""
    names, pairs = {target}, []
    fn = enclosing_function(call)
    for n in of_type(fn, ("variable_declarator", "assignment_expression")) if fn else ():
        left = n.child_by_field_name("name") or n.child_by_field_name("left")
        right = strip(n.child_by_field_name("value") or n.child_by_field_name("right"))
        if left is not None and right is not None \
                and right.type in ("identifier", "member_expression"):
            pairs.append((norm(left), norm(right)))
    for _ in range(3):
        for a, b in pairs:
            if a in names or b in names:
                names |= {a, b}
    return names


def _once_pairs(ctx, rule, m) -> None:
    """One-time registrations on one target made together for alternative events (one
    handler for ``error`` and ``listening``, or ``ready`` and ``error`` each with its own):
    together, when a handler removes another of them or one handler serves several. When
    the handlers remove some of them as they run, whichever event fires first leaves the
    registrations its handler does not remove behind. (Handlers that remove none are not
    known to be alternatives: both events may come.)"""
    groups: dict = {}
    for call in m.calls():
        if call.type != "call_expression":
            continue
        once = _one_time(m, call)
        if once is None:
            continue  # no handler of the file's (`server.listen(options)`): not judged
        fn = enclosing_function(call)
        groups.setdefault((fn.id if fn is not None else 0, once[0]), []).append(
            (once[1], once[2], call))
    for (_, target), regs in groups.items():
        names = _aliases(regs[0][2], target)
        if _made_for(regs[0][2], names):
            for _, _, call in regs:  # an object made for this work: what its failure
                ctx.count(rule.code, call, ok=True)  # leaves goes with it
            continue
        removals = {h: [c for f in _bodies(m, strip(args(call)[-1])) for c in calls_in(f)
                        if method_of(c) in REMOVE and norm(receiver(c)) in names]
                    for _, h, call in regs}

        def gone(by: str, event: str, handler: str) -> bool:
            """Does the body of ``by`` remove the registration of ``handler`` for ``event``?"""
            return any(_removes(c, event) and (len(args(c)) < 2 or norm(args(c)[1]) == handler)
                       for c in removals[by])
        def named(by: str, event: str, handler: str) -> bool:
            """Does ``by`` remove that registration by its event's name (not by removing
            every listener, which ties nothing to it)?"""
            return any(args(c) and strip(args(c)[0]).type == "string" and _removes(c, event)
                       and (len(args(c)) < 2 or norm(args(c)[1]) == handler)
                       for c in removals[by])
        for together in _made_together(regs, named):
            if len({e for e, _, _ in together}) < 2 or not any(
                    named(h, e2, h2) for _, h, _ in together for e2, h2, _ in together):
                continue  # the handlers remove none of them: not this shape (nor known to)
            _judge_together(ctx, rule, target, together, gone)


def _made_for(call, names: set) -> bool:
    """Is the target of the registration ``call`` (under any of ``names``) made by the
    function that registers on it, or by one around it (`const child = spawn(...)`,
    `this.ws = new WebSocket(url)`): an object made for this one piece of work?"""
    f = enclosing_function(call)
    while f is not None:
        for name in names:
            if made_here(f, name) and ("." in name or declares(f, name)):
                return True
        f = enclosing_function(f)
    return False


def _made_together(regs: list, gone) -> list:
    """The registrations ``regs`` of one target, in groups made together: joined when one
    handler serves both or one's handler removes the other (``gone(by, event, handler)``)."""
    group = list(range(len(regs)))

    def top(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i
    for i, (e1, h1, _) in enumerate(regs):
        for j, (e2, h2, _) in enumerate(regs):
            if i < j and (h1 == h2 or gone(h1, e2, h2) or gone(h2, e1, h1)):
                group[top(j)] = top(i)
    out: dict = {}
    for i, reg in enumerate(regs):
        out.setdefault(top(i), []).append(reg)
    return list(out.values())


def _judge_together(ctx, rule, target: str, together: list, gone) -> None:
    """Report each registration of ``together`` that another's event, coming first, leaves
    behind: its handler does not remove it."""
    for event, handler, call in together:
        left = sorted({(e, h) for e, h, _ in together
                       if e != event and e not in ENDING and not gone(h, event, handler)})
        if not left:
            ctx.count(rule.code, call, ok=True)
            continue
        first, by = left[0]
        own = sorted({e for e, h, _ in together if h == by and gone(by, e, by)}) \
            if by == handler else []
        why = f"stays registered: its handler {handler} removes only its " \
              f"{', '.join(own)} registration when it runs" if own else \
            f"stays registered when {first} comes first: {by} does not remove it"
        report(ctx, rule, call, target=target, event=event, why=why)


def _child_makers(m, cls: str, index: int, read: dict) -> list:
    """The methods that make an object of class ``cls`` anew per call, handing it their
    own object as constructor argument ``index``: in this file, and (``children`` of the
    read) in the modules around that import the class."""
    out = []
    for n in identifiers_named(m.root, cls):
        made, child = up(n)
        if made is not None and made.type == "new_expression" \
                and made.child_by_field_name("constructor") == child \
                and index in creator_arguments(made):
            out.append(made_per_call(made))
    names = exported_as(m.root, cls)
    out.extend(method for name, i, _, method in read.get("children") or ()
               if name in names and i == index)
    return [x for x in out if x]


def _removed_anywhere(m, spellings: set, event: str) -> bool:
    """Does any code of the file remove listeners for ``event`` (or a computed event,
    or all of them) from an object whose last name is one of ``spellings``?"""
    return any(_removes(c, event) and norm(receiver(c)).split(".")[-1] in spellings
               for c in m.calls())


def _child_registrations(ctx, rule, m, read: dict) -> None:
    """A constructor adding a listener to the object it was handed (or a member of it),
    where that object is the maker of the class's objects: a method that makes one
    anew per call (``cb(null, new Channel(info, this))``). Each child leaves its
    listener on the maker, which outlives it, unless the class removes it."""
    for call in m.calls():
        if call.type != "call_expression" or method_of(call) not in REGISTER | ONCE_REGISTER:
            continue
        a, tnode, ctor = args(call), receiver(call), enclosing_function(call)
        event = strip(a[0]) if a else None
        statement = up(call)[0]
        if len(a) < 2 or tnode is None or event is None or statement is None \
                or statement.type != "expression_statement":
            continue
        if method_of(call) in ONCE_REGISTER and event.type != "string":
            continue  # a one-time handler of an event named for this object: it fires
        cls = constructor_class(ctor)
        index = parameter_index(ctor, tnode) if cls else None
        makers = _child_makers(m, cls, index, read) if index is not None else []
        if not makers:
            continue
        target = norm(tnode)
        # the object as the class's methods spell it: `conn`, or the field holding it
        spellings = {target.split(".")[-1]} | (
            parameter_fields(ctor, index) if "." not in target else set())
        if _removed_anywhere(m, spellings, norm(event)):
            ctx.count(rule.code, call, ok=True)
            continue
        report(ctx, rule, call, target=target, event=norm(event),
               why=f"is added by each {cls} made, and {makers[0]} makes one anew on each "
                   f"call, handing it the object the listener is added to, which outlives "
                   f"it; nothing removes it")


def _per_object(ctx, rule, m, call, tnode, event: str) -> None:
    """A listener added to the process by the start of an object with a lifecycle of its
    own (a class's `initialize` with its `stop`): each object started adds one more, which
    the process keeps after the object has ended, unless its release removes it."""
    if norm(tnode) != "process":
        return
    scope = m.scope_of(call)
    if scope is None or scope.kind != "class" or not relevant(m, scope, tnode, call):
        return
    if any(norm(receiver(c)) == "process" and _removes(c, event) for c in m.release_calls(scope)):
        ctx.count(rule.code, call, ok=True)
        return
    report(ctx, rule, call, target="process", event=event,
           why=f"is added by each object whose {function_name(scope.acquire)} runs, and never "
               f"removed {scope.where}, which ends it: the process outlives every object")


def _paired(ctx, rule, m) -> set:
    """What the setup handler of a pair of events adds (`viewshow` with the `viewbeforehide`
    handler removing what it adds) to a long-lived target, and the teardown leaves: the
    ids of the registrations judged."""
    judged = set()
    for call, tnode, event, why in left_by_teardown(m, REGISTER):
        if tnode is not None and not long_lived(m, tnode, call):
            continue  # a target of the view's own, or made per run: the main loop judges it
        judged.add(call.id)
        if tnode is None:
            ctx.count(rule.code, call, ok=True)
        else:
            report(ctx, rule, call, target=norm(tnode), event=event, why=why)
    return judged


def _removed_with_another(ctx, rule, m, call) -> bool:
    """Report a registration whose own function removes the target's listeners for the
    event only with another handler (``removals.mismatched``): the code means it to go,
    and it stays. True when reported."""
    near = mismatched(m, call, EMITTER)
    if near is None:
        return False
    other = args(near)[-1]
    what = inline_handler(other) or f"{norm(other)}, which is never added for the event"
    # a chained registration (`socket.on("drain", a).on("close", b)`) is shown at its own
    # method, not where the chain starts
    at = call.child_by_field_name("function").child_by_field_name("property") \
        if strip(receiver(call)).type == "call_expression" else call
    report(ctx, rule, at, [(near, "a removal that removes another function")],
           target=norm(chain_target(call, REGISTER)), event=norm(args(call)[0]),
           why=f"is never removed: the removal at line {line_of(near)} passes "
               f"{what}, so each run adds one more")
    return True


def check(ctx, rule):
    if ctx.is_test:
        return  # a test process is short-lived
    m = model(ctx)
    _once_pairs(ctx, rule, m)
    # the methods of this AMD module an entry point starts once (facts.js_startup)
    read = (ctx.reads or {}).get("js-startup") or {}
    _child_registrations(ctx, rule, m, read)
    started = read.get("started") or ()
    # what some module clears wholesale on the page's objects (a router between pages)
    cleared = {tuple(x) for x in read.get("cleared") or ()}
    filled = set(read.get("filled") or ())
    judged = _paired(ctx, rule, m)
    for call in m.calls():
        if call.type != "call_expression" or method_of(call) not in REGISTER \
                or call.id in judged:
            continue
        a, tnode = args(call), receiver(call)
        if len(a) < 2 or tnode is None or strip(a[-1]) is None:
            continue
        event = strip(a[0])
        if event is None or event.type not in ("string", "template_string", "identifier",
                                               "member_expression", "subscript_expression"):
            continue
        if _removed_with_another(ctx, rule, m, call):
            continue
        p, _ = up(call)
        if p is None or p.type != "expression_statement":
            continue  # its result is used: an API whose on() returns the way to undo it
        runs = per_call(call, started)
        if runs.kind == ONCE:
            ctx.count(rule.code, call, ok=True)  # runs once: added once
            continue
        why = runs.why if runs.kind == PER_CALL else _per_event(m, call)
        if not why:
            _per_object(ctx, rule, m, call, tnode, norm(event))
            continue
        # an inline handler at module level runs as itself
        fn = running_function(call) or enclosing_function(call)
        # a router's page container (`$("#content").html(page)`) outlives every page
        if not long_lived(m, tnode, call) and norm(tnode) not in filled:
            ctx.count(rule.code, call, ok=True)
            continue
        target = norm(tnode)
        if _removed(m, fn, target, norm(event)) \
                or (target, norm(event).strip("'\"`")) in cleared:
            ctx.count(rule.code, call, ok=True)
            continue
        report(ctx, rule, call, target=target, event=norm(event),
               why=f"is added each time this function runs ({why}) and never removed")
