"""Go functions and methods that run once per process, traced across the files of a
package from its entries: the read ``reads["go-once"]`` (the qualified names, "F" or
"T.M", of such functions in a file), which makes their code the program's main for
``owners_go`` (what they hold lives to the exit, and the context policy judges them as a
program's entry).

Only the rules that declare the read (``[options] reads = "go-once"``) see it: a ticker,
a timer or a goroutine that such a function starts is meant to run for the whole process,
while a file or a cancel function it leaves behind is still a leak its maintainers fix
(``analyze.FileContext.reads_for``).

Entries: ``main`` of package main, every ``init``, and ``TestMain`` (once per test
binary). From a function that runs once, a call that is not in a loop and not in a
closure that may run any number of times runs its callee once: ``F()``, ``r.M()`` on the
method's receiver, ``x.M()`` on a local whose type the function shows (``x := &T{...}``,
``T{...}``, ``new(T)``, ``var x T``, or ``x := F(...)`` with F of the package returning
``T`` or ``*T``), ``go F()`` and ``defer F()`` (once, in a goroutine or at the return).

A function is once only when every call of it the package shows comes from a once
function and not from a loop; a function used as a value (handed to a router, stored), or
a method named by a call on a value of unknown type, may run any number of times. The
package's tests re-run its parts on purpose: their calls count only for functions of
test files (reached from ``TestMain``).
"""

from __future__ import annotations

import bisect

from ..languages import captures, nearest
from ..languages.go_syntax import package_name, receiver_of, receiver_type, text
from ..languages.go_types import made_by
from . import once_trace
from .go_cli import (CLI_ACTIONS, KONG, cli_literal, ended_by_actions, final_call,
                     has_commands)
from .go_build import build_constraint, can_build
from .lifetimes import is_test_path
from .owners_go import ACTION_MARK

READ = "go-once"  # both the rule option naming the read and its key in the reads
# the functions a command-line framework's command runs once: an error they return ends
# the command (handles.py leaves out what only an error return leaks there)
COMMAND_READ = "go-command"
# the helpers of a package's test files that one test runs once and nothing else runs:
# what they hold is that test's single handle, not one more per test (contexts.py)
TEST_READ = "go-test-once"
# ...which also names, so marked, the helpers only TestMain runs (once per test binary)
SET_UP_MARK = "^"
# the functions the test runner runs once per run (a benchmark runs again for each b.N)
TEST_PREFIXES = ("Test", "Example")
# a program that serves or waits to be stopped runs until it is stopped: of its functions,
# only those its entries run once end its run with an error they return; the others (a
# handler, a loop's step, a service its supervisor restarts) run again and again
DAEMON_READ = "go-daemon"
# what a long-running program's code says: it serves, accepts, waits for a signal or blocks
SERVING = (b"ListenAndServe", b".Serve(", b".Accept()", b"signal.Notify", b"select {}")
READS = (READ, COMMAND_READ, TEST_READ, DAEMON_READ)
ENTRIES = ("main", "init", "TestMain")
# kong declares commands as struct types and runs the selected one's methods by name:
# in a package importing it, these methods are the command's (``go_cli.KONG``)
KONG_METHODS = ("Run", "BeforeReset", "BeforeResolve", "BeforeApply", "AfterApply",
                "AfterRun")
DECLARATIONS = ("function_declaration", "method_declaration")


# -- one file's facts (plain data) ---------------------------------------------------

def _pointee(node):
    """The type under pointers and parentheses (`*T`, `(*T)` -> `T`)."""
    while node is not None and node.type in ("pointer_type", "parenthesized_type"):
        node = node.named_children[0] if node.named_children else None
    return node


def _named_type(node) -> str:
    """`T` of `T`, `*T`, `pkg.T` is not the package's (""), `T[K]` -> T."""
    node = _pointee(node)
    if node is not None and node.type == "generic_type":
        node = node.child_by_field_name("type")
    return text(node) if node is not None and node.type == "type_identifier" else ""


