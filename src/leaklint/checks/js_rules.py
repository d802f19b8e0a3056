"""JS/TS listener, timer, observer, subscription and channel rules on the shared pairing model.

Each rule finds its acquisitions, asks ``js_scopes`` for the lifecycle scope they run in
and where the value goes, and looks for the matching release in that scope's release
functions (and same-file helpers they call).
"""

from __future__ import annotations

from ..languages.javascript import (FUNCTIONS, args, callee, enclosing_function,
                                    function_body, function_name, method_of, norm, receiver,
                                    strip, text, up, walk)
from .js_scopes import (EVENT_SUBSCRIPTIONS, Binding, binding, container_released, declares,
                        local_value, model)

OWNED_CREATORS = ("create", "clone", "spawn", "fork", "request", "connect", "open", "new")
# calls that return an object that already exists (not a fresh one owned by the caller)
LOOKUPS = {"querySelector", "getElementById", "closest", "matchMedia", "getElementsByTagName",
           "getRootNode", "item"}


def _scoped(ctx, kind: str, names) -> list:
    """(model, node, scope) for each ``kind`` node (call_expression, new_expression) whose
    callee is in ``names`` and that lies in a lifecycle scope; none in test files, whose
    process is short-lived."""
    if ctx.is_test:
        return []
    m = model(ctx)
    out = []
    for node in m.calls():
        if node.type == kind and callee(node) in names:
            scope = m.scope_of(node)
            if scope is not None:
                out.append((m, node, scope))
    return out


def _report(ctx, rule, node, related=(), **kw):
    ctx.emit(rule, node, rule.message.format(**kw), related=related)
    ctx.count(rule.code, ok=False)


def _owned_target(tnode, call) -> bool:
    """A target created in the function that adds the listener (a temporary object) or the
    object itself (``this``): the listener dies with it."""
    t = norm(tnode)
    if t == "this":
        return True
    node = strip(tnode)
    if node is not None and node.type == "new_expression":
        return True
    if node is not None and node.type == "call_expression" and method_of(node) not in LOOKUPS:
        return True  # a fresh object (a stream pipeline, a request...)
    root = strip(tnode)
    while root is not None and root.type == "member_expression":
        root = strip(root.child_by_field_name("object"))
    if root is None or root.type != "identifier":
        return False
    fn = enclosing_function(call)
    name = text(root)
    while fn is not None:
        if declares(fn, name):
            v = local_value(fn, name)
            if v is None:
                return False
            if v.type == "new_expression":
                return True
            if v.type == "call_expression":
                return method_of(v).lower().startswith(OWNED_CREATORS)
            return False
        fn = enclosing_function(fn)
    return False


def _relevant(m, scope, tnode, call) -> bool:
    if tnode is not None and _owned_target(tnode, call):
        return False
    if scope.kind == "method" and not scope.strict:
        return False  # an object with no release of its own: its owner decides its lifetime
    target = norm(tnode) if tnode is not None else "window"
    if m.created_field(scope.owner, target):
        return False  # an element or object the class itself creates
    if scope.kind == "method":
        # a method that runs per call: its parameters are per-call objects
        return target.startswith("this.") or m.long_lived(target, enclosing_function(call))
    if scope.strict:
        return True
    return m.long_lived(target, enclosing_function(call))


def _target_text(node) -> str:
    """A receiver as compared structurally; a local alias (``const el = this.el``) is
    replaced by what it stands for."""
    if node is None:
        return "window"
    s = strip(node)
    if s is not None and s.type == "identifier":
        fn = enclosing_function(s)
        while fn is not None and not declares(fn, text(s)):
            fn = enclosing_function(fn)
        v = local_value(fn, text(s)) if fn is not None else None
        if v is not None and v.type == "member_expression":
            return norm(v)
    return norm(node)


# -- LL401 addEventListener -------------------------------------------------------------

