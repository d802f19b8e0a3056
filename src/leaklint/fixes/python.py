"""Python fixes, written with libcst so that formatting and comments are kept.

`x = open(...)` whose every later use is in the statements that follow it in the same
block, and is only read there (a method or attribute of x, iteration, a call known to
only read it), becomes `with open(...) as x:` around those statements; a trailing
`x.close()` goes, the `with` closes. For resources whose `with` does not close them
(sqlite3 connections commit or roll back instead), the same statements go into
`try: ... finally: x.close()`, marked unsafe. A resource that is returned, stored,
passed to another call, captured by a nested function or reassigned gets no fix.

A `with` is safe only when the resource provably does not outlive it. A method value
of it (`self.read = f.read`, `Thread(target=sock.serve_forever)`, `return f.readline`)
reaches it after the `with` has closed it: no fix. A value made from it by a method other
than a plain read (`zf.open(name)`, `sock.makefile()`) that is returned, yielded, stored
in a field or a container, or used after the statements may need it open: the fix is
unsafe.

libcst is optional (the `fix` extra): without it Python findings simply have no fix.
"""

from __future__ import annotations

from ..languages import nearest, tree_root
from ..languages.python import SCOPES
from .edits import Fix, edit

# acquisitions whose context manager closes the resource on exit
WITH_CLOSES = {
    "open", "io.open", "codecs.open", "gzip.open", "bz2.open", "lzma.open", "socket.socket",
    "socket.create_connection", "requests.Session", "requests.session",
    "requests.sessions.Session", "httpx.Client", "urllib.request.urlopen", "zipfile.ZipFile",
    "tarfile.open", "tarfile.TarFile", "tempfile.TemporaryFile", "tempfile.NamedTemporaryFile",
    "tempfile.SpooledTemporaryFile",
}
# acquisitions released by close() whose `with` does something else
CLOSE_IN_FINALLY = {
    "sqlite3.connect", "sqlite3.Connection", "psycopg2.connect", "pymysql.connect",
    "mysql.connector.connect", "MySQLdb.connect",
}
# methods whose result is plain data, with no tie to the resource
DATA_METHODS = {"read", "readline", "readlines", "read1", "readinto", "recv", "recvfrom",
                "recv_into", "fetchone", "fetchall", "fetchmany", "write", "writelines",
                "send", "sendall", "tell", "seek", "getvalue", "namelist", "infolist",
                "getnames", "getmembers"}
# attributes that are data, not methods: reading one keeps nothing tied to the resource
DATA_ATTRIBUTES = {"name", "mode", "closed", "encoding", "errors", "newlines", "family",
                   "type", "proto", "status", "status_code", "reason", "url", "headers",
                   "filename", "comment", "timeout", "cookies", "ok", "text", "content"}
# calls that only read the resource passed to them while they run
READING_CALLS = {
    "json.load", "json.dump", "pickle.load", "pickle.dump", "tomllib.load", "yaml.safe_load",
    "yaml.safe_dump", "yaml.dump", "marshal.load", "marshal.dump", "shutil.copyfileobj",
    "len", "print", "next", "isinstance", "repr", "str",
}


def fixes_for(ctx, emitted) -> list:
    """(finding, Fix) for the findings whose acquisition has the shape of a fix."""
    shapes = []
    adapter = ctx.adapter()
    for f, node, _rule, _anchors in emitted:
        shape = _shape(ctx, adapter, node)
        if shape is not None:
            shapes.append((f, shape))
    if not shapes:
        return []
    try:
        import libcst  # noqa: F401
    except ImportError:
        return []
    out = []
    for f, shape in shapes:
        fix = _rewrite(ctx, shape)
        if fix is not None:
            out.append((f, fix))
    return out


class _Shape:
    def __init__(self, stmt, block, index, last, name, kind, close_last):
        self.stmt, self.block, self.index, self.last = stmt, block, index, last
        self.name, self.kind, self.close_last = name, kind, close_last


def _statements(block) -> list:
    return [c for c in block.named_children if c.type != "comment"]


def _shape(ctx, adapter, call):
    """The statement `x = call(...)` and the span of statements that use x, or None."""
    if call.type != "call" or adapter is None:
        return None
    qualified = adapter.qualified(call)
    kind = "with" if qualified in WITH_CLOSES else "finally" if qualified in CLOSE_IN_FINALLY \
        else None
    assign = call.parent
    if kind is None or assign is None or assign.type != "assignment" \
            or assign.child_by_field_name("right") != call or assign.child_by_field_name("type"):
        return None
    target = assign.child_by_field_name("left")
    stmt = assign.parent
    if target is None or target.type != "identifier" or stmt is None \
            or stmt.type != "expression_statement" or len(stmt.named_children) != 1:
        return None
    block = stmt.parent
    if block is None or block.type not in ("block", "module"):
        return None
    stmts = _statements(block)
    index = next(i for i, s in enumerate(stmts) if s == stmt)
    name = target.text
    scope = _scope(stmt)
    last = index
    for n in _identifiers(scope, name):
        if stmt.start_byte <= n.start_byte < stmt.end_byte:
            continue
        owner = _statement_of(n, block)
        if owner is None or owner not in stmts[index + 1:] or _scope(n) != scope \
                or not _reads(adapter, n):
            return None  # used outside the block, before it, nested or handed on
        last = max(last, stmts.index(owner))
    close_last = last > index and _is_close(stmts[last], name)
    shape = _Shape(stmt, block, index, last, name.decode(), kind, close_last)
    span = stmts[index + 1:last + 1]
    shape.derived_outlives = _derived_used_after(span, name, scope, stmts[last].end_byte) \
        or _derived_leaves(span, name)
    return shape


