"""Go: the syntax facts the lifecycle engine needs, read from tree-sitter-go trees."""

from __future__ import annotations

import functools
import os
import re

from .. import ir
from ..ir import ACQUIRE, HANDOFF, REASSIGN, RELEASE
from ..tracks import (Candidate, SpecEffects, Track, Verdict, candidate_names, last_name,
                      pattern_matches)
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


def body_statements(block) -> list:
    """Statements of a `block` (tree-sitter-go wraps them in a statement_list)."""
    out = []
    for child in block.named_children:
        if child.type == "statement_list":
            out.extend(child.named_children)
        elif child.type != "comment":
            out.append(child)
    return out


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


def own_nodes(root):
    """Every node under ``root`` that belongs to the same function (not to a func literal
    nested in it), root first; an explicit stack, no recursion."""
    stack = [root]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(c for c in reversed(n.named_children) if c.type != "func_literal")


def root_identifier(expr):
    """`resp` of `resp.Body.Close`, `f` of `f`; None for anything else."""
    while expr is not None and expr.type in ("selector_expression", "parenthesized_expression"):
        expr = (expr.child_by_field_name("operand") if expr.type == "selector_expression"
                else (expr.named_children[0] if expr.named_children else None))
    return expr if expr is not None and expr.type == "identifier" else None


@functools.lru_cache(maxsize=64)
def _compiled(pattern: str):
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _string_args_match(call, patterns, fn=None) -> bool:
    """Does a string argument of ``call`` match one of ``patterns`` (regexes)?

    An identifier argument counts by the string literals assigned to it in ``fn``."""
    args = call.child_by_field_name("arguments")
    if not patterns or args is None:
        return False
    texts = []
    for a in args.named_children:
        if a.type in ("interpreted_string_literal", "raw_string_literal"):
            texts.append(a.text.decode("utf-8", "replace")[1:-1])
        elif a.type == "identifier" and fn is not None:
            texts.extend(_assigned_strings(fn, a.text.decode()))
    rxs = [rx for rx in map(_compiled, patterns) if rx is not None]
    return any(rx.search(t) for t in texts for rx in rxs)


def _assigned_strings(fn, name: str) -> list[str]:
    """String literals assigned to ``name`` (`name := "..."`, `name = "..."`) in ``fn``."""
    q = ("[(short_var_declaration left: (expression_list . (identifier) @n)"
         " right: (expression_list . [(interpreted_string_literal) (raw_string_literal)] @v))"
         " (assignment_statement left: (expression_list . (identifier) @n)"
         " right: (expression_list . [(interpreted_string_literal) (raw_string_literal)] @v))]")
    return [caps["v"][0].text.decode("utf-8", "replace")[1:-1]
            for _, caps in matches("go", q, fn) if caps["n"][0].text.decode() == name]


def used_as_collection(fn, handle: str) -> bool:
    """Is ``handle`` ranged over, indexed or measured with len in ``fn``? Then it is a
    slice or map (an ORM's query result), not a handle such as sql.Rows."""
    q = ("[(range_clause right: (identifier) @h) (index_expression operand: (identifier) @h)"
         " (call_expression function: (identifier) @f arguments: (argument_list . (identifier) @h)"
         " (#eq? @f \"len\"))]")
    return any(caps["h"][0].text.decode() == handle for _, caps in matches("go", q, fn))


def function_name(fn) -> str:
    name = fn.child_by_field_name("name") if fn is not None else None
    return name.text.decode() if name is not None else ""


def _asserted_false(call) -> bool:
    """Is ``call`` the checked argument of a test assertion that it returns false?"""
    args = call.parent
    outer = args.parent if args is not None and args.type == "argument_list" else None
    return outer is not None and outer.type == "call_expression" \
        and callee_text(outer).rsplit(".", 1)[-1] in ("False", "Falsef")


def expects_error(stmt, err: str | None) -> bool:
    """Is ``stmt`` a test assertion that ``err`` is an error (so success fails the test)?"""
    if err is None or stmt is None or stmt.type != "expression_statement" \
            or not stmt.named_children:
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


