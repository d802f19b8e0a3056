"""Python: what uses a handle and what only borrows it. Clients that connect lazily (an
HTTP client, a broker connection) hold nothing until they are used; a function of another
package that the caller's handle is passed to, and that the caller goes on using it
after, was only lent it."""

from __future__ import annotations

from ..members import STORE
from ..tracks import pattern_matches
from . import ancestors, per_file, tree_root, walk
from .python_shapes import assigned_value, climb, expected_to_raise, pair_target, read_after
from .python_syntax import callee_text, enclosing_class, enclosing_function, resolve, text


HTTP_CLIENTS = {"requests.Session", "requests.session", "requests.sessions.Session",
                "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession"}
IO_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "send",
              "stream", "ws_connect"}


# a broker connection (Celery's `app.connection_for_write()`) opens its socket on first
# use: these, on it, use it; reading its transport's name or its errors does not
BROKER_IO = {"connect", "ensure_connection", "default_channel", "channel", "drain_events",
             "Producer", "Consumer", "SimpleQueue", "SimpleBuffer", "Pool", "ChannelPool",
             "heartbeat_check", "autoretry", "ensure"}
BROKER_CONNECTIONS = ("connection_for_write", "connection_for_read", "broker_connection")


def never_connects(callee: str, call, fn, names: dict, imported: dict) -> bool:
    """A client that never sends anything holds no connection: an HTTP client no request
    goes through, a broker connection nothing opens (``does_io``)."""
    if resolve(callee, names) in HTTP_CLIENTS:
        return not does_io(call, fn)
    if not callee.endswith(BROKER_CONNECTIONS):
        return False
    own = {text(n.child_by_field_name("name")) for n in walk(tree_root(call))
           if n.type == "function_definition"}
    return not does_io(call, fn, BROKER_IO, own | {k for k, v in imported.items()
                                                   if v.startswith(".")})


def unasked(cand, names: dict) -> bool:
    """A call whose result holds something only when a keyword argument asks for it (the
    rule's ``only_with``, by what it calls or the maker of the object whose method it is:
    `requests.get(url, stream=True)`, whose response keeps its pooled connection until
    closed or read; without it the body is read and the connection back in its pool):
    is it called without one of them?"""
    table = cand.rule.lifecycle.get("only_with", {})
    made = cand.factory_of.partition("(*)")[0] or resolve(cand.callee, names)
    if not cand.factory_of and made in cand.rule.lifecycle.get("methods_of", {}):
        return False  # the maker itself (`requests.Session()`), not what its methods make
    wanted = {kw for maker, kws in table.items() if pattern_matches(maker, made) for kw in kws}
    args = cand.call.child_by_field_name("arguments")
    given = {text(a).replace(" ", "") for a in (args.named_children if args is not None else ())
             if a.type == "keyword_argument"}
    return bool(wanted) and not wanted & given


def does_io(call, fn, io=IO_METHODS, project=None) -> bool:
    """Is the client sent anything: an I/O method (of ``io``) on it, or is it handed
    elsewhere? With ``project`` (the names of this module's functions and of what it
    imports relatively), it may also be kept in a field, which counts by the class's uses
    of it, and a function of the project it is passed to is not taken to use it."""
    expr, parent = climb(call)
    if parent is not None and parent.type == "attribute":
        return text(parent.child_by_field_name("attribute")) in io
    if parent is None or parent.type != "assignment":
        return parent is not None and parent.type != "expression_statement"
    left = parent.child_by_field_name("left")
    scope = fn
    if left is not None and left.type == "attribute" and project is not None \
            and text(left.child_by_field_name("object")) == "self":
        scope = fn.parent
        while scope is not None and scope.type != "class_definition":
            scope = scope.parent
    elif left is None or left.type != "identifier":
        return True  # stored on an object: used elsewhere
    if scope is None:
        return True
    name = text(left).encode()
    stack = [scope]
    while stack:
        n = stack.pop()
        if name not in n.text:
            continue
        if n.type == left.type and n.text == name and n != left:
            p = n.parent
            if p.type == "attribute" and p.child_by_field_name("object") == n:
                if text(p.child_by_field_name("attribute")) in io and \
                        not expected_to_raise(n):
                    return True
            elif p.type == "argument_list" and project is not None and \
                    callee_text(p.parent).replace("self.", "", 1).split(".")[0] in project:
                continue  # lent to a function of the project that only reads it
            elif p.type not in ("assignment", "comparison_operator", "assert_statement"):
                return True  # passed on, returned, used in `with`
            continue
        stack.extend(n.named_children)
    return False