def _leaves(n) -> bool:
    """Does the value of expression ``n`` leave the statement: returned, yielded, assigned
    (to a name, a field or an item), passed to a call, put in a collection or a lambda?"""
    p = n.parent
    while p is not None and p.type in ("parenthesized_expression", "conditional_expression",
                                       "boolean_operator", "await"):
        n, p = p, p.parent
    if p is None:
        return False
    if p.type in ("return_statement", "yield", "lambda", "list", "tuple", "set", "pair",
                  "expression_list", "argument_list", "keyword_argument", "list_splat",
                  "dictionary_splat"):
        return p.type != "argument_list" or not _only_reads(p.parent)
    if p.type in ("assignment", "augmented_assignment", "named_expression"):
        return p.child_by_field_name("right") == n or p.child_by_field_name("value") == n
    return False


def _only_reads(call) -> bool:
    fn = call.child_by_field_name("function") if call is not None else None
    return fn is not None and fn.text.decode() in READING_CALLS


def _derived_leaves(stmts, name: bytes) -> bool:
    """Is a value made from the resource by a method other than a plain read (`zf.open(n)`,
    `sock.makefile()`) returned, yielded or stored in a field or container, in the
    statements the `with` would hold? The caller would get it tied to a closed resource."""
    for stmt in stmts:
        stack = [stmt]
        while stack:
            n = stack.pop()
            stack.extend(n.named_children)
            if n.type != "call":
                continue
            fn = n.child_by_field_name("function")
            if fn is None or fn.type != "attribute" or \
                    fn.child_by_field_name("object") is None or \
                    fn.child_by_field_name("object").text != name:
                continue
            if fn.child_by_field_name("attribute").text.decode() in DATA_METHODS:
                continue
            p = n.parent
            if p is not None and p.type in ("assignment", "augmented_assignment") \
                    and p.child_by_field_name("right") == n:
                left = p.child_by_field_name("left")
                if left is not None and left.type != "identifier":
                    return True  # stored in a field or an item
                continue  # a local: _derived_used_after follows it
            if _leaves(n):
                return True
    return False


def _derived_used_after(stmts, name: bytes, scope, end: int) -> bool:
    """Does a value computed from the resource inside the span (`r = client.get(...)`)
    get used after it? It may need the resource open (a lazy reader, a stream)."""
    derived = set()
    for stmt in stmts:
        stack = [stmt]
        while stack:
            n = stack.pop()
            if n.type in ("assignment", "augmented_assignment", "for_statement") \
                    and any(i.text == name for i in _identifiers(n, name)) \
                    and not _plain_data(n.child_by_field_name("right"), name):
                target = n.child_by_field_name("left")
                if target is not None:
                    derived |= {i.text for i in _all_identifiers(target)}
            stack.extend(n.named_children)
    derived.discard(name)
    return any(n.start_byte >= end for d in derived for n in _identifiers(scope, d))


def _plain_data(value, name: bytes) -> bool:
    """Is ``value`` data read from the resource that no longer needs it (`f.read()`,
    `sock.recv(4)`, `json.load(f)`, a line of `for line in f`)?"""
    if value is None:
        return False
    if value.type == "identifier":
        return value.text == name  # `for line in f`
    if value.type != "call":
        return False
    fn = value.child_by_field_name("function")
    if fn is not None and fn.type == "attribute":
        obj, attr = fn.child_by_field_name("object"), fn.child_by_field_name("attribute")
        if obj is not None and obj.text == name:
            return attr is not None and attr.text.decode() in DATA_METHODS
    return fn is not None and fn.text.decode() in READING_CALLS


def _all_identifiers(node):
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            yield n
        elif n.type not in ("attribute", "subscript"):
            stack.extend(n.named_children)


def _scope(node):
    n = nearest(node, SCOPES)
    return n if n is not None else tree_root(node)


def _identifiers(scope, name: bytes):
    stack = [scope]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            if n.text == name:
                yield n
            continue
        stack.extend(n.named_children)


def _statement_of(node, block):
    n = node
    while n is not None and n.parent != block:
        n = n.parent
    return n