_GO_DIRECTIVE = re.compile(rb"^go\s+(\d+)\.(\d+)", re.M)


@functools.lru_cache(maxsize=1024)
def go_mod_version(directory: str) -> tuple | None:
    """The `go` directive of the nearest go.mod at or above ``directory``: (major, minor)."""
    directory = os.path.abspath(directory)
    while True:
        try:
            with open(os.path.join(directory, "go.mod"), "rb") as fh:
                m = _GO_DIRECTIVE.search(fh.read(64 * 1024))
            return (int(m.group(1)), int(m.group(2))) if m else None
        except OSError:
            pass
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def file_go_version(ctx) -> tuple | None:
    """The Go version a file is built with: the run's setting, else its nearest go.mod."""
    if ctx.settings.go_version:
        return tuple(ctx.settings.go_version)
    return go_mod_version(os.path.dirname(ctx.src.path) or ".")


def emit_adjusted(ctx, rule, node, message: str, related=()) -> bool:
    """Report from a Go code check, lowered or dropped by the file's Go version; whether
    it was reported."""
    severity, note = collected_adjustment(ctx, rule)
    if severity == "drop":
        return False
    ctx.emit(rule, node, message + note, related=related, severity=severity)
    return True


def collected_adjustment(ctx, rule) -> tuple:
    """(severity, note) for timer rules whose leak the runtime fixes from some Go version.

    A rule opts in with ``[options] collected_since_go = "1.23"`` and ``collected = "note"``
    (report at that severity) or ``"drop"`` (do not report)."""
    since = rule.options.get("collected_since_go")
    if not since:
        return None, ""
    version = file_go_version(ctx)
    want = tuple(int(x) for x in since.split(".")[:2])
    if version is None or version < want:
        return None, ""
    action = rule.options.get("collected", "note")
    return action, (f" (go.mod declares go {version[0]}.{version[1]}: since Go {since} an "
                    "unreferenced timer or ticker is garbage collected even if never stopped)")


