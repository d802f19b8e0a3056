"""The lifecycle engine: follows one acquired handle along every path of its function.

The state of the handle on the paths reaching a point is a bit set of

    NONE  not acquired on this path (or no longer the tracked value)
    OPEN  acquired and still owed a release
    NIL   the acquisition failed (the error guard's branch): nothing to release
    DONE  released, release deferred, or ownership handed on

Statements are interpreted in order over the structured IR (``leaklint.ir``); branches
fork the set and joins take the union, loops are iterated to a fixed point. Wherever a
path leaves the function (return, raise, falling off the end), leaves the handle's scope,
or overwrites the handle while OPEN is possible, a leak is recorded at that place.
What a leaf does to the handle is the language adapter's answer (``Effects``).

A ``Try`` with handlers catches the raises of its body (explicit ones, and any statement
the effects do not call quiet may raise before it completes: handlers start from the state
before each such statement, a release or handoff that raises counting as done);
``finally`` blocks run on every exit, innermost first, before a raise reaches an outer
handler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ..ir import ACQUIRE, HANDOFF, REASSIGN, RELEASE, Block, Branch, Exit, If, Leaf, Loop, Try

NONE, OPEN, NIL, DONE = 1, 2, 4, 8
JUMPS = ("break", "continue", "goto")


@dataclass
class Leak:
    kind: str  # return | raise | end | scope | overwrite | reacquire
    node: object


class Effects(Protocol):
    def events(self, leaf: Leaf) -> list[str]: ...

    def guard(self, cond) -> str | None:
        """'then' or 'else': the branch of this condition in which the handle is nil."""

    # optional: ``cannot_raise(node) -> bool``, a statement a try's handlers need not
    # start from (a logging call); ``uncaught(node, try_node) -> bool``, a statement or
    # condition that raises nothing the try's handlers catch (no call, under `except
    # OSError`), or a raise statement whose exception they do not catch (a ValueError);
    # ``ran_out(cond, loop) -> str | None``, see ``_if``


@dataclass
class _Loop:
    label: str | None
    is_loop: bool
    breaks: int = 0
    continues: int = 0
    depth: int = 0  # finally blocks pending outside: a jump out runs only the inner ones


@dataclass
class Follow:
    """One run of the engine for one handle."""

    effects: Effects
    decl_block: Block | None = None  # the scope the handle's variable lives in
    leak_exits: tuple = ("return", "raise", "end", "scope", "overwrite", "reacquire")
    leaks: dict = field(default_factory=dict)
    _jumps: list = field(default_factory=list)
    _finally: list = field(default_factory=list)
    _ran_out: dict = field(default_factory=dict)  # id(Loop) -> its state when it ran out

    def run_function(self, body: Block, end_node) -> list[Leak]:
        state = self._block(body, NONE)
        if state & OPEN:
            self._leak("end", end_node)
        return sorted(self.leaks.values(), key=_where)

    # -- recording -------------------------------------------------------------------

    def _leak(self, kind: str, node) -> None:
        if kind in self.leak_exits:
            self.leaks.setdefault((node.start_byte, node.end_byte, kind), Leak(kind, node))

    def _exit(self, kind: str, node, state: int) -> None:
        outer, self.effects.leaving = getattr(self.effects, "leaving", None), (kind, node)
        try:
            state = self._run_finally(state, 0, catch=kind == "raise",
                                      raising=node if kind == "raise" else None)
        finally:
            self.effects.leaving = outer
        if state is not None and state & OPEN:
            self._leak(kind, node)

    # -- interpretation --------------------------------------------------------------

    def _apply(self, leaf: Leaf, state: int) -> int:
        for ev in self.effects.events(leaf):
            if ev == ACQUIRE:
                if state & OPEN:
                    self._leak("reacquire", leaf.node)
                state = OPEN
            elif ev in (RELEASE, HANDOFF):
                if state & OPEN:
                    state = (state & ~OPEN) | DONE
            elif ev == REASSIGN:
                if state & OPEN:
                    self._leak("overwrite", leaf.node)
                state = NONE
        return state

    def _block(self, block: Block, state: int) -> int:
        previous = None
        for stmt in block.stmts:
            if not state:
                break  # every path has left already: the rest is unreachable
            if type(stmt) is If and type(previous) is Loop:
                state = self._if(stmt, state, previous)
            else:
                state = self._stmt(stmt, state)
            previous = stmt
        if block is self.decl_block and state & OPEN:
            self._leak("scope", block.node)
            state = (state & ~OPEN) | NONE
        return state

    def _stmt(self, stmt, state: int) -> int:
        kind = type(stmt)
        if kind is Leaf:
            return self._apply(stmt, state)
        if kind is Block:
            return self._block(stmt, state)
        if kind is If:
            return self._if(stmt, state)
        if kind is Exit:
            return self._exit_stmt(stmt, state)
        if kind is Loop:
            return self._loop(stmt, state)
        if kind is Branch:
            return self._branch(stmt, state)
        if kind is Try:
            return self._try(stmt, state)
        raise TypeError(f"unknown IR node {kind.__name__}")

    def _if(self, stmt: If, state: int, loop: Loop | None = None) -> int:
        """An ``if``; right after a loop (``loop``), a condition that holds exactly when
        the loop ran out without a break (every attempt of a retry loop failed) sees only
        the state the loop had when it ran out."""
        if stmt.cond is None and self._quiet_raise(stmt.then):
            return state  # "this statement may raise" of one the effects say cannot
        state = self._apply(Leaf(stmt.cond, "cond"), state)
        then_in = else_in = state
        ran_out = getattr(self.effects, "ran_out", None)
        if loop is not None and ran_out is not None and id(loop) in self._ran_out:
            side = ran_out(stmt.cond, loop.node)
            if side == "then":
                then_in &= self._ran_out[id(loop)]
            elif side == "else":
                else_in &= self._ran_out[id(loop)]
        side = self.effects.guard(stmt.cond)
        if side == "then":
            then_in = _nil(then_in)
        elif side == "else":
            else_in = _nil(else_in)
        out = self._block(stmt.then, then_in) if then_in else 0
        return out | (self._block(stmt.orelse, else_in) if stmt.orelse else else_in)

    def _quiet_raise(self, block: Block) -> bool:
        """Is ``block`` an implicit raise of a statement the effects say cannot raise
        (``cannot_raise``: the language's lowering does not know the tracked handle)?"""
        quiet = getattr(self.effects, "cannot_raise", None)
        only = block.stmts[0] if quiet is not None and len(block.stmts) == 1 else None
        return type(only) is Exit and only.kind == "raise" and quiet(only.node)

    def _exit_stmt(self, stmt: Exit, state: int) -> int:
        if stmt.kind in ("return", "raise"):
            state = self._apply(Leaf(stmt.node, stmt.kind), state)
            self._exit(stmt.kind, stmt.node, state)
        elif stmt.kind in ("break", "continue"):
            target = self._target(stmt)
            if target is not None:
                state = self._run_finally(state, target.depth)
                if stmt.kind == "break":
                    target.breaks |= state
                else:
                    target.continues |= state
        # noreturn and goto end the path without a leak
        return 0

    def _run_finally(self, state: int, depth: int, catch: bool = False,
                     raising=None) -> int | None:
        """Run the pending finally blocks above ``depth``, innermost first, as a jump out
        of them does; with ``catch`` (a raise), stop at the first enclosing try that has
        handlers, which takes the state (None: caught), unless the effects say they do
        not catch what the raise statement ``raising`` raises."""
        uncaught = getattr(self.effects, "uncaught", None) if raising is not None else None
        for i in range(len(self._finally) - 1, depth - 1, -1):
            frame = self._finally[i]
            if isinstance(frame, _Catch):
                if catch and uncaught is not None and uncaught(raising, frame.node):
                    continue  # passes these handlers by
                if catch:
                    frame.raised |= state
                    return None
                continue
            saved, self._finally = self._finally, self._finally[:i]
            try:
                state = self._block(frame, state)
            finally:
                self._finally = saved
        return state

    def _target(self, stmt: Exit):
        for jump in reversed(self._jumps):
            if stmt.label is not None:
                if jump.label == stmt.label:
                    return jump
            elif stmt.kind == "break" or jump.is_loop:
                return jump
        return None

    def _loop(self, stmt: Loop, state: int) -> int:
        if stmt.head is not None:
            state = self._apply(Leaf(stmt.head, "loop-head"), state)
        ctx = _Loop(stmt.label, True, depth=len(self._finally))
        self._jumps.append(ctx)
        side = self._loop_guard(stmt)
        try:
            entry, body_out = state, 0
            for _ in range(4):  # the state set is tiny: this reaches a fixed point
                body_in = entry | body_out | ctx.continues
                new_out = self._block(stmt.body, _nil(body_in) if side == "then" else body_in)
                if new_out == body_out and body_in == (entry | body_out | ctx.continues):
                    break
                body_out = new_out
        finally:
            self._jumps.pop()
        exits = 0
        if not stmt.infinite:
            # the loop ends because its condition is false: some handles are released by
            # being exhausted (Go rows closed when Next returns false)
            normal = body_out | ctx.continues | (0 if stmt.runs else entry)
            normal = _nil(normal) if side == "else" else normal
            exits = self._apply(Leaf(stmt.head, "loop-exit"), normal) \
                if stmt.head is not None else normal
            if stmt.orelse is not None and exits:
                exits = self._block(stmt.orelse, exits)
        self._ran_out[id(stmt)] = exits
        return exits | ctx.breaks

    def _loop_guard(self, stmt: Loop) -> str | None:
        """The side of the loop's condition on which the handle is nil ("then": while the
        loop goes on, as in a retry loop on `err != nil`; "else": once it ends), when the
        effects read loop conditions (``loop_condition(head)``)."""
        condition = getattr(self.effects, "loop_condition", None)
        cond = condition(stmt.head) if condition is not None and stmt.head is not None else None
        return self.effects.guard(cond) if cond is not None else None

    def _branch(self, stmt: Branch, state: int) -> int:
        ctx = _Loop(stmt.label, False, depth=len(self._finally))
        if stmt.breakable:
            self._jumps.append(ctx)
        try:
            out = 0 if stmt.exhaustive else state
            for case in stmt.cases:
                out |= self._block(case, state)
        finally:
            if stmt.breakable:
                self._jumps.pop()
        return out | ctx.breaks

    def _try(self, stmt: Try, state: int) -> int:
        if stmt.final is not None:
            self._finally.append(stmt.final)
        catch = _Catch(stmt.node) if stmt.handlers else None
        try:
            # any statement of the body may raise before it completes: a handler is
            # entered with the state before any of them (or from an explicit raise)
            raised = 0
            cur = state
            if catch is not None:
                self._finally.append(catch)
            try:
                for s in stmt.body.stmts:
                    if not cur:
                        break
                    raised |= self._raising(s, cur, stmt.node)
                    cur = self._stmt(s, cur)
            finally:
                if catch is not None:
                    self._finally.pop()
                    raised |= catch.raised
            out = cur
            if stmt.body is self.decl_block and out & OPEN:
                self._leak("scope", stmt.body.node)
            if stmt.orelse is not None and out:
                out = self._block(stmt.orelse, out)
            for handler in stmt.handlers:
                out |= self._block(handler, raised)
        finally:
            if stmt.final is not None:
                self._finally.pop()
        if stmt.final is not None and out:
            out = self._block(stmt.final, out)
        return out

    def _raising(self, stmt, state: int, where=None) -> int:
        """The state a handler of the try ``where`` sees when ``stmt`` raises: a release
        or handoff that raises still counts as done (the release was attempted, the owner
        was reached)."""
        if (type(stmt) is If and (stmt.cond is None or stmt.raises_only)) or type(stmt) is Try \
                or (type(stmt) is Exit and stmt.kind in JUMPS):
            # evaluates nothing itself: a branch on no condition, a nested try (what its
            # body raises reaches us through its own exits and finally block), a jump
            # (`break` right after an acquisition leaves with the handle, it cannot raise)
            return 0
        quiet = getattr(self.effects, "cannot_raise", None)
        if type(stmt) is Leaf and quiet is not None and quiet(stmt.node):
            return 0  # a call that does not raise (logging, a socket's timeout)
        own = getattr(self.effects, "raises_itself", None)
        if own is not None and type(stmt) in (If, Loop, Block, Branch) \
                and not own(stmt.cond if type(stmt) is If else stmt.node):
            return 0  # its statements raise through their own exits; its head raises nothing
        uncaught = getattr(self.effects, "uncaught", None)
        evaluated = stmt.node if type(stmt) is Leaf or (type(stmt) is Exit and stmt.kind == "return") \
            else stmt.cond if type(stmt) is If else None
        if uncaught is not None and evaluated is not None and where is not None \
                and uncaught(evaluated, where):
            return 0  # nothing it evaluates raises what the handlers catch
        if type(stmt) is Leaf and state & OPEN:
            events = self.effects.events(stmt)
            if RELEASE in events or HANDOFF in events:
                return (state & ~OPEN) | DONE
        return state


@dataclass
class _Catch:
    """A try with handlers on the finally stack: the states raised inside its body."""

    node: object = None  # the try statement
    raised: int = 0


def _where(leak: Leak) -> int:
    """Where the path leaves: a block's or function's end, else the statement itself."""
    return leak.node.end_byte if leak.kind in ("end", "scope") else leak.node.start_byte


def _nil(state: int) -> int:
    return (state & ~OPEN) | NIL if state & OPEN else state

