"""The pairing model shared by the JS/TS listener, timer, observer, subscription and channel
rules (LL108, LL204, LL205, LL401-LL405).

Each rule finds its acquisitions, asks ``scopes`` for the lifecycle scope they run in and
where the value goes, and looks for the matching release in that scope's release
functions (and same-file helpers they call) with ``value_rule`` or its own matching.
"""

from __future__ import annotations

from ...languages.javascript import (FUNCTIONS, args, callee, enclosing_function, function_name,
                                     method_of, norm, receiver, strip, text, up, walk)
from ...languages.javascript_scopes import model
from ...languages.javascript_values import (Binding, binding, container_released, declares,
                                            local_value)


OWNED_CREATORS = ("create", "clone", "spawn", "fork", "request", "connect", "open", "new")
# calls that return an object that already exists (not a fresh one owned by the caller)
LOOKUPS = {"querySelector", "getElementById", "closest", "matchMedia", "getElementsByTagName",
           "getRootNode", "item"}


def scoped_calls(ctx, kind: str, names) -> list:
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


def report(ctx, rule, node, related=(), **kw):
    ctx.emit(rule, node, rule.message.format(**kw), related=related)
    ctx.count(rule.code, node, ok=False)


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


def relevant(m, scope, tnode, call) -> bool:
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


def target_text(node) -> str:
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


def inline_handler(handler) -> str:
    h = strip(handler)
    if h is None:
        return ""
    if h.type in FUNCTIONS:
        return "inline function"
    if h.type == "call_expression" and method_of(h) == "bind":
        return "fresh .bind()"
    return ""


def handler_aliases(call, handler: str):
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


def value_rule(ctx, rule, node, scope, what, methods=(), functions=(), called=False,
                discarded_reason=""):
    """Shared verdict for a value that must be released in its scope."""
    m = model(ctx)
    b = binding(node, scope, release_names=set(functions) | set(methods))
    if b.mode in ("returned", "handoff"):
        ctx.count(rule.code, node, ok=True)
        return
    if b.mode in ("discarded", "chained"):
        if b.mode == "chained" and not discarded_reason:
            ctx.count(rule.code, node, ok=True)
            return
        report(ctx, rule, node, what=what, where=scope.where,
                reason=discarded_reason or ": its result is discarded, so it can never be "
                                           "released")
        return
    if not scope.strict and any("." in k for k in b.keys):
        ctx.count(rule.code, node, ok=True)  # kept on an object whose owner releases it
        return
    if _released(m, scope, b, methods, functions, called):
        ctx.count(rule.code, node, ok=True)
        return
    held = ", ".join(sorted(b.keys | b.containers)) or "it"
    report(ctx, rule, node, what=what, where=scope.where,
            reason=f": {held} is never released there")


CLEARS = ("clearInterval", "clearTimeout", "cancelAnimationFrame", "cancelIdleCallback")


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


def subscriptions(ctx, rule, rx: bool):
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
                ctx.count(rule.code, call, ok=True)
                continue
            if why:
                report(ctx, rule, call, what="subscription", where=scope.where, reason=why)
                continue
            value_rule(ctx, rule, call, scope, "subscription", methods=("unsubscribe",))
        else:
            value_rule(ctx, rule, call, scope, f"{chain_text}.subscribe", called=True,
                        methods=("unsubscribe",),
                        discarded_reason=": the unsubscribe function it returns is discarded")
