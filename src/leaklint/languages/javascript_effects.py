"""What a leaf does to one handle tracked in a TypeScript/JavaScript function: the
effects half of the lifecycle adapter (``javascript.JsAdapter`` lowers the bodies)."""

from __future__ import annotations

from ..ir import ACQUIRE, HANDOFF, REASSIGN, RELEASE
from ..tracks import SpecEffects, Track
from .javascript_syntax import (FUNCTIONS, LOOPS, args, callee, enclosing_function, method_of,
                                norm, receiver, strip, text, up, walk)


# statements with parts of their own that are evaluated, not lowered into statements
_COMPOUND = LOOPS + ("if_statement", "switch_statement")
_EVALUATED = ("condition", "initializer", "right", "increment", "value")


class Throws:
    """The condition of "statement ``stmt`` may throw here" (see ``javascript.JsAdapter._may_throw``)."""

    def __init__(self, stmt):
        self.stmt = stmt


def _only_submits_to(stmt, handle: str) -> bool:
    """``const cursor = client.query(new Cursor(sql))``: nothing awaited, and every call is
    a method of ``handle`` or a ``new`` object built as its argument (what it submits)."""
    calls = [n for n in walk(stmt, stop=FUNCTIONS)
             if n.type in ("call_expression", "new_expression", "await_expression")]
    if not calls or any(n.type == "await_expression" for n in calls):
        return False
    own = [n for n in calls if n.type == "call_expression" and norm(receiver(n)) == handle]
    if not own:
        return False
    for n in calls:
        if n in own or (n.type == "new_expression" and any(
                o.start_byte <= n.start_byte and n.end_byte <= o.end_byte for o in own)):
            continue  # the call on the handle itself, or the object built to submit to it
        return False
    return True


# a handle's own flags saying whether it is (still) open, and whether it has ended
_OPEN_FLAGS = {"isOpen", "open", "opened", "connected", "isConnected", "writable", "readable"}
# a container's lookups by key: the key is compared, not kept
KEY_LOOKUPS = {"get", "has"}
_ENDED_FLAGS = {"closed", "isClosed", "destroyed", "ended", "writableEnded", "disconnected"}


def _open_state(cond, name: str):
    """True when ``cond`` reads an open flag of the handle ``name`` (`client.isOpen`),
    False for an ended flag (`socket.destroyed`), None otherwise."""
    if cond is None or cond.type != "member_expression" \
            or norm(cond.child_by_field_name("object")) != name:
        return None
    flag = text(cond.child_by_field_name("property"))
    return True if flag in _OPEN_FLAGS else False if flag in _ENDED_FLAGS else None


class JsEffects(SpecEffects):
    """What a leaf does to one tracked JS handle."""

    def __init__(self, track: Track, adapter=None, rule=None):
        super().__init__(adapter, track, rule)

    def guard(self, cond):
        if isinstance(cond, Throws):
            # the acquiring statement throws before anything is acquired; a statement
            # that only hands a request to the client itself does not throw: an async
            # client reports failures through what the call returns
            s = cond.stmt
            if s.start_byte <= self.acquire.start_byte < s.end_byte \
                    or _only_submits_to(s, self.name):
                return "then"
            return None
        if cond is None:
            return None
        c = strip(cond)
        if c is not None and c.type == "unary_expression" and text(c).startswith("!") \
                and norm(c.named_children[0]) == self.name:
            return "then"
        if c is not None and norm(c) == self.name:
            return "else"
        negated = c is not None and c.type == "unary_expression" and text(c).startswith("!")
        state = _open_state(strip(c.named_children[0]) if negated else c, self.name)
        if state is not None:
            # `if (client.isOpen) client.destroy()`: nothing to release when it is not open
            return "else" if state != negated else "then"
        return None

    def cannot_raise(self, node) -> bool:
        """May the engine skip the raise of the statement ``node`` inside a `try`: it
        calls, awaits and constructs nothing (`const id = conn.threadId`), as the lowering
        decides for a statement outside one?"""
        return self.a is not None and node is not None and not isinstance(node, Throws) \
            and node.type not in ("throw_statement", "return_statement") \
            and not self.a.may_throw(node)

    def raises_itself(self, node) -> bool:
        """May the compound statement ``node`` (an if, given by its condition, a loop, a
        block, a switch) raise by what it evaluates outside its statements: the condition,
        a loop's initializer, iterable or increment, its own or those of the compound
        statements inside it? What a statement inside raises leaves through the exit the
        lowering puts after each statement that may throw."""
        if node is None or self.a is None:
            return True
        if node.type == "parenthesized_expression" and node.parent is not None:
            node = node.parent  # an if's condition: the if statement
        nodes = [node, *walk(node, stop=FUNCTIONS)]
        return any(c is not None and self.a.may_throw(c)
                   for n in nodes if n.type in _COMPOUND
                   for c in map(n.child_by_field_name, _EVALUATED))

    def events(self, leaf) -> list[str]:
        node = leaf.node
        if node is None or isinstance(node, Throws):
            return []
        if leaf.role == "raise" and node.type != "throw_statement":
            return []  # the statement throwing part-way: its own effects did not happen
        if node.start_byte <= self.acquire.start_byte < node.end_byte and leaf.role != "cond":
            if enclosing_function(self.acquire) == self.track.function:
                return [ACQUIRE]
        found = self.scan(node)
        for ev in (RELEASE, HANDOFF, REASSIGN):
            if ev in found:
                return [ev]
        return []

    def scan(self, node) -> set:
        found = set()
        name = self.name.encode()
        if name not in node.text:
            return found
        if node.type == "identifier" and node.text == name:
            ev = self._mention(node)
            return {ev} if ev else found
        for n in walk(node):
            if n.type in ("identifier", "shorthand_property_identifier") and n.text == name:
                ev = self._mention(n)
                if ev:
                    found.add(ev)
        return found

    def _mention(self, n):
        if n.type == "shorthand_property_identifier":
            return HANDOFF  # { client }: stored in an object
        p, expr = up(n)
        if p is None:
            return None
        t = p.type
        if t == "member_expression" and p.child_by_field_name("object") == expr:
            gp, via = up(p)
            if gp is not None and gp.type == "call_expression" \
                    and gp.child_by_field_name("function") == via:
                if text(p.child_by_field_name("property")) in self.release:
                    return RELEASE
            return None
        if t == "arguments":
            call = p.parent
            name = callee(call) if call is not None else ""
            if name in self.release_fns:
                return RELEASE  # `fs.closeSync(fd)`: a function that releases its argument
            if self.borrows(name) or name.startswith(("console.", "assert", "expect")):
                return None
            if method_of(call) in KEY_LOOKUPS and args(call)[:1] and args(call)[0].id == expr.id:
                return None  # `active.get(pid)`: a key to look up by, not kept
            if self.a is not None and call is not None:
                index = [a.id for a in args(call)].index(expr.id) if any(
                    a.id == expr.id for a in args(call)) else -1
                # a function leaklint can see that neither releases nor keeps it: still ours
                if index >= 0 and self.a.releases_param(call, index, self.rule) is False:
                    return None
            return HANDOFF
        if t in ("return_statement", "arrow_function", "array", "pair", "yield_expression"):
            return HANDOFF
        if t == "assignment_expression":
            if p.child_by_field_name("left") == expr:
                return REASSIGN
            return HANDOFF
        if t == "variable_declarator" and p.child_by_field_name("value") == expr:
            return HANDOFF
        return None
