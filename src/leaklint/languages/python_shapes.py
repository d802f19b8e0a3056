"""What a Python acquisition looks like around it: context providers, clients that hold
nothing, archives wrapping an open file, temporary files kept on purpose, classes that
release an attribute in another method."""

from __future__ import annotations

from . import nearest, of_type, tree_root, walk
from .python_syntax import (SCOPES, VALUE_WRAPPERS, text, callee_text, enclosing_function,
                            kept_by_object,
                            decorators, parameters, resolve)


# what goes on without its Python object: a child process, a pool's workers, a raw descriptor
RUNS_ON_ITS_OWN = ("subprocess.", "concurrent.futures.", "multiprocessing.", "os.", "pty.",
                   "tempfile.mkstemp")


def finalized(cand, names) -> bool:
    """Does what ``cand`` makes close itself when collected (a file, a socket, a response;
    CPython collects an object as its last reference goes), unlike what runs on its own?"""
    made = [resolve(cand.callee, names), cand.factory_of or ""]
    return not cand.callee.endswith(".start") and not any(
        m.startswith(RUNS_ON_ITS_OWN) for m in made if m)


def is_context_provider(fn) -> bool:
    """__enter__ and @contextmanager generators hand their resource to the caller."""
    name = text(fn.child_by_field_name("name"))
    if name in ("__enter__", "__aenter__", "__iter__", "__aiter__"):
        return True
    return any(d.rsplit(".", 1)[-1] in ("contextmanager", "asynccontextmanager", "fixture")
               or d.startswith(("pytest.fixture", "fixture(")) for d in decorators(fn))


DB_CONNECT = {"sqlite3.connect", "sqlite3.Connection", "psycopg.connect", "psycopg2.connect",
              "pymysql.connect", "mysql.connector.connect", "MySQLdb.connect", "pyodbc.connect",
              "sqlite3.dbapi2.connect", "cx_Oracle.connect", "oracledb.connect",
              "pymssql.connect"}


def holds_nothing(call) -> bool:
    """An HTTP client on an in-memory transport (tests) holds no connection."""
    args = call.child_by_field_name("arguments")
    for a in (args.named_children if args is not None else []):
        if a.type != "keyword_argument":
            continue
        key, value = text(a.child_by_field_name("name")), a.child_by_field_name("value")
        if key == "app":
            return True
        if key == "mounts" and value is not None:
            if value.type == "identifier":
                value = assigned_value(call, text(value)) or value
            if b"MockTransport" in value.text or b"WSGITransport" in value.text:
                return True
        if key == "transport" and value is not None:
            if value.type == "identifier":
                value = assigned_value(call, text(value)) or value
            made = text(value.child_by_field_name("function")) if value.type == "call" else ""
            if "Transport" in made and not made.endswith("HTTPTransport"):
                return True  # MockTransport, WSGITransport, ASGITransport, test doubles
    return False


ARCHIVES = {"zipfile.ZipFile", "zipfile.PyZipFile", "tarfile.open", "tarfile.TarFile",
            "gzip.open", "gzip.GzipFile", "bz2.open", "bz2.BZ2File", "lzma.open", "lzma.LZMAFile"}


def wraps_open_file(call, names) -> bool:
    """An archive over a file object someone else opened (and closes) owns no descriptor."""
    if resolve(callee_text(call), names) not in ARCHIVES:
        return False
    args = call.child_by_field_name("arguments")
    for a in (args.named_children if args is not None else []):
        if a.type == "keyword_argument":
            if text(a.child_by_field_name("name")) == "fileobj":
                return True
            continue
        value = a
        if text(a) == "self":
            return True  # the object is itself the file
        if a.type == "identifier":
            value = assigned_value(call, text(a))
            if value is None:
                return False
        if value.type == "call":
            made = resolve(callee_text(value), names)
            return made in ("open", "io.open", "io.BytesIO", "BytesIO", "io.StringIO") or \
                made.endswith((".open", "BytesIO"))
        return False
    return False


def kept_temp_file(call, names) -> bool:
    """``NamedTemporaryFile(delete=False)``: closing it leaves the file on disk."""
    if resolve(callee_text(call), names) != "tempfile.NamedTemporaryFile":
        return False
    args = call.child_by_field_name("arguments")
    return any(a.type == "keyword_argument" and text(a.child_by_field_name("name")) == "delete"
               and text(a.child_by_field_name("value")) == "False"
               for a in (args.named_children if args is not None else []))


