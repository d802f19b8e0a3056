"""Go: the syntax facts the lifecycle engine needs, read from tree-sitter-go trees."""

from __future__ import annotations

import re

from ..analysis import ir
from ..analysis.handles import Candidate, Track, Verdict, last_name, pattern_matches
from ..analysis.lifecycle import ACQUIRE, HANDOFF, REASSIGN, RELEASE
from . import matches

FUNCTIONS = ("function_declaration", "method_declaration", "func_literal")

# calls after which control never comes back to the function
NORETURN_EXACT = {"panic", "os.Exit", "runtime.Goexit", "log.Fatal", "log.Fatalf", "log.Fatalln",
                  "log.Panic", "log.Panicf", "log.Panicln"}
NORETURN_METHODS = {"Fatal", "Fatalf", "Fatalln", "FailNow", "Skip", "Skipf", "SkipNow",
                    "Panic", "Panicf", "Panicln", "Exit"}

# packages whose functions read a value without taking ownership of it
BORROWING_PACKAGES = {
    "fmt", "log", "errors", "strings", "bytes", "strconv", "io", "ioutil", "json", "xml",
    "csv", "bufio", "sort", "reflect", "time", "math", "assert", "require", "atomic",
    "binary", "hex", "base64", "gob", "yaml", "toml", "proto", "slog", "utf8", "unicode",
    "httputil", "filepath", "path", "testing", "errgroup", "klog", "zap", "logrus",
}
BORROWING_BUILTINS = {"len", "cap", "print", "println", "string", "copy", "delete", "min", "max"}
STORING_BUILTINS = {"append"}

_STATEMENT_BLOCKS = ("block", "statement_list")


def _children(node):
    return node.named_children


def _body_statements(block) -> list:
    """Statements of a `block` (tree-sitter-go wraps them in a statement_list)."""
    out = []
    for child in block.named_children:
        if child.type == "statement_list":
            out.extend(child.named_children)
        elif child.type != "comment":
            out.append(child)
    return out


def short_callee(callee: str) -> str:
    """A callee as messages show it: `db.Query`, or `….Query` for a long chain."""
    if len(callee) <= 40 and all(c.isalnum() or c in "._" for c in callee):
        return callee
    return "…." + callee.rsplit(".", 1)[-1] if "." in callee else callee[:40]


def callee_text(call) -> str:
    fn = call.child_by_field_name("function")
    if fn is None:
        return ""
    return fn.text.decode("utf-8", "replace").replace(" ", "").replace("\n", "").replace("\t", "")


def enclosing_function(node):
    n = node.parent
    while n is not None and n.type not in FUNCTIONS:
        n = n.parent
    return n


def _asserted_false(call) -> bool:
    """Is ``call`` the checked argument of a test assertion that it returns false?"""
    args = call.parent
    outer = args.parent if args is not None and args.type == "argument_list" else None
    return outer is not None and outer.type == "call_expression" \
        and callee_text(outer).rsplit(".", 1)[-1] in ("False", "Falsef")


def expects_error(stmt, err: str) -> bool:
    """Is ``stmt`` a test assertion that ``err`` is an error (so success fails the test)?"""
    if stmt is None or stmt.type != "expression_statement" or not stmt.named_children:
        return False
    call = stmt.named_children[0]
    if call.type != "call_expression":
        return False
    name = callee_text(call).rsplit(".", 1)[-1]
    args = call.child_by_field_name("arguments")
    return (name in ("Error", "Errorf", "ErrorIs", "ErrorAs", "ErrorContains", "EqualError")
            and "." in callee_text(call) and args is not None
            and any(a.type == "identifier" and a.text.decode() == err for a in args.named_children))


def is_noreturn(call) -> bool:
    name = callee_text(call)
    if name in NORETURN_EXACT:
        return True
    return "." in name and name.rsplit(".", 1)[1] in NORETURN_METHODS


