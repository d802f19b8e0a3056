"""Python: the lifecycle adapter (candidates, tracks, summaries of same-module functions)
over tree-sitter-python trees. Lowering: python_lowering.py; effects on a handle:
python_effects.py (flags and conditional assignments: python_flags.py); node helpers:
python_syntax.py; acquisitions' shapes: python_shapes.py; calls: python_calls.py."""

from __future__ import annotations

from .. import ir
from ..catalogue import release_methods
from ..tracks import (COLLECTED, OWNED, REBOUND, Candidate, Track, Verdict, candidate_names,
                      element, pattern_matches)
from . import matches
from .python_effects import PythonEffects
from .python_members import PythonMembers, acquirer, kept_by_object
from .python_lowering import Lowering, first_call, rethrown  # noqa: F401 (first_call: checks)
from .python_clients import (STREAMS, made_by_call, made_by_method, made_callables, unasked,
                             never_connects)
from .python_shapes import (assigned_value, borrowed_field, climb, closed_in_finally, db_cursor,
                            stops_early,
                            finalized, fills_closed_slot, holds_nothing,
                            is_context_provider, only_pid_read, pair_target, raises_clause,
                            read_after, returns_parameter, RUNS_ON_ITS_OWN, unpacked_into,
                            waited_only_if, wraps_open_file)
from .python_syntax import (LAUNCHES, NORETURN, SCOPES, binds_locally, body_statements, borrowing,
                            callee_text, decorators, enclosing_class, enclosing_function, imports,
                            parameters, resolve, text)
from .python_calls import PythonCalls
from .summaries import FileSummaries, with_factories


