"""Small questions about tree-sitter-python nodes (names, calls, scopes, imports) that the
adapter, its effects and the checks all ask; and the tables of calls that borrow or own."""

from __future__ import annotations

import re

from . import ancestors, nearest, of_type, per_file, returns_name, walk

FUNCTIONS = ("function_definition", "lambda")
SCOPES = ("function_definition", "lambda", "class_definition")

# calls that never return: the process ends or its image is replaced (os.exec*: the
# descriptors Python opens are not inherited, so they close there too), or a test ends
NORETURN = {"sys.exit", "os._exit", "exit", "quit", "os.abort", "pytest.fail", "pytest.skip",
            "pytest.exit", "os.execv", "os.execve", "os.execl", "os.execle", "os.execlp",
            "os.execlpe", "os.execvp", "os.execvpe"}

# what starts a child process that runs on without its object
LAUNCHES = {"subprocess.Popen"}

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


def borrowing(callee: str, full: str) -> bool:
    """Does a call of ``callee`` (``full``: its imported name resolved) only read its
    arguments: a builtin or module function that keeps nothing, an assertion?"""
    if full in BORROWING_CALLS or full in BORROWING_BUILTINS:
        return True
    recv = callee.rsplit(".", 1)[0] if "." in callee else ""
    if "." in full and (full.split(".", 1)[0] in BORROWING_MODULES or recv in BORROWING_MODULES):
        return True
    return recv.startswith("self.assert") or callee.rsplit(".", 1)[-1].startswith("assert")


# calls that take ownership: the cleanup is registered with something that will run it
OWNING_CALLS = {"closing", "contextlib.closing", "weakref.finalize", "atexit.register"}
# constructors that keep the stream they are given (the new object owns it from then on):
# a log handler writes to it for as long as a logger holds the handler, a wrapper closes it
KEEPING_CALLS = {"logging.StreamHandler", "io.TextIOWrapper", "io.BufferedReader",
                 "io.BufferedWriter", "io.BufferedRandom", "io.BufferedRWPair",
                 "os.fdopen", "io.open", "open"}  # a descriptor given to open() is closed with the file
OWNING_METHODS = {"enter_context", "enter_async_context", "push", "push_async_exit", "callback",
                  "push_async_callback", "addCleanup", "addAsyncCleanup", "add_done_callback",
                  "call_on_close", "register"}

# methods of a class that run when its owner shuts it down
CLOSE_METHODS = {"close", "aclose", "stop", "shutdown", "__exit__", "__aexit__", "__del__",
                 "terminate", "cleanup", "dispose", "teardown", "tearDown", "release", "disconnect",
                 "quit", "destroy", "finish", "reset", "clear", "asyncTearDown", "tearDownClass"}

