"""The pairing model shared by the JS/TS listener, timer, observer, subscription and channel
rules (LL108, LL204, LL205, LL207, LL209, LL401-LL405, LL407; the subscriptions' own part
is subscriptions.py).

Each rule finds its acquisitions, asks ``scopes`` for the lifecycle scope they run in and
where the value goes, and looks for the matching release in that scope's release
functions (and same-file helpers they call) with ``value_rule`` or its own matching.
"""

from __future__ import annotations

from ...languages.javascript import (FUNCTIONS, args, callee, enclosing_function, method_of,
                                     norm, receiver, strip, text, up, walk)
from dataclasses import replace

from ... import members
from ...facts import lifetimes
from ...languages import of_type, per_file, tree_root, within
from ...languages.javascript_runs import once_per_object
from ...languages.javascript_scopes import exported, model
from ...languages.javascript_members import stands_for, this_aliases, this_members
from ...languages.javascript_values import (Binding, binding, container_released, declares,
                                            declaring_function, local_value, module_constants)


def scoped_calls(ctx, kind: str, names, rule=None) -> list:
    """(model, node, scope) for each ``kind`` node (call_expression, new_expression) whose
    callee is in ``names`` and that lies in a lifecycle scope; none in test files, whose
    process is short-lived. With ``rule``, the others (module level and what runs once:
    the page's or the process's) are counted as verified."""
    if ctx.is_test:
        return []
    m = model(ctx)
    out = []
    for node in m.calls():
        if node.type == kind and callee(node) in names:
            scope = m.scope_of(node)
            if scope is not None:
                out.append((m, node, scope))
            elif rule is not None:
                ctx.count(rule.code, node, ok=True)
    return out


def report(ctx, rule, node, related=(), **kw):
    ctx.emit(rule, node, rule.message.format(**kw), related=related)
    ctx.count(rule.code, node, ok=False)


def relevant(m, scope, tnode, call) -> bool:
    """Must what ``call`` adds to ``tnode`` be removed in ``scope``? Not when the target
    dies with the owner, nor when the owner itself lives as long as the page."""
    if tnode is not None and lifetimes.dies_with("javascript", tnode, call):
        return False
    if _once_for_the_program(m.ctx, call, scope):
        return False  # once per object of the application root or a module singleton
    if scope.kind == "effect" and _runs_at_mount_only(scope) and page_lifetime(m.ctx, call):
        return False  # the root's mount-only effect: once per page
    if scope.kind == "function" and {"bootstrap", "injected"} & {
            lifetimes.owner_of("javascript", scope.acquire, m.ctx.src.path).kind,
            lifetimes.owner_of("javascript", call, m.ctx.src.path).kind}:
        # a module extension, code behind a load-once guard, or the source of another
        # document or worker: runs once, for that realm
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


def _runs_at_mount_only(scope) -> bool:
    """An effect whose dependency list is empty (``useEffect(fn, [])``), or lists only
    constants of the module (``[apiKey]`` of a top-level ``const apiKey = ...``), which
    never change: it runs once per mount of its component."""
    p, _ = up(scope.acquire)
    deps = args(p.parent)[1:2] if p is not None and p.type == "arguments" else []
    listed = strip(deps[0]) if deps else None
    if listed is None or listed.type != "array":
        return False
    consts = module_constants(tree_root(listed)) if listed.named_children else {}
    return all(strip(d) is not None and strip(d).type == "identifier" and text(d) in consts
               and not declaring_function(enclosing_function(listed), text(d))
               for d in listed.named_children)


def target_text(node) -> str:
    """A receiver as compared structurally; a local alias (``javascript_members.stands_for``)
    or a local kept in a variable of a function around it is replaced by what it stands
    for."""
    if node is None:
        return "window"
    s = strip(node)
    if s is not None and s.type == "identifier":
        alias = stands_for(s)
        if alias:
            return alias
        fn = declaring_function(enclosing_function(s), text(s))
        outer = _kept_outside(fn, text(s)) if fn is not None else ""
        if outer:
            return outer
    return norm(node)


def _kept_outside(fn, name: str) -> str:
    """The variable (or a member of one) of a function around ``fn`` that ``fn`` stores
    ``name`` in (``.then((status) => { current = status; status.addEventListener(..) })``,
    removed later from ``current``): one object under two names; "" when there is none."""
    for n in per_file(("assigned", fn.id, fn.start_byte), lambda: _assignments(fn)).get(name, ()):
        left = root = n.child_by_field_name("left")
        while root is not None and root.type == "member_expression":
            root = root.child_by_field_name("object")  # `scrollerRef.value = scroller`
        if root is not None and root.type == "identifier" and not declares(fn, text(root)) \
                and declaring_function(enclosing_function(fn), text(root)) is not None:
            return norm(left)
    return ""