def _options(node):
    """(capture, once, signal node) of an addEventListener third argument."""
    node = strip(node)
    if node is None:
        return False, False, None
    if node.type in ("true", "false"):
        return node.type == "true", False, None
    capture = once = False
    signal = None
    if node.type == "object":
        for p in node.named_children:
            if p.type == "pair":
                k, v = text(p.child_by_field_name("key")), p.child_by_field_name("value")
                if k == "capture":
                    capture = norm(v) == "true"
                elif k == "once":
                    once = norm(v) == "true"
                elif k == "signal":
                    signal = v
            elif p.type == "shorthand_property_identifier" and text(p) == "signal":
                signal = p
    return capture, once, signal


def _inline(handler) -> str:
    h = strip(handler)
    if h is None:
        return ""
    if h.type in FUNCTIONS:
        return "inline function"
    if h.type == "call_expression" and method_of(h) == "bind":
        return "fresh .bind()"
    return ""


def _aliases(call, handler: str):
    """Names the handler is known by in its function (``state.onMove = onMove`` adds
    ``state.onMove``); None when it is handed to other code, which may remove it."""
    fn = enclosing_function(call)
    if fn is None or not handler.isidentifier():
        return {handler}
    names = {handler}
    for n in walk(fn):
        if n.type == "shorthand_property_identifier" and text(n) == handler:
            return None
        if n.type != "identifier" or text(n) != handler:
            continue
        p, child = up(n)
        if p is None:
            continue
        if p.type == "assignment_expression" and p.child_by_field_name("right") == child:
            left = norm(p.child_by_field_name("left"))
            if "." in left and not left.startswith("this."):
                return None  # stored on an object another function holds
            names.add(left)
        elif p.type == "pair" and p.child_by_field_name("value") == child:
            return None
        elif p.type in ("return_statement", "array"):
            return None
    return names


def _aborted(m, scope, signal, call) -> bool:
    s = norm(signal)
    if s.endswith(".signal"):
        owner = s[: -len(".signal")]
        return any(callee(c) == owner + ".abort" for c in m.release_calls(scope))
    if s.startswith(("AbortSignal.", "AbortSignal")):
        return True
    fn = enclosing_function(call)
    v = local_value(fn, s) if fn is not None and s.isidentifier() else None
    if v is None:
        return True  # a signal from a parameter or elsewhere: its owner aborts it
    if norm(v).endswith(".signal"):
        owner = norm(v)[: -len(".signal")]
        return any(callee(c) == owner + ".abort" for c in m.release_calls(scope))
    return True


def listeners(ctx, rule):
    if ctx.is_test:
        return  # a test process is short-lived
    m = model(ctx)
    for call in m.calls():
        if call.type != "call_expression" or method_of(call) != "addEventListener":
            continue
        a = args(call)
        if len(a) < 2 or strip(a[1]) is None or strip(a[1]).type in ("null", "undefined"):
            continue
        tnode = receiver(call)
        if tnode is None and ("addEventListener" in m.module_names()
                              or "addEventListener" in m.functions()):
            continue  # a same-file or imported helper of that name, not the DOM method
        p, _ = up(call)
        if p is not None and p.type != "expression_statement":
            continue  # its result is used: an API that returns its own cleanup
        scope = m.scope_of(call)
        if scope is None or not _relevant(m, scope, tnode, call):
            continue
        target = _target_text(tnode)
        event, handler = norm(a[0]), norm(a[1])
        handlers = _aliases(call, handler)
        if handlers is None:
            ctx.count(rule.code, ok=True)  # the handler is handed on: removed elsewhere
            continue
        capture, once, signal = _options(a[2] if len(a) > 2 else None)
        if once:
            ctx.count(rule.code, ok=True)
            continue
        if signal is not None:
            if _aborted(m, scope, signal, call):
                ctx.count(rule.code, ok=True)
            else:
                _report(ctx, rule, call, target=target, event=event, where=scope.where,
                        reason=f": its signal {norm(signal)} is never aborted there")
            continue
        removed, near = False, None
        for c in m.release_calls(scope):
            if method_of(c) != "removeEventListener":
                continue
            ra = args(c)
            rt = receiver(c)
            if len(ra) < 2 or _target_text(rt) != target \
                    or norm(ra[0]) != event:
                continue
            if norm(ra[1]) in handlers and not _inline(a[1]) \
                    and _options(ra[2] if len(ra) > 2 else None)[0] == capture:
                removed = True
                break
            near = c
        if removed:
            ctx.count(rule.code, ok=True)
            continue
        kind = _inline(a[1])
        if kind:
            reason = f": its handler is an {kind}, which no removeEventListener can match" \
                if kind == "inline function" else \
                f": its handler is a {kind}, a new function no removeEventListener can match"
        elif near is not None:
            reason = ": the removeEventListener there differs in handler or capture flag"
        else:
            reason = ""
        related = [(near, "a removeEventListener that does not match")] if near is not None else []
        _report(ctx, rule, call, related, target=target, event=event, where=scope.where,
                reason=reason)


