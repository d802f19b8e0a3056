"""Python: the syntax facts the lifecycle engine needs, read from tree-sitter-python trees.

Lowering: ``with`` becomes a Try whose final block exits its items (so a later
``with handle:`` releases it, and every exit inside the body does too); ``while True``
is an infinite loop; ``sys.exit``/``os._exit`` end the path; a ``raise`` inside a try
with handlers goes to the handlers. With ``implicit=True`` every simple statement that
calls something may also raise before it completes (used by the normal-path-only rule).
"""

from __future__ import annotations

from .. import ir
from ..ir import ACQUIRE, HANDOFF, REASSIGN, RELEASE
from ..tracks import (Candidate, SpecEffects, Track, Verdict, candidate_names, last_name,
                      pattern_matches)
from . import matches

FUNCTIONS = ("function_definition", "lambda")
SCOPES = ("function_definition", "lambda", "class_definition")

NORETURN = {"sys.exit", "os._exit", "exit", "quit", "os.abort", "pytest.fail", "pytest.skip",
            "pytest.exit"}

# calls that read an argument without taking ownership of it
BORROWING_BUILTINS = {
    "len", "print", "isinstance", "issubclass", "str", "repr", "iter", "next", "list", "tuple",
    "sorted", "enumerate", "zip", "id", "hash", "type", "getattr", "hasattr", "setattr", "bool",
    "int", "vars", "dir", "callable", "format", "max", "min", "sum", "any", "all", "map",
    "filter", "reversed", "set", "frozenset", "dict", "bytes", "memoryview",
}
BORROWING_MODULES = {
    "json", "pickle", "cPickle", "csv", "shutil", "yaml", "marshal", "os", "logging", "log",
    "logger", "LOGGER", "LOG", "_log", "_logger", "select", "subprocess", "time", "struct",
    "fcntl", "termios", "tty", "mmap", "hashlib", "base64", "binascii", "zlib", "re",
    "tomllib", "toml", "plistlib", "configparser", "ast", "dis", "inspect", "typing", "warnings",
    "sys", "traceback", "pprint", "copy", "xml", "ElementTree", "ET", "email", "mimetypes",
    "np", "numpy", "pd", "pandas", "msgpack", "orjson", "ujson", "simplejson", "cloudpickle",
    "dill", "joblib", "torch", "click", "sqlite3", "difflib", "filecmp", "stat", "errno",
}
BORROWING_CALLS = {"print", "self.assertEqual", "self.assertTrue", "self.assertIsNotNone",
                   "self.assertIsInstance", "self.assertFalse", "self.assertIn"}
# calls that take ownership: the cleanup is registered with something that will run it
OWNING_CALLS = {"closing", "contextlib.closing", "weakref.finalize", "atexit.register"}
OWNING_METHODS = {"enter_context", "enter_async_context", "push", "push_async_exit", "callback",
                  "push_async_callback", "addCleanup", "addAsyncCleanup", "add_done_callback",
                  "call_on_close", "register"}

# methods of a class that run when its owner shuts it down
CLOSE_METHODS = {"close", "aclose", "stop", "shutdown", "__exit__", "__aexit__", "__del__",
                 "terminate", "cleanup", "dispose", "teardown", "tearDown", "release", "disconnect",
                 "quit", "destroy", "finish", "reset", "clear", "asyncTearDown", "tearDownClass"}

_VALUE_WRAPPERS = ("parenthesized_expression", "tuple", "list", "set", "expression_list",
                   "pattern_list", "conditional_expression", "await", "starred", "pair",
                   "dictionary", "list_splat", "boolean_operator", "keyword_argument")


def text(node) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


def callee_text(call) -> str:
    fn = call.child_by_field_name("function")
    if fn is None:
        return ""
    return "".join(text(fn).split())


def enclosing_function(node):
    """The innermost def or lambda around ``node`` (None at module or class level)."""
    n = node.parent
    while n is not None and n.type not in SCOPES:
        n = n.parent
    if n is None or n.type == "class_definition":
        return None
    return n


def enclosing_class(fn):
    """The class whose body defines method ``fn`` directly, or None."""
    p = fn.parent
    if p is not None and p.type == "decorated_definition":
        p = p.parent
    if p is not None and p.type == "block" and p.parent is not None \
            and p.parent.type == "class_definition":
        return p.parent
    return None


def decorators(fn) -> list[str]:
    p = fn.parent
    if p is None or p.type != "decorated_definition":
        return []
    out = []
    for d in p.named_children:
        if d.type == "decorator":
            expr = [c for c in d.named_children if c.type != "comment"]
            out.append("".join(text(expr[0] if expr else d).lstrip("@").split()))
    return out


def body_statements(block) -> list:
    return [c for c in block.named_children if c.type != "comment"]


