"""Go fixes, each keyed by the shape of the reported code:

- a lifecycle handle never released: `defer h.Close()` (the rule's release: a method,
  a view's method for `resp.Body`, or calling the handle for `"()"`) right after the
  acquisition, or after its error guard when the call returns an error;
- `ctx, _ := context.WithX(...)`: name the cancel func and defer it;
- a single send to an unbuffered channel the creator may abandon: `make(chan T, 1)`;
- a defer in a loop body: the body in a func literal called at once (unsafe).
"""

from __future__ import annotations

import re

from ..ir import HANDOFF, REASSIGN
from ..languages import nearest, walk
from ..languages.go import FUNCTIONS, GoEffects, callee_text, enclosing_function, is_noreturn
from ..languages.go_closures import closure_returned
from ..languages.go_returns import kept_wrapper
from ..tracks import Candidate, Track, pattern_matches
from .edits import Fix, edit, indentation, line_end

CANCEL_NAMES = ("cancel", "cancelCtx", "cancelFunc")
# calls returning (ctx, cancel func) -> the names to try for the cancel func
CONTEXT_CALLS = {f"context.{name}": CANCEL_NAMES for name in (
    "WithCancel", "WithTimeout", "WithDeadline", "WithCancelCause", "WithTimeoutCause",
    "WithDeadlineCause")}
CONTEXT_CALLS["signal.NotifyContext"] = ("stop", "stopSignals")
# release calls that take an argument: context.CancelCauseFunc takes the cause
CALL_ARGS = {"WithCancelCause": "nil"}


def fix_for(ctx, node, rule, anchors=None):
    """The fix for the finding reported at ``node`` by ``rule``, or None. ``anchors``: what
    the rule said about the shape of the fix (``ctx.emit(..., fix_anchors=...)``)."""
    if anchors is not None and anchors.get("shape") == "buffer-channel":
        fix = buffer_channel(ctx, anchors["make"], anchors["send"], anchors["body"],
                             creator_closes=anchors["creator_closes"])
        if fix is not None:
            return fix
    call = node if node.type == "call_expression" else None
    if call is not None and _context_call(call):
        fix = name_cancel(ctx, call)
        if fix is not None:
            return fix
    if rule.lifecycle is not None and call is not None:
        fix = release_after_acquire(ctx, call, rule)
        if fix is not None:
            return fix
    return wrap_loop_body(ctx, node)


# -- shared shape helpers ---------------------------------------------------------------

def _statement_in_list(stmt):
    """``stmt`` (or its var declaration) when it stands directly in a statement list."""
    if stmt is not None and stmt.type == "var_spec":
        stmt = stmt.parent
    if stmt is None or stmt.parent is None or stmt.parent.type not in ("statement_list", "block"):
        return None
    return stmt


def _in_loop(node, fn) -> bool:
    return nearest(node, ("for_statement",), fn) is not None


def _line_is_free_after(src, offset: int) -> bool:
    """Is the rest of the line after ``offset`` only blanks or a `//` comment?"""
    rest = src.data[offset:line_end(src, offset)].strip()
    return not rest or rest.startswith(b"//")


def _next_statement(stmt):
    n = stmt.next_named_sibling
    while n is not None and n.type == "comment":
        n = n.next_named_sibling
    return n


def _terminates(block) -> bool:
    stmts = [c for c in _statements(block) if c.type != "comment"]
    if not stmts:
        return False
    last = stmts[-1]
    if last.type == "return_statement":
        return True
    inner = last.named_children[0] if last.type == "expression_statement" and last.named_children else None
    return inner is not None and inner.type == "call_expression" and is_noreturn(inner)


def _statements(block) -> list:
    out = []
    for c in block.named_children:
        out.extend(c.named_children if c.type == "statement_list" else [c])
    return out


# test assertions that stop the test when the error is not nil
REQUIRE_NO_ERROR = {"require.NoError", "require.NoErrorf", "require.Nil", "require.Nilf"}