# -- LL402 EventEmitter .on ----------------------------------------------------------------

EMITTER_ADD = {"on", "addListener", "prependListener"}
EMITTER_REMOVE = {"off", "removeListener"}
EMITTER_END = {"removeAllListeners", "close", "destroy", "end", "disconnect", "terminate",
               "dispose", "kill"}


def emitters(ctx, rule):
    if ctx.is_test:
        return  # a test process is short-lived
    m = model(ctx)
    for call in m.calls():
        if call.type != "call_expression" or method_of(call) not in EMITTER_ADD:
            continue
        a = args(call)
        tnode = receiver(call)
        if len(a) < 2 or tnode is None or strip(a[0]).type not in ("string", "template_string",
                                                                    "member_expression"):
            continue
        scope = m.scope_of(call)
        if scope is None or not _relevant(m, scope, tnode, call):
            continue
        p, _ = up(call)
        if p is not None and p.type not in ("expression_statement", "member_expression"):
            # its result is used: a bus whose on() returns the unsubscribe function
            # (returned, kept or passed on), not a Node emitter returning itself
            ctx.count(rule.code, ok=True)
            continue
        target, event, handler = norm(tnode), norm(a[0]), norm(a[1])
        handlers = _aliases(call, handler)
        if handlers is None:
            ctx.count(rule.code, ok=True)
            continue
        removed, near = False, None
        for c in m.release_calls(scope):
            meth, rt = method_of(c), receiver(c)
            if rt is None:
                continue
            owner = _target_text(rt)
            if meth in EMITTER_END and target.startswith(owner + "."):
                removed = True  # the object holding the emitter is closed with it
                break
            if owner != target:
                continue
            ra = args(c)
            if meth in EMITTER_END:
                removed = True
                break
            if meth in EMITTER_REMOVE and ra and norm(ra[0]) == event:
                if len(ra) == 1:
                    removed = True  # off(event): every listener of the event (socket.io)
                    break
                if len(ra) > 1 and norm(ra[1]) in handlers and not _inline(a[1]):
                    removed = True
                    break
                near = c
        if removed:
            ctx.count(rule.code, ok=True)
            continue
        kind = _inline(a[1])
        reason = f": its handler is an {kind}, which no removeListener can match" if kind \
            else (": the removeListener there has another handler" if near is not None else "")
        related = [(near, "a removeListener that does not match")] if near is not None else []
        _report(ctx, rule, call, related, target=target, event=event, where=scope.where,
                reason=reason)


# -- values that must be released: observers, timers, channels, subscriptions ------------

def _released(m, scope, b: Binding, methods=(), functions=(), called=False) -> bool:
    """Is a kept value released: ``K.method()``, ``function(K)``, ``K()``, or its collection?"""
    calls = m.release_calls(scope)
    for c in calls:
        name = callee(c)
        for k in b.keys:
            if called and name == k:
                return True
            if any(name == f"{k}.{meth}" for meth in methods):
                return True
            if name.rsplit(".", 1)[-1] in functions and any(norm(x) == k for x in args(c)):
                return True
    return bool(b.containers) and container_released(calls, b.containers)