def parameters(fn) -> list[str]:
    params = fn.child_by_field_name("parameters")
    out = []
    for p in (params.named_children if params is not None else []):
        if p.type == "identifier":
            out.append(text(p))
        elif p.type in ("default_parameter", "typed_parameter", "typed_default_parameter"):
            name = p.child_by_field_name("name") or (p.named_children[0] if p.named_children else None)
            out.append(text(name) if name is not None and name.type == "identifier" else "")
        elif p.type in ("list_splat_pattern", "dictionary_splat_pattern"):
            out.append("")
    return out


def imports(root) -> dict:
    """Local name -> dotted name it was imported as (``sq`` -> ``sqlite3``)."""
    out = {}
    stack = [root]
    while stack:
        n = stack.pop()
        t = n.type
        if t == "import_statement":
            for c in n.named_children:
                if c.type == "aliased_import":
                    out[text(c.child_by_field_name("alias"))] = text(c.child_by_field_name("name"))
        elif t == "import_from_statement":
            mod = n.child_by_field_name("module_name")
            base = text(mod)
            for c in n.children_by_field_name("name"):
                if c.type == "aliased_import":
                    out[text(c.child_by_field_name("alias"))] = \
                        f"{base}.{text(c.child_by_field_name('name'))}"
                elif c.type == "dotted_name":
                    out[text(c)] = f"{base}.{text(c)}"
        elif t in ("module", "block", "if_statement", "try_statement", "else_clause",
                   "except_clause", "finally_clause", "elif_clause", "function_definition",
                   "decorated_definition", "class_definition"):
            stack.extend(n.named_children)
    return out


def resolve(callee: str, names: dict) -> str:
    head, dot, rest = callee.partition(".")
    if head in names:
        return names[head] + dot + rest
    return callee


