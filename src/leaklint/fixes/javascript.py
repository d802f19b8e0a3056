"""TypeScript/JavaScript fixes: a cleanup for a React effect that returns none.

In an effect whose function has no `return` at all, each top-level statement
`target.addEventListener(event, handler[, options])` with a named handler and a plain
identifier target, and each `const id = setInterval(...)`, gets its release in one
returned cleanup: `return () => target.removeEventListener(event, handler[, options]);`
or `clearInterval(id)`. The cleanup runs when the effect re-runs or the component
unmounts, which is what the finding asks for; nothing else changes.

The fix is safe only when what it releases stays in the effect: the interval's id, the
listener's handler and a target made in the effect are not stored (a ref, a field, an
outer variable), put in a container, passed to another call or captured by a closure
(a timeout or callback that may release or use it later). Otherwise someone else owns
it and releasing it in the cleanup may cut what they rely on: the fix is unsafe.
"""

from __future__ import annotations

from ..languages import nearest
from ..languages.javascript import (FUNCTIONS, args, callee, function_body, method_of, receiver,
                                    strip, text, walk)
from ..languages.javascript_scopes import model
from .edits import Fix, edit, indentation, line_start

INTERVALS = {"setInterval", "window.setInterval", "globalThis.setInterval", "global.setInterval",
             "self.setInterval"}


def fix_for(ctx, node, rule, anchors=None):
    if node.type != "call_expression":
        return None
    scope = model(ctx).scope_of(node)
    if scope is None or scope.kind != "effect":
        return None
    fn = scope.acquire
    body = function_body(fn)
    if body is None or body.type != "statement_block" or _returns(fn, body):
        return None
    stmts = [c for c in body.named_children if c.type != "comment"]
    if not stmts or not any(s.start_byte <= node.start_byte < s.end_byte for s in stmts):
        return None
    releases = [r for r in (_release(s, scope.owner) for s in stmts) if r]
    mine = _release(next(s for s in stmts if s.start_byte <= node.start_byte < s.end_byte),
                    scope.owner)
    if mine is None:
        return None
    src = ctx.src
    semi = ";" if any(s.text.rstrip().endswith(b";") for s in stmts
                      if s.type in ("expression_statement", "lexical_declaration")) else ""
    indent = indentation(src, stmts[-1].start_byte)
    if len(releases) == 1:
        cleanup = f"{indent}return () => {releases[0]}{semi}\n"
    else:
        unit = "\t" if "\t" in indent else " " * (_indent_step(src, body, indent) or 2)
        lines = "".join(f"{indent}{unit}{r};\n" for r in releases)
        cleanup = f"{indent}return () => {{\n{lines}{indent}}}{semi}\n"
    close = body.end_byte - 1  # the effect's closing brace
    at = line_start(src, close)
    if src.data[at:close].strip():
        return None  # `}` shares its line with code: leave it to a person
    escapes = any(_escapes(body, s) for s in stmts if _release(s, scope.owner))
    return Fix("Return a cleanup that " + ("removes the listener" if len(releases) == 1
                                           else "releases what the effect set up"),
               (edit(src, at, at, cleanup),), safe=not escapes)


# calls a handle of the cleanup may be given without leaving the effect's hands
OWN_CALLS = {"addEventListener", "removeEventListener", "clearInterval", "clearTimeout"}


def _handles(stmt, body) -> list:
    """The names a statement's release refers to that the effect holds: the interval's
    id, the listener's handler, and its target when the effect declares it."""
    if stmt.type in ("lexical_declaration", "variable_declaration"):
        decl = next(d for d in stmt.named_children if d.type == "variable_declarator")
        return [text(decl.child_by_field_name("name"))]
    call = strip(stmt.named_children[0])
    names = [text(strip(args(call)[1]))]
    target = text(receiver(call))
    if any(_declares(n, target) for n in walk(body)):
        names.append(target)
    return names


def _declares(node, name: str) -> bool:
    if node.type in ("variable_declarator", "function_declaration"):
        declared = node.child_by_field_name("name")
        return declared is not None and text(declared) == name
    return False


def _escapes(body, stmt) -> bool:
    """Does a handle of ``stmt`` leave the effect: stored, put in a container, passed to
    another call, or captured by a closure other than its own definition?"""
    for name in _handles(stmt, body):
        for n in walk(body):
            if n.type == "shorthand_property_identifier" and text(n) == name:
                return True  # `{ id }`: put in an object
            if n.type != "identifier" or text(n) != name \
                    or stmt.start_byte <= n.start_byte < stmt.end_byte:
                continue
            p = n.parent
            if _declares(p, name) and p.child_by_field_name("name") == n:
                continue  # its own declaration
            closure = _closure_of(n, body)
            if closure is not None and not (_declares(closure, name) or (
                    closure.parent is not None and _declares(closure.parent, name))):
                return True  # captured by a function that may run later
            if p.type in ("assignment_expression", "augmented_assignment_expression") \
                    and p.child_by_field_name("right") == n:
                return True
            if p.type in ("array", "pair", "spread_element", "return_statement",
                          "shorthand_property_identifier", "object"):
                return True
            if p.type == "arguments" and method_of(p.parent) not in OWN_CALLS:
                return True
            if p.type == "variable_declarator" and p.child_by_field_name("value") == n:
                return True  # an alias: followed no further
    return False


def _closure_of(node, body):
    return nearest(node, FUNCTIONS, body)


def _indent_step(src, body, indent: str) -> int:
    outer = indentation(src, body.start_byte)
    return max(0, len(indent) - len(outer))


def _returns(fn, body) -> bool:
    return any(n.type == "return_statement" for n in walk(body, stop=FUNCTIONS))


def _release(stmt, owner) -> str | None:
    """The release of what a top-level statement of the effect sets up, as code."""
    if stmt.type == "expression_statement" and stmt.named_children:
        call = strip(stmt.named_children[0])
        if call is None or call.type != "call_expression" \
                or method_of(call) != "addEventListener":
            return None
        a = args(call)
        target = receiver(call)
        if len(a) not in (2, 3) or target is None or target.type != "identifier" \
                or strip(a[1]) is None or strip(a[1]).type != "identifier":
            return None
        handler = text(strip(a[1]))
        if _reassigned(owner, handler) or _reassigned(owner, text(target)):
            return None
        options = a[2] if len(a) == 3 else None
        if options is not None and options.type not in ("true", "false", "identifier"):
            if options.type != "object" or any(
                    k in text(options) for k in ("once", "signal", "...")):
                return None
        rest = f", {text(options)}" if options is not None else ""
        return f"{text(target)}.removeEventListener({text(a[0])}, {handler}{rest})"
    if stmt.type in ("lexical_declaration", "variable_declaration"):
        decls = [d for d in stmt.named_children if d.type == "variable_declarator"]
        if len(decls) != 1:
            return None
        name, value = decls[0].child_by_field_name("name"), strip(
            decls[0].child_by_field_name("value"))
        if name is None or name.type != "identifier" or value is None \
                or value.type != "call_expression" or callee(value) not in INTERVALS:
            return None
        if stmt.type == "lexical_declaration" and not text(stmt).startswith("const") \
                and _reassigned(owner, text(name)):
            return None
        return f"clearInterval({text(name)})"
    return None


def _reassigned(owner, name: str) -> bool:
    if owner is None:
        return False
    for n in walk(owner):
        if n.type in ("assignment_expression", "augmented_assignment_expression"):
            left = n.child_by_field_name("left")
            if left is not None and text(left) == name:
                return True
    return False