def _value_rule(ctx, rule, node, scope, what, methods=(), functions=(), called=False,
                discarded_reason=""):
    """Shared verdict for a value that must be released in its scope."""
    m = model(ctx)
    b = binding(node, scope, release_names=set(functions) | set(methods))
    if b.mode in ("returned", "handoff"):
        ctx.count(rule.code, ok=True)
        return
    if b.mode in ("discarded", "chained"):
        if b.mode == "chained" and not discarded_reason:
            ctx.count(rule.code, ok=True)
            return
        _report(ctx, rule, node, what=what, where=scope.where,
                reason=discarded_reason or ": its result is discarded, so it can never be "
                                           "released")
        return
    if not scope.strict and any("." in k for k in b.keys):
        ctx.count(rule.code, ok=True)  # kept on an object whose owner releases it
        return
    if _released(m, scope, b, methods, functions, called):
        ctx.count(rule.code, ok=True)
        return
    held = ", ".join(sorted(b.keys | b.containers)) or "it"
    _report(ctx, rule, node, what=what, where=scope.where,
            reason=f": {held} is never released there")


OBSERVERS = {"ResizeObserver", "MutationObserver", "IntersectionObserver",
             "PerformanceObserver", "ReportingObserver"}


def observers(ctx, rule):
    for _m, node, scope in _scoped(ctx, "new_expression", OBSERVERS):
        if not scope.strict:
            continue
        p, _ = up(node)
        reason = ""
        if p is not None and p.type == "member_expression":
            reason = ": it is not kept, so it can never be disconnected"
        if _unobserved_in_owner(scope, node):
            ctx.count(rule.code, ok=True)
            continue
        _value_rule(ctx, rule, node, scope, f"{callee(node)}",
                    methods=("disconnect", "unobserve"), discarded_reason=reason)


def _unobserved_in_owner(scope, node) -> bool:
    """An observer kept in a field that the class unobserves each node from when done."""
    p, child = up(node)
    if p is None or p.type != "assignment_expression" or scope.owner is None \
            or scope.owner.type != "class_body":
        return False
    key = norm(p.child_by_field_name("left"))
    return any(c.type == "call_expression" and callee(c) == key + ".unobserve"
               for c in walk(scope.owner))


INTERVALS = {"setInterval", "window.setInterval", "globalThis.setInterval", "self.setInterval"}
TIMEOUTS = {"setTimeout", "requestAnimationFrame", "requestIdleCallback"}
CLEARS = ("clearInterval", "clearTimeout", "cancelAnimationFrame", "cancelIdleCallback")


def intervals(ctx, rule):
    for _m, node, scope in _scoped(ctx, "call_expression", INTERVALS):
        _value_rule(ctx, rule, node, scope, "setInterval", functions=CLEARS,
                    discarded_reason=": its id is discarded, so it can never be cleared")


def timeouts(ctx, rule):
    if ctx.is_test:
        return  # a test process is short-lived
    m = model(ctx)
    for node in m.calls():
        if node.type != "call_expression":
            continue
        name = callee(node)
        short = name[len("window."):] if name.startswith("window.") else name
        if short not in TIMEOUTS:
            continue
        scope = m.scope_of(node)
        if scope is None:
            continue
        loop = _reschedules(node)
        if loop is not None:
            if not _cancelled_anywhere(m, scope, node):
                _report(ctx, rule, node, what=short, where="anywhere",
                        reason=f": {function_name(loop)} reschedules itself unconditionally "
                               "and nothing cancels the loop")
            else:
                ctx.count(rule.code, ok=True)
            continue
        if scope.kind not in ("effect", "hook", "class", "options") or not scope.strict:
            continue  # one-shot timers in ordinary functions and methods are fine
        if short != "setTimeout" or _short_delay(node) or _in_event_handler(node, scope):
            continue  # a frame or under a second later, or once per event: not the scope's
        _value_rule(ctx, rule, node, scope, short, functions=CLEARS,
                    discarded_reason=": its id is discarded, so it can never be cancelled")