class PythonAdapter:
    def __init__(self, ctx):
        self.ctx = ctx
        self.root = ctx.tree.root_node
        self.names = imports(self.root)
        self._lowered = {}
        self._functions = None
        self._summaries = {}
        self._class_attr = {}
        self._module_defs = None

    # -- names ---------------------------------------------------------------------

    def qualified(self, call) -> str:
        return resolve(callee_text(call), self.names)

    def module_defs(self) -> set:
        """Names bound at module level by def/class (they shadow builtins such as open)."""
        if self._module_defs is None:
            self._module_defs = set()
            for c in self.root.named_children:
                d = c.child_by_field_name("definition") if c.type == "decorated_definition" else c
                if d is not None and d.type in ("function_definition", "class_definition"):
                    self._module_defs.add(text(d.child_by_field_name("name")))
        return self._module_defs

    # -- candidates ----------------------------------------------------------------

    def candidates(self, rules) -> list[Candidate]:
        names = candidate_names(self.ctx, rules)
        if not names:
            return []
        quoted = " ".join('"%s"' % n for n in names)
        q = ("((call function: [(attribute attribute: (identifier) @n) (identifier) @n]) @call"
             " (#any-of? @n %s))" % quoted)
        # a local alias of an acquiring function: `from subprocess import Popen as P`
        aliases = [k for k, v in self.names.items() if v.rsplit(".", 1)[-1] in names and k not in names]
        if aliases:
            q += " ((call function: (identifier) @n) @call (#any-of? @n %s))" % " ".join(
                '"%s"' % a for a in aliases)
        out = []
        seen = set()
        for _, caps in matches("python", q, self.root):
            call = caps["call"][0]
            key = (call.start_byte, call.end_byte)
            if key in seen:
                continue
            seen.add(key)
            callee = callee_text(call)
            if "." not in callee and callee in self.module_defs():
                continue  # a module-level function of the same name shadows the builtin
            full = resolve(callee, self.names)
            for rule in rules:
                if any(pattern_matches(p, full) for p in rule.lifecycle["acquire"]):
                    out.append(Candidate(rule, call, callee))
        return out

    def track(self, cand: Candidate):
        call = cand.call
        fn = enclosing_function(call)
        if cand.callee.endswith(".cursor") and not self._db_cursor(call, fn):
            return None  # only cursors of a DB-API connection opened in this function
        if fn is None or fn.type == "lambda":
            return Verdict(False)  # module or class level: lives as long as the program
        expr, parent = climb(call)
        if parent is None:
            return Verdict(False)
        t = parent.type
        if _holds_nothing(call) or _expected_to_raise(call) or _wraps_open_file(call, self.names):
            return Verdict(False)
        if resolve(cand.callee, self.names) in HTTP_CLIENTS and not _does_io(call, fn):
            return Verdict(False)  # a client that never sends anything holds no connection
        if t == "expression_statement":
            nxt = parent.next_named_sibling
            if nxt is not None and nxt.type == "expression_statement" and nxt.named_children \
                    and nxt.named_children[0].type == "call" \
                    and callee_text(nxt.named_children[0]) in NORETURN:
                return Verdict(False)  # spawned, then the process exits
            return Verdict(True, "because the result is discarded")
        if t == "attribute" and parent.child_by_field_name("object") == expr:
            gp = parent.parent
            method = text(parent.child_by_field_name("attribute"))
            spec = cand.rule.lifecycle
            if method in spec["release"] or method in ("__enter__", "__aenter__"):
                return Verdict(False)
            if gp is not None and gp.type == "call":
                return Verdict(True, f"because only .{method}() is called on it; nothing closes "
                                     "it (it waits for garbage collection)")
            return Verdict(False)
        if t in ("with_item", "as_pattern"):
            return Verdict(False)
        if t == "argument_list":
            owner = parent.parent
            effect = PythonEffects(self, Track(cand, fn, ""))._passed(owner, parent, expr, False)
            if effect is None:
                return Verdict(True, f"because it is only passed to {callee_text(owner)}(), "
                                     "which does not close it")
            return Verdict(False)
        if t != "assignment" or parent.child_by_field_name("right") != expr:
            return Verdict(False)  # returned, yielded, stored in a container: handed on
        left = parent.child_by_field_name("left")
        if left is None:
            return Verdict(False)
        if left.type == "attribute":
            return self._stored_on_self(cand, fn, left)
        if left.type != "identifier":
            return Verdict(False)
        handle = text(left)
        if handle == "_":
            return Verdict(True, "because the result is discarded", node="_")
        if self._declared_outside(fn, handle):
            return Verdict(False)
        if _is_context_provider(fn):
            return Verdict(False)
        return Track(cand, fn, handle, extra={"stmt": parent})

    def _db_cursor(self, call, fn) -> bool:
        """``conn.cursor()`` where ``conn = psycopg2.connect(...)`` (or another DB-API connect)."""
        recv = call.child_by_field_name("function").child_by_field_name("object")
        if fn is None or recv is None:
            return False
        if recv.type == "call":
            value = recv
        elif recv.type == "identifier":
            value = _assigned_value(call, text(recv))
        else:
            return False
        while value is not None and value.type == "await":
            value = value.named_children[0] if value.named_children else None
        return value is not None and value.type == "call" and \
            resolve(callee_text(value), self.names) in DB_CONNECT

    def _stored_on_self(self, cand, fn, left):
        obj = left.child_by_field_name("object")
        if obj is None or obj.type != "identifier" or text(obj) != "self":
            return Verdict(False)
        cls = enclosing_class(fn)
        if cls is None:
            return Verdict(False)
        attr = text(left.child_by_field_name("attribute"))
        if self.class_releases(cls, attr, set(cand.rule.lifecycle["release"])):
            return Verdict(False)
        return Verdict(True, f"because self.{attr} is never closed by its class "
                             f"{text(cls.child_by_field_name('name'))}", node=f"self.{attr}")

    def class_releases(self, cls, attr: str, release: set) -> bool:
        """Does the class (or a class it may inherit from) release or hand on ``self.attr``?"""
        key = (cls.start_byte, attr)
        if key in self._class_attr:
            return self._class_attr[key]
        result = False
        bases = cls.child_by_field_name("superclasses")
        local = {text(c.child_by_field_name("name")) for c in self._classes()}
        for b in (bases.named_children if bases is not None else []):
            name = text(b)
            if b.type == "keyword_argument":
                continue
            if name not in ("object", "ABC", "abc.ABC", "Exception") and name not in local:
                result = True  # a base class we cannot see may close it
        scope = [cls]
        if bases is not None and not result:
            scope = self._classes()  # the owner may be a base class in this module
        if not result:
            result = any(_releases_attr(c, attr, release) for c in scope)
        self._class_attr[key] = result
        return result

    def _classes(self) -> list:
        out, stack = [], [self.root]
        while stack:
            n = stack.pop()
            if n.type == "class_definition":
                out.append(n)
            stack.extend(n.named_children)
        return out

    def _declared_outside(self, fn, name: str) -> bool:
        body = fn.child_by_field_name("body")
        for s in (body_statements(body) if body is not None else []):
            if s.type in ("global_statement", "nonlocal_statement") and \
                    any(text(c) == name for c in s.named_children):
                return True
        return False

    # -- lowering ------------------------------------------------------------------

    def lower(self, fn, implicit: bool = False):
        key = (fn.start_byte, fn.end_byte, implicit)
        hit = self._lowered.get(key)
        if hit is None:
            blocks = {}
            body = fn.child_by_field_name("body")
            if body is None or body.type != "block":
                hit = (ir.Block([], fn), fn, blocks)
            else:
                hit = (_Lowering(blocks, implicit).block(body, 0), body, blocks)
            self._lowered[key] = hit
        return hit

    # -- effects ---------------------------------------------------------------------

    def effects(self, track: Track):
        return PythonEffects(self, track)

    def functions(self) -> dict:
        """Same-module functions and methods by name: [(node, [param names], is_method)]."""
        if self._functions is None:
            self._functions = {}
            for _, caps in matches("python", "(function_definition name: (identifier) @n) @f",
                                   self.root):
                fn = caps["f"][0]
                method = enclosing_class(fn) is not None and "staticmethod" not in decorators(fn)
                self._functions.setdefault(text(caps["n"][0]), []).append(
                    (fn, parameters(fn), method))
        return self._functions

    def releases_param(self, name: str, index: int, method_call: bool, rule,
                       depth: int = 0) -> bool | None:
        """Does same-module function ``name`` release or hand on its parameter ``index``?

        None when no such function is in the module."""
        defs = [d for d in self.functions().get(name, ()) if d[2] == method_call]
        if not defs:
            return None
        key = (name, index, method_call, rule.code)
        if key in self._summaries:
            return self._summaries[key]
        self._summaries[key] = False  # recursion guard
        result = False
        for fn, params, method in defs:
            i = index + (1 if method else 0)
            if i < len(params) and params[i]:
                body = fn.child_by_field_name("body")
                fx = PythonEffects(self, Track(None, fn, params[i]), rule=rule, depth=depth + 1)
                if body is not None and fx.scan(body, closure_ok=True) & {RELEASE, HANDOFF}:
                    result = True
        self._summaries[key] = result
        return result