def _value_type(value) -> str:
    """The package type a value makes (`&T{}`, `T{}`, `new(T)`), or "F()" for the result
    of a call of the package's function F; "" when unknown."""
    made = made_by(value)
    if made is None or made[1] is None:
        return ""
    kind, node = made
    if kind == "type":
        return _named_type(node)
    return text(node) + "()" if node.type == "identifier" else ""


class _Nodes:
    """The nodes a file's facts read, from one query pass over the file (not a walk of
    every node in Python): calls, local declarations, keyed elements and the names that
    may be used as values, each list in source order (outer before inner)."""

    QUERY = """
    (call_expression) @call
    (short_var_declaration) @decl
    (var_spec) @decl
    (keyed_element) @keyed
    (for_statement) @loop
    (func_literal) @loop
    (argument_list [(identifier) (selector_expression)] @value)
    (expression_list [(identifier) (selector_expression)] @value)
    (literal_element [(identifier) (selector_expression)] @element)
    """

    def __init__(self, root):
        self.root = root
        found = captures("go", self.QUERY, root)
        self._lists, self._starts = {}, {}
        for name in ("call", "decl", "keyed", "loop", "value", "element"):
            nodes = sorted(found.get(name, ()), key=lambda n: (n.start_byte, -n.end_byte))
            self._lists[name] = nodes
            self._starts[name] = [n.start_byte for n in nodes]

    def inside(self, kind: str, node) -> list:
        """The nodes of ``kind`` strictly inside ``node``, in source order."""
        nodes, starts = self._lists[kind], self._starts[kind]
        lo = bisect.bisect_left(starts, node.start_byte)
        hi = bisect.bisect_left(starts, node.end_byte, lo)
        return [n for n in nodes[lo:hi] if n.end_byte <= node.end_byte and n != node]


def _local_types(fn, nodes: _Nodes) -> dict:
    """{name: type} of the locals ``fn`` declares once (not in a function literal nested
    in it), each typed from its value or its declared type ("" when unknown)."""
    found: dict = {}
    for n in nodes.inside("decl", fn):
        if nearest(n, ("func_literal",), stop=fn) is not None:
            continue
        if n.type == "short_var_declaration":
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            names = [text(x) for x in (left.named_children if left is not None else ())]
            values = right.named_children if right is not None else []
            for name, value in zip(names, values if len(values) == len(names) else [None] * len(names)):
                found.setdefault(name, []).append(_value_type(value) if value is not None else "")
        else:  # var_spec
            declared = _named_type(n.child_by_field_name("type"))
            value = n.child_by_field_name("value")
            values = value.named_children if value is not None else []
            for x in n.children_by_field_name("name"):
                found.setdefault(text(x), []).append(
                    declared or (_value_type(values[0]) if len(values) == 1 else ""))
    return {name: kinds[0] for name, kinds in found.items() if len(kinds) == 1}


def _receivers(fn) -> dict:
    """{receiver name: its type} of a method declaration (empty for anything else)."""
    recv = fn.child_by_field_name("receiver") if fn.type == "method_declaration" else None
    if recv is None:
        return {}
    owner = receiver_type(fn)
    return {text(n): owner for p in recv.named_children for n in p.children_by_field_name("name")}


def _repeating(literal) -> bool:
    """Does a function literal's code run other than once where it is written: anything
    but `func() {...}()` (`go func() {...}()` included)?"""
    call = literal.parent
    return call is None or call.type != "call_expression" or \
        call.child_by_field_name("function") != literal


