"""Go: the lifecycle adapter (candidates, tracks, summaries of same-file functions), over
tree-sitter-go trees. Lowering is in go_lowering.py, the effects on a handle in
go_effects.py, node helpers in go_syntax.py, go.mod versions in go_versions.py."""

from __future__ import annotations

import os

from ..ir import HANDOFF, RELEASE
from ..tracks import Candidate, Track, Verdict, candidate_names, pattern_matches
from . import matches, nearest, within
from .go_daemons import after_setsid
from .go_effects import GoEffects
from .go_evidence import conventional_call, evidenced
from .go_lowering import GoLowering
from .go_owners import owned_by
# (the helpers below are also imported from here by checks, fixes and tests)
from .go_syntax import (FUNCTIONS, body_statements, callee_text, enclosing_function,  # noqa: F401
                        in_memory_target, nolint_linters, expects_error, expects_failure,
                        function_name, is_noreturn, own_nodes, receiver_type, local_values,
                        root_identifier, string_args_match, used_as_plain_value, FIND,
                        receiver_of, parameter_names)
from .go_functions import declared_as, function_table, parameter_types, returned_as
from .go_requests import cancelled_on_return, request_makings, request_methods
from .go_types import field_types, in_memory_filesystem, made_type
from .go_imports import call_ref, in_module, package_imports  # noqa: F401
from .go_returns import assigned
from .spelled import calls_named, selectors_on, spelled
from .go_syntax import is_error_value, package_name, root_context_parent, strip_parens, text
from .go_tempdir import in_test_temp_dir
from .go_wrappers import over_no_stream
from .go_versions import (collected_adjustment, emit_adjusted, go_mod_version,  # noqa: F401
                          go_module)
from .summaries import FileSummaries, with_factories


def _bare_error_return(ret) -> bool:
    """`return` alone in `if err != nil { ... }` of a function declaring `(..., err error)`."""
    fn = nearest(ret, ("function_declaration", "method_declaration", "func_literal"))
    result = fn.child_by_field_name("result") if fn is not None else None
    last = result.named_children[-1] if result is not None and result.type == "parameter_list" \
        and result.named_children else None
    names = last.children_by_field_name("name") if last is not None else []
    if not names or text(last.child_by_field_name("type")) != "error":
        return False
    name = text(names[-1])
    branch = nearest(ret, ("if_statement",), stop=fn)
    while branch is not None:
        cond = strip_parens(branch.child_by_field_name("condition"))
        consequence = branch.child_by_field_name("consequence")
        if cond is not None and cond.type == "binary_expression" and consequence is not None \
                and within(ret, consequence) and text(cond.child_by_field_name("operator")) == "!=" \
                and {text(cond.child_by_field_name("left")),
                     text(cond.child_by_field_name("right"))} == {name, "nil"}:
            return True
        branch = nearest(branch, ("if_statement",), stop=fn)
    return False