def _is_context_provider(fn) -> bool:
    """__enter__ and @contextmanager generators hand their resource to the caller."""
    name = text(fn.child_by_field_name("name"))
    if name in ("__enter__", "__aenter__", "__iter__", "__aiter__"):
        return True
    return any(d.rsplit(".", 1)[-1] in ("contextmanager", "asynccontextmanager", "fixture")
               or d.startswith(("pytest.fixture", "fixture(")) for d in decorators(fn))


DB_CONNECT = {"sqlite3.connect", "psycopg.connect", "psycopg2.connect", "pymysql.connect",
              "mysql.connector.connect", "MySQLdb.connect"}


def _holds_nothing(call) -> bool:
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
                value = _assigned_value(call, text(value)) or value
            if b"MockTransport" in value.text or b"WSGITransport" in value.text:
                return True
        if key == "transport" and value is not None:
            if value.type == "identifier":
                value = _assigned_value(call, text(value)) or value
            made = text(value.child_by_field_name("function")) if value.type == "call" else ""
            if "Transport" in made and not made.endswith("HTTPTransport"):
                return True  # MockTransport, WSGITransport, ASGITransport, test doubles
    return False


HTTP_CLIENTS = {"requests.Session", "requests.session", "requests.sessions.Session",
                "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession"}
IO_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "send",
              "stream", "ws_connect"}


def _does_io(call, fn) -> bool:
    """Is the client sent anything: an I/O method on it, or is it handed elsewhere?"""
    expr, parent = climb(call)
    if parent is not None and parent.type == "attribute":
        return text(parent.child_by_field_name("attribute")) in IO_METHODS
    if parent is None or parent.type != "assignment":
        return parent is not None and parent.type != "expression_statement"
    left = parent.child_by_field_name("left")
    if left is None or left.type != "identifier":
        return True  # stored on an object: used elsewhere
    name = text(left).encode()
    stack = [fn]
    while stack:
        n = stack.pop()
        if name not in n.text:
            continue
        if n.type == "identifier" and n.text == name and n != left:
            p = n.parent
            if p.type == "attribute" and p.child_by_field_name("object") == n:
                if text(p.child_by_field_name("attribute")) in IO_METHODS and \
                        not _expected_to_raise(n):
                    return True
            elif p.type not in ("assignment", "comparison_operator", "assert_statement"):
                return True  # passed on, returned, used in `with`
            continue
        stack.extend(n.named_children)
    return False


ARCHIVES = {"zipfile.ZipFile", "tarfile.open", "tarfile.TarFile", "gzip.open", "bz2.open",
            "lzma.open"}


def _wraps_open_file(call, names) -> bool:
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
            value = _assigned_value(call, text(a))
            if value is None:
                return False
        if value.type == "call":
            made = resolve(callee_text(value), names)
            return made in ("open", "io.open", "io.BytesIO", "BytesIO", "io.StringIO") or \
                made.endswith((".open", "BytesIO"))
        return False
    return False


def _kept_temp_file(call, names) -> bool:
    """``NamedTemporaryFile(delete=False)``: closing it leaves the file on disk."""
    if resolve(callee_text(call), names) != "tempfile.NamedTemporaryFile":
        return False
    args = call.child_by_field_name("arguments")
    return any(a.type == "keyword_argument" and text(a.child_by_field_name("name")) == "delete"
               and text(a.child_by_field_name("value")) == "False"
               for a in (args.named_children if args is not None else []))


def _expected_to_raise(node) -> bool:
    """Inside `with pytest.raises(...)` / `self.assertRaises(...)`: the call is meant to fail."""
    p = node.parent
    while p is not None and p.type not in SCOPES:
        if p.type == "with_statement":
            clause = p.named_children[0] if p.named_children else None
            if clause is not None and (b"raises(" in clause.text or b"assertRaises" in clause.text):
                return True
        p = p.parent
    return False


