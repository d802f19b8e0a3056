"""LL406: Python registrations that are never undone: signal receivers connected per call
or per instance, logging handlers added by code that runs repeatedly, Qt-style
`.connect(lambda ...)` per call, `atexit.register` in a loop."""

from __future__ import annotations

from ... import contexts
from ...facts.owners_python import ONCE as ONCE_READ
from ...languages import matches
from ...languages.python_syntax import in_loop, qualified_name
from ...languages.python import (assigned_value, callee_text, decorators, enclosing_class,
                                 enclosing_function, parameters, resolve, runs_at_import,
                                 text)

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("reason",)


CALLS = "(call function: (attribute attribute: (identifier) @m) @fn) @call"
SIGNAL_MODULES = ("signals", "blinker", "dispatch")
QT_MODULES = ("PyQt5", "PyQt6", "PySide2", "PySide6", "qtpy")
# functions that run once by convention: app/plugin setup, UI construction
ONCE = ("ready", "setup", "setUp", "setUpClass", "setup_logging", "configure", "main",
        "init_app", "setupUi", "setup_ui", "install", "register", "__init_subclass__")


def check(ctx, rule) -> None:
    adapter = ctx.adapter()
    names = adapter.names
    root = ctx.tree.root_node
    qt = any(m.encode() in root.text for m in QT_MODULES)
    traced = set((getattr(ctx, "reads", None) or {}).get(ONCE_READ, ()))
    for _, caps in matches("python", CALLS, root):
        call, method = caps["call"][0], text(caps["m"][0])
        if method not in ("connect", "addHandler", "register"):
            continue
        fn = enclosing_function(call)
        recv = text(caps["fn"][0].child_by_field_name("object"))
        full = resolve(callee_text(call), names)
        reason = None
        if method == "register" and full == "atexit.register":
            if _in_loop(call, fn):
                reason = "atexit.register runs in a loop: each iteration adds another exit handler"
        elif fn is None or _runs_once(fn) or runs_at_import(fn, root, by_name=False) \
                or _traced_once(call, fn, traced):
            continue
        elif method == "addHandler":
            reason = _handler_reason(call, fn, recv)
        elif method == "connect":
            reason = _connect_reason(call, fn, recv, names, qt)
        if method != "register" or full == "atexit.register":
            _verdict(ctx, rule, call, reason, process_wide=method in ("addHandler", "register"))
    # a call of a helper that adds a handler to the logger its caller passes: the
    # registration is the caller's, judged here as if the caller added it
    helpers = _logger_helpers(root)
    for call in _calls_by_name(root, helpers):
        fn, helper = enclosing_function(call), text(call.child_by_field_name("function"))
        given = [a for a in call.child_by_field_name("arguments").named_children
                 if a.type != "comment"]
        if fn is None or helpers[helper] >= len(given) \
                or given[helpers[helper]].type == "keyword_argument":
            continue  # module-level code runs once; a logger passed by keyword: not followed
        once = _runs_once(fn) or runs_at_import(fn, root, by_name=False) \
            or _traced_once(call, fn, traced)
        reason = None if once else _handler_reason(call, fn, text(given[helpers[helper]]),
                                                   via=helper)
        _verdict(ctx, rule, call, reason, process_wide=True)


def _verdict(ctx, rule, call, reason, process_wide: bool) -> None:
    ctx.count(rule.code, call, ok=reason is None)
    if reason is None:
        return
    # a handler on a logger or an exit handler lives as long as the process: it
    # outlives a test that adds it, not a script's run, which is the process itself
    # (there it piles up only when the code adding it runs again: in a loop)
    outlives = process_wide and ctx.context.kind == contexts.TEST
    ctx.emit(rule, call, rule.message.format(reason=reason),
             traits={contexts.OUTLIVES} if outlives else set())


def _logger_helpers(root) -> dict:
    """Module-level function name -> the index of the parameter whose logger it adds a
    handler to (``def attach(logger, path): logger.addHandler(...)``): the registration
    its caller makes through it."""
    out = {}
    for fn in root.named_children:
        fn = fn.child_by_field_name("definition") if fn.type == "decorated_definition" else fn
        if fn is None or fn.type != "function_definition":
            continue
        for _, caps in matches("python", CALLS, fn):
            call, recv = caps["call"][0], text(caps["fn"][0].child_by_field_name("object"))
            if text(caps["m"][0]) == "addHandler" and enclosing_function(call) == fn \
                    and _caller_owns(fn, call, recv):
                out[text(fn.child_by_field_name("name"))] = parameters(fn).index(recv)
                break
    return out


def _calls_by_name(root, names: dict) -> list:
    """The calls ``f(...)`` of the functions named in ``names``."""
    if not names:
        return []
    return [caps["call"][0] for _, caps in matches(
        "python", "(call function: (identifier) @f arguments: (argument_list)) @call", root)
        if text(caps["f"][0]) in names]