def _assignments(fn) -> dict:
    """The assignments of ``fn`` by the text of what they assign."""
    body = fn.child_by_field_name("body")
    found: dict = {}
    for n in of_type(body, ("assignment_expression",)) if body is not None else ():
        found.setdefault(norm(n.child_by_field_name("right")), []).append(n)
    return found


def ends_target(call, target: str, ends) -> bool:
    """Does the release ``call`` end the listeners' ``target`` as a whole, taking its
    listeners with it: one of ``ends`` called on it (``worker.terminate()``), on what
    holds it (``this.conn.close()`` for ``this.conn.socket``) or given it
    (``dispose(chart)``)?"""
    if method_of(call) not in ends:
        return False
    if any(target_text(x) == target for x in args(call)):
        return True
    rt = receiver(call)
    if rt is None:
        return False
    owner = target_text(rt)
    return owner == target or target.startswith(owner + ".")


def inline_handler(handler) -> str:
    h = strip(handler)
    if h is None:
        return ""
    if h.type in FUNCTIONS:
        return "an inline function"
    if h.type == "call_expression" and method_of(h) == "bind":
        return "a fresh .bind()"
    return ""


def handler_aliases(call, handler: str):
    """Names the handler is known by in its function (``state.onMove = onMove`` adds
    ``state.onMove``); None when it is handed to other code, which may remove it."""
    fn = enclosing_function(call)
    if fn is not None and not handler.isidentifier():
        # `props.onActive` after `const { props } = this` is `this.props.onActive`
        head, dot, rest = handler.partition(".")
        member = this_members(fn).get(head) if dot else None
        if dot and head != "this" and not member and local_value(fn, head) is None \
                and _stores(fn, handler):
            return None  # kept on an object the caller holds (`el._close = ..`): removed there
        return {handler, f"{member}.{rest}"} if member else {handler}
    if fn is None:
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


def _stores(fn, member: str) -> bool:
    """Does ``fn`` assign to ``member`` (``el._forceClose = () => ..``)?"""
    return any(n.type == "assignment_expression" and norm(n.child_by_field_name("left")) == member
               for n in walk(fn))


def _released(calls, b: Binding, methods=(), functions=(), called=False) -> bool:
    """Is a kept value released by one of ``calls``: ``K.method()``, ``function(K)``,
    ``K()``, or its collection?"""
    for c in calls:
        name = callee(c)
        # a local copy of a kept member (`const socket = this.ws; socket.close()`)
        rt = receiver(c)
        copy = f"{target_text(rt)}.{method_of(c)}" if rt is not None \
            and strip(rt).type == "identifier" else name
        for k in b.keys:
            if called and name == k:
                return True
            if any(f"{k}.{meth}" in (name, copy) for meth in methods):
                return True
            if name.rsplit(".", 1)[-1] in functions \
                    and any(k in (norm(x), target_text(x)) for x in args(c)):
                return True
    return bool(b.containers) and container_released(calls, b.containers)


def value_rule(ctx, rule, node, scope, what, methods=(), functions=(), called=False,
                discarded_reason="", owned=False):
    """Shared verdict for a value that must be released in its scope; ``owned``: a value
    an acquisition method of a class keeps in a field is judged by the member analysis
    too (as one another method keeps always is)."""
    m = model(ctx)
    holder = lifetimes.held_by("javascript", node, ctx.src.path)
    if holder is not None and lifetimes.lives_to_exit(holder):
        ctx.count(rule.code, node, ok=True)  # an unref'd timer: the process's, never waited on
        return
    if _once_for_the_program(ctx, node, scope):
        ctx.count(rule.code, node, ok=True)
        return
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
    verdict = _field_verdict(ctx, m, scope, node, b, set(methods) | set(functions), owned)
    if verdict is not None:
        if verdict.leaks:
            report(ctx, rule, node, what=what, where=f"in {verdict.teardowns}",
                   reason=f": {verdict.why}")
        else:
            ctx.count(rule.code, node, ok=True)
        return
    if not scope.strict and any("." in k for k in b.keys):
        ctx.count(rule.code, node, ok=True)  # kept on an object whose owner releases it
        return
    if _released(m.release_calls(scope), _as_this(b, node), methods, functions, called):
        ctx.count(rule.code, node, ok=True)
        return
    held = ", ".join(sorted(b.keys | b.containers)) or "it"
    if b.keys and all(_module_variable(m, k, node) for k in b.keys):
        # kept in the module's own variable: the module owns it, and any of its
        # functions may release it (a restart that clears the old timer first), unless
        # only the interval's own callback does: a second start stores over a running one
        releases = [c for c in m.calls() if _released([c], b, methods, functions, called)]
        if releases and not (what == "setInterval" and _cleared_only_by_itself(m, node, releases)):
            ctx.count(rule.code, node, ok=True)
            return
        if releases:
            report(ctx, rule, node, what=what, where=scope.where,
                   reason=f": only its own callback clears {held}, so starting it again "
                          "stores over one still running")
            return
    report(ctx, rule, node, what=what, where=scope.where,
            reason=f": {held} is never released there")


