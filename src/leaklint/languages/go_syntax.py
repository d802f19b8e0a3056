"""Small questions about tree-sitter-go nodes that adapters, facts and checks all ask."""

from __future__ import annotations

import bisect
import functools
import re

from . import matches, nearest, of_type, tree_root

FUNCTIONS = ("function_declaration", "method_declaration", "func_literal")

# calls after which control never comes back to the function
NORETURN_EXACT = {"panic", "os.Exit", "runtime.Goexit", "log.Fatal", "log.Fatalf", "log.Fatalln",
                  "log.Panic", "log.Panicf", "log.Panicln"}
NORETURN_METHODS = {"Fatal", "Fatalf", "Fatalln", "FailNow", "Skip", "Skipf", "SkipNow",
                    "Panic", "Panicf", "Panicln", "Exit"}


def text(node) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


def strip_parens(node):
    while node is not None and node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node


def body_statements(block) -> list:
    """Statements of a `block` (tree-sitter-go wraps them in a statement_list)."""
    out = []
    for child in block.named_children:
        if child.type == "statement_list":
            out.extend(child.named_children)
        elif child.type != "comment":
            out.append(child)
    return out


def callee_text(call) -> str:
    fn = call.child_by_field_name("function")
    if fn is None:
        return ""
    return fn.text.decode("utf-8", "replace").replace(" ", "").replace("\n", "").replace("\t", "")


def classifies_error(call) -> bool:
    """Is ``call`` a predicate over one error (`os.IsNotExist(err)`, `fs.IsTimeout(err)`)?
    By the convention of such predicates it holds only for a non-nil error."""
    name = callee_text(call).rsplit(".", 1)[-1]
    args = call.child_by_field_name("arguments")
    return len(name) > 2 and name.startswith("Is") and name[2].isupper() \
        and args is not None and len([a for a in args.named_children if a.type != "comment"]) == 1


def enclosing_function(node):
    return nearest(node, FUNCTIONS)


def own_nodes(root):
    """Every node under ``root`` that belongs to the same function (not to a func literal
    nested in it), root first; an explicit stack, no recursion."""
    stack = [root]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(c for c in reversed(n.named_children) if c.type != "func_literal")


def channel_operation(expr):
    """The channel operation ``expr`` is the channel of: "send" (`expr <- v`), "receive"
    (`<-expr`), "range" (`range expr`), "close" (`close(expr)`), or None."""
    p = expr.parent
    if p is None:
        return None
    if p.type == "send_statement" and p.child_by_field_name("channel") == expr:
        return "send"
    if p.type == "unary_expression" and p.child_by_field_name("operand") == expr \
            and text(p.child_by_field_name("operator")) == "<-":
        return "receive"
    if p.type == "range_clause" and p.child_by_field_name("right") == expr:
        return "range"
    if p.type == "argument_list" and callee_text(p.parent) == "close" and p.named_children[:1] == [expr]:
        return "close"
    return None


def is_literal_key(node) -> bool:
    """Is this identifier the field name of a keyed element (`T{cancel: cancel}`'s first)?"""
    p = node.parent
    if p is not None and p.type == "literal_element":
        node, p = p, p.parent
    return p is not None and p.type == "keyed_element" and p.named_children[0] == node


def own_of_type(fn, types: tuple) -> list:
    """The nodes of ``types`` among ``own_nodes(fn)``, in the same order, from the file's
    query pass (``languages.of_type``), less those in a func literal of ``fn``."""
    out, spans = [fn] if fn.type in types else [], []  # spans: fn's outermost literals
    for lit in of_type(fn, ("func_literal",)):
        if not spans or lit.start_byte >= spans[-1][1]:
            spans.append((lit.start_byte, lit.end_byte))
    starts = [start for start, _ in spans]
    for n in of_type(fn, types):
        i = bisect.bisect_right(starts, n.start_byte) - 1
        start, end = spans[i] if i >= 0 else (0, -1)
        if (start, end) == (n.start_byte, n.end_byte):  # the literal, or of its bounds
            out.extend([n] if _owner_is(n, fn) else [])
        elif n.end_byte > end:
            out.append(n)
    return out