def _in_loop(call, fn) -> bool:
    """Does the call run on every turn of a loop in ``fn`` (not a for's iterable, not a
    loop's else clause, not a loop over a fixed handful of values)?"""
    return in_loop(call, stop=fn)


def _traced_once(call, fn, traced) -> bool:
    """Does ``call`` run once per process: in a function the program's entry runs once
    (``traced``: the file's such functions, ``facts.python_entry``), outside its loops?"""
    return fn.type == "function_definition" and qualified_name(fn) in traced \
        and not _in_loop(call, fn)


def _runs_once(fn) -> bool:
    name = text(fn.child_by_field_name("name")) if fn.type == "function_definition" else ""
    params = parameters(fn)
    if len(params) >= 2 and params[0] == "apps" and "schema_editor" in params[1]:
        return True  # a Django data migration (RunPython): runs once per migrate
    if name in ONCE or name.startswith(("setup", "set_up", "configure", "init_", "_setup",
                                        "_configure", "register", "install")):
        return True
    return any(d.rsplit(".", 1)[-1] in ("fixture", "cache", "lru_cache", "once")
               or d.startswith(("pytest.fixture", "functools.cache", "functools.lru_cache"))
               for d in decorators(fn))


def _handler_reason(call, fn, recv: str, via: str = ""):
    """logger.addHandler(...) in a method or function that runs per call/instance;
    ``via``: the helper a call hands the logger ``recv`` to, which adds the handler."""
    if enclosing_class(fn) is None and not _in_loop(call, fn):
        name = text(fn.child_by_field_name("name")) if fn.type == "function_definition" else ""
        if not name.startswith(("get_", "make_", "create_", "handle", "on_", "process")):
            return None  # a plain function: probably called once at startup
    if _caller_owns(fn, call, recv):
        return None
    scope_text = (enclosing_class(fn) or fn).text
    if b"removeHandler" in scope_text or b".handlers" in fn.text or b"hasHandlers" in fn.text:
        return None
    p = call.parent
    while p is not None and p != fn:
        cond = p.child_by_field_name("condition") if p.type in ("if_statement", "elif_clause") else None
        if cond is not None and b"handler" in cond.text.lower():
            return None  # guarded: `if not has_level_handler(logger):`
        p = p.parent
    if b"getLogger" not in fn.text and "log" not in recv.lower():
        return None
    adds = f"{via}() adds a handler to {recv}" if via else f"{recv}.addHandler runs"
    return (f"{adds} every time {_fn_name(fn)}() runs and nothing removes the "
            "handler: handlers pile up and every record is emitted once per handler")


def _caller_owns(fn, call, recv: str) -> bool:
    """``def attach(logger, ...): logger.addHandler(h)``: the logger is the caller's, so
    how often a handler lands on one logger depends on what each caller passes (a fresh
    logger per call takes its handlers with it): each call of the helper is judged where
    it is made (``_logger_helpers``), not the helper."""
    return recv not in ("self", "cls") and recv in parameters(fn) \
        and assigned_value(call, recv) is None


def _connect_reason(call, fn, recv: str, names: dict, qt: bool):
    args = call.child_by_field_name("arguments")
    arglist = args.named_children if args is not None else []
    if any(a.type == "keyword_argument" and text(a.child_by_field_name("name")) == "dispatch_uid"
           for a in arglist):
        return None
    scope = enclosing_class(fn) or fn
    if b"disconnect" in scope.text:
        return None
    first = arglist[0] if arglist else None
    head = recv.split(".", 1)[0].split("(", 1)[0]
    origin = names.get(head, "")
    signal_like = any(m in origin for m in SIGNAL_MODULES) or recv.startswith("signals.") \
        or head in ("signal", "blinker") or recv.endswith(("_signal", "Signal"))
    if signal_like:
        strong = any(a.type == "keyword_argument" and text(a.child_by_field_name("name")) == "weak"
                     and text(a.child_by_field_name("value")) == "False" for a in arglist)
        per_instance = first is not None and (
            text(first).startswith("self.") or first.type == "lambda" or
            _local_def(fn, text(first)) or
            (first.type == "call" and callee_text(first).endswith("partial")))
        if strong and per_instance:
            return (f"{recv}.connect(..., weak=False) in {_fn_name(fn)}() adds a receiver on every "
                    "call and nothing disconnects it (no disconnect, no dispatch_uid)")
        return None
    if qt and first is not None and first.type == "lambda" and "." in recv and \
            text(fn.child_by_field_name("name")) != "__init__":
        return (f"{recv}.connect(lambda ...) in {_fn_name(fn)}() adds another slot on every call "
                "and nothing disconnects it")
    return None


def _local_def(fn, name: str) -> bool:
    body = fn.child_by_field_name("body")
    return body is not None and any(
        c.type == "function_definition" and text(c.child_by_field_name("name")) == name
        for c in body.named_children)


def _fn_name(fn) -> str:
    return text(fn.child_by_field_name("name")) if fn.type == "function_definition" else "lambda"
