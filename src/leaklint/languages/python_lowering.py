"""Lowering of Python function bodies into the IR: ``with`` becomes a Try whose final
block exits its items (so a later ``with handle:`` releases it, and every exit inside
the body does too); ``while True`` is an infinite loop, and a ``while`` whose flag the
statement before it sets so that its condition holds (``err = None``, ``while not err:``)
runs at least once; ``sys.exit``/``os._exit`` end the path; a ``raise`` inside a try with handlers goes to the handlers. With
``implicit=True`` every simple statement that calls something may also raise before it
completes (used by the normal-path-only rule)."""

from __future__ import annotations

from .. import ir
from . import walk
from .python_flags import bare, literal_assignment, negated_names
from .python_syntax import NORETURN, text, callee_text, body_statements


class Lowering:
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
                loop = ir.Loop(s, body, infinite, None, cond, runs=_true_on_entry(s, cond))
            else:
                loop = ir.Loop(s, body, False, None, s.child_by_field_name("right"))
            alt = s.child_by_field_name("alternative")
            if alt is not None:
                # the else block runs when the loop ends without break
                loop.orelse = self.block(alt.child_by_field_name("body"), depth)
            return loop
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
        if t == "raise_statement":  # `raise SystemExit(1)` ends the process as sys.exit(1)
            return ir.Exit(s, "noreturn" if _raised_name(s) == "SystemExit" else "raise")
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


def _raised_name(stmt) -> str:
    """`E` of `raise E`, `raise E(...)` or `raise E(...) from e` (a name or a dotted
    name), else ""."""
    raised = stmt.named_children[0] if stmt.named_children else None
    if raised is not None and raised.type == "call":
        raised = raised.child_by_field_name("function")
    return text(raised) if raised is not None and raised.type in ("identifier", "attribute") \
        else ""


def _may_raise(stmt) -> bool:
    """A simple statement that calls something (which may raise before it completes)."""
    if stmt.type not in ("expression_statement", "return_statement"):
        return False
    call = first_call(stmt)
    return call is not None and callee_text(call) not in NORETURN


_QUIET_CALLS = {"len", "isinstance", "print", "str", "repr", "id", "type", "hasattr", "getattr",
                "bool", "super", "locals", "globals", "vars", "callable"}
# stopping a process before reaping it, and string/list methods that do not raise
# and a socket's timeout and blocking mode (they raise only for a negative timeout)
_QUIET_METHODS = {"kill", "terminate", "send_signal", "strip", "rstrip", "lstrip", "split",
                  "rsplit", "startswith", "endswith", "lower", "upper", "append", "items", "keys",
                  "values", "splitlines", "settimeout", "setblocking"}
_QUIET_RECEIVERS = {"log", "logger", "logging", "LOG", "LOGGER", "_log", "_logger", "self.log",
                    "self.logger", "self._log", "self._logger", "warnings"}


# the nodes of a returned value that cannot raise: names, literals and tuples of them
PLAIN_VALUES = {"identifier", "expression_list", "tuple", "parenthesized_expression", "string",
                "string_start", "string_content", "string_end", "integer", "float", "true",
                "false", "none"}


def plain_return(node) -> bool:
    """Is ``node`` a return of names and literals (`return stream, name`), which raises
    nothing?"""
    return node.type == "return_statement" and all(
        n.type in PLAIN_VALUES for v in node.named_children for n in (v, *walk(v)))


def quiet_statement(stmt) -> bool:
    """Is ``stmt`` a call statement whose calls cannot raise (``log.info(..)``,
    ``sock.settimeout(5)``): a ``try`` around it catches nothing from it."""
    inner = stmt.named_children[0] if stmt is not None and stmt.type == "expression_statement" \
        and stmt.named_children else None
    return inner is not None and inner.type == "call" and first_call(stmt) is None


def rethrown(node) -> bool:
    """Is ``node`` a ``raise`` in an ``except`` clause of its function (``except OSError:
    raise ConfigError(...)``): the failure of a call made in the ``try`` goes on up, as
    an implicit raise from that call would?"""
    if node is None or node.type != "raise_statement":
        return False
    p = node.parent
    while p is not None and p.type not in ("function_definition", "lambda", "module"):
        if p.type == "except_clause":
            return True
        p = p.parent
    return False


def failed_call(raise_stmt, after: int):
    """The call whose failure the ``except`` clause around ``raise_stmt`` handles: the
    first call of its ``try`` body that may raise, after byte ``after`` (the acquisition),
    outside a nested ``try`` that handles its own; None if there is none."""
    clause = raise_stmt.parent
    while clause is not None and clause.type != "except_clause":
        clause = clause.parent
    body = clause.parent.child_by_field_name("body") if clause is not None else None
    for call in (raising_calls(body) if body is not None else ()):
        if call.start_byte >= after and not _handled_within(call, body):
            return call
    return None