# what a library function does with an argument it keeps: a thread or task it starts, a
# registration, a wrapper it sets up, a release
KEEPING_VERBS = ("spawn", "start", "submit", "register", "schedule", "add", "serve", "run",
                 "wrap", "attach", "install", "set", "keep", "hold", "close", "release",
                 "shutdown", "finali", "cleanup", "dispose", "destroy", "defer", "call")


def lent_to_library(call, expr, track, imported: dict) -> bool:
    """Is the tracked handle (the argument ``expr`` of ``call``) only lent to a function of
    another package: ``declare_queues(conn, kind)`` with the function imported
    (`from lib import f`, `lib.f(...)`), no class, its result dropped, whose name says no
    keeping, and the handle still used by this function after the call? A function that
    took the handle over would leave the caller nothing to do with it."""
    callee = callee_text(call)
    head, short = callee.split(".", 1)[0], callee.rsplit(".", 1)[-1]
    value = expr.child_by_field_name("value") if expr.type == "keyword_argument" else expr
    fn, name = track.function, track.handle
    if fn is None or imported.get(head, ".")[:1] == "." or value is None \
            or value.type != "identifier" or text(value) != name or not short[:1].islower() \
            or short.lstrip("_").lower().startswith(KEEPING_VERBS):
        return False
    stmt = call.parent
    while stmt is not None and stmt.type in ("await", "parenthesized_expression"):
        stmt = stmt.parent
    return stmt is not None and stmt.type == "expression_statement" and (
        read_after(fn, name, stmt) or _passed_again(stmt, fn, name))


def _passed_again(stmt, fn, name: str) -> bool:
    """Is ``stmt`` in a loop of ``fn`` that does not bind ``name``: the next turn passes
    the same handle again?"""
    loop = stmt.parent
    while loop is not None and loop != fn and loop.type not in ("for_statement",
                                                                "while_statement"):
        loop = loop.parent
    if loop is None or loop == fn:
        return False
    return not any(n.type == "identifier" and text(n) == name and (
        n.parent.type in ("pattern_list", "tuple_pattern") or n.parent.type in (
            "assignment", "for_statement") and n.parent.child_by_field_name("left") == n)
        for n in walk(loop))


def kept_whole_element(n, p, track, release):
    """``conn[0].close()`` where ``conn`` is a pair kept whole (``conn = await
    loop.create_connection(...)``, the handle its first element): (the element, its
    parent), which releases it as ``h.close()`` would; else ``(n, p)`` as they are. Any
    other use of the element only reads it."""
    cand = track.candidate
    if p.type != "subscript" or cand is None or cand.part < 0 \
            or p.child_by_field_name("value") != n \
            or text(p.child_by_field_name("subscript")) != str(cand.part) \
            or pair_target(cand.call) is not None:
        return n, p
    gp = p.parent
    if gp is not None and gp.type == "attribute" and \
            text(gp.child_by_field_name("attribute")) in release:
        return p, gp
    return n, p


# keyword arguments that only point a call's output or input at a stream the caller keeps:
# a child process's standard streams (subprocess, and the sh library's `_out`, `_err`,
# `_in`), a writer's file
REDIRECTS = ("file", "stdin", "stdout", "stderr", "fileobj", "fp", "f", "_in", "_out", "_err")
STREAMS = ("stdin", "stdout", "stderr", "_in", "_out", "_err")