def expected_to_raise(node) -> bool:
    """Inside `with pytest.raises(...)` / `self.assertRaises(...)`: the call is meant to fail."""
    p = node.parent
    while p is not None and p.type not in SCOPES:
        if p.type == "with_statement" and raises_clause(p):
            return True
        p = p.parent
    return False


def raises_clause(with_statement) -> bool:
    """Is this `with pytest.raises(...)` / `with self.assertRaises(...)`?"""
    clause = with_statement.named_children[0] if with_statement.named_children else None
    return clause is not None and (b"raises(" in clause.text or b"assertRaises" in clause.text)


def closed_in_finally(fn, after, name: str, releases) -> bool:
    """Does the function ``fn`` release ``name`` (``self.sock.close()``) in a ``finally``
    block that comes after ``after``: the method that stores a handle in a field ends it
    itself before it returns?"""
    calls = {f"{name}.{r}" for r in releases}
    body = fn.child_by_field_name("body") if fn is not None else None
    return body is not None and any(
        n.type == "call" and callee_text(n) in calls
        for block in walk(body, stop=SCOPES)
        if block.type == "finally_clause" and block.start_byte > after.start_byte
        for n in walk(block, stop=SCOPES))


# what an expression may hold and still raise nothing in practice: names, fields read,
# literals, and comparisons and logic over them (no call, subscript or arithmetic)
_INERT = {"identifier", "attribute", "comparison_operator", "not_operator", "boolean_operator",
          "parenthesized_expression", "none", "true", "false", "integer", "string",
          "string_start", "string_content", "string_end"}


def inert(node) -> bool:
    """Does the expression ``node`` only read names and fields and compare them?"""
    return node is not None and node.type in _INERT and all(n.type in _INERT for n in walk(node))


def read_after(fn, name: str, after) -> bool:
    """Is ``name`` read in ``fn`` after the node ``after`` (not only bound again)? `_ = x`
    discards the value only when nothing reads `_` later."""
    for n in walk(fn):
        if n.type != "identifier" or text(n) != name or n.start_byte < after.end_byte:
            continue
        p = n.parent
        if p.type in ("pattern_list", "tuple_pattern", "list_pattern") or (
                p.type == "assignment" and p.child_by_field_name("left") == n):
            continue
        return True
    return False


def db_cursor(call, fn, names: dict) -> bool:
    """``conn.cursor()`` where ``conn = psycopg2.connect(...)`` (or another DB-API connect)."""
    recv = call.child_by_field_name("function").child_by_field_name("object")
    if fn is None or recv is None:
        return False
    value = recv if recv.type == "call" else \
        assigned_value(call, text(recv)) if recv.type == "identifier" else None
    while value is not None and value.type == "await":
        value = value.named_children[0] if value.named_children else None
    return value is not None and value.type == "call" and \
        resolve(callee_text(value), names) in DB_CONNECT


def assigned_value(node, name: str):
    """The value of the last `name = value` before ``node`` in its function."""
    fn = enclosing_function(node)
    if fn is None:  # module-level code: the module's own statements
        fn = tree_root(node)
    found, stack = None, [fn]
    while stack:
        n = stack.pop()
        if n.start_byte >= node.start_byte or (n is not fn and n.type in (
                "function_definition", "class_definition", "lambda") and fn.type == "module"):
            continue
        if n.type == "assignment" and text(n.child_by_field_name("left")) == name:
            if found is None or n.start_byte > found.start_byte:
                found = n
        stack.extend(n.named_children)
    return found.child_by_field_name("right") if found is not None else None


def climb(expr):
    """Leave parentheses, awaits (also a generator-based coroutine's `yield from`),
    conditional/boolean wrappers and `typing.cast(T, value)` (which returns its value)
    around a value."""
    p = expr.parent
    while p is not None:
        if p.type == "argument_list" and cast_value(p, expr):
            expr, p = p.parent, p.parent.parent
            continue
        if p.type not in ("parenthesized_expression", "await", "conditional_expression",
                          "boolean_operator") and not yield_from(p):
            break
        if p.type == "conditional_expression" and p.named_children and p.named_children[1] == expr:
            break  # it is the condition, not a value
        expr, p = p, p.parent
    return expr, p


def yield_from(node) -> bool:
    """Is ``node`` `yield from x` (a generator-based coroutine awaiting ``x``)?"""
    return node.type == "yield" and any(c.type == "from" for c in node.children)


