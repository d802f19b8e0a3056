"""TypeScript and JavaScript: the lifecycle adapter (the syntax helpers are in
``javascript_syntax``, the effects on a tracked handle in ``javascript_effects``).

One module serves the typescript, tsx and javascript grammars: their statement and
expression node types agree for everything read here (TypeScript only adds wrappers
such as ``x!`` and ``x as T``, which ``norm`` and ``strip`` see through).
"""

from __future__ import annotations

from .. import ir
from ..ir import HANDOFF, RELEASE
from ..tracks import Candidate, Track, Verdict, last_name, pattern_matches
from . import of_type
from . import javascript_modules as modules
from .javascript_effects import JsEffects, Throws
# (the syntax helpers are also imported from here by checks, fixes and tests)
from .javascript_syntax import (  # noqa: F401
    FUNCTIONS, LOOKUPS, LOOPS, OWNED_CREATORS, WRAPPERS, args, callee, calls_in, chained_call,
    enclosing_function, fresh, function_body, function_name, identifiers_named, is_literal, made_here, method_of,
    norm, receiver, returned_values, strip, text, up, walk)
from .javascript_evidence import evidenced
from .summaries import FileSummaries, with_factories


# ---------------------------------------------------------------------------------------
# lifecycle adapter: function-scoped resources (pool clients, file handles)
# ---------------------------------------------------------------------------------------

# calls that do not throw in practice; a statement made only of these is not a throw point:
# logging, and computations whose only errors are arguments of the wrong type or size (a
# bug of the code, not the I/O or query error a release on every path is there for):
# buffers, hashes, paths, numbers
_NOTHROW = {"console.log", "console.error", "console.warn", "console.info", "console.debug",
            "Buffer.alloc", "Buffer.allocUnsafe", "Buffer.byteLength", "Buffer.isBuffer",
            "crypto.createHash", "crypto.createHmac", "createHash", "createHmac",
            "path.join", "path.resolve", "path.basename", "path.dirname", "path.extname",
            "path.relative", "path.normalize", "path.isAbsolute", "Date.now",
            "Math.min", "Math.max", "Math.floor", "Math.ceil", "Math.round", "Math.abs",
            "Number", "String", "Boolean", "parseInt", "parseFloat", "Array.isArray"}
_DECLS = ("lexical_declaration", "variable_declaration")