def _owner_is(node, fn) -> bool:
    owner = nearest(node, FUNCTIONS)
    return owner is not None and owner.id == fn.id


def root_identifier(expr):
    """`resp` of `resp.Body.Close`, `f` of `f`; None for anything else."""
    while expr is not None and expr.type in ("selector_expression", "parenthesized_expression"):
        expr = (expr.child_by_field_name("operand") if expr.type == "selector_expression"
                else (expr.named_children[0] if expr.named_children else None))
    return expr if expr is not None and expr.type == "identifier" else None


def function_name(fn) -> str:
    name = fn.child_by_field_name("name") if fn is not None else None
    return name.text.decode() if name is not None else ""


def parameter_names(fn) -> list[str]:
    """A function's or literal's parameter names in order ("_" for an unnamed one)."""
    params: list[str] = []
    plist = fn.child_by_field_name("parameters")
    for decl in (plist.named_children if plist is not None else []):
        names = decl.children_by_field_name("name")
        params.extend(n.text.decode() for n in names) if names else params.append("_")
    return params


def receiver_names(fn) -> list[str]:
    """The receiver's name of a method (`s` of `func (s *T) M()`), none for a function."""
    recv = fn.child_by_field_name("receiver") if fn is not None else None
    return [text(n) for d in (recv.named_children if recv is not None else [])
            for n in d.children_by_field_name("name")]


def declared_names(fn) -> set:
    """Names ``fn`` declares anywhere in it (parameters, receivers, :=, var, range :=)."""
    out = set()
    stack = [fn]
    while stack:
        n = stack.pop()
        if n.type == "parameter_declaration":
            out.update(text(x) for x in n.children_by_field_name("name"))
        elif n.type == "short_var_declaration":
            left = n.child_by_field_name("left")
            out.update(text(x) for x in (left.named_children if left is not None else []))
        elif n.type == "var_spec":
            out.update(text(x) for x in n.children_by_field_name("name"))
        elif n.type == "range_clause" and any(c.type == ":=" for c in n.children):
            left = n.child_by_field_name("left")
            out.update(text(x) for x in (left.named_children if left is not None else []))
        stack.extend(n.named_children)
    return out


def outer_locals(fn) -> set:
    """Names declared by the functions that enclose the func literal ``fn``."""
    out = set()
    f = enclosing_function(fn)
    while f is not None:
        out |= declared_names(f)
        f = enclosing_function(f)
    return out


def package_name(root) -> str:
    clause = next((c for c in root.named_children if c.type == "package_clause"), None)
    if clause is None or not clause.named_children:
        return ""
    return clause.named_children[0].text.decode("utf-8", "replace")


def receiver_type(fn) -> str:
    """`T` of `func (x *T) M()`, `T` of `func (T[K]) M()`; "" for a function."""
    if fn is None or fn.type != "method_declaration":
        return ""
    recv = fn.child_by_field_name("receiver")
    for p in (recv.named_children if recv is not None else []):
        t = p.child_by_field_name("type")
        if t is not None:
            name = text(t).lstrip("*").strip()
            return name.split("[", 1)[0].strip()
    return ""


@functools.lru_cache(maxsize=64)
def _compiled(pattern: str):
    try:
        return re.compile(pattern)
    except re.error:
        return None


def string_args_match(call, patterns, fn=None) -> bool:
    """Does a string argument of ``call`` match one of ``patterns`` (regexes)?

    An identifier argument counts by the string literals assigned to it in ``fn``."""
    args = call.child_by_field_name("arguments")
    if not patterns or args is None:
        return False
    texts = []
    for a in args.named_children:
        if a.type in ("interpreted_string_literal", "raw_string_literal"):
            texts.append(a.text.decode("utf-8", "replace")[1:-1])
        elif a.type == "identifier" and fn is not None:
            texts.extend(_assigned_strings(fn, a.text.decode()))
    rxs = [rx for rx in map(_compiled, patterns) if rx is not None]
    return any(rx.search(t) for t in texts for rx in rxs)