def _assigned_value(node, name: str):
    """The value of the last `name = value` before ``node`` in its function."""
    fn = enclosing_function(node)
    found, stack = None, [fn] if fn is not None else []
    while stack:
        n = stack.pop()
        if n.start_byte >= node.start_byte:
            continue
        if n.type == "assignment" and text(n.child_by_field_name("left")) == name:
            if found is None or n.start_byte > found.start_byte:
                found = n
        stack.extend(n.named_children)
    return found.child_by_field_name("right") if found is not None else None


def climb(expr):
    """Leave parentheses, awaits and conditional/boolean wrappers around a value."""
    p = expr.parent
    while p is not None and p.type in ("parenthesized_expression", "await",
                                       "conditional_expression", "boolean_operator"):
        if p.type == "conditional_expression" and p.named_children and p.named_children[1] == expr:
            break  # it is the condition, not a value
        expr, p = p, p.parent
    return expr, p


def _releases_attr(cls, attr: str, release: set) -> bool:
    """Is ``self.attr`` released, or handed on, anywhere in class ``cls``?"""
    body = cls.child_by_field_name("body")
    if body is None or attr.encode() not in body.text:
        return False
    stack = [body]
    while stack:
        n = stack.pop()
        if n.type == "string" and text(n).strip("'\"") == attr:
            return True  # getattr(self, "attr") and friends: assume it is handled
        if n.type == "attribute" and text(n.child_by_field_name("attribute")) == attr:
            obj = n.child_by_field_name("object")
            if obj is not None and obj.type == "identifier":
                use = _attr_use(n, release)
                if use:
                    return True
        stack.extend(n.named_children)
    return False


def _attr_use(n, release: set) -> bool:
    p = n.parent
    while p is not None and p.type in ("parenthesized_expression", "await"):
        n, p = p, p.parent
    if p is None:
        return False
    if p.type == "attribute" and p.child_by_field_name("object") == n:
        return text(p.child_by_field_name("attribute")) in release
    if p.type == "assignment":
        return p.child_by_field_name("right") == n  # aliased: `sock = self.sock`
    if p.type in ("argument_list", "return_statement", "yield", "with_item", "tuple", "list",
                  "expression_list", "keyword_argument", "set", "pair", "for_statement",
                  "as_pattern"):
        return True
    return False


class _Lowering:
    def __init__(self, blocks: dict, implicit: bool):
        self.blocks = blocks
        self.implicit = implicit
        self.cleanup = 0  # inside except/finally blocks: no implicit raises there

    def block(self, node, depth, before=(), after=()):
        if depth > ir.MAX_DEPTH:
            raise ir.TooDeep()
        stmts = list(before)
        for s in body_statements(node):
            if self.implicit and not self.cleanup and _may_raise(s):
                stmts.append(ir.If(None, ir.Block([ir.Exit(s, "raise")], s)))
            stmts.append(self.stmt(s, depth + 1))
        stmts.extend(after)
        block = ir.Block(stmts, node)
        self.blocks[(node.start_byte, node.end_byte)] = block
        return block

    def stmt(self, s, depth):
        t = s.type
        if t == "if_statement":
            return self._if(s, depth)
        if t in ("for_statement", "while_statement"):
            body = self.block(s.child_by_field_name("body"), depth)
            if t == "while_statement":
                cond = s.child_by_field_name("condition")
                infinite = text(cond) in ("True", "1")
                loop = ir.Loop(s, body, infinite, None, cond)
            else:
                loop = ir.Loop(s, body, False, None, s.child_by_field_name("right"))
            alt = s.child_by_field_name("alternative")
            if alt is None:
                return loop
            # the else block runs when the loop ends without break (approximated: always)
            return ir.Block([loop, self.block(alt.child_by_field_name("body"), depth)], s)
        if t == "try_statement":
            handlers, orelse, final = [], None, None
            self.cleanup += 1
            for c in s.named_children:
                if c.type in ("except_clause", "except_group_clause"):
                    blk = [x for x in c.named_children if x.type == "block"]
                    if blk:
                        handlers.append(self.block(blk[-1], depth))
                elif c.type == "else_clause":
                    self.cleanup -= 1
                    orelse = self.block(c.child_by_field_name("body"), depth)
                    self.cleanup += 1
                elif c.type == "finally_clause":
                    blk = [x for x in c.named_children if x.type == "block"]
                    if blk:
                        final = self.block(blk[-1], depth)
            self.cleanup -= 1
            return ir.Try(s, self.block(s.child_by_field_name("body"), depth), handlers,
                          orelse, final)
        if t == "with_statement":
            clause = [c for c in s.named_children if c.type == "with_clause"]
            items = [c for c in clause[0].named_children if c.type == "with_item"] if clause else []
            enter = [ir.Leaf(i, "with-enter") for i in items]
            exits = ir.Block([ir.Leaf(i, "with-exit") for i in reversed(items)], s)
            return ir.Try(s, self.block(s.child_by_field_name("body"), depth, before=enter),
                          [], None, exits)
        if t == "match_statement":
            cases, exhaustive = [], False
            body = s.child_by_field_name("body")
            for c in (body.named_children if body is not None else []):
                if c.type != "case_clause":
                    continue
                pats = [x for x in c.named_children if x.type == "case_pattern"]
                if c.child_by_field_name("guard") is None and pats and \
                        all(text(p) == "_" or (p.named_children and p.named_children[0].type == "identifier"
                                                and text(p) == text(p.named_children[0])) for p in pats[:1]):
                    exhaustive = True
                cons = c.child_by_field_name("consequence")
                if cons is not None:
                    cases.append(self.block(cons, depth))
            subject = s.child_by_field_name("subject")
            branch = ir.Branch(s, cases, exhaustive, False)
            return ir.Block([ir.Leaf(subject, "cond"), branch], s) if subject is not None else branch
        if t == "return_statement":
            return ir.Exit(s, "return")
        if t == "raise_statement":
            return ir.Exit(s, "raise")
        if t == "break_statement":
            return ir.Exit(s, "break")
        if t == "continue_statement":
            return ir.Exit(s, "continue")
        if t == "expression_statement":
            inner = s.named_children[0] if s.named_children else None
            if inner is not None and inner.type == "call":
                name = callee_text(inner)
                if name in NORETURN:
                    return ir.Exit(s, "noreturn")
        return ir.Leaf(s)

    def _if(self, s, depth):
        if depth > ir.MAX_DEPTH:
            raise ir.TooDeep()
        then = self.block(s.child_by_field_name("consequence"), depth)
        orelse = None
        alts = s.children_by_field_name("alternative")
        for alt in reversed(alts):
            if alt.type == "else_clause":
                orelse = self.block(alt.child_by_field_name("body"), depth)
            else:
                node = ir.If(alt.child_by_field_name("condition"),
                             self.block(alt.child_by_field_name("consequence"), depth), orelse)
                orelse = ir.Block([node], alt)
        return ir.If(s.child_by_field_name("condition"), then, orelse)