def cast_value(args, expr) -> bool:
    """Is ``expr`` the value of `cast(T, value)` (`typing.cast`, `t.cast`), ``args`` its
    argument list?"""
    values = [c for c in args.named_children if c.type != "comment"]
    return len(values) == 2 and values[1] == expr and args.parent is not None \
        and args.parent.type == "call" and callee_text(args.parent).rsplit(".", 1)[-1] == "cast"


def _value_escapes(expr, passed: bool = True) -> bool:
    """Is this value handed out of its function: passed to a call (unless not ``passed``),
    returned, stored in a field, a container element or a global (``Thread(target=run)``,
    ``return cb``)?"""
    p = expr.parent
    while p is not None and p.type in VALUE_WRAPPERS:
        expr, p = p, p.parent
    if p is None:
        return False
    if p.type in ("return_statement", "yield") or (passed and p.type == "argument_list"):
        return True
    if p.type == "assignment" and p.child_by_field_name("right") == expr:
        left = p.child_by_field_name("left")
        return left is not None and left.type in ("attribute", "subscript")
    return False


def kept_object(call, fn) -> bool:
    """Is the object ``call`` makes (``Reader(f)``) kept past its function: returned,
    yielded or stored in a field or an element, directly or through the local it is bound
    to? Whoever keeps it can reach what it holds (``self.stream.fo.close()``). Passed to a
    call, it is not: the callee knows only the object's own methods."""
    if _value_escapes(call, passed=False):
        return True
    expr, p = climb(call)
    left = p.child_by_field_name("left") if p is not None and p.type == "assignment" \
        and p.child_by_field_name("right") == expr else None
    if left is None or left.type != "identifier" or fn is None:
        return False
    return any(_value_escapes(n, passed=False) for n in _other_mentions(fn, left))


def _other_mentions(fn, name):
    """The identifiers of ``fn`` that spell the name node ``name``, ``name`` aside."""
    return (n for n in walk(fn) if n.type == "identifier" and n.text == name.text and n != name)


def escaping_closure(holder, fn) -> bool:
    """A nested function ``holder`` of ``fn`` that leaves ``fn``: decorated (a decorator
    registers it), a lambda handed out where it is written, or a ``def`` whose name is
    passed, returned or stored. Whoever runs it later gets what it captures: a handle it
    mentions is handed on with it."""
    if holder.type == "lambda":
        return _value_escapes(holder)
    if holder.parent is not None and holder.parent.type == "decorated_definition":
        return True
    name = holder.child_by_field_name("name")
    if name is None or fn is None:
        return False
    return any(not (n.parent.type == "call" and n.parent.child_by_field_name("function") == n)
               and _value_escapes(n) for n in _other_mentions(fn, name))


def borrowed_field(cls, attr: str) -> bool:
    """Does the class also store what a caller passes in ``self.attr`` (``self.file =
    file`` on another branch of ``open(file)``)? Then the field may hold the caller's
    stream, which the class must not close: what it opens itself lives as long as the
    object, and goes with it."""
    for n in walk(cls):
        if n.type == "assignment" and text(n.child_by_field_name("left")) == f"self.{attr}":
            right = n.child_by_field_name("right")
            fn = enclosing_function(n)
            if right is not None and right.type == "identifier" and fn is not None \
                    and text(right) in parameters(fn):
                return True
    return False


def pair_target(call, size: int | None = 2):
    """`r, w = os.pipe()`: the two targets the pair is unpacked into, else None (``size``
    None: the targets of a tuple of any length, `conn, cur, name = connect_db(p)`)."""
    expr, stmt = climb(call)
    if stmt is None or stmt.type != "assignment" or stmt.child_by_field_name("right") != expr:
        return None
    left = stmt.child_by_field_name("left")
    if left is None or left.type not in ("pattern_list", "tuple_pattern"):
        return None
    names = [c for c in left.named_children if c.type != "comment"]
    return names if len(names) == size or size is None and len(names) > 1 else None