def _assigned_strings(fn, name: str) -> list[str]:
    """String literals assigned to ``name`` (`name := "..."`, `name = "..."`) in ``fn``."""
    q = ("[(short_var_declaration left: (expression_list . (identifier) @n)"
         " right: (expression_list . [(interpreted_string_literal) (raw_string_literal)] @v))"
         " (assignment_statement left: (expression_list . (identifier) @n)"
         " right: (expression_list . [(interpreted_string_literal) (raw_string_literal)] @v))]")
    return [caps["v"][0].text.decode("utf-8", "replace")[1:-1]
            for _, caps in matches("go", q, fn) if caps["n"][0].text.decode() == name]


def used_as_plain_value(fn, handle: str) -> bool:
    """Is ``handle`` ranged over, indexed or measured with len in ``fn``, or compared with
    or joined to a string literal? Then it is a slice, a map (an ORM's query result) or a
    string (a test client's JSON answer), not a handle such as sql.Rows."""
    q = ("[(range_clause right: (identifier) @h) (index_expression operand: (identifier) @h)"
         " (call_expression function: (identifier) @f arguments: (argument_list . (identifier) @h)"
         " (#eq? @f \"len\"))"
         " (binary_expression left: (identifier) @h"
         "  right: [(interpreted_string_literal) (raw_string_literal)])"
         " (binary_expression left: [(interpreted_string_literal) (raw_string_literal)]"
         "  right: (identifier) @h)]")
    return any(caps["h"][0].text.decode() == handle for _, caps in matches("go", q, fn))


def asserted_false(call) -> bool:
    """Is ``call`` the checked argument of a test assertion that it returns false?"""
    args = call.parent
    outer = args.parent if args is not None and args.type == "argument_list" else None
    return outer is not None and outer.type == "call_expression" \
        and callee_text(outer).rsplit(".", 1)[-1] in ("False", "Falsef")


ERROR_ASSERTIONS = ("Error", "Errorf", "ErrorIs", "ErrorAs", "ErrorContains", "EqualError")


def expects_error(stmt, err: str | None, assertions=ERROR_ASSERTIONS) -> bool:
    """Is ``stmt`` a test assertion that ``err`` is an error (so success fails the test)?
    (Or, with other ``assertions``, another claim on that name, such as `Nil`.)"""
    if err is None or stmt is None or stmt.type != "expression_statement" \
            or not stmt.named_children:
        return False
    call = stmt.named_children[0]
    if call.type != "call_expression":
        return False
    name = callee_text(call).rsplit(".", 1)[-1]
    args = call.child_by_field_name("arguments")
    return (name in assertions
            and "." in callee_text(call) and args is not None
            and any(a.type == "identifier" and a.text.decode() == err for a in args.named_children))


def expects_failure(stmt, err: str | None, handle: str, count: int = 2) -> bool:
    """Does one of the ``count`` statements from ``stmt`` on assert that the acquisition
    failed: that ``err`` is an error, or that ``handle`` is nil (`assert.Nil(t, conn)`)?
    A test then passes only when there is no handle."""
    for _ in range(count):
        while stmt is not None and stmt.type == "comment":
            stmt = stmt.next_named_sibling
        if stmt is None:
            return False
        if expects_error(stmt, err) or expects_error(stmt, handle, ("Nil", "Nilf")):
            return True
        stmt = stmt.next_named_sibling
    return False


def is_noreturn(call) -> bool:
    name = callee_text(call)
    if name in NORETURN_EXACT:
        return True
    return "." in name and name.rsplit(".", 1)[1] in NORETURN_METHODS


# ``receiver_of``'s ``around`` when the caller has not found the declaration itself
FIND = object()


def receiver_of(node, name: str, around=FIND) -> str:
    """The type of the method whose receiver is called ``name`` around ``node``;
    ``around``: the function or method declaration around ``node`` (None: none), when
    the caller knows it."""
    fn = around
    if fn is FIND:
        fn = enclosing_function(node)
        while fn is not None and fn.type == "func_literal":
            fn = enclosing_function(fn)
    if fn is None or fn.type != "method_declaration":
        return ""
    recv = fn.child_by_field_name("receiver")
    for p in (recv.named_children if recv is not None else []):
        if any(n.text.decode() == name for n in p.children_by_field_name("name")):
            return receiver_type(fn)
    return ""