def _may_raise(stmt) -> bool:
    """A simple statement that calls something (which may raise before it completes)."""
    if stmt.type not in ("expression_statement", "return_statement"):
        return False
    call = first_call(stmt)
    return call is not None and callee_text(call) not in NORETURN


_QUIET_CALLS = {"len", "isinstance", "print", "str", "repr", "id", "type", "hasattr", "getattr",
                "bool", "super", "locals", "globals", "vars", "callable"}
# stopping a process before reaping it, and string/list methods that do not raise
_QUIET_METHODS = {"kill", "terminate", "send_signal", "strip", "rstrip", "lstrip", "split",
                  "rsplit", "startswith", "endswith", "lower", "upper", "append", "items", "keys",
                  "values", "splitlines"}
_QUIET_RECEIVERS = {"log", "logger", "logging", "LOG", "LOGGER", "_log", "_logger", "self.log",
                    "self.logger", "self._log", "self._logger", "warnings"}


def first_call(node):
    """The first call under ``node`` that may raise (not logging, len, isinstance...)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in ("lambda", "function_definition", "class_definition"):
            continue
        if n.type == "call":
            name = callee_text(n)
            recv = name.rsplit(".", 1)[0] if "." in name else ""
            if name not in _QUIET_CALLS and recv not in _QUIET_RECEIVERS and \
                    name.rsplit(".", 1)[-1] not in _QUIET_METHODS:
                return n
        stack.extend(reversed(n.named_children))
    return None


# methods whose bound form handed to someone keeps the object in use (`set_writer(f.write)`)
BOUND_METHODS = {"write", "writelines", "read", "readline", "readlines", "flush", "send",
                 "sendall", "recv", "get", "post", "request", "submit", "map", "communicate"}


class PythonEffects(SpecEffects):
    """What a leaf does to one tracked Python handle."""

    def __init__(self, adapter: PythonAdapter, track: Track, rule=None, depth: int = 0):
        super().__init__(adapter, track, rule, depth)
        self.unlink_only = self.acquire is not None and _kept_temp_file(self.acquire, adapter.names)

    def guard(self, cond):
        """The branch of ``if h is None`` / ``if h`` / ``if not h`` where h is not open."""
        if cond is None:
            return None
        neg = False
        while cond.type in ("not_operator", "parenthesized_expression"):
            if cond.type == "not_operator":
                neg = not neg
                cond = cond.child_by_field_name("argument")
            else:
                cond = cond.named_children[0] if cond.named_children else None
            if cond is None:
                return None
        if cond.type == "identifier" and text(cond) == self.name:
            return "then" if neg else "else"
        if cond.type == "comparison_operator" and len(cond.named_children) == 2:
            left, right = cond.named_children
            ops = [text(c) for c in cond.children if not c.is_named]
            if text(left) == self.name and right.type == "none":
                if ops in (["is"], ["=="]):
                    return "else" if neg else "then"
                if ops in (["is", "not"], ["is not"], ["!="]):
                    return "then" if neg else "else"
        return None

    def events(self, leaf) -> list[str]:
        node = leaf.node
        if node is None:
            return []
        if leaf.role == "raise" and node.type != "raise_statement":
            # an implicit raise from this statement: a release that raises still counts
            found = self.scan(node)
            return [RELEASE] if found & {RELEASE, HANDOFF} else []
        if self.acquire is not None and node.start_byte <= self.acquire.start_byte < node.end_byte:
            if leaf.role not in ("cond", "raise") and \
                    enclosing_function(self.acquire) == self.track.function:
                return [ACQUIRE]
        if leaf.role == "with-exit":
            return [RELEASE] if self._with_releases(node) else []
        found = self.scan(node)
        if leaf.role == "with-enter":
            found.discard(RELEASE)
        for ev in (RELEASE, HANDOFF, REASSIGN):
            if ev in found:
                return [ev]
        return []

    def _with_releases(self, item) -> bool:
        value = item.child_by_field_name("value")
        if value is not None and value.type == "as_pattern":
            value = value.named_children[0] if value.named_children else None
        if value is None:
            return False
        if value.type == "identifier" and text(value) == self.name:
            return True
        if value.type == "call":
            args = value.child_by_field_name("arguments")
            full = resolve(callee_text(value), self.a.names)
            first = args.named_children[0] if args is not None and args.named_children else None
            return (full in ("contextlib.closing", "closing", "contextlib.aclosing", "aclosing")
                    and first is not None and text(first) == self.name)
        return False

    def scan(self, node, closure_ok: bool = False) -> set:
        """Events of every mention of the handle inside ``node``."""
        found = set()
        name = self.name.encode()
        if not name or name not in node.text:
            return found
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type == "identifier":
                if n.text == name:
                    ev = self._mention(n, closure_ok)
                    if ev:
                        found.add(ev)
                continue
            stack.extend(n.named_children)
        return found

    def _closure(self, n):
        """The nested def/lambda holding this mention, or None (the function itself)."""
        p = n.parent
        while p is not None and p != self.track.function:
            if p.type in FUNCTIONS:
                return p
            p = p.parent
        return None

    def _shadowed(self, n) -> bool:
        p = n.parent
        while p is not None and p != self.track.function:
            if p.type in FUNCTIONS and self.name in parameters(p):
                return True
            if p.type in ("list_comprehension", "set_comprehension", "dictionary_comprehension",
                          "generator_expression"):
                for c in p.named_children:
                    if c.type == "for_in_clause":
                        left = c.child_by_field_name("left")
                        if left is not None and self.name.encode() in left.text and \
                                any(x.text == self.name.encode() for x in _identifiers(left)):
                            return True
            p = p.parent
        return False

    def _mention(self, n, closure_ok: bool):
        p = n.parent
        if p is None:
            return None
        # not a reference: `x.name`, `f(name=...)`, a parameter
        if p.type == "attribute" and p.child_by_field_name("attribute") == n:
            return None
        if p.type == "keyword_argument" and p.child_by_field_name("name") == n:
            return None
        if p.type in ("parameters", "default_parameter", "typed_parameter", "global_statement",
                      "nonlocal_statement"):
            return None
        if self._shadowed(n):
            return None
        closure = self._closure(n) is not None and not closure_ok
        if self.unlink_only:
            # a kept temporary file: only removing the file at `h.name` releases it
            if p.type != "attribute" or text(p.child_by_field_name("attribute")) != "name":
                return HANDOFF if p.type in ("return_statement", "yield") else None
            n, p = p, p.parent
            call = p.parent if p is not None and p.type == "argument_list" else None
            callee = resolve(callee_text(call), self.a.names) if call is not None else ""
            if callee.rsplit(".", 1)[-1] in ("unlink", "remove"):
                return HANDOFF if closure else RELEASE
            if callee.rsplit(".", 1)[-1] == "Path":  # `Path(tmp.name).unlink()`
                method = call.parent
                if method is not None and method.type == "attribute" and \
                        text(method.child_by_field_name("attribute")) == "unlink":
                    return HANDOFF if closure else RELEASE
        if p.type == "attribute":
            method = text(p.child_by_field_name("attribute"))
            gp = p.parent
            called = gp is not None and gp.type == "call" and gp.child_by_field_name("function") == p
            if method in self.release:
                if called:
                    return HANDOFF if closure else RELEASE
                return HANDOFF  # `stack.callback(h.close)`, `atexit.register(h.close)`
            if not called and method in BOUND_METHODS and gp is not None and gp.type in (
                    "argument_list", "assignment",
                    "keyword_argument", "return_statement"):
                if gp.type != "assignment" or gp.child_by_field_name("right") == p:
                    return HANDOFF  # a bound method escapes: `set_writer(f.write)`
            return None
        # climb through the containers the value sits in: `return (f, 1)`, `g(x=f)`
        expr = n
        while p is not None and p.type in _VALUE_WRAPPERS:
            expr, p = p, p.parent
            if expr.type == "keyword_argument":
                break
        if p is None:
            return None
        t = p.type
        if t in ("return_statement", "yield"):
            return HANDOFF
        if closure:
            return None  # read by a nested function: not a release
        if t == "assignment":
            left = p.child_by_field_name("left")
            if left is not None and (left == expr or left.start_byte <= n.start_byte < left.end_byte):
                if self.stmt is not None and p == self.stmt:
                    return None
                return REASSIGN if left.type == "identifier" else None
            if left is not None and left.type == "attribute":
                obj = left.child_by_field_name("object")
                if obj is not None and text(obj) == "self":
                    cls = enclosing_class(self.track.function)
                    attr = text(left.child_by_field_name("attribute"))
                    if cls is not None and not self.a.class_releases(cls, attr, self.release):
                        return None  # stored where nothing closes it: still owed a release
            return HANDOFF  # aliased or stored in a field, container or global
        if t == "argument_list":
            return self._passed(p.parent, p, expr, closure)
        if t == "with_item":
            return None
        if t in ("for_statement", "for_in_clause"):
            left = p.child_by_field_name("left")
            if left is not None and left.start_byte <= n.start_byte < left.end_byte:
                return REASSIGN
            return None
        if t in ("list_comprehension", "generator_expression", "set_comprehension",
                 "dictionary_comprehension", "lambda"):
            return HANDOFF
        return None

    def _passed(self, call, args, expr, closure):
        """The handle is an argument of ``call``: released, handed on, or only borrowed?"""
        if call is None or call.type != "call":
            return HANDOFF
        callee = callee_text(call)
        full = resolve(callee, self.a.names)
        short = callee.rsplit(".", 1)[-1]
        recv = callee.rsplit(".", 1)[0] if "." in callee else ""
        if expr.type == "keyword_argument":
            kw = text(expr.child_by_field_name("name"))
            if kw in ("file", "stdin", "stdout", "stderr", "fileobj", "fp", "f"):
                return None if full not in OWNING_CALLS else HANDOFF
        if callee in self.release_fns or short in self.release_fns:
            return HANDOFF if closure else RELEASE
        if full in OWNING_CALLS or short in OWNING_METHODS or callee in self.handoff_calls:
            return HANDOFF
        if callee in self.borrow or full in BORROWING_CALLS or full in BORROWING_BUILTINS:
            return None
        head = full.split(".", 1)[0]
        if "." in full and (head in BORROWING_MODULES or recv in BORROWING_MODULES):
            return None
        if recv.startswith("self.assert") or short.startswith("assert"):
            return None
        if self.depth < 3 and expr in args.named_children:
            index = [c for c in args.named_children if c.type != "comment"].index(expr)
            method_call = recv in ("self", "cls")
            if "." not in callee or method_call:
                summary = self.a.releases_param(short, index, method_call, self.rule, self.depth)
                if summary is not None:
                    return (HANDOFF if closure else RELEASE) if summary else None
        return HANDOFF


def _identifiers(node):
    stack, out = [node], []
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            out.append(n)
        stack.extend(n.named_children)
    return out


REGISTRATION_PREFIXES = ("register", "add_", "install", "connect", "subscribe", "watch", "on_")


def _returns_parameter(fn) -> bool:
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


def runs_at_import(fn, root, by_name: bool = True) -> bool:
    """Does ``fn`` run at import time only: a decorator, called at module level, a
    class-creation hook, or (``by_name``) a registration function by its name?"""
    name = text(fn.child_by_field_name("name"))
    if by_name and (name.lower().lstrip("_").startswith(REGISTRATION_PREFIXES)
                    or _returns_parameter(fn) or "register" in name.lower()):
        return True
    if name in ("__init_subclass__", "__set_name__", "__new__", "__class_getitem__"):
        return True
    outer = enclosing_function(fn)
    if outer is not None:
        return runs_at_import(outer, root, by_name)  # the inner function of a decorator factory
    encoded = name.encode()
    stack = [root]
    while stack:
        n = stack.pop()
        if encoded not in n.text:
            continue
        if n.type == "decorator" and text(n).lstrip("@").split("(")[0].rsplit(".", 1)[-1] == name:
            return True
        if n.type == "call" and enclosing_function(n) is None and \
                text(n.child_by_field_name("function")).rsplit(".", 1)[-1] == name:
            return True
        stack.extend(n.named_children)
    return False