class GoAdapter:
    def __init__(self, ctx):
        self.ctx = ctx
        self.root = ctx.tree.root_node
        self._lowered = {}
        self._functions = None
        self._summaries = {}
        self._program_ends = False

    def adjust(self, rule):
        return collected_adjustment(self.ctx, rule)

    # -- candidates ----------------------------------------------------------------

    def candidates(self, rules) -> list[Candidate]:
        names = candidate_names(self.ctx, rules)
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
                    out.append(Candidate(rule, call, callee))
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
            if not self._has_evidence(cand, fn, None):
                return None
            return Verdict(True, "because the result is discarded")
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
        results = spec.get("results")
        if any(pattern_matches(p, cand.callee) for p in spec.get("single_result", ())):
            hi, ei, results = 0, None, 1
        if results is not None and len(names) != results:
            return None  # another function of the same name, with another shape
        if ei is not None and len(names) <= ei:
            return Verdict(False)  # not the `x, err :=` shape this rule is about
        if hi >= len(names):
            return Verdict(False)
        target = names[hi]
        if target.type != "identifier":
            return Verdict(False)  # stored in a field, map or slice element: handed on
        handle = target.text.decode()
        err = None
        if ei is not None and names[ei].type == "identifier" and names[ei].text != b"_":
            err = names[ei].text.decode()
        if handle == "_":
            if not self._has_evidence(cand, fn, None):
                return None
            after = stmt.next_named_sibling
            while after is not None and after.type == "comment":
                after = after.next_named_sibling
            if expects_error(after, err):
                return Verdict(False)  # a test that expects the call to fail
            return Verdict(True, "because it is assigned to _", node="_")
        if self._is_named_result(fn, handle) or self._is_package_var(handle, fn):
            return Verdict(False)
        if not declares and fn.type == "func_literal" and not self._declared_in(fn, handle):
            return Verdict(False)  # a closure storing into its enclosing function's variable
        if not self._has_evidence(cand, fn, handle):
            return None
        decl_block = None
        if declares:
            decl_block = self._scope_of(stmt, fn)
        # the other results (`ctx` of `ctx, cancel :=`): code that checks them for nil
        # is keeping track of whether the handle is live
        pairs = {n.text.decode() for i, n in enumerate(names)
                 if i not in (hi, ei) and n.type == "identifier" and n.text != b"_"}
        return Track(cand, fn, handle, err, decl_block, {"stmt": stmt, "pairs": pairs})

    def _has_evidence(self, cand, fn, handle: str) -> bool:
        """A call matched only by a ``*.Name`` pattern is the rule's resource only if the
        function uses the handle as one (``resp.Body``, ``stmt.Exec``...), when the rule
        lists such ``evidence``."""
        spec = cand.rule.lifecycle
        evidence = spec.get("evidence")
        if not evidence or cand.callee in spec["acquire"]:
            return True
        if handle is not None and used_as_collection(fn, handle):
            return False
        if _string_args_match(cand.call, spec.get("evidence_args", ()), fn):
            return True
        if handle is None:
            return False
        q = ("((selector_expression operand: (identifier) @h field: (field_identifier) @f)"
             " (#eq? @h \"%s\"))" % handle)
        wanted = set(evidence)
        return any(caps["f"][0].text.decode() in wanted for _, caps in matches("go", q, fn))

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
            # returning from main ends the program: nothing is left to leak
            self._program_ends = self._is_main(fn)
            if body is None:
                hit = (ir.Block([], fn), fn, blocks)
            else:
                block = self._block(body, blocks, 0)
                if self._program_ends:
                    block.stmts.append(ir.Exit(body, "noreturn"))
                hit = (block, body, blocks)
            self._program_ends = False
            self._lowered[key] = hit
        return hit

    def _runs_once(self, head, loop) -> bool:
        """A range over a non-empty literal, directly or through a variable the function
        sets to one (the table-driven test): the body runs at least once."""
        if head.type != "range_clause":
            return False
        value = head.child_by_field_name("right")
        if value is not None and value.type == "identifier":
            value = self._literal_of(value.text.decode(), loop)
        if value is None or value.type != "composite_literal":
            return False
        body = value.child_by_field_name("body")
        return body is not None and any(c.type in ("literal_element", "keyed_element")
                                        for c in body.named_children)

    def _literal_of(self, name: str, loop):
        """The composite literal that the only `name :=` before ``loop`` assigns."""
        fn = enclosing_function(loop)
        found = None
        for _, caps in matches("go", "(short_var_declaration left: (expression_list . (identifier) @n .)"
                                     " right: (expression_list . (_) @v .)) @d", fn):
            if caps["n"][0].text.decode() != name:
                continue
            if found is not None or caps["d"][0].start_byte > loop.start_byte:
                return None
            found = caps["v"][0]
        return found

    def _is_main(self, fn) -> bool:
        if fn.type != "function_declaration" or function_name(fn) != "main":
            return False
        pkg = next((c for c in self.root.named_children if c.type == "package_clause"), None)
        return pkg is not None and pkg.named_children and pkg.named_children[0].text == b"main"

    def _block(self, node, blocks, depth, extra_first=()):
        if depth > ir.MAX_DEPTH:
            raise ir.TooDeep()
        stmts = list(extra_first)
        for s in body_statements(node):
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
            clause = [c for c in s.named_children if c != body and c.type != "comment"]
            infinite = not clause or (clause[0].type == "for_clause"
                                      and clause[0].child_by_field_name("condition") is None)
            head = clause[0] if clause else None
            loop = ir.Loop(s, self._block(body, blocks, depth), infinite, label, head,
                           runs=head is not None and self._runs_once(head, s))
            return loop
        if t in ("expression_switch_statement", "type_switch_statement", "select_statement"):
            cases, has_default, falls = [], False, []
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
                    falls.append(any(x.type == "fallthrough_statement"
                                     for x in self._case_statements(c)[-1:]))
                    cases.append(case_block)
            for i in range(len(cases) - 2, -1, -1):  # `fallthrough` runs the next case too
                if falls[i]:
                    cases[i].stmts = cases[i].stmts + cases[i + 1].stmts
            exhaustive = has_default or t == "select_statement"
            branch = ir.Branch(s, cases, exhaustive, True, label)
            if prefix:
                block = ir.Block(prefix + [branch], s)
                blocks[(s.start_byte, s.end_byte)] = block
                return block
            return branch
        if t == "return_statement":
            return ir.Exit(s, "noreturn" if self._program_ends else "return")
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