def _calls_of(fn, within, nodes: "_Nodes") -> list:
    """[(call, repeats)] for the calls in ``within`` (``fn`` or its body), in source
    order; ``repeats``: may the call run more than once per run of ``fn`` (in a loop, or
    in a closure that is not called right where it is written)? One sweep with the
    regions that repeat, which nest."""
    regions = [r for r in nodes.inside("loop", fn) if r.type == "for_statement" or _repeating(r)]
    out, open_ends, i = [], [], 0
    for call in nodes.inside("call", within):
        while i < len(regions) and regions[i].start_byte <= call.start_byte:
            open_ends.append(regions[i].end_byte)
            i += 1
        while open_ends and open_ends[-1] < call.end_byte:
            open_ends.pop()
        out.append((call, bool(open_ends)))
    return out


def _callee(call, fn, local: "_Local") -> str:
    """"F", "T.M", "F().M" (a method on what F returns), ".M" (a method of a value of
    unknown type) or "" for what a call runs in ``fn``."""
    target = call.child_by_field_name("function")
    if target is None:
        return ""
    if target.type == "identifier":
        return text(target)
    if target.type != "selector_expression":
        return ""
    operand, field = target.child_by_field_name("operand"), target.child_by_field_name("field")
    if field is None:
        return ""
    method = text(field)
    if operand is not None and operand.type == "identifier":
        name = text(operand)
        owner = local.receiver(call, fn, name) or local.types(fn).get(name, "")
        if owner:
            return f"{owner}.{method}"
    return "." + method


class _Local:
    """What ``_callee`` asks of a function, worked out once per function: the types of
    its locals and of its receiver."""

    def __init__(self, nodes: _Nodes):
        self.nodes = nodes
        self._types: dict = {}
        self._receivers: dict = {}

    def types(self, fn) -> dict:
        if fn.id not in self._types:
            self._types[fn.id] = _local_types(fn, self.nodes)
        return self._types[fn.id]

    def receiver(self, call, fn, name: str) -> str:
        if fn.type == "func_literal":  # an action's literal: its receiver is around it
            return receiver_of(call, name)
        if fn.id not in self._receivers:
            self._receivers[fn.id] = _receivers(fn)
        return self._receivers[fn.id].get(name, "")


def file_facts(root, data: bytes) -> dict:
    """"package" and "build" (its clause and build constraint); "functions": {key:
    [[callee, repeats], ...]} (keys "F", "T.M"; several ``init`` of a file are one key;
    "@N" for the function literal at byte N given as a command's action); "results":
    {F: T} (a function whose first result is the package's T or *T); "values": ["F" |
    ".M"] (functions and methods named without being called: handed on, stored);
    "actions": the keys of the functions a command-line framework's command runs; "kong":
    does the file import kong (whose commands' methods are actions by their names);
    "finals": {key: callee} the call each function (and action literal) ends with
    (``go_cli``); "serves": does its text say it runs until stopped (``serves``)."""
    functions, results, values = {}, {}, []
    nodes = _Nodes(root)
    local = _Local(nodes)
    finals: dict = {}
    actions = _actions(data, functions, local, finals)
    # an action written as a function literal runs as its own "@N" (once), not as a
    # closure of the function that writes it
    literals = [(v.start_byte, v.end_byte) for v in actions if v.type == "func_literal"]
    for fn in root.named_children:
        if fn.type not in DECLARATIONS:
            continue
        name = text(fn.child_by_field_name("name"))
        owner = receiver_type(fn)
        key = f"{owner}.{name}" if owner else name
        calls = functions.setdefault(key, [])
        result = fn.child_by_field_name("result")
        if not owner and result is not None:
            first = result.named_children[0] if result.type == "parameter_list" and \
                result.named_children else result
            if first is not None and first.type == "parameter_declaration":
                first = first.child_by_field_name("type")
            t = _named_type(first)
            if t:
                results[name] = t
        body = fn.child_by_field_name("body")
        if body is None:
            continue
        final = final_call(fn)
        if final is not None and _callee(final, fn, local):
            finals[key] = _callee(final, fn, local)
        for n, repeats in _calls_of(fn, body, nodes):
            callee = _callee(n, fn, local)
            if callee and not any(a <= n.start_byte < b for a, b in literals):
                calls.append([callee, repeats])
        for n in nodes.inside("value", body) + [
                e for e in nodes.inside("element", body) if not _literal_key(e)]:
            if n not in actions:
                values.append(text(n) if n.type == "identifier" else
                              "." + text(n.child_by_field_name("field")))
    return {"package": package_name(root), "build": build_constraint(data),
            "functions": functions, "results": results, "values": sorted(set(values)),
            "actions": sorted({k for k in actions.values()}), "kong": KONG in data,
            "finals": finals, "serves": serves(data)}