def _is_error_guard(stmt, err: str) -> bool:
    """`if err != nil { ...; return }` with no initializer and no else, or
    `require.NoError(t, err)`."""
    if stmt is not None and stmt.type == "expression_statement" and stmt.named_children:
        call = stmt.named_children[0]
        args = call.child_by_field_name("arguments") if call.type == "call_expression" else None
        return args is not None and callee_text(call) in REQUIRE_NO_ERROR and any(
            a.type == "identifier" and a.text == err.encode() for a in args.named_children)
    if stmt is None or stmt.type != "if_statement" or stmt.child_by_field_name("initializer") \
            or stmt.child_by_field_name("alternative"):
        return False
    cond = stmt.child_by_field_name("condition")
    if cond is None or cond.type != "binary_expression":
        return False
    op = cond.child_by_field_name("operator")
    sides = {cond.child_by_field_name("left").text, cond.child_by_field_name("right").text}
    return op is not None and op.type == "!=" and sides == {err.encode(), b"nil"} \
        and _terminates(stmt.child_by_field_name("consequence"))


def _insert_after(ctx, stmt, anchor, line: str):
    """An edit inserting ``line`` on its own line after ``anchor``, indented like ``stmt``."""
    src = ctx.src
    if not _line_is_free_after(src, anchor.end_byte):
        return None
    at = line_end(src, anchor.end_byte)
    text = indentation(src, stmt.start_byte) + line + "\n"
    if at == len(src.data) and not src.data.endswith(b"\n"):
        text = "\n" + text
    return edit(src, at, at, text)


# -- defer the release of a lifecycle handle -------------------------------------------------

def release_expression(spec, handle: str, callee: str, file_text: bytes = b"") -> str | None:
    """How the rule releases ``handle``: `h.Close()`, `h.Body.Close()`, `h()`."""
    template = spec.get("fix_release")
    if isinstance(template, dict):  # per acquire pattern, "*" for the rest
        template = next((t for p, t in template.items() if p != "*" and pattern_matches(p, callee)),
                        template.get("*"))
    if template == "":
        return None  # the rule says a deferred release is not the fix for this call
    if template:
        return template.format(handle=handle)
    release = list(spec.get("release", ()))
    if not release:
        return None
    if "()" in release:
        return f"{handle}({CALL_ARGS.get(callee.rsplit('.', 1)[-1], '')})"
    receiver = handle
    for view in spec.get("views", ()):
        # views are fields the handle is used through: the release goes through one when
        # the file itself releases that way (`resp.Body.Close()`, never `ticker.C.Stop()`)
        if f".{view}.{release[0]}(".encode() in file_text:
            receiver = f"{handle}.{view}"
            break
    return f"{receiver}.{release[0]}()"


def release_after_acquire(ctx, call, rule):
    adapter = ctx.adapter()
    track = adapter.track(Candidate(rule, call, callee_text(call)))
    if not isinstance(track, Track) or track.handle in ("", "_"):
        return None
    spec = rule.lifecycle
    stmt = _statement_in_list(track.extra.get("stmt"))
    fn = track.function
    if stmt is None or _in_loop(stmt, fn):
        return None  # in a loop a defer would pile up until the function returns
    anchor = stmt
    if spec.get("error") is not None:
        if track.error is None:
            return None  # the error is ignored: the handle may be nil
        anchor = _next_statement(stmt)
        if not _is_error_guard(anchor, track.error):
            return None
    if _hands_on(adapter, track, anchor if anchor is not stmt else None):
        return None  # returned, stored or passed on somewhere: not this function's to close
    expr = release_expression(spec, track.handle, callee_text(call), ctx.src.data)
    if expr is None:
        return None
    use = handle_use(fn, stmt, track.handle.encode(), spec.get("release", ()))
    if use == "escapes":
        return None  # the caller gets the handle another way: closing it here breaks them
    safe = use == "local"  # a goroutine or a closure may still use it after the return
    if _context_call(call):  # the context must not outlive the function that cancels it
        left = stmt.child_by_field_name("left")
        use = _context_use(fn, stmt, left.named_children[0].text) if left is not None else "escapes"
        if use == "escapes":
            return None
        safe = use == "local"
    e = _insert_after(ctx, stmt, anchor, f"defer {expr}")
    if e is None:
        return None
    where = "its error check" if anchor is not stmt else "the acquisition"
    return Fix(f"Add `defer {expr}` after {where}", (e,), safe)