class PythonAdapter(PythonCalls):
    rethrown = staticmethod(rethrown)  # a `raise` that goes on with a failed call's error

    def __init__(self, ctx):
        self.ctx = ctx
        self.root = ctx.tree.root_node
        self.names = imports(self.root)
        self._lowered = {}
        self._tracked: dict = {}  # (call's bytes, part, rule) -> track's answer
        self._functions = None
        self._rules: dict = {}
        self.summaries = FileSummaries(self._summarise, getattr(ctx, "reads", None))
        self._module_imports = None
        self._classes_by_name = None
        self._class_attr = {}
        self._members = None
        self._module_defs = None

    # -- names ---------------------------------------------------------------------

    def qualified(self, call) -> str:
        return resolve(callee_text(call), self.names)

    def module_defs(self) -> set:
        """Names bound at module level by def/class (they shadow builtins such as open)."""
        if self._module_defs is None:
            self._module_defs = set()
            for c in self.root.named_children:
                d = c.child_by_field_name("definition") if c.type == "decorated_definition" else c
                if d is not None and d.type in ("function_definition", "class_definition"):
                    self._module_defs.add(text(d.child_by_field_name("name")))
        return self._module_defs

    # -- candidates ----------------------------------------------------------------

    def candidates(self, rules) -> list[Candidate]:
        """The rules' acquisitions, and the calls of functions that return a fresh one
        (factories, of this module or another module of the tree: the file's reads)."""
        def calls():
            return [caps["c"][0] for _, caps in matches("python", "(call) @c", self.root)]

        return with_factories(self.direct_candidates(rules), getattr(self.ctx, "reads", None),
                              rules, calls, self.call_keys, callee_text)

    def direct_candidates(self, rules) -> list[Candidate]:
        names = candidate_names(self.ctx, rules)
        if not names:
            return []
        quoted = " ".join('"%s"' % n for n in names)
        q = ("((call function: [(attribute attribute: (identifier) @n) (identifier) @n]) @call"
             " (#any-of? @n %s))" % quoted)
        # a local alias of an acquiring function: `from subprocess import Popen as P`
        made = made_callables(self.root, self.names, rules)  # `Session = sessionmaker()`
        aliases = [k for k, v in self.names.items() if v.rsplit(".", 1)[-1] in names
                   and k not in names] + [k for k in made if k not in names]
        if aliases:
            q += " ((call function: (identifier) @n) @call (#any-of? @n %s))" % " ".join(
                '"%s"' % a for a in aliases)
        out = []
        seen = set()
        for _, caps in matches("python", q, self.root):
            call = caps["call"][0]
            key = (call.start_byte, call.end_byte)
            if key in seen:
                continue
            seen.add(key)
            callee = callee_text(call)
            if "." not in callee and (callee in self.module_defs() or binds_locally(call, callee)):
                continue  # a function of the module or a local of the same name hides it
            full = resolve(callee, self.names)
            for rule in rules:
                # `session.get(url)`: a response; `Session()`: a session; `opener.open(url)`
                what = made.get(callee, {}).get(rule.code) or made_by_method(
                    call, callee, rule.lifecycle, self.names, self.members(), self.ctx.src.data)
                if what:  # `conn, addr = srv.accept()`: the first element
                    out.append(Candidate(rule, call, callee, what, element(rule, what)))
                elif any(pattern_matches(p, full) for p in rule.lifecycle["acquire"]):
                    if any(pattern_matches(p, full) for p in rule.lifecycle.get("pairs", ())):
                        # `r, w = os.pipe()`: each element is a handle of its own
                        out.extend(Candidate(rule, call, callee, part=i) for i in (0, 1))
                    else:  # `fd, path = tempfile.mkstemp()`: the first element is the
                        # handle; `reader, writer = await asyncio.open_connection()`: the second
                        out.append(Candidate(rule, call, callee, part=element(rule, full),
                                             maker=full))
        return [c for c in out if not unasked(c, self.names)]  # `requests.get(url)`: no stream

    def track(self, cand: Candidate):
        """``_track`` once per candidate: LL111, LL113 and LL114 ask what LL110 asked."""
        key = (cand.call.start_byte, cand.call.end_byte, cand.part, cand.rule.code)
        if key not in self._tracked:
            self._tracked[key] = self._track(cand)
        return self._tracked[key]

    def _track(self, cand: Candidate):
        call = cand.call
        # one walk up to the def, lambda or class, noting a `with pytest.raises(...)` on the way
        scope, raising = call.parent, False
        while scope is not None and scope.type not in SCOPES:
            if scope.type == "with_statement" and not raising:
                raising = raises_clause(scope)
            scope = scope.parent
        fn = scope if scope is not None and scope.type != "class_definition" else None
        if cand.callee.endswith(".cursor") and not db_cursor(call, fn, self.names):
            return None  # only cursors of a DB-API connection opened in this function
        size = None if cand.factory_of else 2  # a helper's tuple: of any length
        if cand.part > 0 and len(pair_target(call, size) or ()) <= cand.part:
            return None  # a pair not unpacked: its first candidate stands for the whole
        derived = self._derived(cand)
        if derived is None:
            return None  # `.open()`/`.start()` of something that is no resource of this rule
        if scope is not None and scope.type == "class_definition":
            return Verdict(False)  # a class attribute: lives as long as the class
        if fn is None:
            fn = self.root  # module-level code is a scope of its own (see _module_exits)
        if fn.type == "lambda":
            return Verdict(False)
        if derived:
            return self._started(cand, fn, derived)
        expr, parent = climb(call)
        if parent is None:
            return Verdict(False)
        if any(pattern_matches(p, m) for p in cand.rule.lifecycle.get("iterated", ())
               for m in (resolve(cand.callee, self.names), cand.factory_of) if m):
            early = stops_early(expr, parent)  # an iterator closed at its end: os.scandir
            return Verdict(True, early, traits=frozenset({COLLECTED})) if early \
                else Verdict(False)
        t = parent.type
        if holds_nothing(call) or raising or wraps_open_file(call, self.names) \
                or fills_closed_slot(call, fn or self.root, self.names):
            return Verdict(False)
        if never_connects(cand.callee, call, fn, self.names, self.module_imports()):
            return Verdict(False)  # a client that never sends anything holds no connection
        if t == "expression_statement" and cand.factory_of:
            return Verdict(False)  # a helper's result dropped: precision first
        if t == "expression_statement":
            rest = body_statements(parent.parent)  # the next statement, comments aside
            nxt = next(iter(rest[rest.index(parent) + 1:]), None)
            if nxt is not None and nxt.type == "expression_statement" and nxt.named_children \
                    and nxt.named_children[0].type == "call" \
                    and callee_text(nxt.named_children[0]) in NORETURN:
                return Verdict(False)  # spawned, then the process exits
            # an object with a finalizer is closed as soon as the statement drops it
            return self._discarded(cand, frozenset({COLLECTED}) if finalized(cand, self.names)
                                   else frozenset())
        if t == "attribute" and parent.child_by_field_name("object") == expr:
            gp = parent.parent
            method = text(parent.child_by_field_name("attribute"))
            spec = cand.rule.lifecycle
            if method in spec["release"] or method in ("__enter__", "__aenter__"):
                return Verdict(False)
            if method == "open" and resolve(cand.callee, self.names) in spec.get("open_from", ()):
                return Verdict(False)  # the handle it opens holds this one (its own candidate)
            if method == "read" and gp is not None and gp.type == "call" and \
                    not gp.child_by_field_name("arguments").named_children and \
                    self.read_whole(cand, spec):
                return Verdict(False)  # read to its end: the response closes its connection
            if gp is not None and gp.type == "call":
                # a plain value read from or written to it keeps nothing: the handle is
                # unreferenced once the statement ends (a cursor or a member would still hold it)
                collected = frozenset({COLLECTED}) if method in PLAIN_USES \
                    else frozenset()
                return Verdict(True, f"because only .{method}() is called on it; nothing closes "
                                     "it (it waits for garbage collection)", traits=collected)
            return Verdict(False)
        if t in ("with_item", "as_pattern"):
            return Verdict(False)
        if t == "subscript" and cand.part >= 0 and parent.child_by_field_name("value") == expr:
            # `mkstemp()[1]`, `os.pipe()[0]`: one element kept (a pair's first stands for both)
            index = parent.child_by_field_name("subscript")
            pair = any(pattern_matches(p, resolve(cand.callee, self.names))
                       for p in cand.rule.lifecycle.get("pairs", ()))
            kept = text(index) if index is not None and index.type == "integer" else None
            if kept is not None and (pair or kept != str(cand.part)):
                return Verdict(True, f"because only element [{kept}] of the result is kept",
                               traits=frozenset())
            return Verdict(False)
        if t == "keyword_argument" and text(parent.child_by_field_name("name")) in STREAMS:
            expr, parent, t = parent, parent.parent, "argument_list"  # `call(stderr=open(p))`
        if t == "argument_list":
            owner = parent.parent
            effect = PythonEffects(self, Track(cand, fn, ""))._passed(owner, parent, expr, False)
            if effect is None:
                # a builtin or module function that only reads it (``json.load(open(p))``,
                # ``for line in enumerate(open(p))``), its result not handed further: the
                # temporary is unreferenced once that statement ends
                callee = callee_text(owner)
                temporary = borrowing(callee, resolve(callee, self.names)) and (
                    owner.parent is None or owner.parent.type != "argument_list")
                return Verdict(True, f"because it is only passed to {callee}(), which does "
                                     "not close it", traits=frozenset({COLLECTED}) if temporary
                               else frozenset())
            return Verdict(False)
        if t in ("tuple", "expression_list") and parent.parent is not None:
            unpacked = unpacked_into(parent, expr)
            if unpacked is None:
                return Verdict(False)  # returned, yielded, stored in a container: handed on
            parent, left = unpacked
        elif t != "assignment" or parent.child_by_field_name("right") != expr:
            return Verdict(False)  # returned, yielded, stored in a container: handed on
        else:
            left = parent.child_by_field_name("left")
        if left is None:
            return Verdict(False)
        if cand.part >= 0:
            names = pair_target(cand.call, None if cand.factory_of else 2)
            whole = any(pattern_matches(p, resolve(cand.callee, self.names))
                        for p in cand.rule.lifecycle.get("kept_whole", ()))
            if names is not None and len(names) <= cand.part:
                return Verdict(False)
            if names is None and not whole:
                return Verdict(False)  # `fds = os.pipe()`: kept whole, elements not followed
            left = names[cand.part] if names is not None else left  # kept whole: the name
            if whole and names is not None and text(left) == "_" != text(names[1]):
                return Verdict(False)  # `_, proto = ...`: the protocol keeps its transport
        if left.type == "attribute":
            return self._stored_on_self(cand, fn, left)
        if left.type == "subscript":
            return self._stored_in_local(cand, fn, left, parent)
        if left.type != "identifier":
            return Verdict(False)
        handle = text(left)
        if handle == "_" and not read_after(fn, "_", left):
            return self._discarded(cand, frozenset(), node="_")
        if self._declared_outside(fn, handle):
            return Verdict(False)
        if fn.type != "module" and is_context_provider(fn):
            return Verdict(False)
        test = self._launches(cand) \
            and waited_only_if(fn, handle, cand.rule.lifecycle["release"], cand.call)
        if test:  # launched to run on its own unless the test says wait: LL114's
            return Verdict(False, f"unless `{text(test)}` holds", node=handle, rule="LL114")
        if self._launches(cand) and only_pid_read(fn, handle, cand.call):
            return Verdict(False, "because only its pid is read", node=handle, rule="LL114")
        # what closes itself when collected goes as its name is rebound or function ends
        collected = "" if not finalized(cand, self.names) or self._declared_outside(
            fn, handle) else REBOUND if fn.type == "module" else COLLECTED
        return Track(cand, fn, handle, extra={"stmt": parent, "collected": collected,
                                              **self._module_exits(fn, handle, parent)})

    # -- module-level code, unpacking, handles derived from another object -------------

    def read_whole(self, cand, spec) -> bool:
        """Does a read() without a size release what ``cand`` acquires (``read_whole``)? A
        helper's result counts by the acquisition it returns, as written (`request.urlopen`)."""
        made = resolve(cand.callee, self.names)
        f = cand.factory_of
        return made in spec.get("read_whole", ()) or bool(f) and any(
            p == f or p.endswith("." + f) and "(*)" not in p for p in spec.get("read_whole", ()))

    def _stored_in_local(self, cand, fn, left, stmt):
        """`jobs[0] = Popen(...)` into a list/dict literal of this function: the container
        is the handle (returned, passed or iterated: handed on; otherwise lost with it)."""
        box = left.child_by_field_name("value")
        if fn.type == "module" or box is None or box.type != "identifier":
            return Verdict(False)
        made = assigned_value(cand.call, text(box))
        literal = made is not None and (made.type in ("list", "dictionary", "set") or (
            made.type == "call" and (callee_text(made) in ("list", "dict")
                                     or text(made).endswith(".copy()"))))
        if not literal or self._declared_outside(fn, text(box)):
            return Verdict(False)  # (`kw = self.kw.copy()` is a new dict)
        key = text(left.child_by_field_name("subscript")).strip("\"'")
        return Track(cand, fn, text(box), extra={"stmt": stmt, "container": True, "key": key})

    def _module_exits(self, fn, handle: str, stmt) -> dict:
        """How a module-level handle leaks: the module's variables live until the program
        ends, so only losing the object counts (rebinding the name, acquiring again), or
        a name nothing ever reads (no function, no later statement)."""
        if fn.type != "module":
            return {}
        exits = ["overwrite", "reacquire"]
        if not self._read_in_module(handle, stmt):
            exits.append("unused")
        return {"exits": tuple(exits)}

    def _read_in_module(self, name: str, stmt) -> bool:
        encoded = name.encode()
        stack = [self.root]
        while stack:
            n = stack.pop()
            if encoded not in n.text:
                continue
            if n.type == "identifier" and n.text == encoded:
                p = n.parent
                target = p is not None and p.type in ("pattern_list", "tuple_pattern") or (
                    p is not None and p.type == "assignment" and p.child_by_field_name("left") == n)
                if not target and not (stmt.start_byte <= n.start_byte < stmt.end_byte):
                    return True
                continue
            stack.extend(n.named_children)
        return False

    def acquires(self, cand) -> bool:
        """Does a direct candidate acquire? Not `R.open()`/`R.start()` of a non-resource."""
        return self._derived(cand) is not None

    def _derived(self, cand):
        """For `R.open(...)` / `R.start()` candidates (patterns `*.open`, `*.start`), what
        R is: "open" when R is a path or an archive (the call opens a new handle), "start"
        when R is a manager (the call starts its server process; R is the handle), None
        when R is neither (some other object's method); "" for any other candidate."""
        callee = cand.callee
        full = resolve(callee, self.names)
        listed = [p for p in cand.rule.lifecycle["acquire"] if not p.startswith("*.")]
        if full in listed or not callee.endswith((".open", ".start")) or "." not in callee \
                or cand.factory_of.endswith("(*)." + callee.rsplit(".", 1)[1]):
            return ""  # ...or `opener.open(url)`: what a maker's method makes (methods_of)
        kind = callee.rsplit(".", 1)[1]
        recv = cand.call.child_by_field_name("function").child_by_field_name("object")
        if recv is None:
            return None
        value = recv
        if recv.type == "identifier":
            value = assigned_value(cand.call, text(recv))
        made = made_by_call(value, self.names)
        if not made or made not in cand.rule.lifecycle.get(f"{kind}_from", ()):
            return None
        if kind == "start":
            return "start" if recv.type == "identifier" else None
        return ""

    def _started(self, cand, fn, kind):
        """`m.start()` of a manager assigned to a local name: the name is the handle."""
        stmt = cand.call
        while stmt.parent is not None and stmt.type != "expression_statement":
            stmt = stmt.parent
        recv = cand.call.child_by_field_name("function").child_by_field_name("object")
        handle = text(recv)
        return Track(cand, fn, handle, extra={"stmt": stmt, **self._module_exits(fn, handle, stmt)})

    def _launches(self, cand) -> bool:
        """Does ``cand`` start a child process (itself, or a factory returning one)?"""
        return bool(LAUNCHES & {resolve(cand.callee, self.names), cand.factory_of})

    def _discarded(self, cand, traits, node=None) -> Verdict:
        """A result dropped as made; a child process started so is a launch (LL114's)."""
        reason = "because the result is discarded"
        if self._launches(cand):
            return Verdict(False, reason, node=node, rule="LL114")
        return Verdict(True, reason, node=node, traits=traits)

    def _stored_on_self(self, cand, fn, left):
        obj = left.child_by_field_name("object")
        if obj is None or obj.type != "identifier" or text(obj) != "self":
            return Verdict(False)
        cls = enclosing_class(fn)
        if cls is None:
            return Verdict(False)
        attr = text(left.child_by_field_name("attribute"))
        owner = text(cls.child_by_field_name("name"))
        spec = cand.rule.lifecycle
        at = (left.start_point[0] + 1, left.start_point[1])
        args = cand.call.child_by_field_name("arguments")
        # `self.sock = ctx.wrap_socket(self.sock)`: the new one takes over the old
        first = (args is None or f"self.{attr}" not in {text(a) for a in args.named_children}) \
            and self.members().stored_over(cls, attr, at, acquirer(cand.rule), spec["release"])
        if first:
            return Verdict(True, f"because it replaces the one {first} kept in self.{attr} "
                                 "without closing it", node=f"self.{attr}")
        again = self.members().stored_again(left, set(spec["release"]))
        if again is not None and self.members().raised_before(left, again) is not None:
            return Verdict(False)  # dropped only when a call raises: LL111's (raised_drop)
        if again is not None:
            return Verdict(True, f"because self.{attr} is stored again at line "
                                 f"{again.start_point[0] + 1} before it is closed",
                           node=f"self.{attr}")
        if self.class_releases(cls, attr, set(spec["release"]), cand.rule):
            ends = self.members().unreleased_by_teardown(cls, attr, set(spec["release"]))
            if ends and not closed_in_finally(
                    fn, left, f"self.{attr}", spec["release"]):
                return Verdict(True, f"because {'/'.join(ends)} of {owner} does not close "
                                     f"self.{attr} (only another method does)",
                               node=f"self.{attr}")
            used = self.members().closed_by_use(cls, attr, set(spec["release"]),
                                                lambda use: self.lent(use, cand.rule))
            return kept_by_object(attr, f"because {'/'.join(used)} of {owner} closes self.{attr}"
                                        " only at the end of its use") if used else Verdict(False)
        if cand.factory_of and "(*)." not in cand.factory_of:
            # an object the project makes (`self.tmp = WorkerTmp(cfg)`) is often closed
            # by whoever manages its holder (`worker.tmp.close()` in another module),
            # which this file does not show: precision first (not one a library's object
            # makes, `self.sock = self.context.socket(zmq.PUB)`: the class holds it)
            return Verdict(False)
        if borrowed_field(cls, attr):
            return Verdict(False)  # it may hold the caller's stream: not the class's to close
        ends = self.members().inherited_ends(cls)
        reason = f"because self.{attr} is never closed by its class {owner}" + \
            (f" nor by {'/'.join(ends)}, which it inherits" if ends else "")
        if self.members().facts(cls).teardowns or ends or \
                resolve(cand.callee, self.names).startswith(RUNS_ON_ITS_OWN):
            return Verdict(True, reason, node=f"self.{attr}")
        return kept_by_object(attr, reason)

    def raised_drop(self, cand):
        """(``self.x``, the call that can raise) when the handle ``cand`` stores in
        ``self.x`` is dropped only on an exception: an ``except`` clause stores the
        attribute again (``self.sock = None`` after a failed bind); else None."""
        expr, parent = climb(cand.call)
        if parent is None or parent.type != "assignment" or parent.child_by_field_name("right") != expr:
            return None
        left = parent.child_by_field_name("left")
        if left is None or left.type != "attribute" or \
                text(left.child_by_field_name("object")) != "self":
            return None
        again = self.members().stored_again(left, set(cand.rule.lifecycle["release"]))
        raiser = self.members().raised_before(left, again) if again is not None else None
        return (text(left), raiser) if raiser is not None else None

    def class_releases(self, cls, attr: str, release: set, rule=None) -> bool:
        """Does the class (or a class it may inherit from) release or hand on ``self.attr``?"""
        key = (cls.start_byte, attr, rule.code if rule is not None else "")
        if key not in self._class_attr:
            self._class_attr[key] = self.members().released(
                cls, attr, release, lambda use: self.lent(use, rule))
        return self._class_attr[key]

    def members(self) -> PythonMembers:
        """The member facts of the module's classes (``leaklint.members``)."""
        if self._members is None:
            self._members = PythonMembers(self.root, release_methods("python"), self.names,
                                          release_methods("python", "release_functions"))
        return self._members

    def _declared_outside(self, fn, name: str) -> bool:
        body = fn.child_by_field_name("body")
        for s in (body_statements(body) if body is not None else []):
            if s.type in ("global_statement", "nonlocal_statement") and \
                    any(text(c) == name for c in s.named_children):
                return True
        return False

    # -- lowering ------------------------------------------------------------------

    def lower(self, fn, implicit: bool = False):
        key = (fn.start_byte, fn.end_byte, implicit)
        hit = self._lowered.get(key)
        if hit is None:
            blocks = {}
            body = fn if fn.type == "module" else fn.child_by_field_name("body")
            if body is None or body.type not in ("block", "module"):
                hit = (ir.Block([], fn), fn, blocks)
            else:
                try:
                    hit = (Lowering(blocks, implicit).block(body, 0), body, blocks)
                except ir.TooDeep:
                    hit = ir.TooDeep  # every handle of this function would fail alike
            self._lowered[key] = hit
        if hit is ir.TooDeep:
            raise ir.TooDeep()
        return hit

    # -- effects ---------------------------------------------------------------------

    def effects(self, track: Track):
        return PythonEffects(self, track)

