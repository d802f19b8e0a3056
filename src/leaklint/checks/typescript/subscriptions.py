"""Subscriptions in a lifecycle scope, shared by LL404 (RxJS: a stream that outlives the
component) and LL405 (a store's subscribe that returns its unsubscribe function): which
`subscribe` calls belong to which rule, and when an RxJS stream ends by itself.
"""

from __future__ import annotations

from ...facts import lifetimes
from ...languages.javascript import (args, callee, enclosing_function, function_name,
                                     method_of, norm, receiver, strip, text)
from ...languages.javascript_scopes import model
from ...languages.javascript_values import declares, local_value
from .pairing import handler_aliases, inline_handler, report, target_text, value_rule


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
    if not args(call) and chain == [root] and root is not None and receiver(root) is not None:
        # `service.save(x).subscribe()`: subscribed with no observer, straight to what a
        # method returns, for that call's side effects: an operation that completes
        # (a stream kept open for nothing would be pointless)
        return None
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


# operators that may follow takeUntil without resubscribing to anything: those that end
# with their source, and those that only map, filter or delay its values (they subscribe
# to no other stream, so the notifier's completion ends them too)
AFTER_TAKE_UNTIL = {"count", "defaultIfEmpty", "endWith", "every", "finalize", "isEmpty",
                    "last", "max", "min", "reduce", "share", "shareReplay", "skipLast",
                    "takeLast", "throwIfEmpty", "toArray",
                    "map", "mapTo", "filter", "tap", "pluck", "scan", "startWith", "skip",
                    "skipWhile", "pairwise", "distinctUntilChanged", "distinctUntilKeyChanged",
                    "debounceTime", "throttleTime", "auditTime", "sampleTime", "delay",
                    "observeOn", "subscribeOn", "ignoreElements"}
# injected types whose streams outlive any component
LONG_LIVED_TYPES = {"Router", "Store", "BreakpointObserver", "Actions",
                    "NgZone", "ViewportRuler", "ScrollDispatcher", "Directionality",
                    "TranslateService", "MediaMatcher", "Title", "SwUpdate", "Platform"}
LONG_LIVED_SUFFIXES = ("Service", "Store", "Facade", "Query", "Bus")
# what ends a kept subscription: RxJS's Subscription.unsubscribe(), the Disposable of
# RxJS 4 and of event-kit style APIs (`dispose()`)
UNSUBSCRIBE = ("unsubscribe", "dispose")
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
    if ty not in LONG_LIVED_TYPES and root is not None and src == receiver(root) \
            and len(parts) == (2 if parts[0] == "this" else 1):
        # what a method of the project's own service returns (`this.series.get(id)`): an
        # HTTP request or a value that completes as often as a stream; its body is out of
        # view here, so it is not taken for the service's own long-lived stream
        return False
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
            value_rule(ctx, rule, call, scope, "subscription", methods=UNSUBSCRIBE)
        elif lifetimes.dies_with("javascript", receiver(call), call) \
                or _unsubscribed_alike(m.release_calls(scope), call):
            ctx.count(rule.code, call, ok=True)  # a bus the owner made or was handed by
        else:
            # `bus.unsubscribe(token)` with the token the call returned releases it too
            value_rule(ctx, rule, call, scope, f"{chain_text}.subscribe", called=True,
                        methods=UNSUBSCRIBE, functions=("unsubscribe",),
                        discarded_reason=_discarded_reason(m, call))


def _unsubscribed_alike(releases, call) -> bool:
    """Does one of ``releases`` unsubscribe from the same bus with the same arguments
    (`bus.subscribe(topic, onTopic)` undone by `bus.unsubscribe(topic, onTopic)`): a bus
    that finds the subscription by its topic and handler returns no token to keep. Bus
    and handler are matched as an emitter's `on`/`off` pair is (``pairing``)."""
    given = args(call)
    if not given or inline_handler(given[-1]):
        return False
    bus, topic = target_text(receiver(call)), [norm(a) for a in given[:-1]]
    handlers = handler_aliases(call, norm(given[-1])) or {norm(given[-1])}
    return any(method_of(c) == "unsubscribe" and receiver(c) is not None
               and target_text(receiver(c)) == bus and len(args(c)) == len(given)
               and [norm(a) for a in args(c)[:-1]] == topic and norm(args(c)[-1]) in handlers
               for c in releases)


def _discarded_reason(m, call) -> str:
    """Why a `subscribe` whose value is dropped stays, in the terms of its bus's API as the
    file uses it: a bus the file unsubscribes with what was subscribed (topic and handler,
    or the handler alone: an argument that some `subscribe` of the bus was handed last)
    returns nothing to keep; one unsubscribed with another single value hands out a token;
    otherwise `subscribe` returns the unsubscribe function."""
    bus, given = target_text(receiver(call)), args(call)

    def on_bus(name):
        return [c for c in m.calls() if c.type == "call_expression" and method_of(c) == name
                and receiver(c) is not None and target_text(receiver(c)) == bus]
    releases = [args(c) for c in on_bus("unsubscribe")]
    handlers = {norm(a[-1]) for a in map(args, on_bus("subscribe")) if a}
    by_handler = any(a and norm(a[-1]) in handlers for a in releases)
    if given and (len(given) > 1 or by_handler) and len(given) in map(len, releases):
        made = "topic and handler" if len(given) > 1 else "handler"
        how = inline_handler(given[-1])
        if how:
            return (f": {bus} is unsubscribed by {made}, and its handler is {how}, which no "
                    f"{bus}.unsubscribe can name")
        return (f": {bus} is unsubscribed by {made}, and no {bus}.unsubscribe with this "
                "call's arguments undoes it")
    if any(len(a) == 1 for a in releases):
        return ": the token it returns, which unsubscribe takes, is discarded"
    return ": the unsubscribe function it returns is discarded"