def _cleared_only_by_itself(m, node, releases) -> bool:
    """Is each of ``releases`` in the callback of the timer ``node`` starts, or in a
    function of the file (not exported) that only that callback calls?"""
    found = [a for a in args(node)[:1] if strip(a).type in FUNCTIONS]
    if not found:
        return False
    callback = strip(found[0])
    names = {n.id: name for name, nodes in m.functions().items() for n in nodes}
    for c in releases:
        if within(c, callback):
            continue
        fn = enclosing_function(c)
        while fn is not None and fn.id not in names:
            fn = enclosing_function(fn)
        if fn is None or exported(fn):
            return False
        uses = [x for x in m.calls() if callee(x) == names[fn.id]]
        if not uses or not all(within(x, callback) for x in uses):
            return False
    return True


def _once_for_the_program(ctx, node, scope) -> bool:
    """Is the value started once per object of an owner that lives as long as the page or
    process (the application root, a singleton)? Its lifecycle hooks (a class or options
    scope) run once per object, and so may another method (``once_per_object``): the
    value is the program's, and does not pile up."""
    if scope.kind == "effect":  # the root's effect that runs once per mount
        return _runs_at_mount_only(scope) and page_lifetime(ctx, node)
    if scope.kind not in ("class", "options", "method"):
        return False
    if scope.kind == "method" and not once_per_object(node):
        return False
    return page_lifetime(ctx, node)


def page_lifetime(ctx, node) -> bool:
    """Does the owner of the code at ``node`` live as long as the page or process (the
    application root, a singleton)?"""
    return lifetimes.lives_to_exit(
        lifetimes.owner_of("javascript", node, ctx.src.path, reads=ctx.reads))


def _as_this(b: Binding, node) -> Binding:
    """``b`` with a field kept through a local that holds ``this`` (``var self = this;
    self.socket = ...``) also named as ``this.socket``, the name other methods use."""
    aliases, fn = set(), enclosing_function(node)
    while fn is not None:  # a callback sees the `self` of the functions around it
        aliases |= this_aliases(fn) - {"this"}
        fn = enclosing_function(fn)
    extra = {"this." + k.split(".", 1)[1] for k in b.keys
             if "." in k and k.split(".", 1)[0] in aliases}
    return replace(b, keys=b.keys | extra) if extra else b


def _field_verdict(ctx, m, scope, node, b, names, owned=False):
    """A value kept only in a field of the object, by a method that is not a lifecycle
    acquisition of its class (or, ``owned``, by one that is): released in another method,
    so asked of the member analysis (``leaklint.members``). None when that does not
    apply."""
    scope = scope if owned and scope.kind == "class" else field_scope(m, node, scope)
    if scope is None or b.containers or len(b.keys) != 1:
        return None
    p, child = up(node)
    if p is None or p.type != "assignment_expression" or p.child_by_field_name("right") != child:
        return None
    facts = m.class_facts(scope, tuple(sorted(names)))
    if facts is None:
        return None
    left = p.child_by_field_name("left")
    at = (left.start_point[0] + 1, left.start_point[1])
    store = next((u for u in facts.uses if u.kind == members.STORE and u.at == at), None)
    if store is None:
        return None
    owner = lifetimes.owner_of("javascript", node, ctx.src.path, reads=ctx.reads)
    facts = replace(facts, lifetime=lifetimes.lifetime(owner))
    # `clearTimeout(this.t); this.t = setTimeout(...)` in a method the teardown calls
    # restarts the timer: it is running again afterwards
    return members.field_leak(facts, store, names, fresh=lambda u: u.how == store.how)


def field_scope(m, node, scope):
    """The scope of the class method ``node`` runs in, when it is a method that is not
    a lifecycle acquisition of a class with a teardown (``scope`` itself), or a handler or
    callback inside one; None otherwise."""
    if scope.kind == "method":
        return scope if scope.strict else None
    if scope.kind != "function":
        return None
    fn = enclosing_function(scope.acquire)
    while fn is not None and fn.child_by_field_name("body") is not None:
        outer = m.scope_of(fn.child_by_field_name("body"))
        if outer is None or outer.kind in ("method", "class"):
            return outer if outer is not None and outer.strict else None
        fn = enclosing_function(outer.acquire)
    return None


def _module_variable(m, name: str, at) -> bool:
    """Is ``name`` a variable of the module (not a local of a function around ``at``)?"""
    if name not in m.module_names():
        return False
    fn = enclosing_function(at)
    while fn is not None:
        if declares(fn, name):
            return False
        fn = enclosing_function(fn)
    return True


CLEARS = ("clearInterval", "clearTimeout", "cancelAnimationFrame", "cancelIdleCallback")