def _in_event_handler(node, scope) -> bool:
    """Inside a callback that runs per event (``x.on("e", () => ...)``), not at acquisition."""
    fn = enclosing_function(node)
    while fn is not None and fn != scope.acquire:
        p, _ = up(fn)
        if p is not None and p.type == "arguments" and method_of(p.parent) in EVENT_SUBSCRIPTIONS:
            return True
        fn = enclosing_function(fn)
    return False


def _short_delay(call) -> bool:
    a = args(call)
    if len(a) < 2:
        return True
    d = strip(a[1])
    if d is None or d.type != "number":
        return False
    try:
        return float(d.text.decode().replace("_", "")) < 1000
    except ValueError:
        return False


def _reschedules(call):
    """The function a setTimeout/rAF call schedules when that is the function it is in."""
    a = args(call)
    if not a:
        return None
    cb = strip(a[0])
    if cb is not None and cb.type == "call_expression" and method_of(cb) == "bind":
        cb = strip(receiver(cb))
    fn = enclosing_function(call)
    if fn is None or cb is None:
        return None
    name = function_name(fn)
    cbn = norm(cb)
    if not name or cbn not in (name, "this." + name):
        return None
    # conditional rescheduling or an earlier return is a way out of the loop
    p = call.parent
    while p is not None and p != fn:
        if p.type in ("if_statement", "ternary_expression", "binary_expression", "switch_case",
                      "catch_clause", "try_statement", "for_statement", "while_statement"):
            return None
        p = p.parent
    for n in walk(function_body(fn) if fn.child_by_field_name("body") else fn, stop=FUNCTIONS):
        if n.type in ("return_statement", "throw_statement") and n.start_byte < call.start_byte:
            return None
    return fn


def _cancelled_anywhere(m, scope, node) -> bool:
    """Does anything that can stop the loop cancel a timer: the scope's release functions,
    or any method of the class the loop belongs to?"""
    calls = list(m.release_calls(scope))
    if scope.owner is not None and scope.owner.type == "class_body":
        calls += [c for c in walk(scope.owner) if c.type == "call_expression"]
    return any(callee(c).rsplit(".", 1)[-1] in CLEARS for c in calls)


CHANNELS = {"WebSocket", "EventSource", "BroadcastChannel", "Worker", "SharedWorker",
            "MessageChannel", "RTCPeerConnection"}


def channels(ctx, rule):
    for _m, node, scope in _scoped(ctx, "new_expression", CHANNELS):
        _value_rule(ctx, rule, node, scope, callee(node),
                    methods=("close", "terminate", "disconnect", "destroy", "port1.close",
                             "port2.close"),
                    discarded_reason=": it is not kept, so it can never be closed")


# -- LL404 RxJS / LL405 store subscriptions ------------------------------------------------

FINITE_OPERATORS = {"take", "first", "takeUntilDestroyed", "single", "last", "takeWhile",
                    "find", "findIndex", "elementAt", "toArray", "count", "reduce",
                    "every", "isEmpty"}
FINITE_SOURCES = {"of", "from", "forkJoin", "firstValueFrom", "lastValueFrom", "EMPTY",
                  "throwError", "defer"}


def _rx_file(ctx) -> bool:
    data = ctx.src.data
    return b"rxjs" in data or b"@angular/" in data


def _chain(node):
    """Calls of the receiver chain of ``x.pipe(...).subscribe``, outermost first."""
    out = []
    r = receiver(node)
    while r is not None:
        r = strip(r)
        if r.type == "call_expression":
            out.append(r)
            r = receiver(r) if receiver(r) is not None else None
        elif r.type == "member_expression":
            r = r.child_by_field_name("object")
        else:
            break
    return out


