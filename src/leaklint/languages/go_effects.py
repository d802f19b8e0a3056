"""What one statement does to one tracked Go handle (the lifecycle engine's events)."""

from __future__ import annotations

from ..ir import ACQUIRE, HANDOFF, REASSIGN, RELEASE
from . import nearest
from ..tracks import SpecEffects, Track, pattern_matches
from .go_branches import other_branches
from .go_closures import closure_returned, deferred_before
from .go_flags import held_flag, same_condition, sentinel
from .go_makers import calls_release, deferred_release, maker
from .go_returns import assigned_value, blank_assigned, kept_wrapper
from .go_success import failure_check, tests_failure
from .go_syntax import (asserted_false, callee_text, classifies_error, enclosing_function,
                        local_values, own_nodes, own_of_type,
                        reports_test_failure, strip_parens, text)

# packages whose functions read a value without taking ownership of it: of the standard
# library (only when the name is not bound to another module's package of that name, such
# as a proxy's own `bufio` whose wrappers own the connection) and of common libraries
BORROWING_STANDARD = {
    "fmt", "log", "errors", "strings", "bytes", "strconv", "io", "ioutil", "json", "xml",
    "csv", "bufio", "sort", "reflect", "time", "math", "atomic", "binary", "hex", "base64",
    "gob", "slog", "utf8", "unicode", "httputil", "filepath", "path", "testing", "template",
}
BORROWING_LIBRARIES = {
    "assert", "require", "yaml", "toml", "proto", "errgroup", "klog", "zap", "logrus",
}
BORROWING_BUILTINS = {"len", "cap", "print", "println", "string", "copy", "delete", "min", "max"}
STORING_BUILTINS = {"append"}
# io.WriterTo's and io.ReaderFrom's methods write to or read from their argument, and
# keep nothing of it
BORROWING_METHODS = {"WriteTo", "ReadFrom"}


def _received(expr) -> bool:
    """Is ``expr`` the operand of a receive (`<-expr`)?"""
    p = expr.parent
    return p is not None and p.type == "unary_expression" and \
        p.child_by_field_name("operator").type == "<-"