def _actions(data: bytes, functions: dict, local: _Local, finals: dict) -> dict:
    """{value node: key} of the functions named (or written) as a command's action in a
    command-line framework's literal (`&cobra.Command{RunE: run}`, `[]*cli.Command{{Action:
    send}}`); an action written as a function literal gets the key "@N" in ``functions``,
    with its calls, and in ``finals`` the call it ends with (``go_cli``)."""
    if not has_commands(data):
        return {}
    out = {}
    for n in local.nodes.inside("keyed", local.nodes.root):
        if len(n.named_children) != 2:
            continue
        key, value = (c.named_children[0] if c.type == "literal_element" and c.named_children
                      else c for c in n.named_children)
        if text(key) not in CLI_ACTIONS or not cli_literal(n.parent):
            continue
        if value.type == "identifier":
            out[value] = text(value)
        elif value.type == "func_literal":
            calls = functions.setdefault(f"@{value.start_byte}", [])
            for c, repeats in _calls_of(value, value.child_by_field_name("body") or value,
                                        local.nodes):
                callee = _callee(c, value, local)
                if callee:
                    calls.append([callee, repeats])
            out[value] = f"@{value.start_byte}"
            final = final_call(value)
            if final is not None and _callee(final, value, local):
                finals[out[value]] = _callee(final, value, local)
    return out


def _literal_key(node) -> bool:
    """Is ``node`` (an element of a composite literal) the key of a keyed element: a
    struct literal's field name (`Run: f`)? A map's key is never a function, which Go
    cannot compare. Any other element, argument, assigned or returned name is a value."""
    parent = node.parent
    return parent is not None and parent.type == "literal_element" \
        and parent.parent is not None and parent.parent.type == "keyed_element" \
        and parent.parent.child_by_field_name("key") == parent


# -- the trace over a package --------------------------------------------------------

def trace(directory: dict, read: str = READ) -> dict:
    """{path: sorted once keys} over the files of one directory: ``directory`` {path: the
    file's ``file_facts``, or None when it could not be read in time: then nothing is
    known}. Each package of the directory (the files with one package clause whose build
    constraint can hold: a `//go:build ignore` program is none) is traced on its own.
    ``read`` says where the trace starts: ``READ``, from main, init and TestMain;
    ``COMMAND_READ``, from the package's command actions, which are in the answer
    themselves; ``TEST_READ``, from the test functions of the package's test files,
    keeping only the functions exactly one call runs; ``DAEMON_READ``, from main, for a
    package main that runs until stopped (``serves``): every one of its files, with the
    functions its entries run once (main among them)."""
    if any(f is None for f in directory.values()):
        return {}
    packages: dict = {}
    for path, f in directory.items():
        if can_build(f["build"]):
            packages.setdefault(f["package"], {})[path] = f
    out: dict = {}
    for facts in packages.values():
        out.update(_trace_package(facts, read))
    return out


def _entries(facts: dict, tests: set) -> set:
    return {(p, k) for p, f in facts.items() for k in f["functions"]
            if k in ENTRIES and (k != "main" or (p not in tests and f["package"] == "main"))
            and (k != "TestMain" or p in tests)}