class JsAdapter:
    """Lowers JS/TS function bodies into ``leaklint.ir`` for the lifecycle engine.

    Unlike Go, any call can throw: a statement that calls or awaits something after the
    acquisition may leave the function as a raise, which ``try/finally`` or ``catch``
    covers and nothing else does.
    """

    def __init__(self, ctx):
        self.ctx = ctx
        self.root = ctx.tree.root_node
        self._lowered = {}
        self._functions = None
        self._imports = None
        self._rules: dict = {}
        self.summaries = FileSummaries(self._summarise, getattr(ctx, "reads", None))

    # -- candidates ----------------------------------------------------------------

    def candidates(self, rules) -> list[Candidate]:
        """The rules' acquisitions, and the calls of functions that return a fresh one
        (factories, of this module or one reached by a relative import: the reads)."""
        def calls():
            return of_type(self.root, ("call_expression",))

        found = with_factories(self.direct_candidates(rules), getattr(self.ctx, "reads", None),
                               rules, calls, self.call_keys, callee)
        taken = {c.call.id for c in found}  # (what no rule above follows)
        return found + [Candidate(r, n, callee(n)) for r in rules if "*" in r.lifecycle["acquire"]
                        for n in evidenced(calls(), r.lifecycle) if n.id not in taken]

    def call_keys(self, call) -> list[str]:
        """How the facts phase names what ``call`` runs: a top-level function of this
        module, or the call reference of a function of another module."""
        keys = self.resolve(call)
        if keys:
            return ["local:" + k for k in keys]
        ref = modules.call_ref(call, self.imported())
        return [ref] if ref else []

    def direct_candidates(self, rules) -> list[Candidate]:
        out = []
        named = [r for r in rules if "*" not in r.lifecycle["acquire"]]
        wanted = {last_name(p) for r in named for p in r.lifecycle["acquire"]}
        calls = of_type(self.root, ("call_expression",))
        # names imported under another name (`import { createClient as connect }`)
        renamed = {local for local, (_, name) in self.imported().items()
                   if name in wanted and local != name}
        for n in calls:
            if method_of(n) not in wanted and method_of(n) not in renamed:
                continue  # cheap test before normalising the callee
            names = [callee(n)]
            names += self._qualified(names[0])
            for rule in named:
                match = next((x for x in names if any(
                    pattern_matches(p, x) for p in rule.lifecycle["acquire"])), None)
                if match is not None:
                    out.append(Candidate(rule, n, match))
        return out

    def imported(self) -> dict:
        """The module's imports (``javascript_modules.imports``, a function's own
        ``require``s too), read once."""
        if self._imports is None:
            self._imports = modules.imports(self.root, nested=True)
        return self._imports

    def _qualified(self, name: str) -> list[str]:
        """The callee as its package names it, when its head is imported from one:
        `createClient` of `import { createClient } from "redis"` is `redis.createClient`,
        `db.open` of `const db = require("fs/promises")` is `fs.promises.open`,
        `chromium.launch` of `import { chromium } from "playwright"` is
        `playwright.chromium.launch`; a relative import names no package."""
        head, dot, rest = name.partition(".")
        spec, imported = self.imported().get(head, (None, None))
        if spec is None or spec.startswith(".") or not spec:
            return []
        package = spec.removeprefix("node:").replace("/", ".")
        if not dot and imported not in ("*", "default"):
            return [f"{package}.{imported}"]
        if dot and imported not in ("*", "default"):
            return [f"{package}.{imported}.{rest}"]  # `chromium.launch` of "playwright"
        if dot and imported in ("*", "default"):
            return [f"{package}.{rest}"]
        return []

    def track(self, cand: Candidate):
        call = cand.call
        fn = enclosing_function(call)
        p, child = up(call)
        if fn is None or p is None:
            return Verdict(False)  # module top level lives as long as the process
        awaited = call.parent is not None and call.parent.type == "await_expression"
        if not awaited and cand.rule.lifecycle.get("awaited", True) and not any(
                pattern_matches(s, cand.factory_of or cand.callee)
                for s in cand.rule.lifecycle.get("synchronous", ())):
            return Verdict(False)  # callback or promise styles: not followed
        if p.type == "expression_statement":
            if cand.factory_of:
                return Verdict(False)  # a helper's result dropped: precision first
            if self._opens_own(call, fn):
                return Verdict(False)  # connect() of a pool this function made opens it
            return Verdict(True, "because the result is discarded")
        # `ds.createQueryRunner().query(sql)`: a method the rule's ``chained_use`` names,
        # called on the acquisition where it is made, is all that uses it
        used = chained_call(child, cand.rule.lifecycle.get("chained_use", ()))
        if used:
            return Verdict(True, f"because only its {used}() call uses it")
        if p.type != "variable_declarator" or p.child_by_field_name("value") != child:
            return Verdict(False)  # returned, stored, passed on: handed over
        name = p.child_by_field_name("name")
        if name is None or name.type != "identifier":
            return Verdict(False)
        decl = p.parent
        scope = decl.parent if decl is not None else None
        if scope is None or scope.type != "statement_block" or scope == function_body(fn):
            scope = None  # the function's own body: its end is the function's end
        return Track(cand, fn, text(name), None, scope, {"stmt": decl})

    @staticmethod
    def _opens_own(call, fn) -> bool:
        """``pool = new ConnectionPool(url); await pool.connect()``: the receiver is a pool
        the function made itself, and connecting it opens that pool (which the function
        closes), rather than checking a client out of a shared one."""
        r = strip(receiver(call))
        if r is None or r.type != "identifier":
            return False
        f = fn
        while f is not None:
            if made_here(f, text(r)):
                return True
            f = enclosing_function(f)
        return False

    # -- lowering ------------------------------------------------------------------

    def lower(self, fn):
        key = (fn.start_byte, fn.end_byte)
        hit = self._lowered.get(key)
        if hit is None:
            blocks = {}
            body = function_body(fn)
            if body is None or body.type != "statement_block":
                hit = (ir.Block([ir.Leaf(body)] if body is not None else [], fn), fn, blocks)
            else:
                hit = (self._block(body, blocks, 0), body, blocks)
            self._lowered[key] = hit
        return hit

    def _statements(self, node):
        if node is None:
            return []
        if node.type == "statement_block":
            return [c for c in node.named_children if c.type != "comment"]
        return [node]

    def _block(self, node, blocks, depth):
        if depth > ir.MAX_DEPTH:
            raise ir.TooDeep()
        stmts = []
        for s in self._statements(node):
            stmts.extend(self._stmt(s, blocks, depth + 1))
        block = ir.Block(stmts, node)
        if node is not None:
            blocks[(node.start_byte, node.end_byte)] = block
        return block

    def _stmt(self, s, blocks, depth, label=None) -> list:
        t = s.type
        if depth > ir.MAX_DEPTH:
            raise ir.TooDeep()
        if t == "statement_block":
            return [self._block(s, blocks, depth)]
        if t == "labeled_statement":
            body = s.child_by_field_name("body")
            lbl = text(s.child_by_field_name("label")) or None
            return self._stmt(body, blocks, depth, lbl) if body is not None else []
        if t == "if_statement":
            cond = s.child_by_field_name("condition")
            then = self._block(s.child_by_field_name("consequence"), blocks, depth)
            alt = s.child_by_field_name("alternative")
            orelse = None
            if alt is not None:
                inner = [c for c in alt.named_children if c.type != "comment"]
                orelse = self._block(inner[0], blocks, depth) if inner else None
            return [ir.If(cond, then, orelse)]
        if t in LOOPS:
            body = self._block(s.child_by_field_name("body"), blocks, depth)
            cond = s.child_by_field_name("condition")
            head = s.child_by_field_name("right") or s.child_by_field_name("initializer")
            infinite = (t == "for_statement" and (cond is None or cond.type == "empty_statement")) \
                or (t in ("while_statement", "do_statement") and norm(cond) == "true")
            if t == "do_statement":
                # the body runs at least once, then loops
                return [ir.Block(list(body.stmts), s),
                        ir.Loop(s, body, infinite, label, cond)]
            return [ir.Loop(s, body, infinite, label, head)]
        if t == "switch_statement":
            cases, exhaustive = [], False
            body = s.child_by_field_name("body")
            for c in (body.named_children if body is not None else []):
                if c.type not in ("switch_case", "switch_default"):
                    continue
                exhaustive |= c.type == "switch_default"
                stmts = [x for x in c.children_by_field_name("body")]
                case = ir.Block([], c)
                for x in stmts:
                    case.stmts.extend(self._stmt(x, blocks, depth + 1))
                cases.append(case)
            # fall-through: a case without break runs on into the next one
            for i in range(len(cases) - 1, 0, -1):
                prev = cases[i - 1]
                if not prev.stmts or not isinstance(prev.stmts[-1], ir.Exit):
                    prev.stmts.append(ir.Block(list(cases[i].stmts), cases[i].node))
            return [ir.Leaf(s.child_by_field_name("value"), "cond"),
                    ir.Branch(s, cases, exhaustive, True, label)]
        if t == "try_statement":
            body = self._block(s.child_by_field_name("body"), blocks, depth)
            handler = s.child_by_field_name("handler")
            final = s.child_by_field_name("finalizer")
            handlers = [self._block(handler.child_by_field_name("body"), blocks, depth)] \
                if handler is not None else []
            fin = self._block(final.child_by_field_name("body"), blocks, depth) \
                if final is not None else None
            return [ir.Try(s, body, handlers, None, fin)]
        if t == "return_statement":
            return [ir.Exit(s, "return")]
        if t == "throw_statement":
            return [ir.Exit(s, "raise")]
        if t == "break_statement":
            return [ir.Exit(s, "break", self._label(s))]
        if t == "continue_statement":
            return [ir.Exit(s, "continue", self._label(s))]
        if t in FUNCTIONS or t in ("class_declaration", "empty_statement"):
            return [ir.Leaf(s)]
        if t == "expression_statement" and s.named_children \
                and s.named_children[0].type == "call_expression" \
                and s.named_children[0].child_by_field_name("function").text == b"process.exit":
            return [ir.Leaf(s), ir.Exit(s, "noreturn")]  # the process ends, with what it holds
        out = [ir.Leaf(s)]
        if self.may_throw(s):
            out.append(ir.If(Throws(s), ir.Block([ir.Exit(s, "raise")], s), raises_only=True))
        return out

    def _label(self, s):
        for c in s.named_children:
            if c.type == "statement_identifier":
                return text(c)
        return None

    def awaits(self, s) -> bool:
        """Does the statement ``s`` await something (outside functions inside it)?"""
        return any(n.type == "await_expression" for n in walk(s, stop=FUNCTIONS))

    def may_throw(self, s) -> bool:
        for n in walk(s, stop=FUNCTIONS):
            if n.type == "await_expression" or n.type == "new_expression":
                return True
            if n.type == "call_expression" and callee(n) not in _NOTHROW:
                return True
        return False

    # -- effects ---------------------------------------------------------------------

    def effects(self, track: Track):
        return JsEffects(track, self)

    # -- summaries -------------------------------------------------------------------

    def functions(self) -> dict:
        """The module's top-level functions: name -> node."""
        if self._functions is None:
            self._functions = modules.top_functions(self.root, written=True)
        return self._functions

    def resolve(self, call) -> list[str]:
        fn = strip(call.child_by_field_name("function"))
        if fn is not None and fn.type == "identifier" and text(fn) in self.functions():
            return [text(fn)]
        return []

    def releases_param(self, call, index: int, rule) -> bool | None:
        """Does the function ``call`` runs release or hand on its parameter ``index``?
        A top-level function of this module is judged by its body; one of a module
        reached by a relative import by its summary (the file's reads); None when the
        call runs no function leaklint can see."""
        self._rules[rule.code] = rule
        keys = self.resolve(call)
        if keys:
            return any([self.summaries.local((key, index, rule.code)) for key in keys])
        ref = modules.call_ref(call, self.imported())
        return self.summaries.external(ref, index, rule.code) if ref else None

    def param_summary(self, name: str, index: int, rule, method: bool = False) -> bool:
        """The summary of this module's function ``name`` for its parameter ``index``."""
        self._rules[rule.code] = rule
        return self._summarise((name, index, rule.code))

    def _summarise(self, key) -> bool:
        name, index, code = key
        fn = self.functions()[name]
        params = modules.parameters(fn)
        body = function_body(fn)
        if index >= len(params) or not params[index] or body is None:
            return False
        fx = JsEffects(Track(None, fn, params[index]), self, rule=self._rules[code])
        return bool(fx.scan(body) & {RELEASE, HANDOFF})