class GoEffects(SpecEffects):
    """What a leaf does to one tracked Go handle."""

    def __init__(self, adapter: GoAdapter, track: Track, rule=None, depth: int = 0):
        super().__init__(adapter, track, rule, depth)
        # a receive from the handle's view releases it (a fired time.Timer owes no Stop)
        self.receive_releases = bool(track.candidate) and any(
            pattern_matches(p, track.candidate.callee)
            for p in self.rule.lifecycle.get("receive_releases", ()))

    def guard(self, cond):
        """The branch in which the handle is nil: the error is non-nil there (`err != nil`,
        `err == io.EOF`, `errors.Is(err, X)`, either side of an `&&`), or the handle itself
        is compared with nil."""
        while cond is not None and cond.type == "parenthesized_expression" and cond.named_children:
            cond = cond.named_children[0]
        if cond is None:
            return None
        if cond.type == "call_expression":
            args = cond.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            callee = callee_text(cond)
            if callee in ("errors.Is", "errors.As") and self._is_error(first):
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
            return "then" if "then" in sides else None
        if op.type == "||":  # `err == context.Canceled || err == io.EOF`
            sides = {self.guard(left), self.guard(right)}
            return "then" if sides == {"then"} else None
        if left.type == "nil":
            left, right = right, left
        if self._is_error(left):
            if right.type == "nil":
                return {"!=": "then", "==": "else"}.get(op.type)
            if op.type == "==" and right.type in ("identifier", "selector_expression") \
                    and right.text != b"nil":
                return "then"  # err == io.EOF: an error, so no handle
            return None
        if right.type != "nil" or left.type != "identifier":
            return None
        name = left.text.decode()
        if (name == self.name or name in self.track.extra.get("pairs", ())) \
                and not self._shadowed(left, None, name):
            return {"==": "then", "!=": "else"}.get(op.type)
        return None

    def _is_error(self, node) -> bool:
        return (node is not None and node.type == "identifier" and self.track.error is not None
                and node.text.decode() == self.track.error
                and not self._shadowed(node, None, self.track.error))

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
        while p is not None and p.type == "parenthesized_expression":
            expr, p = p, p.parent
        if p is None:
            return None
        t = p.type
        if t == "selector_expression" and p.child_by_field_name("operand") == expr:
            method = p.child_by_field_name("field").text.decode()
            gp = p.parent
            if gp is not None and gp.type == "call_expression" \
                    and gp.child_by_field_name("function") == p and method in self.release:
                return RELEASE if deferred or not closure else HANDOFF
            if gp is not None and gp.type == "call_expression" and method in self.exhausted_by \
                    and _asserted_false(gp):
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
        if t == "unary_expression" and expr != n and self.receive_releases \
                and p.child_by_field_name("operator").type == "<-":
            return RELEASE
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
        # a function value (a cancel func) passed to a library is there to be called
        func_handle = "()" in self.release
        borrowing = (not func_handle and "." in callee
                     and callee.split(".", 1)[0] in BORROWING_PACKAGES)
        if not borrowing and self.depth < 3:
            index = [c for c in args.named_children if c.type != "comment"].index(expr) \
                if expr in args.named_children else -1
            if index >= 0:
                # a same-file function is judged by its body, whatever its name
                summary = self.a.releases_param(short, index, self.rule, self.depth)
                if summary is not None:
                    if summary:
                        return RELEASE if (deferred or not closure) else HANDOFF
                    return None
        if self._names_release(short):
            return RELEASE if deferred or not closure else HANDOFF
        if borrowing:
            return None
        return HANDOFF