def handle_use(fn, stmt, name: bytes, release=()) -> str:
    """How the handle ``name`` is used after ``stmt`` by anything that may outlive the
    function: "escapes" (a method value of a ``release`` method such as `f.Close`, a
    constructor over it or a closure over it that is returned), "shared" (a goroutine, or
    a closure that is not called right here, uses it), else "local". A `defer h.Close()`
    is safe only when local."""
    body = fn.child_by_field_name("body")
    stack = [body] if body is not None else []
    use = "local"
    while stack:
        n = stack.pop()
        stack.extend(n.named_children)
        if n.type != "identifier" or n.text != name or n.start_byte < stmt.end_byte:
            continue
        p = n.parent
        if p.type == "selector_expression" and p.child_by_field_name("operand") == n \
                and p.child_by_field_name("field").text.decode() in release and not (
                p.parent is not None and p.parent.type == "call_expression"
                and p.parent.child_by_field_name("function") == p):
            return "escapes"  # a method value
        if p.type == "argument_list" and kept_wrapper(p.parent):
            return "escapes"
        lit = n.parent
        while lit is not None and lit != fn and lit.type not in ("func_literal", "go_statement"):
            lit = lit.parent
        if lit is not None and lit.type == "go_statement":
            use = "shared"  # `go consume(f)`: the goroutine may run past the return
            continue
        if lit is None or lit == fn:
            continue
        if closure_returned(n, fn):
            return "escapes"
        call = lit.parent
        runs_now = call is not None and call.type == "call_expression" \
            and call.child_by_field_name("function") == lit \
            and (call.parent is None or call.parent.type != "go_statement")
        if not runs_now:
            use = "shared"
    return use


def _hands_on(adapter, track, guard) -> bool:
    """Is the handle handed on or reassigned anywhere in its function (outside the guard)?"""
    fx = GoEffects(adapter, track)
    body = track.function.child_by_field_name("body")
    if body is None:
        return True
    name = track.handle.encode()
    stack = [body]
    while stack:
        n = stack.pop()
        if guard is not None and n == guard:
            continue
        if n.type == "identifier":
            if n.text == name and fx._mention(n, body, False) in (HANDOFF, REASSIGN):
                return True
            continue
        stack.extend(n.named_children)
    return False


# -- ctx, _ := context.WithX(...) ----------------------------------------------------------

def _context_call(call) -> bool:
    return callee_text(call) in CONTEXT_CALLS


def free_name(fn, wanted) -> str:
    """A name for a new variable that nothing in ``fn`` spells already."""
    used = set(re.findall(rb"[A-Za-z_][A-Za-z0-9_]*", fn.text))
    for name in wanted:
        if name.encode() not in used:
            return name
    i = 2
    while f"{wanted[0]}{i}".encode() in used:
        i += 1
    return f"{wanted[0]}{i}"


def name_cancel(ctx, call):
    """`ctx, _ := context.WithTimeout(...)` -> `ctx, cancel := ...` + `defer cancel()`."""
    values = call.parent
    stmt = values.parent if values is not None and values.type == "expression_list" else None
    if stmt is None or stmt.type != "short_var_declaration" or len(values.named_children) != 1:
        return None
    left = stmt.child_by_field_name("left").named_children
    if len(left) != 2 or left[1].text != b"_" or left[0].type != "identifier":
        return None
    fn = enclosing_function(call)
    stmt = _statement_in_list(stmt)
    if fn is None or stmt is None or _in_loop(stmt, fn):
        return None
    name = free_name(fn, CONTEXT_CALLS[callee_text(call)])
    short = callee_text(call).rsplit(".", 1)[-1]
    expr = f"{name}({CALL_ARGS.get(short, '')})"
    insert = _insert_after(ctx, stmt, stmt, f"defer {expr}")
    if insert is None:
        return None
    use = _context_use(fn, stmt, left[0].text)
    if use == "escapes":
        return None
    rename = edit(ctx.src, left[1].start_byte, left[1].end_byte, name)
    safe = use == "local"
    return Fix(f"Name the cancel func `{name}` and add `defer {expr}`", (rename, insert), safe)


def _context_use(fn, stmt, name: bytes) -> str:
    """How the derived context is used after ``stmt``: "escapes" when it is returned or
    stored (cancelling at return would break whoever gets it: no fix), "shared" when a
    goroutine or closure may use it after the function (unsafe), else "local"."""
    body = fn.child_by_field_name("body")
    stack = [body] if body is not None else []
    shared = False
    while stack:
        n = stack.pop()
        if n.type in ("go_statement", "func_literal"):
            shared = True
        if n.type == "identifier" and n.text == name and n.start_byte > stmt.end_byte:
            p = n.parent
            if p is None or p.type not in ("argument_list", "selector_expression"):
                return "escapes"
            if p.type == "selector_expression" and p.child_by_field_name("operand") != n:
                return "escapes"
        stack.extend(n.named_children)
    return "shared" if shared else "local"