def _actions_of(facts: dict, tests: set, defined: dict, kong: bool) -> set:
    named = {(q, k) for p, f in facts.items() if p not in tests for k in f.get("actions", ())
             for q in defined.get(k, ()) if q not in tests}
    if kong:
        named |= {(p, k) for p, f in facts.items() if p not in tests for k in f["functions"]
                  if "." in k and k.rsplit(".", 1)[1] in KONG_METHODS}
    return named


def _test_functions(facts: dict, tests: set) -> set:
    return {(p, k) for p in tests for k in facts[p]["functions"]
            if k.startswith(TEST_PREFIXES) and k != "TestMain" and "." not in k}


def _trace_package(facts: dict, read: str) -> dict:
    commands, by_test = read == COMMAND_READ, read == TEST_READ
    tests = {p for p in facts if is_test_path(p, "go")}
    daemon = read == DAEMON_READ
    if daemon and not any(f["package"] == "main" and f.get("serves")
                          for p, f in facts.items() if p not in tests):
        return {}
    defined: dict = {}  # key -> files defining it
    results: dict = {}
    for path, f in facts.items():
        for key in f["functions"]:
            defined.setdefault(key, set()).add(path)
        results.update(f["results"])
    kong = commands and any(f.get("kong") for p, f in facts.items() if p not in tests)
    starts = _actions_of(facts, tests, defined, kong) if commands else \
        _test_functions(facts, tests) if by_test else _entries(facts, tests)
    if not starts:
        return {}

    def targets(callee: str) -> list:
        if callee.startswith("."):
            return []
        head, dot, method = callee.partition(".")
        if head.endswith("()"):
            made = results.get(head[:-2])
            key = f"{made}.{method}" if made and dot else ""
        else:
            key = callee
        if key in ENTRIES:
            return []  # main and init are not called by name; a local closure may be
        return [(p, key) for p in sorted(defined.get(key, ()))]

    methods: dict = {}  # ".M" -> the keys "T.M" of every method named M
    for k in defined:
        if "." in k:
            methods.setdefault("." + k.rsplit(".", 1)[1], set()).add(k)
    unknown = set()  # keys any number of runs may reach: values, methods of unknown values
    for f in facts.values():
        for v in f["values"]:
            unknown |= methods.get(v, set()) if v.startswith(".") else {v} & defined.keys()
        for calls in f["functions"].values():
            for callee, repeats in calls:
                if "." in callee and not targets(callee):
                    method = callee.rsplit(".", 1)[1]
                    if kong and not repeats and method in KONG_METHODS:
                        continue  # kong's context running the selected command (`ctx.Run()`)
                    # a method of a value whose type is not known here (or promoted from
                    # an embedded type): any method of that name may be the one it runs
                    unknown |= methods.get("." + method, set())
    banned = {(p, k) for k in unknown for p in defined[k]}

    def edges(node) -> list:
        return [(t, repeats) for callee, repeats in facts[node[0]]["functions"][node[1]]
                for t in targets(callee)]

    def elsewhere(once) -> set:
        """The once functions called from a loop or from code that does not run once (a
        package's tests count only for the functions of test files)."""
        return {t for path, f in facts.items() for key in f["functions"]
                for t, repeats in edges((path, key))
                if t in once and t not in starts and (path not in tests or t[0] in tests)
                and (repeats or (path, key) not in once or (path, key) == t)}

    def shared(once) -> set:
        """The helpers more than one call runs (two tests, or one test twice), or a call
        that repeats or comes from code that is not one test's."""
        calls: dict = {}
        for path, f in facts.items():
            for key in f["functions"]:
                for t, repeats in edges((path, key)):
                    calls.setdefault(t, []).append(repeats or (path, key) not in once)
        return {t for t in once - starts if len(calls.get(t, ())) != 1 or calls[t][0]}

    once = once_trace.settle(starts, edges, shared if by_test else elsewhere, banned)
    if daemon:
        # a trace that does not settle knows nothing: the program is left one run
        return {} if once is None else {
            **{p: [] for p in facts if p not in tests},
            **once_trace.by_file([(p, k) for p, k in once if p not in tests
                                  and not k.startswith("@")])}
    roots = [(p, ACTION_MARK + k) for p, k in starts
             if (p, k) in (once or ()) and not k.startswith("@")] if commands else []
    if commands and once:
        roots += [(p, ACTION_MARK + k)
                  for p, k in ended_by_actions(facts, once, starts, edges, targets)]
    if by_test:  # and, marked, the helpers only TestMain runs: once per test binary
        mains = {(p, "TestMain") for p in tests if "TestMain" in facts[p]["functions"]}
        setup = once_trace.settle(mains, edges, elsewhere, banned) if mains else None
        roots = [(p, SET_UP_MARK + k) for p, k in setup or ()
                 if (p, k) not in mains and p in tests and not k.startswith("@")]
    return once_trace.by_file([(p, k) for p, k in once or ()
                               if (commands or (p, k) not in starts) and not k.startswith("@")
                               and (not by_test or p in tests)] + roots)