# methods that read a plain value from the resource or write one to it, holding nothing of it
PLAIN_USES = {"read", "readline", "readlines", "read_text", "read_bytes", "getcode", "geturl",
              "getvalue", "recv", "fetchone", "fetchall", "fetchmany", "json", "write",
              "writelines", "send", "sendall"}

REGISTRATION_PREFIXES = ("register", "add_", "install", "connect", "subscribe", "watch", "on_")


def runs_at_import(fn, root, by_name: bool = True) -> bool:
    """Does ``fn`` run at import time only: a decorator, called at module level, a
    class-creation hook, or (``by_name``) a registration function by its name?"""
    name = text(fn.child_by_field_name("name"))
    if by_name and (name.lower().lstrip("_").startswith(REGISTRATION_PREFIXES)
                    or returns_parameter(fn) or "register" in name.lower()):
        return True
    if name in ("__init_subclass__", "__set_name__", "__new__", "__class_getitem__"):
        return True
    outer = enclosing_function(fn)
    if outer is not None:
        return runs_at_import(outer, root, by_name)  # the inner function of a decorator factory
    encoded = name.encode()
    stack = [root]
    while stack:
        n = stack.pop()
        if encoded not in n.text:
            continue
        if n.type == "decorator" and text(n).lstrip("@").split("(")[0].rsplit(".", 1)[-1] == name:
            return True
        if n.type == "call" and enclosing_function(n) is None and \
                text(n.child_by_field_name("function")).rsplit(".", 1)[-1] == name:
            return True
        stack.extend(n.named_children)
    return False