def returned_element(call, fn, memo: dict) -> int:
    """Where what ``call`` yields stands in a tuple that ``fn`` returns: `return open(p),
    p`, or `f = open(p)` and a `return (f, p)` (the first such return decides); -1 when
    it is no element of a returned tuple. ``memo`` keeps each function's tuple returns."""
    expr, parent = call, call.parent
    while parent is not None and parent.type == "parenthesized_expression":
        expr, parent = parent, parent.parent
    if parent is not None and parent.type in ("tuple", "expression_list"):
        holder = parent.parent
        while holder is not None and holder.type == "parenthesized_expression":
            holder = holder.parent
        items = [c for c in parent.named_children if c.type != "comment"]
        if holder is not None and holder.type == "return_statement" and len(items) > 1:
            return next(i for i, c in enumerate(items) if c.id == expr.id)
        return -1
    if parent is None or parent.type != "assignment" \
            or parent.child_by_field_name("right") != expr:
        return -1
    left = parent.child_by_field_name("left")
    if left is None or left.type != "identifier" or fn is None:
        return -1
    key = ("tuple returns", fn.id)
    if key not in memo:
        memo[key] = {}
        for n in of_type(fn, ("return_statement",)):
            value = n.named_children[0] if n.named_children else None
            while value is not None and value.type == "parenthesized_expression" \
                    and value.named_children:
                value = value.named_children[0]
            if value is None or value.type not in ("tuple", "expression_list") \
                    or nearest(n, SCOPES, fn) is not None:
                continue
            items = [c for c in value.named_children if c.type != "comment"]
            for i, c in enumerate(items):
                if c.type == "identifier" and len(items) > 1:
                    memo[key].setdefault(text(c), i)
    name = text(left)
    at = memo[key].get(name, -1)
    return -1 if at < 0 or kept_by_object(fn, name) else at


def waited_only_if(fn, name: str, releases, acquire) -> object:
    """The condition of the one `if` that decides whether the child process ``name`` is
    waited for in ``fn``: every ``name.<release>()`` lies in its consequence and the test
    does not mention the process (`if not background: proc.wait()`, a lock or an option).
    On its other branch the process is left to run on its own, as launched. None when
    there is no such `if`, or when the same test also guards the ``acquire`` call (then
    the process is waited for whenever it was started)."""
    found = None
    for n in walk(fn, stop=SCOPES):
        f = n.child_by_field_name("function") if n.type == "call" else None
        obj = f.child_by_field_name("object") if f is not None and f.type == "attribute" else None
        if obj is None or obj.type != "identifier" or text(obj) != name \
                or text(f.child_by_field_name("attribute")) not in releases:
            continue
        branch, cond = n, None
        while branch.parent is not None and branch.parent != fn:
            if branch.parent.type == "if_statement" \
                    and branch == branch.parent.child_by_field_name("consequence"):
                cond = branch.parent.child_by_field_name("condition")
                break
            branch = branch.parent
        if cond is None or name.encode() in cond.text or (found is not None and found != cond):
            return None
        found = cond
    p = acquire.parent
    while found is not None and p is not None and p != fn:
        if p.type == "if_statement" and p.child_by_field_name("condition").text == found.text:
            return None
        p = p.parent
    return found


def only_pid_read(fn, name: str, acquire) -> bool:
    """Is ``name`` (a child process) used in ``fn`` only to log its pid (``name.pid`` in
    a call's arguments or a formatted string, never returned or stored), after the
    ``acquire`` assignment? Then nothing waits for it, talks to it or hands it on, not
    even by its pid: it is launched to run on its own."""
    seen = False
    for n in walk(fn):
        if n.type != "identifier" or text(n) != name or acquire.start_byte <= n.start_byte \
                < acquire.end_byte:
            continue
        parent = n.parent
        if parent is not None and parent.type == "assignment" \
                and parent.child_by_field_name("left") == n and parent.child_by_field_name(
                    "right") is not None and parent.child_by_field_name("right") == acquire:
            continue
        if parent is None or parent.type != "attribute" or parent.child_by_field_name(
                "object") != n or text(parent.child_by_field_name("attribute")) != "pid" \
                or not _logged(parent):
            return False
        seen = True
    return seen


LOG_CALLS = ("print", "debug", "info", "warning", "warn", "error", "exception", "critical",
             "log", "write")


def _logged(value) -> bool:
    """Is ``value`` only shown: in a formatted string, or an argument of a call that logs
    or prints it, not returned or stored?"""
    n = value.parent
    while n is not None and n.type not in ("expression_statement", "return_statement",
                                           "block", "module"):
        if n.type == "interpolation":
            return True
        if n.type == "argument_list" and n.parent is not None and n.parent.type == "call":
            return callee_text(n.parent).rsplit(".", 1)[-1] in LOG_CALLS
        n = n.parent
    return False


def returns_parameter(fn) -> bool:
    """A decorator: it stores its argument and returns it unchanged."""
    params = set(parameters(fn)) - {"", "self", "cls"}
    stack = [fn.child_by_field_name("body")]
    while stack:
        n = stack.pop()
        if n is None or n.type in ("function_definition", "lambda", "class_definition"):
            continue
        if n.type == "return_statement" and n.named_children and \
                text(n.named_children[0]) in params:
            return True
        stack.extend(n.named_children)
    return False


