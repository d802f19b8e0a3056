"""Go owners for ``lifetimes``: which declaration owns the code at a node.

``main`` and ``init`` (and what they start: goroutines and closures inside them belong
to them), ``TestMain``, package-level ``var`` initialisers; in a program (package main),
a function whose return ends the program (main's last statement calls it) is part of
main's run, and so is any function or method the package's entries run once (the read
``go-once``, traced across the package's files by ``go_entry``, which only the rules
declaring it see); methods and other functions
own their locals for one call. Answers are ``(kind, name)`` pairs; ``lifetimes`` turns
them into an ``Owner``.
"""

from __future__ import annotations

from ..languages import nearest, tree_root, within
from ..languages.go_syntax import (body_statements, function_name, own_nodes, package_name,
                                   receiver_type, root_identifier, text)

ONCE = "go-once"  # the read naming the functions that run once per process (facts/go_entry.py)
COMMAND = "go-command"  # the read naming the functions a command's action runs once (go_entry)
ACTION_MARK = "!"  # marks there the command actions themselves among what they run
# the read naming, for the files of a program that runs until it is stopped, the functions
# its entries run once (go_entry.DAEMON_READ)
DAEMON = "go-daemon"
TOP_FUNCTIONS = {"main": "main", "init": "init", "TestMain": "test-main"}


def _top_declaration(node):
    """The declaration directly under the source file that holds ``node``."""
    n = node
    while n.parent is not None and n.parent.type != "source_file":
        n = n.parent
    return n


def owner_kind(node, path: str, reads=None) -> tuple[str, str]:
    """``reads["go-once"]``: the functions and methods of the file that run once per
    process, traced across the package from its entries (``go_entry``)."""
    top = _top_declaration(node)
    once = (reads or {}).get(ONCE, ())
    if top.type == "function_declaration":
        name = function_name(top)
        if name not in TOP_FUNCTIONS and (name in once or ends_the_run(top)):
            return "main", name
        return TOP_FUNCTIONS.get(name, "function"), name
    if top.type == "method_declaration":
        return "main" if _key(top) in once else "function", function_name(top)
    if top.type in ("var_declaration", "const_declaration"):
        return "init", ""  # package var initialisers run once, before main
    return "package", ""


def is_command_action(fn, reads) -> bool:
    """Is the declaration ``fn`` a command-line framework's command action itself (not a
    function it calls)? When it returns, the command's run is over."""
    return runs_the_command(fn, reads, ACTION_MARK)


def _key(decl) -> str:
    """The key the package traces (``go_entry``) give a function or method declaration:
    "F" or "T.M"."""
    name = function_name(decl)
    return f"{receiver_type(decl)}.{name}" if decl.type == "method_declaration" else name


def runs_the_command(fn, reads, mark: str = "") -> bool:
    """Is the function or method declaration ``fn`` one a command-line framework's
    command runs once (``reads["go-command"]``)? An error it returns is handed back to
    main, which ends the process with it. (A function literal may run any number of times.)"""
    if fn is None or fn.type not in ("function_declaration", "method_declaration"):
        return False
    return mark + _key(fn) in (reads or {}).get(COMMAND, ())


def runs_again_until_stopped(fn, reads) -> bool:
    """Is the function ``fn`` (a declaration, or a function literal in one) code of a
    program that runs until it is stopped (``reads["go-daemon"]``) that its entries do
    not run once: a handler, a loop's step, a service a supervisor restarts? An error it
    returns does not end the program, which goes on and runs it again."""
    once = (reads or {}).get(DAEMON)
    if once is None or fn is None:
        return False
    top = _top_declaration(fn)
    return top.type in ("function_declaration", "method_declaration") and _key(top) not in once


# between a call and its function: code that may run many times per run of the function
_REPEATING = ("for_statement", "func_literal", "method_declaration")


def runs_once_in(node, fn) -> bool:
    """Does ``node`` run once per run of the function ``fn``: in no loop or closure of it?"""
    return nearest(node, _REPEATING, fn) is None
_DEPTH = 4  # main -> a -> b -> c -> d: deeper chains are not followed


def ends_the_run(fn, depth: int = 0) -> bool:
    """Is the function declaration ``fn``, in package main, called in its file only from
    the last statement of ``main`` (or of a function that itself ends the run), never in
    a loop or a closure, never used as a value (`os.Exit(run())`, `if err := generate();
    err != nil { log.Fatal(err) }`)? When it returns, the program ends: what it holds
    lives as long as main's own locals. (Calls from the package's other files are not
    seen: a function they call as well is judged by this file.)"""
    if fn.type != "function_declaration" or depth > _DEPTH:
        return False
    root = tree_root(fn)
    if package_name(root) != "main":
        return False
    name = function_name(fn)
    callers = 0
    for node in _identifiers(root, name):
        if within(node, fn):
            continue  # its own name, or a recursive call
        call = node.parent
        if call is None or call.type != "call_expression" or call.child_by_field_name("function") != node:
            return False  # used as a value: who calls it, and how often, is not known here
        caller, statement = call.parent, call
        while caller is not None and caller.type != "function_declaration":
            if caller.type in _REPEATING:
                return False
            if caller.type == "block" and caller.parent is not None \
                    and caller.parent.type == "function_declaration":
                if _last_statement(caller) != statement:
                    return False  # the caller goes on after it
            if caller.type != "statement_list":
                statement = caller
            caller = caller.parent
        if caller is None or not (function_name(caller) == "main"
                                  or ends_the_run(caller, depth + 1)):
            return False
        callers += 1
    return callers > 0


def _last_statement(block):
    statements = body_statements(block)
    return statements[-1] if statements else None


def _identifiers(root, name: str):
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            if n.text.decode() == name:
                yield n
            continue
        stack.extend(n.named_children)


def dies_with(target, at) -> bool:
    """A target declared in the same function as ``at`` (a local it made) dies with it."""
    ident = root_identifier(target)
    if ident is None:
        return False
    fn = at
    while fn is not None and fn.type not in ("function_declaration", "method_declaration",
                                             "func_literal"):
        fn = fn.parent
    if fn is None:
        return False
    name = text(ident)
    for n in own_nodes(fn):
        if n.type == "short_var_declaration":
            left = n.child_by_field_name("left")
            if left is not None and any(text(x) == name for x in left.named_children):
                return True
    return False


def aliases(node) -> set:
    """A method value (``it.Close``) stands for its receiver ``it``."""
    names = {text(node)}
    if node.type == "selector_expression":
        operand = node.child_by_field_name("operand")
        if operand is not None:
            names.add(text(operand))
    return names


def holder_kind(node):
    """Go values do not name their holder themselves."""
    return None