class GoAdapter:
    def __init__(self, ctx):
        self.ctx = ctx
        self.root = ctx.tree.root_node
        self._lowered = {}
        self._functions = None
        self._summaries = {}

    # -- candidates ----------------------------------------------------------------

    def candidates(self, rules) -> list[Candidate]:
        names = sorted({last_name(p) for r in rules for p in r.lifecycle["acquire"]})
        if not names:
            return []
        quoted = " ".join('"%s"' % n for n in names)
        q = ("((call_expression function: [(selector_expression field: (field_identifier) @n)"
             " (identifier) @n]) @call (#any-of? @n %s))" % quoted)
        out = []
        for _, caps in matches("go", q, self.root):
            call = caps["call"][0]
            callee = callee_text(call)
            for rule in rules:
                if any(pattern_matches(p, callee) for p in rule.lifecycle["acquire"]):
                    out.append(Candidate(rule, call, short_callee(callee)))
        return out

    def track(self, cand: Candidate):
        spec = cand.rule.lifecycle
        call = cand.call
        parent = call.parent
        while parent is not None and parent.type == "parenthesized_expression":
            parent = parent.parent
        fn = enclosing_function(call)
        if parent is None or fn is None:
            return Verdict(False)
        if parent.type == "expression_statement":
            if "results" in spec or spec.get("require_use"):
                return None  # the call's arity is unknown here: not enough evidence
            return Verdict(True, "because it is discarded")
        if parent.type != "expression_list" or parent.parent is None:
            # returned directly, passed to a call, part of a larger expression: handed on
            return Verdict(False)
        stmt = parent.parent
        if stmt.type == "var_spec":
            names = [c for c in stmt.children_by_field_name("name")]
            values = stmt.child_by_field_name("value")
            declares = True
        elif stmt.type in ("short_var_declaration", "assignment_statement"):
            if stmt.child_by_field_name("right") != parent:
                return Verdict(False)
            names = stmt.child_by_field_name("left").named_children
            values = parent
            declares = stmt.type == "short_var_declaration"
        else:
            return Verdict(False)
        if values is None or len(values.named_children) != 1:
            return Verdict(False)
        hi, ei = spec.get("handle", 0), spec.get("error")
        if "results" in spec and len(names) != spec["results"]:
            return None  # another API of the same name: not this resource
        if ei is not None and len(names) <= ei:
            return None  # not the `x, err :=` shape this rule is about
        if hi >= len(names):
            return Verdict(False)
        target = names[hi]
        if target.type != "identifier":
            return Verdict(False)  # stored in a field, map or slice element: handed on
        handle = target.text.decode()
        err = None
        if ei is not None and names[ei].type == "identifier" and names[ei].text != b"_":
            err = names[ei].text.decode()
            if "err" not in err.lower():
                return None  # `query, args := b.Query()`: another API
        # with the error slot ignored the shape proves little: a builder chain's
        # `q, _ := b.Where(...).Query()` is not rows, `rows, _ := db.Query()` is
        strong = ei is None or err is not None or "(" not in callee_text(call).rsplit(".", 1)[0]
        if handle == "_":
            if err is not None and expects_error(stmt.next_named_sibling, err):
                return Verdict(False)  # a test that expects the query to fail
            if (ei is None or err is not None) and self._evidence(spec, fn, None):
                return Verdict(True, "because it is discarded")
            return None
        if self._is_named_result(fn, handle) or self._is_package_var(handle, fn):
            return Verdict(False)
        if not self._evidence(spec, fn, handle, imports_count=strong):
            return None
        decl_block = None
        if declares:
            decl_block = self._scope_of(stmt, fn)
        return Track(cand, fn, handle, err, decl_block, {"stmt": stmt})

    def imports(self) -> list[str]:
        """Import paths of this file."""
        if "imports" not in self.ctx.cache:
            self.ctx.cache["imports"] = [
                caps["p"][0].text.decode("utf-8", "replace").strip('"`')
                for _, caps in matches("go", "(import_spec path: (_) @p)", self.root)]
        return self.ctx.cache["imports"]

    def _evidence(self, spec, fn, handle: str | None, imports_count: bool = True) -> bool:
        """Method names are shared by unrelated APIs (url.Query, an API client's Query):
        when the rule asks for it, require a telling use of the handle, or, for a handle
        that is never used that way, a telling import."""
        need_import, need_use = spec.get("require_import"), spec.get("require_use")
        if not need_import and not need_use:
            return True
        if need_use and handle is not None:
            body = fn.child_by_field_name("body")
            text = body.text if body is not None else b""
            if any(f"{handle}.{m}(".encode() in text for m in need_use):
                return True
            if re.search(rb"\b" + re.escape(handle.encode()) + rb"\.(?:\w+)?\(", text):
                return False  # used, but never as this resource: another API
        if imports_count and need_import:
            return any(any(w in imp for w in need_import) for imp in self.imports())
        return False

    def _scope_of(self, stmt, fn):
        n = stmt.parent
        while n is not None and n is not fn:
            if n.type == "block":
                return n
            if n.type in ("if_statement", "for_statement", "expression_switch_statement",
                          "type_switch_statement"):
                # declared in an `if x, err := ...;` header: scoped to the statement
                return n
            n = n.parent
        return None

    def _is_named_result(self, fn, name: str) -> bool:
        result = fn.child_by_field_name("result")
        if result is None or result.type != "parameter_list":
            return False
        for decl in result.named_children:
            for n in decl.children_by_field_name("name"):
                if n.text.decode() == name:
                    return True
        return False

    def _is_package_var(self, name: str, fn) -> bool:
        # a name not declared in the function but at package level is long-lived
        for child in self.root.named_children:
            if child.type == "var_declaration":
                for spec in child.named_children:
                    specs = spec.named_children if spec.type == "var_spec_list" else [spec]
                    for s in specs:
                        if any(n.text.decode() == name for n in s.children_by_field_name("name")):
                            return not self._declared_in(fn, name)
        return False

    def _declared_in(self, fn, name: str) -> bool:
        stack = [fn]
        while stack:
            n = stack.pop()
            if n.type in ("short_var_declaration", "var_spec") or n.type == "parameter_declaration":
                left = n.child_by_field_name("left")
                ids = left.named_children if left is not None else n.children_by_field_name("name")
                if any(i.text.decode() == name for i in ids):
                    return True
            stack.extend(n.named_children)
        return False

    # -- lowering ------------------------------------------------------------------

    def lower(self, fn):
        key = (fn.start_byte, fn.end_byte)
        hit = self._lowered.get(key)
        if hit is None:
            blocks = {}
            body = fn.child_by_field_name("body")
            if body is None:
                hit = (ir.Block([], fn), fn, blocks)
            else:
                hit = (self._block(body, blocks, 0), body, blocks)
            self._lowered[key] = hit
        return hit

    def _block(self, node, blocks, depth, extra_first=()):
        if depth > ir.MAX_DEPTH:
            raise ir.TooDeep()
        stmts = list(extra_first)
        for s in _body_statements(node):
            stmts.append(self._stmt(s, blocks, depth + 1))
        block = ir.Block(stmts, node)
        blocks[(node.start_byte, node.end_byte)] = block
        return block

    def _stmt(self, s, blocks, depth, label=None):
        t = s.type
        if t == "block":
            return self._block(s, blocks, depth)
        if t == "labeled_statement":
            lbl = s.child_by_field_name("label")
            inner = [c for c in s.named_children if c.type != "label_name"]
            if not inner:
                return ir.Block([], s)
            return self._stmt(inner[0], blocks, depth, lbl.text.decode() if lbl else None)
        if t == "if_statement":
            return self._if(s, blocks, depth)
        if t == "for_statement":
            body = s.child_by_field_name("body")
            clause = [c for c in s.named_children if c is not body]
            infinite = not clause or (clause[0].type == "for_clause"
                                      and clause[0].child_by_field_name("condition") is None)
            head = clause[0] if clause else None
            loop = ir.Loop(s, self._block(body, blocks, depth), infinite, label, head)
            return loop
        if t in ("expression_switch_statement", "type_switch_statement", "select_statement"):
            cases, has_default = [], False
            prefix = []
            init = s.child_by_field_name("initializer")
            if init is not None:
                prefix.append(ir.Leaf(init))
            value = s.child_by_field_name("value")
            if value is not None:
                prefix.append(ir.Leaf(value, "cond"))
            for c in s.named_children:
                if c.type in ("expression_case", "type_case", "communication_case", "default_case"):
                    has_default |= c.type == "default_case"
                    head = []
                    comm = c.child_by_field_name("communication")
                    if comm is not None:
                        head.append(ir.Leaf(comm))
                    case_block = ir.Block(head + [self._stmt(x, blocks, depth + 1)
                                                  for x in self._case_statements(c)], c)
                    cases.append(case_block)
            exhaustive = has_default or t == "select_statement"
            branch = ir.Branch(s, cases, exhaustive, True, label)
            if prefix:
                block = ir.Block(prefix + [branch], s)
                blocks[(s.start_byte, s.end_byte)] = block
                return block
            return branch
        if t == "return_statement":
            return ir.Exit(s, "return")
        if t == "break_statement":
            return ir.Exit(s, "break", self._label(s))
        if t == "continue_statement":
            return ir.Exit(s, "continue", self._label(s))
        if t == "goto_statement":
            return ir.Exit(s, "goto")
        if t == "expression_statement":
            inner = s.named_children[0] if s.named_children else None
            if inner is not None and inner.type == "call_expression" and is_noreturn(inner):
                return ir.Exit(s, "noreturn")
        if t == "defer_statement":
            return ir.Leaf(s, "defer")
        return ir.Leaf(s)

    def _case_statements(self, case):
        out = []
        for c in case.named_children:
            if c.type == "statement_list":
                out.extend(c.named_children)
        return out

    def _label(self, s):
        lbl = [c for c in s.named_children if c.type == "label_name"]
        return lbl[0].text.decode() if lbl else None

    def _if(self, s, blocks, depth):
        if depth > ir.MAX_DEPTH:
            raise ir.TooDeep()
        cond = s.child_by_field_name("condition")
        then = self._block(s.child_by_field_name("consequence"), blocks, depth)
        alt = s.child_by_field_name("alternative")
        orelse = None
        if alt is not None:
            orelse = (self._block(alt, blocks, depth) if alt.type == "block"
                      else ir.Block([self._if(alt, blocks, depth + 1)], alt))
        node = ir.If(cond, then, orelse)
        init = s.child_by_field_name("initializer")
        if init is None:
            return node
        block = ir.Block([ir.Leaf(init), node], s)
        blocks[(s.start_byte, s.end_byte)] = block
        return block

    # -- effects ---------------------------------------------------------------------

    def effects(self, track: Track):
        return GoEffects(self, track)

    def functions(self) -> dict:
        """Same-file functions and methods by name: [(node, [param names])]."""
        if self._functions is None:
            self._functions = {}
            for _, caps in matches("go", "[(function_declaration name: (identifier) @n)"
                                         " (method_declaration name: (field_identifier) @n)] @f",
                                   self.root):
                fn = caps["f"][0]
                params = []
                plist = fn.child_by_field_name("parameters")
                for decl in (plist.named_children if plist is not None else []):
                    names = decl.children_by_field_name("name")
                    params.extend(n.text.decode() for n in names) if names else params.append("_")
                self._functions.setdefault(caps["n"][0].text.decode(), []).append((fn, params))
        return self._functions

    def releases_param(self, name: str, index: int, rule, depth: int = 0) -> bool | None:
        """Does same-file function ``name`` release or hand on its parameter ``index``?

        None when no such function is in the file."""
        defs = [d for d in self.functions().get(name, ()) if d[0].child_by_field_name("body")]
        if not defs:
            return None
        key = (name, index, rule.code)
        if key in self._summaries:
            return self._summaries[key]
        self._summaries[key] = False  # recursion guard
        result = False
        for fn, params in defs:
            if index < len(params) and params[index] not in ("_", ""):
                body = fn.child_by_field_name("body")
                track = Track(None, fn, params[index])
                fx = GoEffects(self, track, rule=rule, depth=depth + 1)
                if body is not None and fx.scan(body, deferred=True) & {RELEASE, HANDOFF}:
                    result = True
        self._summaries[key] = result
        return result