def identifier_arguments(call) -> list[int]:
    """Positions (comments left out) of the call's arguments that are plain names: the
    only ones through which a tracked handle is passed."""
    args = call.child_by_field_name("arguments")
    listed = [c for c in (args.named_children if args is not None else []) if c.type != "comment"]
    return [i for i, c in enumerate(listed) if c.type == "identifier"]


IN_MEMORY_TYPES = ("bytes.Buffer", "strings.Builder")
IN_MEMORY_MAKERS = ("bytes.NewBuffer", "bytes.NewBufferString")
# writers that keep nothing of what they are given
DISCARDING = ("io.Discard", "ioutil.Discard")


def in_memory_target(call, fn) -> bool:
    """Is the first argument of ``call`` an in-memory buffer (`&buf` of a local
    `bytes.Buffer`, `new(bytes.Buffer)`, `bytes.NewBuffer(...)`, a local only ever made
    so, or `&x.buf` of a field declared `bytes.Buffer`), `io.Discard`, or the writer a parameter of
    ``fn`` brings (the caller's, which the caller closes)? A writer wrapping it then holds
    no OS resource of its own."""
    args = call.child_by_field_name("arguments")
    first = args.named_children[0] if args is not None and args.named_children else None
    return first is not None and _in_memory(first, fn, 0)


def _in_memory(expr, fn, depth: int) -> bool:
    expr = strip_parens(expr)
    if expr.type == "unary_expression" and text(expr).startswith("&"):
        expr = strip_parens(expr.child_by_field_name("operand"))
    if expr.type == "composite_literal":
        return text(expr.child_by_field_name("type")) in IN_MEMORY_TYPES
    if expr.type == "call_expression":
        callee = callee_text(expr)
        if callee == "new":
            args = expr.child_by_field_name("arguments")
            return args is not None and text(args).strip("()").strip() in IN_MEMORY_TYPES
        return callee in IN_MEMORY_MAKERS
    if expr.type == "selector_expression":
        return text(expr) in DISCARDING or _in_memory_field(expr, fn)
    if expr.type != "identifier" or depth > 2:
        return False
    made = local_values(fn, text(expr))
    if made is None:
        return depth == 0 and _kept_parameter(fn, text(expr))
    return all(v is not None and _in_memory(v, fn, depth + 1) for v in made)


def _kept_parameter(fn, name: str) -> bool:
    """Is ``name`` a parameter of ``fn`` that ``fn`` never assigns?"""
    return name in parameter_names(fn) and not any(
        text(n) == name for a in own_of_type(fn, ("assignment_statement",))
        for n in a.child_by_field_name("left").named_children)


def _in_memory_field(expr, fn) -> bool:
    """`x.buf` where every field of that name the file's struct types declare is an
    in-memory buffer (`buf bytes.Buffer`)."""
    field = expr.child_by_field_name("field")
    if field is None:
        return False
    root = tree_root(fn)
    types = [text(caps["d"][0].child_by_field_name("type"))
             for _, caps in matches("go", "(field_declaration) @d", root)
             if any(text(n) == text(field) for n in caps["d"][0].children_by_field_name("name"))]
    return bool(types) and all(t in IN_MEMORY_TYPES for t in types)


def local_values(fn, name: str) -> list | None:
    """What ``fn`` assigns to the local ``name``: the value expressions (None for one
    that is not known, or a declaration without a value, unless its type is an in-memory
    buffer, whose zero value is one); None when the name is not declared in ``fn``."""
    out, declared = [], False
    for node in own_of_type(fn, ("var_spec", "short_var_declaration", "assignment_statement")):
        if node.type == "var_spec" and any(text(n) == name for n in node.children_by_field_name("name")):
            declared = True
            value = node.child_by_field_name("value")
            if value is not None:
                out.extend(value.named_children)
            elif text(node.child_by_field_name("type")) not in IN_MEMORY_TYPES:
                out.append(None)
        elif node.type in ("short_var_declaration", "assignment_statement"):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                continue
            names = [text(n) for n in left.named_children]
            if name in names:
                declared |= node.type == "short_var_declaration"
                values = right.named_children
                out.append(values[names.index(name)] if len(values) == len(names) else None)
    return out if declared else None


