"""How often a TypeScript/JavaScript function runs: once per page or process, or per call.

The answer comes from the code's structure, not from the function's name:

- per call: a method of the object an AMD module factory returns (``define([...],
  function () { var Page = {}; Page.init = function () {...}; return Page; })``): the
  loader hands that object to every importer and a client-side router calls its
  ``init`` on each visit of the page; a function a CommonJS module exports
  (``exports.query = function``), which its importers call as often as they like; a
  route handler (``router.get("/x", fn)``), run per request; and a function of the
  module that only such functions call;
- once: a function whose body starts with a run-once guard (``if (this.started)
  return; this.started = true``, or the same on a module variable ``initialized``);
- unknown (""): anything else; the callers decide.

Code under a test of the process's command line (``command_mode``) runs for the one
command the process was started for, unless its function runs per call anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import ancestors, nearest, tree_root, within
from .javascript_syntax import (FUNCTIONS, LOOPS, args, callback_chain, callee,
                                enclosing_function, function_name, immediately_invoked,
                                global_callee, identifiers_named, method_of, norm, receiver,
                                returned_values, strip, text, up, walk)
from .javascript_values import declaring_function
from .javascript_modules import default_function, imports

ONCE, PER_CALL = "once", "per-call"
# an HTTP router's or server's route methods (express, koa-router, fastify, restify...)
ROUTE_METHODS = {"get", "post", "put", "delete", "patch", "all", "head", "options", "del"}
AMD_DEFINE = {"define", "require.define"}
COMMONJS_EXPORTS = ("exports.", "module.exports.")
# the command line the process was started with, and the copy a command-line parser keeps
# of it (commander's ``program.rawArgs``)
COMMAND_LINE = {"process.argv", "process.execArgv"}
RAW_ARGUMENTS = {"rawArgs"}
# registration calls of libraries that call the named callbacks of their options object at
# most once per call (a service worker is registered once): (module, export) -> options
_PWA_ONCE = frozenset({"onRegisteredSW", "onRegistered", "onRegisterError", "onOfflineReady"})
ONCE_OPTIONS = {("virtual:pwa-register", "registerSW"): _PWA_ONCE,
                **{(f"virtual:pwa-register/{ui}", "useRegisterSW"): _PWA_ONCE
                   for ui in ("react", "preact", "solid", "svelte", "vue")}}
# calls that register a function to run once per event
EVENT_SUBSCRIPTIONS = {"on", "once", "addListener", "addEventListener", "subscribe",
                       "prependListener", "listen"}
# the subscriptions among them whose handler runs on each event, not once
REPEATING_SUBSCRIPTIONS = {"on", "addListener", "prependListener", "addEventListener"}
# events a page fires once, when it has loaded
PAGE_LOAD_EVENTS = {"DOMContentLoaded", "load"}
# events an imported object emits once per process: (module, export) -> event names
ONCE_EVENTS = {("electron", "app"): {"ready", "will-finish-launching"}}
# calls that run the function they are handed (their first argument) once, a while later
ONE_SHOT_TIMERS = {"setTimeout", "setImmediate", "queueMicrotask", "requestAnimationFrame",
                   "requestIdleCallback", "process.nextTick"}
# calls that register an error-first function to run per request (express's `app.use`)
MIDDLEWARE = {"use"}
# the first parameter of an error-first completion callback
ERROR_PARAMETERS = {"err", "error"}


@dataclass(frozen=True)
class Runs:
    kind: str  # ONCE, PER_CALL or "" (unknown)
    why: str = ""


UNKNOWN = Runs("")


def how_often(fn, depth: int = 0, started=()) -> Runs:
    """How often the function node ``fn`` runs (see the module's docstring).
    ``started``: the methods of the file's AMD module an entry point starts once
    (``reads["js-startup"]``)."""
    guard = run_once_guard(fn)
    if guard:
        return Runs(ONCE, f"guarded by the run-once flag {guard}")
    module = amd_module_of(fn)
    name = function_name(fn) or ("default" if default_function(fn) else "")
    if not module and name in started and enclosing_function(fn) is None:
        return Runs(ONCE, f"{name} is started once, at start-up")
    if module and function_name(fn) in started:
        return Runs(ONCE, f"{module}.{function_name(fn)} is started once by the entry point")
    if module:
        return Runs(PER_CALL, f"a method of the AMD module object {module}, called by its "
                              f"importers (a page's init runs on each visit)")
    exported = commonjs_export(fn)
    if exported and returned_values(fn):
        return Runs(PER_CALL, f"exported as {exported} and called for its result, once per use")
    if route_handler(fn):
        return Runs(PER_CALL, "a route handler, run per request")
    made = made_per_event(fn)
    if made:
        return Runs(PER_CALL, made)
    if depth < 3:
        member = _member_of_constructor(fn, depth, started)
        return member if member.kind else _only_called_from_per_call(fn, depth, started)
    return UNKNOWN


def _class_of(fn):
    """The class declaration whose body holds ``fn`` (a method, or an arrow kept in a
    field: `init = () => {...}`), or None."""
    body = fn.parent
    while body is not None and body.type in ("method_definition", "public_field_definition",
                                             "field_definition"):
        body = body.parent
    return body.parent if body is not None and body.type == "class_body" \
        and body.parent is not None and body.parent.type == "class_declaration" else None


def made_per_event(fn) -> str:
    """Why the constructor ``fn`` runs per event: its class is made anew (`new C(...)`)
    in a handler of an event (`ipcMain.on("update-paths", () => { m = new C(file); })`),
    so what it registers is registered again each time; "" when it is not."""
    makers = per_event_makers(fn)
    if not makers:
        return ""
    subscription = makers[0][1]
    return f"{function_name(_class_of(fn))} is made anew on each " \
           f"{text(args(subscription)[0])} event of {text(receiver(subscription))}"


def per_event_makers(fn) -> list:
    """[(handler, subscription call)]: the module-level event handlers that make the
    class of constructor ``fn`` anew each time they run."""
    cls = _class_of(fn) if fn is not None and function_name(fn) == "constructor" else None
    if cls is None:
        return []
    out = []
    for n in identifiers_named(tree_root(fn), function_name(cls)):
        made, child = up(n)
        if made is None or made.type != "new_expression" \
                or made.child_by_field_name("constructor") != child:
            continue
        handler = enclosing_function(made)
        p, _ = up(handler) if handler is not None else (None, None)
        if p is not None and p.type == "arguments" and enclosing_function(p) is None \
                and method_of(p.parent) in EVENT_SUBSCRIPTIONS - {"once"} and args(p.parent) \
                and strip(args(p.parent)[-1]) == strip(handler):
            out.append((handler, p.parent))
    return out


def class_constructor(fn):
    """The constructor of the class whose method (or field arrow) ``fn`` is, or None."""
    cls = _class_of(fn) if fn is not None else None
    body = cls.child_by_field_name("body") if cls is not None else None
    return next((m for m in (body.named_children if body is not None else ())
                 if m.type == "method_definition" and function_name(m) == "constructor"), None)


def _member_of_constructor(fn, depth: int, started) -> Runs:
    """A method of a class (or an arrow in a field) that only its constructor calls
    (`this.init()`) runs as often as the constructor does."""
    cls, name = _class_of(fn), function_name(fn)
    if cls is None or not name or name == "constructor":
        return UNKNOWN
    callers = []
    for n in identifiers_named(cls, name, types=("property_identifier",)):
        member, _ = up(n)
        call, via = up(member) if member is not None else (None, None)
        if member is None or member.type != "member_expression" \
                or text(member.child_by_field_name("object")) != "this":
            continue
        if call is None or call.type != "call_expression" \
                or call.child_by_field_name("function") != via:
            return UNKNOWN  # `this.init` handed on: who calls it is not known here
        callers.append(enclosing_function(call))
    if not callers or any(c is None or function_name(c) != "constructor" for c in callers):
        return UNKNOWN
    return how_often(callers[0], depth + 1, started)


def option_callback(fn):
    """(call, option name) when the function ``fn`` is a named option of an object literal
    handed to a call (``register({ onReady(reg) {...} })``, ``{ onReady: (reg) => ... }``);
    None otherwise. When it runs is the callee's to say."""
    p, child = up(fn)
    if p is not None and p.type == "pair" and p.child_by_field_name("value") == child:
        name, obj = text(p.child_by_field_name("key")), p.parent
    elif fn.type == "method_definition" and p is not None and p.type == "object":
        name, obj = function_name(fn), p
    else:
        return None
    q, _ = up(obj) if obj is not None else (None, None)
    if q is None or q.type != "arguments":
        return None
    return q.parent, name


def once_option(fn, imported: dict):
    """The registration call whose library runs ``fn``, a callback option of it, at most
    once per call (``ONCE_OPTIONS``; ``imported``: the file's imports, local name ->
    (module, export)); None otherwise."""
    found = option_callback(fn)
    if found is None:
        return None
    call, name = found
    head = strip(call.child_by_field_name("function"))
    if head is None or head.type != "identifier":
        return None
    return call if name in ONCE_OPTIONS.get(imported.get(text(head)), ()) else None


def once_per_call(arg, fn) -> bool:
    """Does the function ``fn``, handed to a call as the argument ``arg`` (``fn`` itself or
    a name of it), run at most once each time that call runs? The callback of a one-shot
    timer does (``setTimeout(init, 1000)``), and so does an error-first completion
    callback (``load(function (err, state) {...})``: by Node's convention called once,
    when the work ends), unless the call subscribes to events (``on("error", ...)``) or
    adds a middleware (``app.use((err, req, res, next) => ...)``)."""
    p, child = up(arg)
    if p is None or p.type != "arguments":
        return False
    call, given = p.parent, [strip(a) for a in args(p.parent)]
    name = global_callee(call)
    if name in ONE_SHOT_TIMERS:
        return given[:1] == [strip(child)]
    if _page_load(call) or _process_once(call):
        return given[1:2] == [strip(child)]
    if method_of(call) in EVENT_SUBSCRIPTIONS | MIDDLEWARE or given[-1:] != [strip(child)]:
        return False
    params = fn.child_by_field_name("parameters")
    first = params.named_children[0] if params is not None and params.named_children \
        else fn.child_by_field_name("parameter")  # `err => ...`
    if first is not None and first.child_by_field_name("pattern") is not None:
        first = first.child_by_field_name("pattern")  # a TypeScript parameter
    return first is not None and text(first) in ERROR_PARAMETERS


def _page_load(call) -> bool:
    """``addEventListener("DOMContentLoaded", fn)`` on the window or the document: the
    page loads once, so the event fires once."""
    target = receiver(call)
    return method_of(call) == "addEventListener" and bool(args(call)) \
        and text(args(call)[0]).strip("'\"`") in PAGE_LOAD_EVENTS \
        and (target is None or norm(target) in ("window", "document", "globalThis", "self"))


def _process_once(call) -> bool:
    """``app.on("ready", fn)`` with ``app`` imported from a module whose object emits that
    event once per process (ONCE_EVENTS): the callback runs once."""
    target, given = receiver(call), args(call)
    if method_of(call) not in ("on", "once", "addListener") or target is None \
            or target.type != "identifier" or not given:
        return False
    event = text(given[0]).strip("'\"`")
    if not any(event in names for names in ONCE_EVENTS.values()):
        return False
    return event in ONCE_EVENTS.get(imports(tree_root(call)).get(text(target)), ())


def at_load(fn) -> bool:
    """Does ``fn`` run once when the module loads: handed to a call at the module's top level
    that runs it at most once (``addEventListener("DOMContentLoaded", () => ...)``)?"""
    p, _ = up(fn)
    return p is not None and p.type == "arguments" and enclosing_function(p.parent) is None \
        and once_per_call(fn, fn)


def running_function(call):
    """The function whose run executes ``call``: inline callbacks and immediately invoked
    functions belong to the function they are written in."""
    fn = enclosing_function(call)
    while fn is not None:
        p, _ = up(fn)
        passed = p is not None and p.type == "arguments" and amd_factory(fn) is None
        if route_handler(fn) or not (immediately_invoked(fn) or passed):
            return fn
        if amd_factory(fn) is not None:
            return None  # the module factory itself: runs once, when the module loads
        fn = enclosing_function(fn)
    return None


def amd_factory(fn):
    """The AMD module factory ``fn`` is (the function argument of ``define(...)``), or None."""
    p, child = up(fn)
    if p is None or p.type != "arguments" or callee(p.parent) not in AMD_DEFINE:
        return None
    return fn if strip(args(p.parent)[-1]) == strip(child) else None


def amd_module_of(fn) -> str:
    """``Page.m = function`` or ``{ m: function }`` where ``Page`` is the object the
    enclosing AMD factory returns: the module object's name ("" when it is not)."""
    factory = enclosing_function(fn)
    if factory is None or amd_factory(factory) is None:
        return ""
    returned = [strip(v) for v in returned_values(factory)]
    p, child = up(fn)
    if p is not None and p.type == "assignment_expression" \
            and p.child_by_field_name("right") == child:
        left = strip(p.child_by_field_name("left"))
        if left is not None and left.type == "member_expression":
            obj = norm(left.child_by_field_name("object"))
            if any(v is not None and v.type == "identifier" and text(v) == obj
                   for v in returned):
                return obj
    if p is not None and p.type == "pair" and p.parent is not None \
            and any(v is not None and v.id == p.parent.id for v in returned):
        return "(returned object)"
    return ""


def commonjs_export(fn) -> str:
    """``exports.f = function`` / ``module.exports.f = function``: the exported name."""
    p, child = up(fn)
    if p is None or p.type != "assignment_expression" or p.child_by_field_name("right") != child:
        return ""
    left = norm(p.child_by_field_name("left"))
    if left.startswith(COMMONJS_EXPORTS) and left.count(".") == (
            1 if left.startswith("exports.") else 2) and enclosing_function(p) is None:
        return left
    return ""


def route_handler(fn) -> bool:
    """The last argument of ``app.get("/path", ..., fn)``: run per request."""
    p, child = up(fn)
    if p is None or p.type != "arguments":
        return False
    call = p.parent
    a = args(call)
    if method_of(call) not in ROUTE_METHODS or len(a) < 2 or strip(a[-1]) != strip(child):
        return False
    first = strip(a[0])
    return first is not None and first.type in ("string", "template_string") \
        and text(first).strip("'\"`").startswith("/")


def run_once_guard(fn) -> str:
    """``if (flag) return;`` among the first statements of ``fn``, with ``flag = true``
    set later in the same body: the flag's text ("" when there is no such guard). The
    flag is a field (``this.started``, ``server.started``) or a variable."""
    body = fn.child_by_field_name("body")
    if body is None or body.type != "statement_block":
        return ""
    statements = body.named_children
    for i, st in enumerate(statements[:3]):
        if st.type != "if_statement":
            continue
        cond = norm(st.child_by_field_name("condition")).strip("()").strip()
        if not cond or not all(part.isidentifier() for part in cond.split(".")):
            continue
        then = st.child_by_field_name("consequence")
        if then is None or not any(n.type == "return_statement"
                                   for n in [then] + list(walk(then, stop=FUNCTIONS))):
            continue
        for later in statements[i + 1:]:
            for n in [later] + list(walk(later, stop=FUNCTIONS)):
                if n.type == "assignment_expression" \
                        and norm(n.child_by_field_name("left")) == cond \
                        and strip(n.child_by_field_name("right")) is not None \
                        and strip(n.child_by_field_name("right")).type == "true":
                    return cond
    return ""


def once_per_object(node, depth: int = 0) -> str:
    """Does the code at ``node`` run at most once per object of the class whose method
    holds it? The constructor does; so does a method behind a run-once guard
    (``run_once_guard``), a private step only such methods call (``this.schedule()``,
    never in a loop nor handed on), and a callback a one-shot call there runs
    (``setTimeout(() => ...)``). Why, or "" when it may run more often."""
    chain, fn = callback_chain(node)
    if any(not (once_per_call(cb, cb) or method_of(call) in ("then", "finally"))
           for call, cb, _ in chain):
        return ""  # a callback that may run more than once each time the call runs
    if fn is None or fn.type != "method_definition" or fn.parent is None \
            or fn.parent.type != "class_body" or depth > 3:
        return ""
    name = function_name(fn)
    if name == "constructor":
        return "the constructor"
    guard = run_once_guard(fn)
    if guard:
        return f"{name} is guarded by the run-once flag {guard}"
    calls = []
    for n in walk(fn.parent):
        if n.type == "member_expression" and text(n.child_by_field_name("property")) == name \
                and norm(n.child_by_field_name("object")) == "this":
            q, member = up(n)
            if q is None or q.type != "call_expression" \
                    or q.child_by_field_name("function") != member or nearest(q, LOOPS, fn.parent):
                return ""  # handed on, or called in a loop
            calls.append(q)
    whys = [once_per_object(c, depth + 1) for c in calls]
    return f"{name} is called only from {whys[0]}" if whys and all(whys) else ""


def once_flag_owner(node):
    """``if (!loaded && ...) { loaded = true; ... }`` around ``node``: the guarded code runs
    once per life of the flag. The node that declares the flag (the function declaring it,
    or the module's program for a module-level one), or None when no such guard is
    around ``node``."""
    for a in ancestors(node):
        then = a.child_by_field_name("consequence") if a.type == "if_statement" else None
        if then is None or not within(node, then):
            continue
        for flag in _negated_names(a.child_by_field_name("condition")):
            if any(n.type == "assignment_expression" and norm(n.child_by_field_name("left")) == flag
                   and text(n.child_by_field_name("right")) == "true"
                   for n in walk(then, stop=FUNCTIONS)):
                owner = declaring_function(enclosing_function(a), flag)
                if owner is not None:
                    return owner
                return tree_root(a)
    return None


def _negated_names(condition):
    """The identifiers ``x`` of the ``!x`` conjuncts of an ``if``'s condition."""
    n = strip(condition)
    if n is not None and n.type == "binary_expression" \
            and text(n.child_by_field_name("operator")) == "&&":
        return _negated_names(n.child_by_field_name("left")) \
            + _negated_names(n.child_by_field_name("right"))
    if n is not None and n.type == "unary_expression" and text(n).startswith("!"):
        arg = strip(n.child_by_field_name("argument"))
        return [text(arg)] if arg is not None and arg.type == "identifier" else []
    return []


def call_sites(fn) -> list | None:
    """The calls of the named module function ``fn`` in its file (its declaration aside),
    or None when it has no name or is used as a value (who calls it is not known here)."""
    name = function_name(fn)
    p, _ = up(fn)
    if not name or (fn.type != "function_declaration"
                    and (p is None or p.type != "variable_declarator")):
        return None
    out = []
    for n in identifiers_named(tree_root(fn), name):
        q, child = up(n)
        if q is None or n == fn.child_by_field_name("name") or q.type == "variable_declarator":
            continue
        if q.type != "call_expression" or q.child_by_field_name("function") != child:
            return None
        out.append(q)
    return out


def _only_called_from_per_call(fn, depth: int, started) -> Runs:
    """A named function of the module whose every call is in a function that runs per
    call runs per call too."""
    callers = [enclosing_function(c) for c in call_sites(fn) or ()]
    if not callers or None in callers:
        return UNKNOWN
    first = None
    for caller in callers:
        runs = how_often(caller, depth + 1, started)
        if runs.kind != PER_CALL:
            return UNKNOWN
        first = first or runs
    return Runs(PER_CALL, f"called from {function_name(callers[0]) or 'a function'}, "
                          f"{first.why}")


def per_call(node, started=()) -> Runs:
    """How often the code at ``node`` runs, through the function whose run executes it."""
    fn = running_function(node)
    return how_often(fn, started=started) if fn is not None else UNKNOWN


def command_mode(node) -> str:
    """The condition on the process's command line that the code at ``node`` runs under
    (``if (opts.rawArgs.indexOf("--watch") > -1) {...}``, ``if (process.argv.includes("-f"))
    ...``), or "" when there is none or the code runs per call anyway (a route handler, an
    AMD page method). A command-line process runs the one command it was started for:
    what such code starts belongs to that run, as long as the process."""
    for a in ancestors(node):
        if a.type != "if_statement" or not within(node, a.child_by_field_name("consequence")):
            continue
        condition = a.child_by_field_name("condition")
        if any(n.type == "member_expression" and (norm(n) in COMMAND_LINE or text(
                n.child_by_field_name("property")) in RAW_ARGUMENTS)
               for n in walk(condition)):
            return "" if per_call(node).kind == PER_CALL else text(condition)
    return ""