class GoEffects(SpecEffects):
    """What a leaf does to one tracked Go handle."""

    def __init__(self, adapter, track: Track, rule=None, depth: int = 0):
        super().__init__(adapter, track, rule, depth)
        self._reassigned: list | None = None
        # `if err != nil` statements (by node id) right after a call that takes the handle
        # only when it succeeds: the error there is that call's (``_taken_on_success``)
        self._on_success: dict = {}
        self.maker = maker(track, self.rule.lifecycle)  # what made it, and what ends that
        # a receive from the handle's view releases it (a fired time.Timer owes no Stop)
        self.receive_releases = bool(track.candidate) and any(
            pattern_matches(p, track.candidate.callee)
            for p in self.rule.lifecycle.get("receive_releases", ()))

    def guard(self, cond):
        """The branch in which the handle is nil: the error is non-nil there (`err != nil`,
        `err == io.EOF`, `errors.Is(err, X)`, `os.IsNotExist(err)`, either side of an `&&`,
        the false branch of an `||` with `err == nil` on one side), or the handle itself is
        compared with nil."""
        while cond is not None and cond.type == "parenthesized_expression" and cond.named_children:
            cond = cond.named_children[0]
        if cond is None:
            return None
        flag = held_flag(self.track.function, self.stmt, cond) or sentinel(
            self.track.function, self.stmt, self.name, self.track.error, self.release, cond) \
            or same_condition(self.track.function, self.stmt, cond)
        if flag is not None:
            return flag
        if self._failed_taking(cond):
            return "else"  # it took the handle unless it failed
        if self._taken_on_failure(cond):
            return "then"
        # `if !rows.Next() { return }`: rows that report no next row have closed themselves
        if cond.type == "unary_expression" and cond.child_by_field_name("operator").type == "!":
            if self._exhausts(strip_parens(cond.child_by_field_name("operand"))):
                return "then"
        if self._exhausts(cond):
            return "else"
        if cond.type == "call_expression":
            args = cond.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            callee = callee_text(cond)
            if (callee in ("errors.Is", "errors.As") or classifies_error(cond)) \
                    and self._is_error(first):
                return "then"
            # `if assert.NoError(t, err) { ... }`: the body runs only without an error
            if callee.rsplit(".", 1)[-1] in ("NoError", "Nil") and args is not None \
                    and any(self._is_error(a) for a in args.named_children):
                return "else"
            return None
        if cond.type != "binary_expression":
            return None
        op = cond.child_by_field_name("operator")
        left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
        if op is None or left is None or right is None:
            return None
        if op.type == "&&":
            sides = {self.guard(left), self.guard(right)}
            return "then" if "then" in sides else "else" if sides == {"else"} else None
        if op.type == "||":  # `err == context.Canceled || err == io.EOF`
            # false only where both sides are: `err == nil || retry >= max` is false
            # only with an error
            sides = {self.guard(left), self.guard(right)}
            return "then" if sides == {"then"} else "else" if "else" in sides else None
        if left.type == "nil":
            left, right = right, left
        if self._is_error(left):
            if right.type == "nil":
                return {"!=": "then", "==": "else"}.get(op.type)
            if op.type == "==" and right.type in ("identifier", "selector_expression") \
                    and right.text != b"nil":
                return "then"  # err == io.EOF: an error, so no handle
            return None
        if right.type == "nil" and left.type == "selector_expression" \
                and left.child_by_field_name("field").text.decode() in self.views:
            # `resp.Body == nil`: with no body there is nothing to close
            operand = left.child_by_field_name("operand")
            if operand.type == "identifier" and operand.text.decode() == self.name \
                    and not self._shadowed(operand, None):
                return {"==": "then", "!=": "else"}.get(op.type)
        if right.type != "nil" or left.type != "identifier":
            return None
        name = left.text.decode()
        if (name == self.name or name in self.track.extra.get("pairs", ())) \
                and not self._shadowed(left, None, name):
            return {"==": "then", "!=": "else"}.get(op.type)
        return None

    def _taken_on_failure(self, cond) -> bool:
        """`if err := cmd.Start(); err != nil`, or `err = cmd.Start()` right before the
        `if`: a ``receiver_takes`` method of the value the handle came from
        (`cmd.StdinPipe()`) that failed has released it (a failing Start closes the pipes
        it made)."""
        methods = self.rule.lifecycle.get("receiver_takes")
        fn = self.acquire.child_by_field_name("function") if methods and self.acquire else None
        stmt = cond.parent
        if fn is None or fn.type != "selector_expression" or cond.type != "binary_expression" \
                or stmt is None or stmt.type != "if_statement":
            return False
        init = stmt.child_by_field_name("initializer") or stmt.prev_named_sibling
        op, left = cond.child_by_field_name("operator"), cond.child_by_field_name("left")
        if init is None or op is None or op.type != "!=" \
                or cond.child_by_field_name("right").type != "nil":
            return False
        source = text(fn.child_by_field_name("operand"))
        said = text(init).replace(" ", "")
        return any(said in (f"{text(left)}:={source}.{m}()", f"{text(left)}={source}.{m}()")
                   for m in methods)

    @staticmethod
    def loop_condition(head):
        """The condition a `for` tests before each turn (None for a range or no condition)."""
        if head.type == "for_clause":
            return head.child_by_field_name("condition")
        return None if head.type == "range_clause" else head

    def _failed_taking(self, cond) -> bool:
        """Is ``cond`` `err != nil` for the error of a call that takes the handle only when
        it succeeds (recorded by ``_taken_on_success``)?"""
        name = self._on_success.get(cond.parent.id) if cond.parent is not None else None
        return name is not None and tests_failure(cond, name)

    def _taken_on_success(self, call) -> bool:
        """Is ``call`` one of another module's functions whose error the next statement
        checks (``go_success.failure_check``)? Remembered for ``guard``."""
        found = failure_check(call) if self.a.calls_outside(call) else None
        if found is not None:
            self._on_success[found[0].id] = found[1]
        return found is not None

    def _is_error(self, node) -> bool:
        """Is ``node`` the acquisition's own error, not reassigned since? After
        `_, err = use(h)` a non-nil err is use's error, and the handle is live."""
        return (node is not None and node.type == "identifier" and self.track.error is not None
                and node.text.decode() == self.track.error
                and not self._shadowed(node, None, self.track.error)
                and not any(n.end_byte <= node.start_byte and not other_branches(n, node)
                            for n in self._error_reassigned()))

    def _error_reassigned(self) -> list:
        """The statements after the acquisition (in this function, not in its closures)
        that assign the acquisition's error variable again."""
        if self._reassigned is None:
            self._reassigned = []
            acq, name = self.stmt, self.track.error
            if acq is not None and name is not None and self.track.function is not None:
                for n in own_of_type(self.track.function,
                                     ("assignment_statement", "short_var_declaration")):
                    if n.start_byte < acq.end_byte or other_branches(acq, n):
                        continue  # before it, or in a branch its path never takes
                    if n.type == "short_var_declaration" and n.parent != acq.parent:
                        continue  # `:=` in another scope declares a new err, shadowing this one
                    left = n.child_by_field_name("left")
                    targets = left.named_children if left is not None else []
                    if any(t.type == "identifier" and t.text.decode() == self.name for t in targets):
                        continue  # the handle is assigned too: another acquisition (another branch's)
                    for target in targets:
                        if target.type == "identifier" and target.text.decode() == name \
                                and not self._shadowed(target, None, name):
                            self._reassigned.append(n)
        return self._reassigned

    def events(self, leaf) -> list[str]:
        node = leaf.node
        if leaf.role == "loop-exit":
            return [RELEASE] if self._exhausts(node) else []
        out = []
        if self.acquire is not None and node.start_byte <= self.acquire.start_byte < node.end_byte:
            if leaf.role != "cond" and enclosing_function(self.acquire) == self.track.function:
                out.append(ACQUIRE)
                if self._released_by_earlier_defer():
                    out.append(RELEASE)
                return out
        if leaf.role != "defer" and reports_test_failure(node):
            # the test has failed on this path: what it holds goes with the failed test
            return [HANDOFF]
        found = self.scan(node, deferred=leaf.role == "defer")
        if self.maker[0] and calls_release(node, *self.maker):
            found.add(RELEASE)  # `cmd.Wait()`, `session.Close()`: the pipe they made goes too
        if RELEASE in found:
            out.append(RELEASE)
        elif HANDOFF in found:
            out.append(HANDOFF)
        elif REASSIGN in found:
            out.append(REASSIGN)
        return out

    def _released_by_earlier_defer(self) -> bool:
        """Does a closure deferred before the acquisition release the handle's variable
        (``go_closures.deferred_before``)?"""
        return self.stmt is not None and self.track.function is not None and (any(
            RELEASE in self.scan(c, deferred=True)
            for c in deferred_before(self.track.function, self.stmt))
            or bool(self.maker[0]) and deferred_release(self.track.function, self.stmt,
                                                        *self.maker))

    def _exhausts(self, head) -> bool:
        """Is this loop condition `h.Next()` for a handle that closes when exhausted?"""
        if head is not None and head.type == "for_clause":
            head = head.child_by_field_name("condition")
        if head is None or head.type != "call_expression":
            return False
        fn = head.child_by_field_name("function")
        if fn is None or fn.type != "selector_expression":
            return False
        operand = fn.child_by_field_name("operand")
        return (operand.type == "identifier" and operand.text.decode() == self.name
                and fn.child_by_field_name("field").text.decode() in self.exhausted_by)

    def exhausted_in(self, body) -> bool:
        """Does ``body`` run a loop on `h.Next()` that only ends when the handle is
        exhausted (no `return`, `break` or `goto` in it): a helper that reads rows to their
        end closes them."""
        for n in own_nodes(body):
            if n.type == "for_statement" and self._exhausts(
                    next((c for c in n.named_children if c.type != "block"), None)):
                loop = n.child_by_field_name("body")
                if loop is not None and not any(
                        m.type in ("return_statement", "break_statement", "goto_statement")
                        for m in own_nodes(loop)):
                    return True
        return False

    def scan(self, node, deferred: bool) -> set:
        """Events of every mention of the handle inside ``node``."""
        found = set()
        name = self.name.encode()
        if name not in node.text:
            return found
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type == "identifier":
                if n.text == name:
                    ev = self._mention(n, node, deferred)
                    if ev:
                        found.add(ev)
                continue
            stack.extend(n.named_children)
        return found

    def _in_closure(self, n, top) -> bool:
        return nearest(n, ("func_literal",), top) is not None

    @staticmethod
    def _closure_discarded(n, top) -> bool:
        """Is the innermost closure around ``n`` assigned to `_` (never called, so
        nothing it does to the handle happens)?"""
        p = n.parent
        while p is not None and p != top and p.type != "func_literal":
            p = p.parent
        if p is None or p.type != "func_literal":
            return False
        values = p.parent
        stmt = values.parent if values is not None and values.type == "expression_list" else None
        if stmt is None or stmt.type != "assignment_statement" or stmt.child_by_field_name("right") != values:
            return False
        targets = stmt.child_by_field_name("left").named_children
        position = values.named_children.index(p)
        return position < len(targets) and targets[position].text == b"_"

    def _shadowed(self, n, top, name: str | None = None) -> bool:
        """Is this mention of the name a different variable (redeclared in a nested scope)?"""
        name = name or self.name
        fn = self.track.function
        decl_scope = self.track.decl_block
        acq = self.stmt
        p, child = n, None
        while p is not None and p != fn:
            # a declaration before the tracked one (in a scope holding it) is not in effect
            holds_acq = acq is not None and p.start_byte <= acq.start_byte < p.end_byte
            if p.type == "func_literal":
                params = p.child_by_field_name("parameters")
                if params is not None and any(
                        x.text.decode() == name
                        for d in params.named_children for x in d.children_by_field_name("name")):
                    return True
            if p.type in ("statement_list", "block") and child is not None and p != decl_scope \
                    and (decl_scope is None or p.parent != decl_scope):
                for sib in p.named_children:
                    if sib.start_byte >= child.start_byte:
                        break
                    if holds_acq and sib.start_byte < acq.start_byte:
                        continue
                    if self._declares(sib, name):
                        return True
            if p.type in ("for_statement", "if_statement") and p != decl_scope and not holds_acq:
                for c in p.named_children:
                    if c.type in ("range_clause", "for_clause", "short_var_declaration") \
                            and self._declares(c, name) and (child is None or c != child):
                        return True
            child, p = p, p.parent
        return False

    def _declares(self, stmt, name: str) -> bool:
        if stmt.type == "short_var_declaration":
            if self.stmt is not None and stmt == self.stmt:
                return False
            left = stmt.child_by_field_name("left")
            return left is not None and any(i.text.decode() == name for i in left.named_children)
        if stmt.type == "var_declaration":
            return any(name == x.text.decode() for s in stmt.named_children
                       for x in s.children_by_field_name("name"))
        if stmt.type == "range_clause":
            left = stmt.child_by_field_name("left")
            return (left is not None and any(c.type == ":=" for c in stmt.children)
                    and any(i.text.decode() == name for i in left.named_children))
        if stmt.type == "for_clause":
            init = stmt.child_by_field_name("initializer")
            return init is not None and self._declares(init, name)
        return False

    def _mention(self, n, top, deferred: bool):
        if self._shadowed(n, top):
            return None
        closure = self._in_closure(n, top)
        expr = n
        p = expr.parent
        while p is not None and p.type == "selector_expression" \
                and p.child_by_field_name("operand") == expr \
                and p.child_by_field_name("field").text.decode() in self.views:
            expr, p = p, p.parent
        # `(h)`, `(func())(cancel)`, `w.(*os.File)`: a conversion or an assertion is the
        # same value
        while p is not None and (p.type == "parenthesized_expression" or (
                p.type in ("type_conversion_expression", "type_assertion_expression")
                and p.child_by_field_name("operand") == expr)):
            expr, p = p, p.parent
        if p is None:
            return None
        if closure and self._closure_discarded(n, top):
            return None
        if closure and closure_returned(n, self.track.function):
            return HANDOFF  # a closure over the handle handed to the caller
        t = p.type
        if t == "selector_expression" and p.child_by_field_name("operand") == expr:
            method = p.child_by_field_name("field").text.decode()
            gp = p.parent
            if gp is not None and gp.type == "call_expression" \
                    and gp.child_by_field_name("function") == p and method in self.release:
                return RELEASE if deferred or not closure else HANDOFF
            if method in self.release and not (gp is not None and gp.type == "call_expression"
                                               and gp.child_by_field_name("function") == p):
                # a method value (`onExit(f.Close)`, `&closer{close: f.Close}`): whoever
                # gets it releases the handle; `_ = f.Close` (the call's parentheses
                # forgotten) hands it to nobody
                return None if blank_assigned(p) else HANDOFF
            if gp is not None and gp.type == "call_expression" and method in self.exhausted_by \
                    and asserted_false(gp):
                return RELEASE  # `require.False(t, rows.Next())`: exhausted, so closed
            if method in self.ended_by and gp is not None and gp.type == "call_expression" \
                    and gp.child_by_field_name("function") == p and _received(gp):
                return RELEASE  # `case <-ss.Done():` the handle has ended by itself here
            return None
        if t == "call_expression" and p.child_by_field_name("function") == expr:
            if "()" in self.release:
                return RELEASE if deferred or not closure else HANDOFF
            return None
        if t == "argument_list":
            call = p.parent
            if not closure and kept_wrapper(call):
                # `return bufio.NewReader(f), nil`, `s.log = log.New(f, ...)`: whoever
                # holds the wrapper holds the handle
                return HANDOFF
            return self._passed(call, p, expr, deferred, closure)
        if t == "expression_list":
            gp = p.parent
            if gp is None:
                return None
            if gp.type == "return_statement":
                return HANDOFF
            if gp.type in ("assignment_statement", "short_var_declaration"):
                if gp.child_by_field_name("left") == p:
                    if self.stmt is not None and gp == self.stmt:
                        return None
                    if gp.type == "short_var_declaration":
                        return None if self._declares_in_other_scope(gp) else REASSIGN
                    return REASSIGN if not closure else HANDOFF
                lhs = gp.child_by_field_name("left")
                if lhs is not None and all(c.text == b"_" for c in lhs.named_children):
                    return None
                return HANDOFF
            if gp.type == "var_spec":
                return HANDOFF
            return None
        if t == "unary_expression" and expr != n and self.receive_releases \
                and p.child_by_field_name("operator").type == "<-":
            return RELEASE
        if t in ("literal_element", "keyed_element", "send_statement", "unary_expression",
                 "literal_value", "go_statement"):
            if t == "unary_expression" and p.child_by_field_name("operator").type != "&":
                # `*f = *newF`: the object, with what it holds, is copied elsewhere
                return HANDOFF if p.child_by_field_name("operator").type == "*" \
                    and assigned_value(p) else None
            if t == "keyed_element" and p.named_children and p.named_children[0] == expr:
                return None
            return HANDOFF
        if t == "return_statement":
            return HANDOFF
        return None

    def _names_release(self, function: str) -> bool:
        """`GracefulClose(resp)`, `closeQuietly(f)`, `stopTicker(t)`: a function named after
        the release takes care of it."""
        low = function.lower()
        return any(m != "()" and m.lower() in low for m in self.release)

    def _declares_in_other_scope(self, decl) -> bool:
        scope = self.a._scope_of(decl, self.track.function)
        return scope is not None and self.track.decl_block is not None and \
            (scope.start_byte, scope.end_byte) != (self.track.decl_block.start_byte,
                                                   self.track.decl_block.end_byte)

    def _borrowing_value(self, name: str) -> bool:
        """Is the local ``name`` only ever made by a borrowing standard package
        (``t := template.Must(template.New("x").Parse(s))``, ``enc := json.NewEncoder(w)``)?
        Its methods then only read or write what they are given (``t.Execute(f, data)``)."""
        if not name.isidentifier():
            return False
        values = local_values(self.track.function, name)
        return bool(values) and all(
            v is not None and v.type == "call_expression"
            and self._borrowing_package(callee_text(v).split(".", 1)[0])
            and callee_text(v).split(".", 1)[0] not in self.a.package_imports() for v in values)

    def _borrowing_package(self, package: str) -> bool:
        return package in BORROWING_LIBRARIES or (
            package in BORROWING_STANDARD and package not in self.a.package_imports())

    def _passed(self, call, args, expr, deferred, closure):
        """The handle is an argument of ``call``: released, handed on, or only borrowed?"""
        if call is None:
            return HANDOFF
        callee = callee_text(call)
        short = callee.rsplit(".", 1)[-1]
        if callee in self.release_fns or short in self.release_fns:
            return RELEASE if deferred or not closure else HANDOFF
        if self.borrows(callee) or callee in BORROWING_BUILTINS \
                or ("." in callee and short in BORROWING_METHODS):
            return None
        if callee in STORING_BUILTINS or callee in self.handoff_calls:
            return HANDOFF
        # a function value (a cancel func) passed to a library is there to be called
        func_handle = "()" in self.release
        package = callee.split(".", 1)[0] if "." in callee else ""
        borrowing = not func_handle and (self._borrowing_package(package)
                                         or self._borrowing_value(package))
        # a package of the project named like a borrowing one (its own `log`): its body
        # decides, when the summaries know it
        if not borrowing or package in self.a.package_imports():
            index = [c for c in args.named_children if c.type != "comment"].index(expr) \
                if expr in args.named_children else -1
            if index >= 0:
                # a same-file function is judged by its body, whatever its name
                summary = self.a.releases_param(call, index, self.rule)
                if summary is not None:
                    if summary:
                        return RELEASE if (deferred or not closure) else HANDOFF
                    return None
        if self._names_release(short):
            return RELEASE if deferred or not closure else HANDOFF
        if short.startswith("Set") and short[3:4].isupper():
            return HANDOFF  # a setter whose body is not in view keeps what it is given
        if borrowing or (not (deferred or closure or func_handle or self.depth)
                         and self._taken_on_success(call)):
            return None
        return HANDOFF