VALUE_WRAPPERS = ("parenthesized_expression", "tuple", "list", "set", "expression_list",
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
    n = nearest(node, SCOPES)
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


def qualified_name(fn, memo: dict | None = None) -> str:
    """A function's name with its classes and enclosing functions, dotted ("C.m",
    "f.inner"; a lambda is "<lambda>"); ``memo`` keeps the names of a file's functions
    by node id (a walk up the ancestors each)."""
    if memo is not None:
        if fn.id not in memo:
            memo[fn.id] = qualified_name(fn)
        return memo[fn.id]
    parts = []
    n = fn
    while n is not None:
        parts.append("<lambda>" if n.type == "lambda" else text(n.child_by_field_name("name")))
        cls = enclosing_class(n) if n.type == "function_definition" else None
        if cls is not None:
            parts.append(text(cls.child_by_field_name("name")))
            n = enclosing_function(cls)
        else:
            n = enclosing_function(n)
    return ".".join(reversed(parts))


def assigned_once(fn, name, memo: dict):
    """The value a local ``name`` is given in ``fn`` (when given once), else None;
    ``memo`` keeps each function's assignments, gathered in one walk of its body."""
    table = memo.get(fn.id)
    if table is None:
        table = memo[fn.id] = {}
        stack = [fn.child_by_field_name("body")]
        while stack:
            n = stack.pop()
            if n is None or n.type in ("function_definition", "lambda", "class_definition"):
                continue
            if n.type == "assignment":
                table.setdefault(text(n.child_by_field_name("left")), []).append(
                    n.child_by_field_name("right"))
            stack.extend(n.named_children)
    found = table.get(text(name), ())
    return found[0] if len(found) == 1 else None


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


# the statements whose imports ``imports`` reads: at module level, or nested only in these
IMPORT_CONTAINERS = ("module", "block", "if_statement", "try_statement", "else_clause",
                     "except_clause", "finally_clause", "elif_clause", "function_definition",
                     "decorated_definition", "class_definition")


def imports(root) -> dict:
    """Local name -> dotted name it was imported as (``sq`` -> ``sqlite3``)."""
    return dict(per_file(("imports", root.id), lambda: _imports(root)))


def _imports(root) -> dict:
    out = {}
    for n in _reached_imports(root):
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
    return out


def _reached_imports(root) -> list:
    """The import statements a walk from ``root`` down the containers meets, in the order
    such a walk (last child first) meets them: the last first."""
    kinds = ("import_statement", "import_from_statement")
    if root.type in kinds:
        return [root]
    if root.type not in IMPORT_CONTAINERS:
        return []
    out = []
    for n in reversed(of_type(root, kinds)):
        p = n.parent
        while p is not None and p.id != root.id and p.type in IMPORT_CONTAINERS:
            p = p.parent
        if p is not None and p.id == root.id:
            out.append(n)
    return out


def resolve(callee: str, names: dict) -> str:
    head, dot, rest = callee.partition(".")
    if head in names:
        return names[head] + dot + rest
    return callee


def module_imports(root, own_names: bool = False) -> dict:
    """Local name -> what it names, as the index resolves it in the scanned tree: a
    dotted path led by one dot per level of a relative import (``from . import m`` binds
    m -> ".m"; ``from ..a import f``: f -> "..a.f"; ``import a.b``: a -> "a").
    ``own_names``: only the imports that bind names of the module itself (not those
    inside a function or class), the names other modules may import from it."""
    return dict(per_file(("module_imports", root.id, own_names),
                         lambda: _module_imports(root, own_names)))


def _module_imports(root, own_names: bool) -> dict:
    out = {}
    for n in _import_statements(root, own_names):
        if n.type == "import_statement":
            for c in n.named_children:
                if c.type == "aliased_import":
                    out[text(c.child_by_field_name("alias"))] = text(c.child_by_field_name("name"))
                elif c.type == "dotted_name":
                    head = text(c).split(".", 1)[0]
                    out[head] = head
            continue
        mod = n.child_by_field_name("module_name")
        base = text(mod).replace(" ", "")
        if not base.endswith("."):
            base += "."
        for c in n.children_by_field_name("name"):
            if c.type == "aliased_import":
                out[text(c.child_by_field_name("alias"))] = base + text(c.child_by_field_name("name"))
            elif c.type == "dotted_name":
                out[text(c)] = base + text(c)
    return out


def _import_statements(root, own_names: bool = False) -> list:
    out, stack = [], [root]
    scopes = () if own_names else ("function_definition", "decorated_definition",
                                    "class_definition")
    while stack:
        n = stack.pop()
        if n.type in ("import_statement", "import_from_statement"):
            out.append(n)
        elif n.type in ("module", "block", "if_statement", "try_statement", "else_clause",
                        "except_clause", "finally_clause", "elif_clause") or n.type in scopes:
            stack.extend(n.named_children)
    return out


def call_ref(callee: str, module_imports_: dict) -> str | None:
    """How a call names a function of another module of the scanned tree, as the index
    resolves it: "import:<dotted>" for `f(...)` with f imported, or `m.f(...)` with m an
    imported module; None for any other call."""
    head, dot, rest = callee.partition(".")
    target = module_imports_.get(head)
    if target is None or not head.isidentifier():
        return None
    return "import:" + target + dot + rest


def module_functions(root) -> dict:
    """The module's top-level functions: name -> number of parameters."""
    out = {}
    for c in root.named_children:
        d = c.child_by_field_name("definition") if c.type == "decorated_definition" else c
        if d is not None and d.type == "function_definition":
            out[text(d.child_by_field_name("name"))] = len(parameters(d))
    return out


def identifier_arguments(call, acquiring=frozenset()) -> list[int]:
    """Positions (comments left out) of the call's arguments that may be a handle: plain
    names, calls of a function named in ``acquiring`` (``Reader(open(p))`` hands over a
    handle made in place), and lambdas (``retry(lambda: s.connect(a))`` may use one)."""
    args = call.child_by_field_name("arguments")
    listed = [c for c in (args.named_children if args is not None else []) if c.type != "comment"]
    return [i for i, c in enumerate(listed) if c.type in ("identifier", "lambda") or (
        c.type == "call" and callee_text(c).rsplit(".", 1)[-1] in acquiring)]


def returned(call, fn, memo: dict) -> bool:
    """Does ``fn`` return what ``call`` (its own code) yields: ``return call(...)``, or
    ``x = call(...)`` and a ``return x``? ``memo`` keeps each function's returned names."""
    parent = call.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    if parent is None:
        return False
    if parent.type == "return_statement":
        return True
    if parent.type != "assignment" or parent.child_by_field_name("right") is None \
            or parent.child_by_field_name("right").id != call.id:
        return False
    left = parent.child_by_field_name("left")
    if left is None or left.type != "identifier":
        return False
    return returns_name(fn, fn, left, memo, SCOPES) and not kept_by_object(fn, text(left))


def binds_locally(node, name: str) -> bool:
    """Does a function around ``node`` bind ``name`` in its own scope (a parameter, an
    assignment to the bare name, a nested ``def`` or ``class``), hiding the builtin or
    module-level function of that name?"""
    fn = enclosing_function(node)
    word = re.escape(name.encode())
    binding = re.compile(rb"\b(?:def|class)\s+%s\b|\b%s\s*(?::[^=\n]*)?=[^=]" % (word, word))
    while fn is not None:
        if name in parameters(fn):
            return True
        # the text first: most functions bind no such name
        found = binding.search(fn.text) is not None
        for n in of_type(fn, ("assignment", "function_definition", "class_definition")) \
                if found else ():
            target = n.child_by_field_name("left" if n.type == "assignment" else "name")
            if target is not None and target.type == "identifier" and text(target) == name \
                    and enclosing_function(n) == fn:
                return True
        fn = enclosing_function(fn)
    return False


def module_lists(root) -> dict:
    """The module-level names bound to a list or tuple of bare names (`ADAPTERS = [_mysql,
    _postgres]`, a registry of functions): name -> [the names]."""
    found = {}
    for stmt in root.named_children:
        a = stmt.named_children[0] if stmt.type == "expression_statement" \
            and stmt.named_children else None
        left, right = (a.child_by_field_name("left"), a.child_by_field_name("right")) \
            if a is not None and a.type == "assignment" else (None, None)
        if left is not None and left.type == "identifier" and right is not None \
                and right.type in ("list", "tuple") and right.named_children \
                and all(e.type == "identifier" for e in right.named_children):
            found[text(left)] = [text(e) for e in right.named_children]
    return found


def looped_functions(call, lists: dict) -> list:
    """[[name, in_loop]] for the functions ``call`` runs when it calls the variable of the
    `for` loop around it over distinct bare names (`for adapter in ADAPTERS: adapter()`,
    the list written there or one of ``lists``): each runs once per run of that loop, so
    ``in_loop`` says whether the loop statement itself is in a loop."""
    f = call.child_by_field_name("function")
    loop = call.parent
    while loop is not None and loop.type not in ("for_statement", "function_definition",
                                                 "lambda", "module"):
        loop = loop.parent
    if f is None or f.type != "identifier" or loop is None or loop.type != "for_statement" \
            or text(loop.child_by_field_name("left")) != text(f):
        return []
    over = loop.child_by_field_name("right")
    names = [text(e) for e in over.named_children if e.type == "identifier"] \
        if over is not None and over.type in ("list", "tuple") else \
        lists.get(text(over), []) if over is not None and over.type == "identifier" else []
    if not names or len(set(names)) != len(names):
        return []
    outer = function_and_loop(loop)[1]
    return [[name, outer] for name in names]


def read_to_end_at(call, fn, lang=None) -> bool:
    """Is what ``call`` yields, kept as ``x = call(...)``, read to its end in ``fn``: a
    ``x.read()`` without a size (a response then closes its connection)?"""
    parent = call.parent
    left = parent.child_by_field_name("left") if parent is not None \
        and parent.type == "assignment" else None
    if left is None or left.type != "identifier":
        return False
    for n in of_type(fn, ("call",), lang):
        f, a = n.child_by_field_name("function"), n.child_by_field_name("arguments")
        if f is not None and f.type == "attribute" and text(f) == f"{text(left)}.read" \
                and a is not None and not a.named_children:
            return True
    return False


def kept_by_object(fn, name: str) -> bool:
    """Does ``fn`` also store ``name`` in its object (``self._conns[tid] = conn``,
    ``self.conn = conn``)? Then what it returns is the object's to close: a getter that
    fills a cache, not a factory."""
    for n in walk(fn):
        if n.type != "assignment":
            continue
        right, left = n.child_by_field_name("right"), n.child_by_field_name("left")
        base = left
        while base is not None and base.type in ("attribute", "subscript"):
            base = base.child_by_field_name("object") if base.type == "attribute" \
                else base.child_by_field_name("value")
        if right is not None and text(right) == name and base is not left \
                and base is not None and text(base) in ("self", "cls"):
            return True
    return False


def _repeats(loop, child, node) -> bool:
    """Does ``child`` of a loop (or comprehension) node run on every turn? Not a ``for``'s
    iterable, nor a loop's ``else`` clause: they run once."""
    if child.type == "else_clause":
        return False
    if loop.type == "for_statement":
        return child == loop.child_by_field_name("body")
    if loop.type.endswith("comprehension") or loop.type == "generator_expression":
        clauses = [c for c in loop.named_children if c.type == "for_in_clause"]
        first = clauses[0].child_by_field_name("right") if clauses else None
        return first is None or not first.start_byte <= node.start_byte < first.end_byte
    return True


def _constant_iterable(loop) -> bool:
    """A ``for`` over a literal collection, or over a name bound to one at module or class
    level: a fixed handful of turns, which piles nothing up in a short run."""
    right = loop.child_by_field_name("right")
    if right is None:
        return False
    if right.type in ("tuple", "list", "set", "string"):
        return True
    name = text(right).removeprefix("self.").removeprefix("cls.")
    if not name.isidentifier():
        return False
    scope = loop
    while scope is not None and scope.type != "module":
        scope = scope.parent
    for top in scope.named_children if scope is not None else ():
        holders = [top] + ([c for c in top.named_children if c.type == "block"]
                           if top.type == "class_definition" else [])
        for holder in holders:
            for stmt in holder.named_children if holder.type == "block" else [holder]:
                expr = stmt.named_children[0] if stmt.type == "expression_statement" \
                    and stmt.named_children else None
                if expr is not None and expr.type == "assignment" and \
                        text(expr.child_by_field_name("left")) == name:
                    value = expr.child_by_field_name("right")
                    return value is not None and value.type in ("tuple", "list", "set")
    return False


LOOPS = ("for_statement", "while_statement", "list_comprehension", "set_comprehension",
            "dictionary_comprehension", "generator_expression")


def in_loop(node, stop=None) -> bool:
    """Does ``node`` run on every turn of some loop (below ``stop``, when given)? Not a
    ``for``'s iterable, a comprehension's first iterable or a loop's ``else`` clause,
    which run once; nor a ``for`` over a fixed handful of values."""
    child = node
    for n in ancestors(node):
        if n == stop:
            return False
        if n.type in LOOPS and _repeats(n, child, node) and not (
                n.type == "for_statement" and _constant_iterable(n)):
            return True
        child = n
    return False


def function_and_loop(node, around=None):
    """(the innermost def or lambda around ``node``, or None at module or class level; is
    there a loop between them, or, with no function, anywhere around ``node``?), in one
    walk up the tree rather than one per question. ``around``: the ancestors of those
    kinds, innermost first, when known (``languages.holders``)."""
    loop, in_class = False, False
    for p in around if around is not None else ancestors(node):
        if p.type in LOOPS:
            loop = True
        elif p.type == "class_definition":
            in_class = True  # class level: no function, but a loop anywhere around counts
        elif p.type in ("function_definition", "lambda") and not in_class:
            return p, loop
    return None, loop


def splat_name(fn) -> str:
    """The name of ``fn``'s `*args` parameter, "" when it has none."""
    params = fn.child_by_field_name("parameters")
    for p in (params.named_children if params is not None else []):
        splat = p if p.type == "list_splat_pattern" else next(
            (c for c in p.named_children if c.type == "list_splat_pattern"), None) \
            if p.type == "typed_parameter" else None
        if splat is not None and splat.named_children:
            return text(splat.named_children[0])
    return ""


def not_implemented(body) -> bool:
    """Is a function ``body`` (a block) only `raise NotImplementedError(...)`, after a
    docstring perhaps: an abstract method, whose overrides do the work?"""
    stmts = [c for c in body.named_children if c.type != "comment"]
    if stmts and stmts[0].type == "expression_statement" and stmts[0].named_children \
            and stmts[0].named_children[0].type == "string":
        stmts = stmts[1:]
    return len(stmts) == 1 and stmts[0].type == "raise_statement" \
        and text(stmts[0]).removeprefix("raise").strip().startswith("NotImplementedError")