class GoEffects:
    """What a leaf does to one tracked Go handle."""

    def __init__(self, adapter: GoAdapter, track: Track, rule=None, depth: int = 0):
        self.a = adapter
        self.track = track
        self.rule = rule or track.candidate.rule
        spec = self.rule.lifecycle
        self.name = track.handle
        self.release = set(spec["release"])
        self.views = set(spec.get("views", ()))
        self.borrow = set(spec.get("borrow_calls", ()))
        self.handoff_calls = set(spec.get("handoff_calls", ()))
        self.release_fns = set(spec.get("release_functions", ()))
        self.exhausted_by = set(spec.get("exhausted_by", ()))
        self.depth = depth
        self.acquire = track.candidate.call if track.candidate else None
        self.stmt = track.extra.get("stmt")

    def guard(self, cond):
        if cond is None or cond.type != "binary_expression":
            return None
        op = cond.child_by_field_name("operator")
        left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
        if op is None or left is None or right is None:
            return None
        if left.type == "nil":
            left, right = right, left
        if right.type != "nil" or left.type != "identifier":
            return None
        name = left.text.decode()
        if name == self.track.error and not self._shadowed(left, None, name):
            return {"!=": "then", "==": "else"}.get(op.type)
        if name == self.name and not self._shadowed(left, None):
            return {"==": "then", "!=": "else"}.get(op.type)
        return None

    def events(self, leaf) -> list[str]:
        node = leaf.node
        if leaf.role == "loop-exit":
            return [RELEASE] if self._exhausts(node) else []
        out = []
        if self.acquire is not None and node.start_byte <= self.acquire.start_byte < node.end_byte:
            if leaf.role != "cond" and enclosing_function(self.acquire) == self.track.function:
                out.append(ACQUIRE)
                # the statement that acquires may also hand the handle on (rare): read it
                return out
        found = self.scan(node, deferred=leaf.role == "defer")
        if RELEASE in found:
            out.append(RELEASE)
        elif HANDOFF in found:
            out.append(HANDOFF)
        elif REASSIGN in found:
            out.append(REASSIGN)
        return out

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
        p = n.parent
        while p is not None and p != top:
            if p.type == "func_literal":
                return True
            p = p.parent
        return False

    def _shadowed(self, n, top, name: str | None = None) -> bool:
        """Is this mention of the name a different variable?

        Only a declaration in a scope nested inside the acquisition's scope, before the
        mention, can shadow the tracked variable; scopes that also hold the acquisition
        hold the variable itself."""
        name = name or self.name
        fn = self.track.function
        acq = self.stmt
        p, child = n, None
        while p is not None and p != fn:
            if acq is not None and p.start_byte <= acq.start_byte < p.end_byte:
                return False
            if p.type == "func_literal":
                params = p.child_by_field_name("parameters")
                if params is not None and any(
                        x.text.decode() == name
                        for d in params.named_children for x in d.children_by_field_name("name")):
                    return True
            if p.type in ("statement_list", "block") and child is not None:
                for sib in p.named_children:
                    if sib.start_byte >= child.start_byte:
                        break
                    if self._declares(sib, name):
                        return True
            if p.type in ("for_statement", "if_statement", "expression_switch_statement",
                          "type_switch_statement"):
                for c in p.named_children:
                    if c.type in ("range_clause", "for_clause", "short_var_declaration") \
                            and c != child and self._declares(c, name):
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
        while p is not None and p.type == "parenthesized_expression":
            expr, p = p, p.parent
        if p is None:
            return None
        t = p.type
        if t == "selector_expression" and p.child_by_field_name("operand") == expr:
            method = p.child_by_field_name("field").text.decode()
            gp = p.parent
            if gp is not None and gp.type == "call_expression" \
                    and gp.child_by_field_name("function") == p:
                if method in self.release:
                    return RELEASE if deferred or not closure else HANDOFF
                if method in self.exhausted_by and _asserted_false(gp):
                    return RELEASE  # `require.False(t, rows.Next())`: exhausted, so closed
            return None
        if t == "call_expression" and p.child_by_field_name("function") == expr:
            if "()" in self.release:
                return RELEASE if deferred or not closure else HANDOFF
            return None
        if t == "argument_list":
            call = p.parent
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
        if t in ("literal_element", "keyed_element", "send_statement", "unary_expression",
                 "literal_value", "go_statement"):
            if t == "unary_expression" and p.child_by_field_name("operator").type != "&":
                return None
            if t == "keyed_element" and p.named_children and p.named_children[0] == expr:
                return None
            return HANDOFF
        if t == "return_statement":
            return HANDOFF
        return None

    def _declares_in_other_scope(self, decl) -> bool:
        scope = self.a._scope_of(decl, self.track.function)
        return scope is not None and self.track.decl_block is not None and \
            (scope.start_byte, scope.end_byte) != (self.track.decl_block.start_byte,
                                                   self.track.decl_block.end_byte)

    def _passed(self, call, args, expr, deferred, closure):
        """The handle is an argument of ``call``: released, handed on, or only borrowed?"""
        if call is None:
            return HANDOFF
        callee = callee_text(call)
        short = callee.rsplit(".", 1)[-1]
        if callee in self.release_fns or short in self.release_fns:
            return RELEASE if deferred or not closure else HANDOFF
        if callee in self.borrow or callee in BORROWING_BUILTINS:
            return None
        if callee in STORING_BUILTINS or callee in self.handoff_calls:
            return HANDOFF
        if "." in callee and callee.split(".", 1)[0] in BORROWING_PACKAGES:
            return None
        if self.depth < 3:
            index = [c for c in args.named_children if c.type != "comment"].index(expr) \
                if expr in args.named_children else -1
            if index >= 0:
                summary = self.a.releases_param(short, index, self.rule, self.depth)
                if summary is not None:
                    if summary:
                        return RELEASE if (deferred or not closure) else HANDOFF
                    return None
        return HANDOFF