# raw descriptors a program opens, unkept, to take the lowest free number
SLOT_FILLERS = {"os.open"}


def fills_closed_slot(call, scope, names) -> bool:
    """Is ``call`` (an ``os.open`` whose result is dropped) reopening a standard stream:
    ``scope`` closed descriptors by number before it (``os.closerange(0, n)``, or
    ``os.close(0)``, also over ``for fd in range(3)``), so the new descriptor takes the
    lowest free number and stays as the process's stdin, stdout or stderr."""
    if call.parent is None or call.parent.type != "expression_statement" \
            or resolve(callee_text(call), names) not in SLOT_FILLERS:
        return False
    for n in walk(scope):
        if n.type != "call" or n.start_byte >= call.start_byte:
            continue
        closer = resolve(callee_text(n), names)
        arguments = n.child_by_field_name("arguments")
        first = arguments.named_children[0] if arguments is not None \
            and arguments.named_children else None
        if closer == "os.closerange" or closer == "os.close" and first is not None and (
                first.type == "integer" or _ranged(first)):
            return True
    return False


def _ranged(name) -> bool:
    """Is ``name`` the variable of a ``for`` around it that walks a ``range(...)``?"""
    loop = name.parent
    while loop is not None and loop.type not in SCOPES:
        if loop.type == "for_statement" and text(loop.child_by_field_name("left")) == text(name):
            over = loop.child_by_field_name("right")
            return over is not None and over.type == "call" and callee_text(over) == "range"
        loop = loop.parent
    return False


def unpacked_into(values, expr):
    """`a, b = (open(x), open(y))`: (the assignment, the name ``expr`` is bound to)."""
    holder = values
    while holder.parent is not None and holder.parent.type == "parenthesized_expression":
        holder = holder.parent
    stmt = holder.parent
    if stmt is None or stmt.type != "assignment" or stmt.child_by_field_name("right") != holder:
        return None
    left = stmt.child_by_field_name("left")
    items = [c for c in values.named_children if c.type != "comment"]
    if left is None or left.type not in ("pattern_list", "tuple_pattern") or expr not in items:
        return None
    names = [c for c in left.named_children if c.type != "comment"]
    if len(names) != len(items) or any(c.type == "list_splat_pattern" for c in names):
        return None
    return stmt, names[items.index(expr)]


# builtins that run an iterator they are given to its end, and those that may stop at its
# first items
EXHAUSTING = {"list", "tuple", "set", "frozenset", "dict", "sorted", "sum", "min", "max"}
STOPPING = {"any": "any() stops at the first true item", "all": "all() stops at the first "
            "false item", "next": "next() reads its first item only"}


def stops_early(expr, parent) -> str | None:
    """``expr``, an iterator that closes itself once run to its end (os.scandir), read as
    ``parent`` reads it: why it may be left before its end (a loop's ``break`` or
    ``return``, a generator stopped by ``in``, any(), all() or next()); "" when it is run
    to its end; None when it goes anywhere else (a name, a return: not followed here)."""
    if parent.type == "for_statement" and parent.child_by_field_name("right") == expr:
        body = parent.child_by_field_name("body")
        for n in of_type(body, ("break_statement", "return_statement")) if body else ():
            if n.type == "return_statement" and nearest(n, SCOPES, parent) is None or \
                    nearest(n, ("for_statement", "while_statement") + SCOPES) == parent:
                word = n.type.split("_")[0]
                return f"because the loop can stop at the {word} at line {n.start_point[0] + 1}" \
                       " before the iterator is exhausted"
        return ""
    if parent.type == "for_in_clause" and parent.child_by_field_name("right") == expr:
        made = parent.parent
        if made is None or made.type != "generator_expression":
            return ""  # a list, set or dict comprehension runs it to its end
        expr, parent = made, made.parent
        if parent is not None and parent.type == "comparison_operator" \
                and any(c.type in ("in", "not in") for c in parent.children):
            return "because `in` stops the generator over it at the first match"
        call = parent if parent is not None and parent.type == "call" else None
    else:
        call = parent.parent if parent.type == "argument_list" else None
    name = callee_text(call) if call is not None else ""
    if name in STOPPING:
        return f"because {STOPPING[name]}"
    return "" if name in EXHAUSTING or name.endswith(".join") else None