def _handled_within(node, top) -> bool:
    """Is ``node`` in the body of a ``try`` with handlers, below ``top``?"""
    p = node.parent
    while p is not None and p != top:
        if p.type == "block" and p.parent is not None and p.parent.type == "try_statement" \
                and p.parent.child_by_field_name("body") == p \
                and any(c.type == "except_clause" for c in p.parent.named_children):
            return True
        p = p.parent
    return False


# the exceptions of the operating system's errors (OSError and its aliases and subclasses):
# what I/O raises, so only a call can
OS_ERRORS = {"OSError", "IOError", "EnvironmentError", "error", "timeout", "gaierror", "herror",
             "SSLError", "ConnectionError", "ConnectionRefusedError", "ConnectionResetError",
             "ConnectionAbortedError", "BrokenPipeError", "FileNotFoundError", "FileExistsError",
             "PermissionError", "IsADirectoryError", "NotADirectoryError", "InterruptedError",
             "BlockingIOError", "ChildProcessError", "ProcessLookupError", "TimeoutError"}


# builtin exceptions that are no OSError (nor its subclasses): `except OSError` lets them by
OTHER_ERRORS = {"Exception", "BaseException", "ValueError", "TypeError", "RuntimeError",
                "KeyError", "IndexError", "LookupError", "AttributeError", "AssertionError",
                "NotImplementedError", "ArithmeticError", "ZeroDivisionError", "OverflowError",
                "UnicodeError", "UnicodeDecodeError", "UnicodeEncodeError", "NameError",
                "ImportError", "ModuleNotFoundError", "StopIteration", "RecursionError",
                "KeyboardInterrupt", "SystemExit", "EOFError", "MemoryError", "BufferError"}


def raises_other_than_os_errors(raise_node, classes: dict) -> bool:
    """Is ``raise_node`` (`raise X(...)`, `raise X from e`) known to raise no error of the
    operating system: a builtin exception outside OSError's family, or one of the module's
    ``classes`` (``python_classes.module_classes``) whose bases lead only to such
    builtins? Anything else (an imported class, a name bound to an error, a bare `raise`)
    may be one."""
    name = _raised_name(raise_node)
    return bool(name) and "." not in name and _other_than_os(name, classes, set())


def non_os_error_classes(classes: dict) -> list:
    """The names of ``classes`` (a module's, ``python_classes.module_classes``) whose bases
    lead only to builtin errors outside OSError's family: what a handler of OS errors lets
    pass when they are raised from another module."""
    return sorted(n for n in classes if _other_than_os(n, classes, set()))


def _other_than_os(name: str, classes: dict, seen: set) -> bool:
    if name in OS_ERRORS:
        return False
    if name in classes and name not in seen:
        seen.add(name)
        bases = classes[name].child_by_field_name("superclasses")
        names = [b for b in (bases.named_children if bases is not None else ())
                 if b.type != "keyword_argument"]
        return bool(names) and all(b.type == "identifier" and _other_than_os(text(b), classes, seen)
                                   for b in names)
    return name in OTHER_ERRORS


def catches_only_os_errors(try_node) -> bool:
    """Do all the ``except`` clauses of ``try_node`` name only errors of the operating
    system (``except OSError``, ``except (socket.error, IOError) as e``)?"""
    clauses = [c for c in try_node.named_children if c.type == "except_clause"]
    for clause in clauses:
        caught = clause.named_children[0] if clause.named_children else None
        if caught is not None and caught.type == "as_pattern":
            caught = caught.named_children[0] if caught.named_children else None
        if caught is None or caught.type == "block":
            return False  # a bare except catches everything
        names = caught.named_children if caught.type == "tuple" else [caught]
        if not all(n.type in ("identifier", "attribute")
                   and text(n).rsplit(".", 1)[-1] in OS_ERRORS for n in names):
            return False
    return bool(clauses)


def first_call(node):
    """The first call under ``node`` that may raise (not logging, len, isinstance...)."""
    return next(raising_calls(node), None)


def raising_calls(node):
    """The calls under ``node`` that may raise, outer before inner, in source order."""
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
                yield n
        stack.extend(reversed(n.named_children))


# literals whose truth is known: what a flag is set to right before a loop tests it
_FALSY = ("None", "False", "0", '""', "''", "[]", "{}", "()")
_TRUTHY = ("True", "1")


def _true_on_entry(loop, cond) -> bool:
    """``err = None`` right before ``while not err:`` (or ``done = False`` before ``while
    not done:``, ``go = True`` before ``while go:``): the condition holds when the loop is
    first reached, so its body runs at least once."""
    prev = loop.prev_named_sibling
    if cond is None or prev is None:
        return False
    falsy = literal_assignment(prev, _FALSY)
    if falsy is not None:
        return negated_names(cond) == [falsy]
    truthy = literal_assignment(prev, _TRUTHY)
    return truthy is not None and text(bare(cond)) == truthy