# golangci-lint's directive: `//nolint` (every linter) or `//nolint:a,b // why`
_NOLINT = re.compile(rb"//\s*nolint\b(?::([A-Za-z0-9_,\- ]+))?")


def nolint_linters(data: bytes, node) -> set | None:
    """The linters a `//nolint` directive turns off for ``node``'s line: at the end of that
    line, or alone on the line before (golangci-lint's placements); {"all"} for a bare
    `//nolint`, None when there is none."""
    lines = data.split(b"\n", node.start_point[0] + 1)
    row = node.start_point[0]
    found = None
    for i in (row, row - 1):
        if i < 0 or i >= len(lines):
            continue
        line = lines[i]
        if i == row - 1 and not line.lstrip().startswith(b"//"):
            continue
        for m in _NOLINT.finditer(line):
            names = m.group(1)
            found = (found or set()) | ({n.strip().decode() for n in names.split(b",") if n.strip()}
                                        if names else {"all"})
    return found


# calls that make an error value to report
ERROR_MAKERS = re.compile(r"^(?:errors\.(?:New|Newf|Errorf|Wrap|Wrapf|WithMessage|WithStack|Join)"
                          r"|fmt\.Errorf|[A-Za-z_.]*\.?(?:New|Wrap)[A-Za-z]*Error[A-Za-z]*)$")


def is_error_value(expr) -> bool:
    """Is ``expr`` plainly an error being reported: a variable named like one (`err`,
    `e`, `fooErr`, `errFoo`), an error-making call, or `&fooError{...}`?"""
    expr = strip_parens(expr)
    if expr.type == "identifier":
        name = text(expr)
        return name == "e" or name.startswith("err") or name.endswith(("err", "Err"))
    if expr.type == "call_expression":
        return bool(ERROR_MAKERS.match(callee_text(expr)))
    if expr.type == "unary_expression" and text(expr).startswith("&"):
        lit = strip_parens(expr.child_by_field_name("operand"))
        return lit.type == "composite_literal" and text(lit.child_by_field_name("type")).endswith("Error")
    return False


ROOT_CONTEXTS = ("context.Background()", "context.TODO()")


def root_context_parent(call) -> str:
    """`context.Background()` / `context.TODO()` when the parent a context derivation
    ``call`` takes (its first argument) is one of them, written so directly or through
    `context.WithValue(...)`: nothing registers with such a parent. Else ""."""
    args = call.child_by_field_name("arguments")
    first = args.named_children[0] if args is not None and args.named_children else None
    for _ in range(8):
        if first is None:
            return ""
        first = strip_parens(first)
        said = text(first).replace(" ", "")
        if said in ROOT_CONTEXTS:
            return said
        if first.type != "call_expression" or callee_text(first) != "context.WithValue":
            return ""
        args = first.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
    return ""


# methods of testing.T/B/TB that mark the test failed and let it go on
TEST_FAILURES = ("Error", "Errorf", "Fail")


def reports_test_failure(node) -> bool:
    """Is ``node`` a statement `t.Error(...)` / `t.Errorf(...)` / `t.Fail()` on a
    *testing.T, *testing.B or testing.TB parameter of an enclosing function?"""
    if node.type == "expression_statement" and node.named_children:
        node = node.named_children[0]
    if node.type != "call_expression":
        return False
    fn = node.child_by_field_name("function")
    if fn is None or fn.type != "selector_expression" \
            or fn.child_by_field_name("field").text.decode() not in TEST_FAILURES:
        return False
    recv = fn.child_by_field_name("operand")
    if recv.type != "identifier":
        return False
    name = recv.text.decode()
    f = enclosing_function(node)
    while f is not None:
        params = f.child_by_field_name("parameters")
        for p in (params.named_children if params is not None else ()):
            kind = p.child_by_field_name("type")
            if kind is not None and kind.text.decode().lstrip("*") in (
                    "testing.T", "testing.B", "testing.TB", "testing.F") \
                    and any(n.text.decode() == name for n in p.children_by_field_name("name")):
                return True
        f = enclosing_function(f)
    return False