def _operators(chain):
    ops = []
    for c in chain:
        if method_of(c) == "pipe":
            ops = [strip(a) for a in args(c)] + ops
    return [o for o in ops if o is not None]


def _rx_verdict(m, scope, call):
    """None when the stream ends by itself or with the scope; else a reason string."""
    chain = _chain(call)
    ops = _operators(chain)
    names = [method_of(o) if o.type == "call_expression" else "" for o in ops]
    if any(n in FINITE_OPERATORS for n in names):
        return None
    root = chain[-1] if chain else None
    if root is not None and (method_of(root) in FINITE_SOURCES or (
            receiver(root) is not None and "http" in norm(receiver(root)).lower())):
        return None
    if root is not None and method_of(root) == "timer" and len(args(root)) == 1:
        return None
    if "takeUntil" in names:
        i = len(names) - 1 - names[::-1].index("takeUntil")
        notifier = norm(args(ops[i])[0]) if args(ops[i]) else ""
        later = [n for n in names[i + 1:] if n not in AFTER_TAKE_UNTIL]
        if later:
            return f": takeUntil({notifier}) is followed by {later[0]}, which keeps " \
                   "subscribing after the notifier fires"
        fired = any(callee(c) in (f"{notifier}.next", f"{notifier}.complete", f"{notifier}.emit")
                    for c in m.release_calls(scope))
        if fired or not m.created_field(scope.owner, notifier, whole=True):
            return None  # fired in the release, or a stream that ends by itself
        return f": its takeUntil notifier {notifier} never fires there"
    if not _long_lived_source(m, scope, call, chain):
        return None
    return ""


# operators that may follow takeUntil without resubscribing to anything
AFTER_TAKE_UNTIL = {"count", "defaultIfEmpty", "endWith", "every", "finalize", "isEmpty",
                    "last", "max", "min", "reduce", "share", "shareReplay", "skipLast",
                    "takeLast", "throwIfEmpty", "toArray"}
# injected types whose streams outlive any component
LONG_LIVED_TYPES = {"Router", "Store", "BreakpointObserver", "Actions",
                    "NgZone", "ViewportRuler", "ScrollDispatcher", "Directionality",
                    "TranslateService", "MediaMatcher", "Title", "SwUpdate", "Platform"}
LONG_LIVED_SUFFIXES = ("Service", "Store", "Facade", "Query", "Bus")
GLOBAL_STREAMS = {"interval", "fromEvent", "fromEventPattern"}


def _field_type(owner, name: str) -> str:
    """The declared or injected type of class field ``name`` (``x: T``, ``inject(T)``,
    a constructor parameter property ``private x: T``)."""
    if owner is None or owner.type != "class_body":
        return ""
    for mem in owner.named_children:
        if mem.type in ("public_field_definition", "field_definition") \
                and text(mem.child_by_field_name("name")) == name:
            v = strip(mem.child_by_field_name("value"))
            if v is not None and v.type == "call_expression" and method_of(v) == "inject" \
                    and args(v):
                return norm(args(v)[0]).split("<", 1)[0]
            ty = mem.child_by_field_name("type")
            if ty is not None:
                return norm(ty).lstrip(":").split("<", 1)[0]
        if mem.type == "method_definition" and function_name(mem) == "constructor":
            params = mem.child_by_field_name("parameters")
            for prm in (params.named_children if params is not None else []):
                if text(prm.child_by_field_name("pattern")) == name:
                    ty = prm.child_by_field_name("type")
                    return norm(ty).lstrip(":").split("<", 1)[0] if ty is not None else ""
    return ""