def _reads(adapter, n) -> bool:
    """Is this mention of the resource a plain read that cannot outlive the statement?"""
    p = n.parent
    if p.type == "attribute" and p.child_by_field_name("object") == n:
        # a method called on the spot, or a data attribute; a method value (`f.read`
        # stored, passed, returned) would reach the resource after the `with` closed it
        called = p.parent is not None and p.parent.type == "call" \
            and p.parent.child_by_field_name("function") == p
        attr = p.child_by_field_name("attribute")
        return called or (attr is not None and attr.text.decode() in DATA_ATTRIBUTES) \
            or not _leaves(p)
    if p.type == "for_statement" and p.child_by_field_name("right") == n:
        return True
    if p.type == "argument_list" and p.parent is not None and p.parent.type == "call":
        return adapter.qualified(p.parent) in READING_CALLS
    if p.type == "keyword_argument" and p.child_by_field_name("value") == n:
        call = p.parent.parent if p.parent is not None else None
        return call is not None and call.type == "call" and adapter.qualified(call) == "print"
    return False


def _is_close(stmt, name: bytes) -> bool:
    return stmt.type == "expression_statement" and stmt.text.replace(b" ", b"") in (
        name + b".close()", name + b".close();")


def _rewrite(ctx, shape: _Shape):
    import libcst as cst
    from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

    data = ctx.src.data
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    code = data[bom:].decode("utf-8")
    if "libcst" not in ctx.cache:  # parsed and resolved once per file, not per finding
        try:
            wrapper = MetadataWrapper(cst.parse_module(code))
            ctx.cache["libcst"] = (wrapper, wrapper.resolve(PositionProvider),
                                   wrapper.resolve(ParentNodeProvider))
        except Exception:  # libcst cannot parse what tree-sitter could: no fix
            ctx.cache["libcst"] = None
    if ctx.cache["libcst"] is None:
        return None
    wrapper, positions, parents = ctx.cache["libcst"]
    line = shape.stmt.start_point[0] + 1
    assign = next((n for n, pos in positions.items()
                   if isinstance(n, cst.SimpleStatementLine) and pos.start.line == line), None)
    if assign is None or len(assign.body) != 1 or not isinstance(assign.body[0], cst.Assign):
        return None
    holder = parents.get(assign)
    if not isinstance(holder, (cst.Module, cst.IndentedBlock)):
        return None
    body = list(holder.body)
    i = body.index(assign)
    count = shape.last - shape.index
    inner = body[i + 1:i + 1 + count]
    if len(inner) != count:
        return None
    if inner:  # no blank line right under the new header
        first = inner[0]
        lines = list(first.leading_lines)
        while lines and lines[0].comment is None:
            lines.pop(0)
        inner[0] = first.with_changes(leading_lines=lines)
    if shape.kind == "with":
        if shape.close_last:
            inner = inner[:-1]
        value = assign.body[0].value
        block = cst.IndentedBlock(inner or [cst.SimpleStatementLine([cst.Pass()])],
                                  header=assign.trailing_whitespace)
        new = [cst.With([cst.WithItem(value, asname=cst.AsName(cst.Name(shape.name)))], block,
                        leading_lines=assign.leading_lines)]
        description = f"Open it with `with ... as {shape.name}:` around the statements that use it"
        safe = not shape.derived_outlives
    else:
        if not inner:
            return None
        close = cst.parse_statement(f"{shape.name}.close()\n")
        if shape.close_last:
            inner = inner[:-1]
        if not inner:
            return None
        new = [assign, cst.Try(cst.IndentedBlock(inner),
                               finalbody=cst.Finally(cst.IndentedBlock([close])))]
        description = f"Close {shape.name} in a `finally` around the statements that use it"
        safe = False
    replaced = body[:i] + new + body[i + 1 + count:]

    class Replace(cst.CSTTransformer):
        def leave_IndentedBlock(self, original, updated):
            return updated.with_changes(body=replaced) if original is holder else updated

        def leave_Module(self, original, updated):
            return updated.with_changes(body=replaced) if original is holder else updated

    after = wrapper.module.visit(Replace()).code.encode("utf-8")
    before = data[bom:]
    if after == before:
        return None
    start, end_before, end_after = _changed_lines(before, after)
    return Fix(description, (edit(ctx.src, start + bom, end_before + bom,
                                  after[start:end_after].decode("utf-8")),), safe)


def _changed_lines(a: bytes, b: bytes) -> tuple[int, int, int]:
    """The smallest span of whole lines where ``a`` and ``b`` differ: (start, end in a,
    end in b)."""
    n = min(len(a), len(b))
    start = 0
    while start < n and a[start] == b[start]:
        start += 1
    start = a.rfind(b"\n", 0, start) + 1
    tail = 0
    while tail < n - start and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
        tail += 1
    end_a, end_b = len(a) - tail, len(b) - tail
    nl = a.find(b"\n", end_a)
    if nl != -1 and nl - end_a == b.find(b"\n", end_b) - end_b:
        step = nl + 1 - end_a
        end_a, end_b = end_a + step, end_b + step
    return start, end_a, end_b