class GoAdapter(GoLowering):
    def __init__(self, ctx):
        self.ctx = ctx
        self.root = ctx.tree.root_node
        self._fields = None  # the struct fields' types, when a call on a field asks
        self._lowered = {}
        self._functions = None
        self._imported = None
        self._rules: dict = {}
        self.summaries = FileSummaries(self._summarise, getattr(ctx, "reads", None))
        self._program_ends = False
        self._package_imports = None

    def adjust(self, rule):
        return collected_adjustment(self.ctx, rule)

    # -- candidates ----------------------------------------------------------------

    def candidates(self, rules) -> list[Candidate]:
        """The rules' acquisitions, and the calls of functions that return a fresh one
        (factories, of this file or another file of the package: the file's reads)."""
        def calls():
            return [caps["c"][0] for _, caps in matches("go", "(call_expression) @c", self.root)]
        found = with_factories(self.direct_candidates(rules), getattr(self.ctx, "reads", None),
                               rules, calls, self.call_keys, callee_text)
        return found + evidenced(self.root, rules, found)

    def call_keys(self, call) -> list[str]:
        """How the facts phase names what ``call`` runs: this file's functions, or the
        call reference of a function of another file."""
        keys = self.resolve(call)
        if keys:  # one definition, or which one runs is not known
            return ["local:" + keys[0]] if len(keys) == 1 else []
        ref = call_ref(call, self.package_imports())
        return [ref] if ref else []

    def direct_candidates(self, rules) -> list[Candidate]:
        named = [r for r in rules if "*" not in r.lifecycle["acquire"]]
        out = []
        for call in calls_named(self.root, candidate_names(self.ctx, named), "go"):
            callee = callee_text(call)
            for rule in named:
                if any(pattern_matches(p, callee) for p in rule.lifecycle["acquire"]):
                    out.append(Candidate(rule, call, callee))
        return out

    def returned_acquisition(self, cand: Candidate, fn) -> str:
        """What a factory ``fn`` returning ``cand``'s result records it returns: the
        callee, or, when the call matched only a ``*.Name`` pattern and ``fn`` itself uses
        the result as the rule's resource (its evidence: ``resp.StatusCode``), that
        pattern, so that its callers need not show the evidence again."""
        target = assigned(cand.call, cand.rule.lifecycle.get("handle", 0))
        loose = [p for p in cand.rule.lifecycle["acquire"]
                 if p.startswith("*.") and pattern_matches(p, cand.callee)]
        if loose and target is not None and cand.rule.lifecycle.get("evidence") \
                and self._has_evidence(cand, fn, target.text.decode()):
            return loose[0]
        return cand.callee

    def track(self, cand: Candidate):
        spec = cand.rule.lifecycle
        call = cand.call
        parent = call.parent
        while parent is not None and parent.type == "parenthesized_expression":
            parent = parent.parent
        fn = enclosing_function(call)
        if parent is None or fn is None:
            return Verdict(False)
        if self._silenced_by_nolint(call, cand.rule):
            return Verdict(False, "the maintainers' //nolint for the same check")
        if after_setsid(call, fn, self.ctx.src.data):
            return Verdict(False, "opened once per process, by a daemon's start")
        options = cand.rule.options  # what the making of the request says (LL106)
        makings = request_makings(call, fn) \
            if options.keys() & {"bodiless_methods", "closed_by_cancel"} else []
        if set(options.get("bodiless_methods") or ()) >= (request_methods(makings) or {""}):
            return Verdict(False, "the response to a request of this method has no body")
        if options.get("closed_by_cancel") and cancelled_on_return(makings, fn):
            return Verdict(False, "its request's context is cancelled when the function returns")
        if over_no_stream(cand):
            return Verdict(False, "made over no stream: it holds nothing until Reset")
        if in_memory_filesystem(call):
            return Verdict(False, "a file of an embedded or in-memory filesystem: no descriptor")
        in_memory = any(pattern_matches(p, cand.callee) for p in spec.get("wrappers", ())) \
            and in_memory_target(call, fn)
        if parent.type == "expression_statement":
            if cand.factory_of:
                return Verdict(False)  # a helper's result dropped: precision first
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
            if in_memory:
                return Verdict(False)  # a writer over memory, never written to: nothing held
            if not self._has_evidence(cand, fn, None):
                return None
            after = stmt.next_named_sibling
            while after is not None and after.type == "comment":
                after = after.next_named_sibling
            if expects_error(after, err):
                return Verdict(False)  # a test that expects the call to fail
            if any(pattern_matches(p, cand.callee) for p in spec.get("idle", ())) \
                    and root_context_parent(cand.call):
                # a cancel nobody holds over a root parent: the context can never be
                # cancelled, as its parent cannot, and nothing registers with that parent
                return Verdict(False)
            return Verdict(True, "because it is assigned to _", node="_")
        if self._is_named_result(fn, handle):
            return Verdict(False)
        if not declares and not self._declared_in(fn, handle):
            # stored with `=` in a variable the function does not declare: a package
            # variable (of this file or another of the package), or for a closure its
            # enclosing function's
            return Verdict(False)
        if not self._has_evidence(cand, fn, handle):
            return None
        if expects_failure(stmt.next_named_sibling, err, handle):
            return Verdict(False)  # a test that expects the call to fail: no handle
        if in_memory and self._calls_method(fn, handle, [*spec["release"], *spec.get("flush", ())]):
            return Verdict(False)  # over no OS resource of its own, and finished somewhere
        decl_block = None
        if declares:
            decl_block = self._scope_of(stmt, fn)
        # the other results (`ctx` of `ctx, cancel :=`): code that checks them for nil
        # is keeping track of whether the handle is live
        pairs = {n.text.decode() for i, n in enumerate(names)
                 if i not in (hi, ei) and n.type == "identifier" and n.text != b"_"}
        extra = {"stmt": stmt, "pairs": pairs}
        if owned_by(call, fn, spec, self.ctx.src.data):
            # a transaction's: the caller's rollback of a failed run closes it, and its end
            # closes it on the ways out the rule lists; one made per turn of a loop piles
            # up while the transaction lasts
            owned = set(spec.get("owned_exits", ()))
            if nearest(stmt, ("for_statement",), fn) is not None:
                owned.discard("scope")
            extra["owned_exits"] = owned
            extra["owner_rolls_back"] = True
        if pairs and any(pattern_matches(p, cand.callee) for p in spec.get("idle", ())) \
                and root_context_parent(call):
            # nothing registers with a root parent: the handle holds nothing until the
            # derived value is used
            extra["idle_until_used"] = pairs
        if b"TempDir" in self.ctx.src.data and in_test_temp_dir(call, fn):  # no walk without one
            # the test's cleanup removes the directory: on Windows not while this is open
            extra["outlives_on"] = "windows"
        return Track(cand, fn, handle, err, decl_block, extra)

    def _silenced_by_nolint(self, node, rule) -> bool:
        """Has the code's own `//nolint:<linter>` for the linter that checks the same
        thing (the rule's ``[options] nolint``) vouched for this acquisition?"""
        linters = rule.options.get("nolint")
        if not linters:
            return False
        found = nolint_linters(self.ctx.src.data, node)
        return bool(found) and ("all" in found or bool(found & set(linters)))

    @staticmethod
    def _calls_of(fn, handle: str) -> set:
        """The names of the methods ``fn`` calls on ``handle`` (`handle.Name(...)`)."""
        return {s.child_by_field_name("field").text.decode() for s in selectors_on(fn, handle, "go")
                if s.parent is not None and s.parent.type == "call_expression"
                and s.parent.child_by_field_name("function") == s}

    @staticmethod
    def _calls_method(fn, handle: str, methods) -> bool:
        for node in own_nodes(fn):
            if node.type == "call_expression":
                f = node.child_by_field_name("function")
                if f is not None and f.type == "selector_expression" \
                        and f.child_by_field_name("operand").text.decode() == handle \
                        and f.child_by_field_name("field").text.decode() in methods:
                    return True
        return False

    def _has_evidence(self, cand, fn, handle: str) -> bool:
        """A call matched only by a ``*.Name`` pattern is the rule's resource only if the
        function uses the handle as one (``resp.Body``, ``stmt.Exec``...), when the rule
        lists such ``evidence``."""
        spec = cand.rule.lifecycle
        evidence = spec.get("evidence")
        exact = [p for p in spec["acquire"] if not p.startswith("*.")]
        if not evidence or cand.factory_of in spec["acquire"] \
                or any(pattern_matches(p, cand.callee) for p in exact):
            return True
        if handle is not None and used_as_plain_value(fn, handle):
            return False
        if string_args_match(cand.call, spec.get("evidence_args", ()), fn) \
                or conventional_call(cand.call, spec.get("evidence_arity", {})):
            return True
        if handle is None:
            return False
        used = {s.child_by_field_name("field").text.decode()
                for s in selectors_on(fn, handle, "go")}
        members = set(cand.rule.options.get("members", ()))
        if members and used - members and not used & set(spec.get("views", ())):
            return False  # members the resource's type lacks, its body never: another type
        methods = cand.rule.options.get("methods")
        said = (used & (set(evidence) | set(spec.get("views", ())))) - set(methods or ())
        if methods is not None and said and self._calls_of(fn, handle) & said:
            return False  # a field that says it is the resource, called as a method: another type
        if used & set(evidence):
            return True
        types = spec.get("evidence_types")
        return bool(types) and (declared_as(fn, handle, types)
                                or self._passed_as(fn, handle, types)
                                or returned_as(fn, handle, types))

    def _passed_as(self, fn, handle: str, types) -> bool:
        """Is ``handle`` an argument of a call of this file's function whose parameter at
        that place is declared with one of ``types`` (`StructScan(rows *sql.Rows, ...)`)?
        Only a call that names one function: its declaration says what the value is."""
        fns = self.functions()
        for node in own_nodes(fn):
            if node.type != "call_expression":
                continue
            args = node.child_by_field_name("arguments")
            listed = [c for c in (args.named_children if args is not None else [])
                      if c.type != "comment"]
            places = [i for i, a in enumerate(listed)
                      if a.type == "identifier" and a.text.decode() == handle]
            keys = self.resolve(node) if places else []
            if len(keys) != 1:
                continue
            declared = parameter_types(fns[keys[0]][0])
            if any(i < len(declared) and declared[i] in types for i in places):
                return True
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

    def _declared_in(self, fn, name: str) -> bool:
        stack = [fn]
        while stack:
            n = stack.pop()
            if n.type in ("short_var_declaration", "var_spec", "parameter_declaration") or (
                    n.type in ("range_clause", "receive_statement")
                    and any(c.type == ":=" for c in n.children)):
                left = n.child_by_field_name("left")
                ids = left.named_children if left is not None else n.children_by_field_name("name")
                if any(i.text.decode() == name for i in ids):
                    return True
            stack.extend(n.named_children)
        return False

    # -- lowering ------------------------------------------------------------------

    # -- effects ---------------------------------------------------------------------

    def package(self) -> str:
        return package_name(self.root)

    @staticmethod
    def error_exit(node) -> bool:
        """Is ``node`` a return whose last result is an error being reported (`err`, a
        `fmt.Errorf`/`errors.New`/`errors.Wrap...` call, an `&...Error{}` value), or a bare
        return of a function whose last result is a named error, in the branch of `if
        err != nil` on that name?"""
        if node.type != "return_statement":
            return False
        if not node.named_children:
            return _bare_error_return(node)
        results = node.named_children[-1]
        last = results.named_children[-1] if results.type == "expression_list" \
            and results.named_children else results
        return is_error_value(last)

    def held_after_return(self, track: Track) -> bool:
        """Does a goroutine started in the handle's function use it (so that it is still
        referenced, and can still fire or block, after the function returns)?"""
        q = '((go_statement (_) @g))'
        return any(spelled(caps["g"][0], (track.handle,))
                   for _, caps in matches("go", q, track.function))

    def effects(self, track: Track):
        return GoEffects(self, track)

    def functions(self) -> dict:
        """Same-file functions and methods by qualified name (``go_syntax.function_table``)."""
        self._functions = self._functions or function_table(self.root)
        return self._functions

    def imported(self) -> set:
        """Names the file's imports bind (`fmt`, an alias): `x.F` with these is another package."""
        if self._imported is None:
            self._imported = set()
            for _, caps in matches("go", "(import_spec) @s", self.root):
                spec = caps["s"][0]
                alias, path = spec.child_by_field_name("name"), spec.child_by_field_name("path")
                if alias is not None:
                    self._imported.add(alias.text.decode())
                elif path is not None:
                    self._imported.add(path.text.decode().strip('"`').rsplit("/", 1)[-1])
        return self._imported

    def calls_outside(self, call) -> bool:
        """Does ``call`` (`pkg.F(...)`) run a function of another module or of the standard
        library, whose body the scanned tree does not hold?"""
        fn = call.child_by_field_name("function")
        operand = fn.child_by_field_name("operand") if fn is not None \
            and fn.type == "selector_expression" else None
        if operand is None or operand.type != "identifier" or text(operand) not in self.imported() \
                or local_values(enclosing_function(call), text(operand)):
            return False
        path = self.package_imports().get(text(operand))  # None: the standard library
        found = go_module(os.path.dirname(self.ctx.src.path) or ".") if path else None
        return path is None or found is None or not in_module(path, found[1])

    def package_imports(self) -> dict:
        """Names bound by imports of non-standard packages -> import path."""
        if self._package_imports is None:
            self._package_imports = package_imports(self.root)
        return self._package_imports

    def resolve(self, call, around=FIND) -> list[str]:
        """The same-file functions ``call`` may run, by qualified name: `F(...)` is F;
        `r.M(...)` on the receiver of a method of T is T.M; `pkg.F(...)` and `x.M(...)` on a
        value of another package are none; on any other value, any type's M. ``around``: the
        declaration around the call, when the caller knows it (``receiver_of``)."""
        fns = self.functions()
        fn = call.child_by_field_name("function")
        if fn is None:
            return []
        if fn.type == "identifier":
            name = fn.text.decode()
            return [name] if name in fns else []
        if fn.type != "selector_expression":
            return []
        operand, field = fn.child_by_field_name("operand"), fn.child_by_field_name("field")
        if field is None:
            return []
        method = field.text.decode()
        same = sorted(q for q in fns if q.endswith("." + method))  # any type's M
        if operand is not None and operand.type == "identifier":
            name = operand.text.decode()
            owner = receiver_of(call, name, around)
            if owner and f"{owner}.{method}" in fns:
                return [f"{owner}.{method}"]
            if not owner and (name in self.imported() or same and made_type(
                    call, name).split(".")[0] in self.imported()):
                return []  # another package's function, or a value of its type
        inner = operand.child_by_field_name("operand") \
            if operand is not None and operand.type == "selector_expression" else None
        if inner is not None and inner.type == "identifier":
            # `s.h.Serve(...)` on a field of the receiver's type: the field's declared type
            owner = receiver_of(call, inner.text.decode(), around)
            if self._fields is None:
                self._fields = field_types(self.root)
            kind = self._fields.get((owner, text(operand.child_by_field_name("field"))))
            kind = kind.lstrip("*") if kind is not None else None
            if kind and f"{kind}.{method}" in fns:
                return [f"{kind}.{method}"]
            if kind and "." in kind:
                return []  # another package's type
            # an interface of the file's: any of its types' methods of that name
        return same

    def definitions(self, call) -> list:
        """[(node, [param names])] of the same-file functions ``call`` may run."""
        fns = self.functions()
        return [fns[q] for q in self.resolve(call)]

    def releases_param(self, call, index: int, rule) -> bool | None:
        """Does the function ``call`` runs release or hand on its parameter ``index``?
        A function of this file is judged by its body; one of another file of the package
        by its summary (the file's reads); None when the call runs no function leaklint
        can see."""
        literal = call.child_by_field_name("function")
        while literal is not None and literal.type == "parenthesized_expression" and literal.named_children:
            literal = literal.named_children[0]
        if literal is not None and literal.type == "func_literal":
            # `defer func(body io.ReadCloser) {...}(resp.Body)`: judged by the literal's body
            return self._literal_takes(literal, index, rule)
        self._rules[rule.code] = rule
        keys = self.resolve(call)
        if keys:
            return any([self.summaries.local((key, index, rule.code)) for key in keys])
        ref = call_ref(call, self.package_imports())
        return self.summaries.external(ref, index, rule.code) if ref else None

    def param_summary(self, name: str, index: int, rule, method: bool = False) -> bool:
        """The summary of this file's function ``name`` for its parameter ``index``
        (``method``: Python's distinction, not Go's)."""
        self._rules[rule.code] = rule
        return self._summarise((name, index, rule.code))

    def _literal_takes(self, literal, index: int, rule) -> bool:
        params = parameter_names(literal)
        if index >= len(params) or params[index] in ("_", ""):
            return False
        fx = GoEffects(self, Track(None, literal, params[index]), rule=rule, depth=1)
        return bool(fx.scan(literal.child_by_field_name("body"), deferred=True) & {RELEASE, HANDOFF})

    def _summarise(self, key) -> bool:
        name, index, code = key
        fn, params = self.functions()[name]
        if index >= len(params) or params[index] in ("_", ""):
            return False
        fx = GoEffects(self, Track(None, fn, params[index]), rule=self._rules[code], depth=1)
        body = fn.child_by_field_name("body")
        return bool(fx.scan(body, deferred=True) & {RELEASE, HANDOFF}) or fx.exhausted_in(body)