def _param_type(fn, name: str) -> str:
    """The type of parameter or local ``name`` of ``fn`` or of a function around it:
    annotated, or injected with ``inject(T)``."""
    while fn is not None:
        params = fn.child_by_field_name("parameters")
        for prm in (params.named_children if params is not None else []):
            if text(prm.child_by_field_name("pattern")) == name:
                ty = prm.child_by_field_name("type")
                return norm(ty).lstrip(":").split("<", 1)[0] if ty is not None else ""
        if declares(fn, name):
            v = local_value(fn, name)
            if v is not None and v.type == "call_expression" and method_of(v) == "inject" \
                    and args(v):
                return norm(args(v)[0]).split("<", 1)[0]
            return ""
        fn = enclosing_function(fn)
    return ""


def _long_lived_source(m, scope, call, chain) -> bool:
    """Does the observable outlive the component: a global stream, a module-level or
    injected long-lived service's stream?"""
    root = chain[-1] if chain else None
    if root is not None and receiver(root) is None:
        name = method_of(root)
        if name in GLOBAL_STREAMS or (name == "timer" and len(args(root)) > 1):
            return True
    src = receiver(root) if root is not None and receiver(root) is not None \
        else receiver(call)
    t = norm(src)
    parts = t.split(".")
    if parts[0] in m.module_names() or parts[0] in ("window", "document"):
        return True
    if parts[0] == "this" and len(parts) > 1:
        ty = _field_type(scope.owner, parts[1])
    else:
        ty = _param_type(enclosing_function(call), parts[0])
    return ty in LONG_LIVED_TYPES or ty.endswith(LONG_LIVED_SUFFIXES)


def _subscriptions(ctx, rule, rx: bool):
    if ctx.is_test:
        return  # a test process is short-lived
    m = model(ctx)
    rx_file = _rx_file(ctx)
    for call in m.calls():
        if call.type != "call_expression" or method_of(call) != "subscribe" \
                or receiver(call) is None:
            continue
        scope = m.scope_of(call)
        if scope is None or not scope.strict or scope.kind == "method":
            continue
        chain_text = norm(receiver(call))
        is_rx = rx_file or ".pipe(" in chain_text or chain_text.split(".")[-1].endswith("$")
        if is_rx != rx:
            continue
        if rx:
            why = _rx_verdict(m, scope, call)
            if why is None or m.created_field(scope.owner, chain_text):
                ctx.count(rule.code, ok=True)
                continue
            if why:
                _report(ctx, rule, call, what="subscription", where=scope.where, reason=why)
                continue
            _value_rule(ctx, rule, call, scope, "subscription", methods=("unsubscribe",))
        else:
            _value_rule(ctx, rule, call, scope, f"{chain_text}.subscribe", called=True,
                        methods=("unsubscribe",),
                        discarded_reason=": the unsubscribe function it returns is discarded")


def rx_subscriptions(ctx, rule):
    _subscriptions(ctx, rule, rx=True)


def store_subscriptions(ctx, rule):
    _subscriptions(ctx, rule, rx=False)
    if not ctx.is_test:
        _renderer_listeners(ctx, rule)


RENDERER_GLOBALS = {"'window'", '"window"', "'document'", '"document"', "'body'", '"body"'}


def _renderer_listeners(ctx, rule):
    """Angular ``Renderer2.listen(target, event, handler)`` returns the function that
    removes the listener: it must be called in the release unless the target is the
    component's own element."""
    m = model(ctx)
    for call in m.calls():
        if call.type != "call_expression" or method_of(call) != "listen" \
                or receiver(call) is None or not norm(receiver(call)).lower().endswith("renderer") \
                or len(args(call)) < 3:
            continue
        scope = m.scope_of(call)
        if scope is None or not scope.strict:
            continue
        target = norm(args(call)[0])
        if target not in RENDERER_GLOBALS and not _relevant(m, scope, args(call)[0], call):
            continue
        if target not in RENDERER_GLOBALS and ("elementRef" in target or "nativeElement" in target
                                              or target == "this"):
            continue  # the component's own element goes with it
        _value_rule(ctx, rule, call, scope, f"renderer.listen({target})", called=True,
                    discarded_reason=": the function it returns, which removes the listener, "
                                     "is discarded")