def directory_reads(here: dict, files: list, facts_of) -> list:
    """[(path, read, keys)] for the files ``here`` ({path: the reads asked}) over
    ``files`` (each with .path and .data: every Go file of their directory, an unreadable
    one skipped and said so); ``facts_of(file)``: its ``file_facts`` (None: unknown)."""
    files = [f for f in files if f.data is not None]
    kinds = traces(set().union(*here.values()), [f.data for f in files])
    if kinds == [TEST_READ]:
        # only test files call a test file's helpers: the others need not be read
        files = [f for f in files if is_test_path(f.path, "go")]
    facts = {f.path: facts_of(f) for f in files} if kinds else {}
    facts = {p: f if not f.get("unknown") and not f.get("skipped") else None
             for p, f in facts.items()}  # a file not read in time: nothing is known
    return [(path, read, keys) for read in kinds
            for path, keys in trace(facts, read).items() if read in here.get(path, ())]


def lifecycle_reads(path: str) -> set:
    """The reads a Go file with an active lifecycle rule asks: the command's (a command
    defined in any file of its package may run its functions once; ``traces`` parses the
    directory only when one of its files may define one), a long-running program's (only
    a package main whose text says so is parsed) and, in a test file, its tests'."""
    return {COMMAND_READ, TEST_READ} if is_test_path(path, "go") \
        else {COMMAND_READ, DAEMON_READ}


def traces(asked: set, texts: list) -> list:
    """The reads among ``asked`` worth tracing over a directory whose Go files hold
    ``texts``: one of them declares an entry (for ``go-once``), may define a command (for
    ``go-command``) or declares a test (for ``go-test-once``), or one declares main and
    one says it serves (for ``go-daemon``); a directory with none of them is not parsed.
    Only the reads asked are looked for."""
    found = {READ: lambda: any(map(has_entry, texts)),
             COMMAND_READ: lambda: any(map(has_commands, texts)),
             TEST_READ: lambda: any(map(has_tests, texts)),
             DAEMON_READ: lambda: any(b"func main(" in t for t in texts)
             and any(map(serves, texts))}
    return [read for read in READS if read in asked and found[read]()]


def has_entry(data: bytes) -> bool:
    """Does a Go file's text declare an entry (a cheap test before parsing a package)?"""
    return any(b"func " + e.encode() + b"(" in data for e in ENTRIES)


def serves(data: bytes) -> bool:
    """Does a Go file's text say that its program runs until it is stopped: it serves or
    accepts connections, waits for a signal, or blocks for ever (``SERVING``)?"""
    return any(s in data for s in SERVING)


def has_tests(data: bytes) -> bool:
    """Does a Go file's text declare a test function (a cheap test before parsing)?"""
    return any(b"func " + p.encode() in data for p in TEST_PREFIXES)