# -- make(chan T) -> make(chan T, 1) ---------------------------------------------------------

def buffer_channel(ctx, make, send, body, creator_closes: bool = False):
    """The one send of a goroutine on an unbuffered channel no longer waits for a
    receiver. Safe when the send is the goroutine's last statement (nothing after it
    could run earlier); unsafe otherwise. None when the creator closes the channel: a
    send after that close panics with or without a buffer."""
    if creator_closes:
        return None
    args = make.child_by_field_name("arguments")
    named = [a for a in args.named_children if a.type != "comment"]
    if len(named) != 1 or named[0].type != "channel_type":
        return None
    last = named[0]
    if ctx.src.data[last.end_byte:args.end_byte - 1].strip():
        return None  # a trailing comma or comment: leave it to a person
    stmts = [s for s in _statements(body) if s.type != "comment"]
    channel = send.child_by_field_name("channel")
    closes = {f"close({channel.text.decode()})".encode()} if channel is not None else set()
    # nothing may run after the send but closing that same channel (the receiver still
    # gets the buffered value first)
    while stmts and stmts[-1].text.replace(b" ", b"") in closes:
        stmts.pop()
    safe = bool(stmts) and stmts[-1] == send and not any(
        s.type == "defer_statement" and s.text.replace(b" ", b"")[5:] not in closes
        for s in stmts)
    return Fix("Give the channel a buffer of one so the send never blocks",
               (edit(ctx.src, last.end_byte, last.end_byte, ", 1"),), safe)


# -- defer in a loop -> per-iteration func literal -------------------------------------------

def _defer_in_loop(node):
    """The body of the innermost loop around the defer statement at or above ``node``
    (in the same function), or None."""
    n = node
    while n is not None and n.type != "defer_statement" and n.type not in FUNCTIONS:
        n = n.parent
    if n is None or n.type != "defer_statement":
        return None
    while n is not None and n.type not in FUNCTIONS:
        if n.type == "block" and n.parent is not None and n.parent.type == "for_statement" \
                and n.parent.child_by_field_name("body") == n:
            return n
        n = n.parent
    return None


def _jumps_out(block) -> bool:
    """Would moving ``block`` into a func literal change a jump? (return, goto, labels,
    or a break/continue of the loop itself)."""
    stack = [(c, False, False) for c in block.named_children]
    while stack:
        n, in_for, in_switch = stack.pop()
        t = n.type
        if t in ("return_statement", "goto_statement", "labeled_statement"):
            return True
        if t in ("break_statement", "continue_statement"):
            if n.named_children or (t == "continue_statement" and not in_for) \
                    or (t == "break_statement" and not (in_for or in_switch)):
                return True
            continue
        if t == "func_literal":
            continue
        if t == "for_statement":
            in_for = True
        elif t in ("expression_switch_statement", "type_switch_statement", "select_statement"):
            in_switch = True
        stack.extend((c, in_for, in_switch) for c in n.named_children)
    return False


def wrap_loop_body(ctx, node):
    block = _defer_in_loop(node)
    if block is None or _jumps_out(block):
        return None
    src = ctx.src
    if any(c.type == "raw_string_literal" and b"\n" in c.text for c in walk(block)):
        return None  # re-indenting would change the string
    open_end = block.start_byte + 1
    close = block.end_byte - 1
    if src.data[open_end:line_end(src, open_end)].strip() or \
            src.data[line_start_of(src, close):close].strip():
        return None  # `{` must end its line and `}` stand on its own
    inner_start = line_end(src, open_end)
    inner_end = line_start_of(src, close)
    indent = indentation(src, block.parent.start_byte)
    unit = "\t" if "\t" in indent or not indent else "    "
    lines = src.data[inner_start:inner_end].decode("utf-8").replace("\r\n", "\n").split("\n")
    body = "\n".join(unit + ln if ln.strip() else ln.rstrip(" \t") for ln in lines)
    text = f"{indent}{unit}func() {{\n{body}{indent}{unit}}}()\n"
    return Fix("Run each iteration in a func literal so its defers run at the end of the iteration",
               (edit(src, inner_start, inner_end, text),), safe=False)


def line_start_of(src, offset: int) -> int:
    i = src.data.rfind(b"\n", 0, offset)
    return i + 1