def spread_redirect(n, p, track) -> bool:
    """``cmd(**params)`` where the tracked dict ``params`` holds the handle under a key
    that names a child process's standard stream (``params["stderr"] = open(os.devnull)``):
    the call gets it as that keyword argument, which only points the child's stream at
    it; the caller still owes it a close."""
    return p.type == "dictionary_splat" and track.extra.get("key") in STREAMS \
        and p.parent is not None and p.parent.type == "argument_list"


def made_by_method(call, callee: str, spec: dict, names: dict, members, data: bytes) -> str:
    """``session.get(url)`` where ``session`` is made by a class of the rule's
    ``methods_of`` table (a local name bound to it, one a ``with`` binds, or the object's
    field a method stores it in) and ``get`` one of that class's methods listed there: the
    acquisition as ``Maker(*).get`` (what a response's ``released_by`` is looked up by);
    "" for any other call."""
    recv, _, method = callee.rpartition(".")
    table = spec.get("methods_of", {})
    if not recv or not any(method in methods for methods in table.values()):
        return ""
    # the makers the file's text names (``data``), looked for once per file, not per call:
    # a maker is reached only through its module, so the text names both (``session``
    # alone is common; ``requests`` beside it is not)
    named = per_file(("methods_of makers", id(data), len(data), id(table)), lambda: {
        m for m in table
        if m.rsplit(".", 1)[-1].encode() in data and m.split(".", 1)[0].encode() in data})
    makers = [m for m in named if method in table[m]]
    if not makers:
        return ""
    node = call.child_by_field_name("function").child_by_field_name("object")
    made = ""
    if node.type == "identifier":
        value = assigned_value(call, recv)
        made = made_by_call(value, names) if value is not None else _bound_by_with(call, recv, names)
    elif node.type == "call":
        made = made_by_call(node, names)
    elif node.type == "attribute" and text(node.child_by_field_name("object")) == "self":
        cls = enclosing_class(enclosing_function(call))
        attr = text(node.child_by_field_name("attribute"))
        stored = {u.how for u in members.facts(cls).uses
                  if u.name == attr and u.kind == STORE} if cls is not None else set()
        made = next(iter(stored)) if len(stored) == 1 else ""
    return f"{made}(*).{method}" if made in makers else ""


def peeled(value):
    """``value`` under the awaits and parentheses around it."""
    while value is not None and value.type in ("await", "parenthesized_expression") \
            and value.named_children:
        value = value.named_children[0]
    return value


def made_by_call(value, names) -> str:
    """The resolved name of the call ``value`` is (under awaits and parentheses: `await
    Session()`); "" when it is no call."""
    value = peeled(value)
    return resolve(callee_text(value), names) if value is not None and value.type == "call" \
        else ""


def _bound_by_with(node, name: str, names) -> str:
    """What the ``with`` (or ``async with``) around ``node`` binds to ``name`` makes."""
    for w in ancestors(node):
        clause = next((c for c in w.children if c.type == "with_clause"), None) \
            if w.type == "with_statement" else None
        for item in clause.named_children if clause is not None else ():
            value = item.child_by_field_name("value")
            if value is not None and value.type == "as_pattern" \
                    and text(value.child_by_field_name("alias")) == name:
                return made_by_call(value.named_children[0], names)
    return ""


def made_callables(root, names: dict, rules) -> dict:
    """Module-level names bound to a call of a rule's ``callables`` (`Session =
    sessionmaker(bind=engine)`), each a factory: name -> {rule code: what calling it
    makes, as ``Maker(*)()``}. A registry around one (`scoped_session(...)`) is none."""
    wanted = {r.code: r.lifecycle.get("callables", ()) for r in rules}
    out: dict = {}
    for stmt in root.named_children if any(wanted.values()) else ():
        a = stmt.named_children[0] if stmt.type == "expression_statement" \
            and stmt.named_children else None
        left = a.child_by_field_name("left") if a is not None and a.type == "assignment" else None
        right = a.child_by_field_name("right") if left is not None else None
        if left is None or left.type != "identifier" or right is None or right.type != "call":
            continue
        made = resolve(callee_text(right), names)
        for code, makers in wanted.items():
            if made in makers:
                out.setdefault(text(left), {})[code] = f"{made}(*)()"
    return out
