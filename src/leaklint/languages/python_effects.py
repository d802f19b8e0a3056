"""What one statement does to one tracked Python handle (the lifecycle engine's events)."""

from __future__ import annotations

from ..ir import ACQUIRE, HANDOFF, REASSIGN, RELEASE
from ..tracks import SpecEffects, Track
from . import walk
from .python_flags import (acquired_under, bare, filled, held_flags, len_of, released_under,
                           success_flags)
from .python_clients import REDIRECTS, kept_whole_element, lent_to_library, spread_redirect
from .python_shapes import cast_value, climb, escaping_closure, inert, kept_object, kept_temp_file
from .python_lowering import (catches_only_os_errors, first_call, plain_return, quiet_statement,
                              raises_other_than_os_errors, raising_calls)
from .python_syntax import (FUNCTIONS, LAUNCHES, OWNING_CALLS, OWNING_METHODS, KEEPING_CALLS,
                            VALUE_WRAPPERS, text, callee_text, enclosing_function,
                            enclosing_class, parameters, resolve, returned, borrowing)


BOUND_METHODS = {"write", "writelines", "read", "readline", "readlines", "flush", "send",
                 "sendall", "recv", "get", "post", "request", "submit", "map", "communicate"}

CONTAINER_KEEPS = {"append", "extend", "insert", "update", "setdefault", "keys", "clear", "__len__"}


class PythonEffects(SpecEffects):
    """What a leaf does to one tracked Python handle."""

    def __init__(self, adapter, track: Track, rule=None, depth: int = 0):
        super().__init__(adapter, track, rule, depth)
        self.unlink_only = self.acquire is not None and kept_temp_file(self.acquire, adapter.names)
        self.flags = acquired_under(self.acquire, track.function) if self.acquire is not None else {}
        self.release_tests = released_under(track.function, self.name, self.release)
        self.success_flags = success_flags(track.function)
        self.held = held_flags(self.acquire, track.function) if self.acquire is not None \
            else set()
        self._escaping: dict = {}  # nested function (span) -> does it leave the function
        self._os_only: dict = {}  # try statement id -> do its handlers catch only OS errors
        # a DB-API cursor is its connection's: closing the connection ends it
        owner = _cursor_owner(self.acquire) if depth == 0 else None
        self.owner = PythonEffects(adapter, Track(track.candidate, track.function, owner),
                                   rule, depth + 1) if owner else None

    def ran_out(self, cond, loop):
        """``if len(errors) == len(addrs):`` right after ``for addr in addrs:`` whose body
        records each failed attempt in ``errors``: as many failures as turns means no turn
        broke out (the loop ran out). The branch where it did: 'then' or 'else'."""
        if loop.type != "for_statement" or cond is None:
            return None
        seq, body = loop.child_by_field_name("right"), loop.child_by_field_name("body")
        neg, cond = False, bare(cond)
        while cond is not None and cond.type == "not_operator":
            neg, cond = not neg, bare(cond.child_by_field_name("argument"))
        if seq is None or body is None or cond is None or \
                cond.type != "comparison_operator" or len(cond.named_children) != 2:
            return None
        ops = [text(c) for c in cond.children if not c.is_named]
        left, right = cond.named_children
        if len_of(right) == text(seq):
            record, ops = left, [{">=": "<=", "<=": ">="}.get(o, o) for o in ops]
        elif len_of(left) == text(seq):
            record = right
        else:
            return None
        name = len_of(record) or (text(record) if record.type == "identifier" else None)
        if name is None or not filled(body, name):
            return None
        if ops in (["=="], [">="]):
            return "else" if neg else "then"
        if ops in (["!="], ["<"]):
            return "then" if neg else "else"
        return None

    def guard(self, cond):
        """The branch of ``if h is None`` / ``if h`` / ``if not h`` where h is not open, and
        of a test of the same flag that guarded the acquisition (``if verbose: f = open()``
        ... ``finally: if verbose: f.close()``): where the flag says it was not acquired."""
        if cond is None:
            return None
        neg = False
        cond = bare(cond)
        while cond is not None and cond.type == "not_operator":
            neg = not neg
            cond = bare(cond.child_by_field_name("argument"))
        if cond is None:
            return None
        if text(cond) in self.flags:
            held = self.flags[text(cond)] != neg  # the branch the acquisition's flag was on
            return "else" if held else "then"
        side = self._success_flag(cond, neg)
        if side is not None:
            return side
        for end, flag, released in self.release_tests:
            if flag == text(cond) and cond.start_byte >= end:
                # a later test of the flag that decided the release: on the branch where
                # it released, the handle is gone
                return "then" if released != neg else "else"
        if cond.type == "boolean_operator":
            # `a and b` is true only where both are; `a or b` false only where both are
            op = text(cond.child_by_field_name("operator"))
            sides = [self.guard(cond.child_by_field_name(f)) for f in ("left", "right")]
            want = "then" if op == "and" else "else"
            if want not in sides:
                return None
            return want if not neg else {"then": "else", "else": "then"}[want]
        if cond.type == "identifier" and text(cond) in self.held:
            return "then" if neg else "else"
        if cond.type == "identifier" and text(cond) == self.name:
            return "then" if neg else "else"
        if cond.type == "comparison_operator" and len(cond.named_children) == 2:
            left, right = cond.named_children
            ops = [text(c) for c in cond.children if not c.is_named]
            if text(left) == self.name and right.type == "none":
                if ops in (["is"], ["=="]):
                    return "else" if neg else "then"
                if ops in (["is", "not"], ["is not"], ["!="]):
                    return "then" if neg else "else"
        return None

    def _success_flag(self, cond, neg: bool):
        """``finally: if not ok: h.close()`` where ``ok = False`` comes before the try and
        ``ok = True`` is a statement of its body: leaving by a raise or a return before
        that statement, ``ok`` is still false; after it, true."""
        if self.leaving is None:
            return None
        exit_node = self.leaving[1]
        if exit_node is None:
            return None
        for final, body, flag, set_at in self.success_flags:
            if flag != text(cond) or not final.start_byte <= cond.start_byte < final.end_byte:
                continue
            if not body.start_byte <= exit_node.start_byte < body.end_byte:
                continue
            value = exit_node.start_byte >= set_at
            # the branch the flag rules out on this exit: its true branch when it is false
            return "then" if value == neg else "else"
        return None

    def events(self, leaf) -> list[str]:
        node = leaf.node
        if node is None:
            return []
        if leaf.role == "raise" and node.type != "raise_statement":
            # an implicit raise from this statement: a release that raises still counts
            found = self.scan(node)
            return [RELEASE] if found & {RELEASE, HANDOFF} or self._owner_ends(node) else []
        if self.acquire is not None and node.start_byte <= self.acquire.start_byte < node.end_byte:
            owner = enclosing_function(self.acquire)
            if owner is None and self.track.function is not None and self.track.function.type == "module":
                owner = self.track.function  # module-level code
            if leaf.role not in ("cond", "raise") and owner == self.track.function:
                return [ACQUIRE]
        if leaf.role == "with-exit":
            return [RELEASE] if self._with_releases(node) or (
                self.owner is not None and self.owner._with_releases(node)) else []
        found = self.scan(node)
        if leaf.role == "with-enter":
            found.discard(RELEASE)
        for ev in (RELEASE, HANDOFF, REASSIGN):
            if ev in found:
                return [ev]
        return [RELEASE] if leaf.role != "with-enter" and self._owner_ends(node) else []

    def _owner_ends(self, node) -> bool:
        return self.owner is not None and RELEASE in self.owner.scan(node)

    def _with_releases(self, item) -> bool:
        value = item.child_by_field_name("value")
        if value is not None and value.type == "as_pattern":
            value = value.named_children[0] if value.named_children else None
        if value is None:
            return False
        if value.type == "identifier" and text(value) == self.name:
            return True
        if value.type == "call":
            args = value.child_by_field_name("arguments")
            full = resolve(callee_text(value), self.a.names)
            first = args.named_children[0] if args is not None and args.named_children else None
            return (full in ("contextlib.closing", "closing", "contextlib.aclosing", "aclosing")
                    and first is not None and (text(first) == self.name or text(first) in {
                        f"{self.name}.{view}" for view in self.views}))
        return False

    def scan(self, node, closure_ok: bool = False) -> set:
        """Events of every mention of the handle inside ``node``."""
        found = set()
        name = self.name.encode()
        if not name or name not in node.text:
            return found
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type == "identifier":
                if n.text == name:
                    ev = self._mention(n, closure_ok)
                    if ev:
                        found.add(ev)
                continue
            stack.extend(n.named_children)
        return found

    def _closure(self, n):
        """The nested def/lambda holding this mention, or None (the function itself)."""
        p = n.parent
        while p is not None and p != self.track.function:
            if p.type in FUNCTIONS:
                return p
            p = p.parent
        return None

    def _escapes(self, holder) -> bool:
        """``escaping_closure`` of a nested function, once per function and track; not a
        lambda lent to a function that keeps it nowhere (``retry(lambda: s.connect(a))``:
        the summaries show it neither kept nor handed on, so it runs, if at all, during
        the call, and what it does to the handle is a closure's use, not a hand-off)."""
        key = (holder.start_byte, holder.end_byte)
        if key not in self._escaping:
            self._escaping[key] = escaping_closure(holder, self.track.function) \
                and not self._lent_lambda(holder)
        return self._escaping[key]

    def _lent_lambda(self, holder) -> bool:
        args = holder.parent
        return holder.type == "lambda" and args is not None and args.type == "argument_list" \
            and args.parent.type == "call" \
            and self.a.argument_summary(args.parent, holder, self.rule) is False

    def _shadowed(self, n) -> bool:
        p = n.parent
        while p is not None and p != self.track.function:
            if p.type in FUNCTIONS and self.name in parameters(p):
                return True
            if p.type in ("list_comprehension", "set_comprehension", "dictionary_comprehension",
                          "generator_expression"):
                for c in p.named_children:
                    if c.type == "for_in_clause":
                        left = c.child_by_field_name("left")
                        if left is not None and self.name.encode() in left.text and \
                                any(x.text == self.name.encode() for x in _identifiers(left)):
                            return True
            p = p.parent
        return False

    def _mention(self, n, closure_ok: bool):
        p = n.parent
        if p is None:
            return None
        # not a reference: `x.name`, `f(name=...)`, a parameter
        if p.type == "attribute" and p.child_by_field_name("attribute") == n:
            return None
        if p.type == "keyword_argument" and p.child_by_field_name("name") == n:
            return None
        if p.type in ("parameters", "default_parameter", "typed_parameter", "global_statement",
                      "nonlocal_statement"):
            return None
        if self._shadowed(n):
            return None
        holder = self._closure(n)
        closure = holder is not None and not closure_ok
        if holder is not None and self._escapes(holder):
            # the nested function leaves with the handle (a thread's target, the closure a
            # function returns): kept by it, for a summary of a parameter too
            return HANDOFF
        if self.track.extra.get("container"):
            return self._container_mention(n, p, closure)
        if self.unlink_only:
            # a kept temporary file: only removing the file at `h.name` releases it
            if p.type != "attribute" or text(p.child_by_field_name("attribute")) != "name":
                # returned, or kept by whatever it is stored in or given to (a dict of
                # files an object removes in its own time)
                kept = p.type in ("return_statement", "yield", "argument_list", "list",
                                  "tuple", "pair", "set") \
                    or (p.type == "assignment" and p.child_by_field_name("right") == n)
                return HANDOFF if kept else None
            n, p = p, p.parent
            call = p.parent if p is not None and p.type == "argument_list" else None
            callee = resolve(callee_text(call), self.a.names) if call is not None else ""
            if callee.rsplit(".", 1)[-1] in ("unlink", "remove"):
                return HANDOFF if closure else RELEASE
            if callee.rsplit(".", 1)[-1] == "Path":  # `Path(tmp.name).unlink()`
                method = call.parent
                if method is not None and method.type == "attribute" and \
                        text(method.child_by_field_name("attribute")) == "unlink":
                    return HANDOFF if closure else RELEASE
        n, p = kept_whole_element(n, p, self.track, self.release)  # `conn[0].close()`
        if p.type == "attribute":
            method = text(p.child_by_field_name("attribute"))
            gp = p.parent
            called = gp is not None and gp.type == "call" and gp.child_by_field_name("function") == p
            if method in self.release:
                if called:
                    return HANDOFF if closure else RELEASE
                return HANDOFF  # `stack.callback(h.close)`, `atexit.register(h.close)`
            if called and method == "fileno" and onto_standard_stream(gp, self.a.names):
                return HANDOFF  # the daemon's redirection: it is the process's stream now
            if not called and method == "stdout" and feeds_process(gp, self.a.names):
                return HANDOFF  # a pipeline: the next process reads it to its end
            if called and method == "open" and self._member_returned(gp):
                return HANDOFF  # the member it opens and returns holds the archive's file
            if called and method == "cursor" and returned(gp, self.track.function, {}):
                return HANDOFF  # a DB-API cursor holds its connection (`cursor.connection`)
            if not called and method in self.views and gp is not None and gp.type == "attribute" \
                    and text(gp.child_by_field_name("attribute")) in self.release \
                    and gp.parent is not None and gp.parent.type == "call":
                return HANDOFF if closure else RELEASE  # `cur.connection.close()`
            if called and method == "read" and self._reads_whole(gp):
                return HANDOFF if closure else RELEASE  # read to its end: the response closes
            if not called and method in BOUND_METHODS and gp is not None and gp.type in (
                    "argument_list", "assignment",
                    "keyword_argument", "return_statement"):
                if gp.type != "assignment" or gp.child_by_field_name("right") == p:
                    return HANDOFF  # a bound method escapes: `set_writer(f.write)`
            return None
        # climb through the containers the value sits in: `return (f, 1)`, `g(x=f)`, and
        # `cast(T, f)`, which gives it back
        expr = n
        while p is not None and (p.type in VALUE_WRAPPERS or (
                p.type == "argument_list" and cast_value(p, expr))):
            expr, p = (p.parent, p.parent.parent) if p.type == "argument_list" else (p, p.parent)
            if expr.type == "keyword_argument":
                break
        if p is None:
            return None
        t = p.type
        if t in ("return_statement", "yield"):
            return HANDOFF
        if closure:
            return None  # read by a nested function: not a release
        if t == "assignment":
            left = p.child_by_field_name("left")
            if left is not None and (left == expr or left.start_byte <= n.start_byte < left.end_byte):
                if self.stmt is not None and p == self.stmt:
                    return None
                return REASSIGN if left.type == "identifier" else None
            if left is not None and left.type == "attribute":
                obj = left.child_by_field_name("object")
                if obj is not None and text(obj) == "self":
                    cls = enclosing_class(self.track.function)
                    attr = text(left.child_by_field_name("attribute"))
                    if cls is not None and not self.a.class_releases(
                            cls, attr, self.release, self.rule):
                        return None  # stored where nothing closes it: still owed a release
            return HANDOFF  # aliased or stored in a field, container or global
        if t == "argument_list":
            return self._passed(p.parent, p, expr, closure)
        if t == "subscript" and p.child_by_field_name("value") != expr and p.parent is not None \
                and p.parent.type == "assignment" and p.parent.child_by_field_name("left") == p:
            return HANDOFF  # `speeds[sock] = 0`: kept as a key of the container
        if t == "with_item":
            return None
        if t in ("for_statement", "for_in_clause"):
            left = p.child_by_field_name("left")
            if left is not None and left.start_byte <= n.start_byte < left.end_byte:
                return REASSIGN
            return None
        if t in ("list_comprehension", "generator_expression", "set_comprehension",
                 "dictionary_comprehension", "lambda"):
            return HANDOFF
        return None

    def _container_mention(self, n, p, closure):
        """A mention of a local container holding the handle: storing into an element
        keeps it there; closing an element releases it; any other use of an element or
        of the container (returned, passed, iterated, aliased) hands it on."""
        if p.type == "subscript" and p.child_by_field_name("value") == n:
            gp = p.parent
            if gp is not None and gp.type == "assignment" and gp.child_by_field_name("left") == p:
                return None
            if gp is not None and gp.type == "attribute" and \
                    text(gp.child_by_field_name("attribute")) in self.release:
                return HANDOFF if closure else RELEASE
            return HANDOFF
        if p.type == "attribute":
            # `jobs.append(x)`, `jobs.keys()`: the container keeps its elements; a read of
            # them (`jobs.values()`, `jobs.pop(k)`) hands them on
            return None if text(p.child_by_field_name("attribute")) in CONTAINER_KEEPS else HANDOFF
        if p.type == "assignment" and p.child_by_field_name("left") == n:
            return REASSIGN
        if p.type == "argument_list":
            return self._passed(p.parent, p, n, closure)  # `len(jobs)` only reads it
        return None if spread_redirect(n, p, self.track) else HANDOFF

    def cannot_raise(self, node) -> bool:
        """May the engine skip the raise of the statement ``node`` (a logging call, or a
        read of the tracked child process's own output: ``out = p.stdout.read()``)?"""
        return quiet_statement(node) or self._reads_own_pipe(node)

    def uncaught(self, node, try_node) -> bool:
        """Does ``node`` (a statement, a condition) raise nothing the handlers of
        ``try_node`` catch: they catch only the operating system's errors, which I/O
        raises, and ``node`` calls nothing that may raise (``if self.conf["t"] > 0:``)
        and awaits or yields nothing (an awaited task's error, or one thrown into a
        generator, arrives there), or ``node`` is a raise of another error
        (``raise ValueError(...)``), which passes them by?"""
        if plain_return(node) or inert(node):
            return True  # `if self.opts is not None:` reads names and fields: nothing raises
        if try_node.id not in self._os_only:  # asked for each statement of its body
            self._os_only[try_node.id] = catches_only_os_errors(try_node)
        if not self._os_only[try_node.id]:
            return False
        if node.type == "raise_statement":
            return raises_other_than_os_errors(node, self.a.classes()) \
                or self.a.raises_imported_error(node)
        return first_call(node) is None \
            and not any(n.type in ("await", "yield") for n in (node, *walk(node)))

    def _reads_own_pipe(self, node) -> bool:
        """Is ``node`` a statement whose only call that may raise reads the output pipe of
        the tracked child process (``p.stdout.read()``, ``p.stderr.readline()``)? Reading
        a pipe the child writes to does not fail in practice: it ends at the child's end
        of output."""
        cand = self.track.candidate
        if cand is None or not ({resolve(cand.callee, self.a.names), cand.factory_of}
                                & LAUNCHES) or node is None \
                or node.type != "expression_statement":
            return False
        pipes = {f"{self.name}.stdout", f"{self.name}.stderr"}
        for call in raising_calls(node):
            f = call.child_by_field_name("function")
            obj = f.child_by_field_name("object") if f is not None and f.type == "attribute" \
                else None
            if obj is None or text(obj) not in pipes or not text(
                    f.child_by_field_name("attribute")).startswith("read"):
                return False
        return True

    def _reads_whole(self, call) -> bool:
        """``u.read()`` without a size on a response that closes its connection at its end
        (``read_whole``: ``u = urlopen(url); data = u.read()``), as the chained form is."""
        cand = self.track.candidate
        args = call.child_by_field_name("arguments")
        return cand is not None and args is not None and not args.named_children \
            and self.a.read_whole(cand, self.rule.lifecycle)

    def _member_returned(self, call) -> bool:
        """``member = archive.open(name); return member``, the handle an archive
        (``open_from``: a ZipFile, a TarFile) whose member the function returns: the member
        keeps the archive's file open, and the archive's object goes at the return."""
        cand = self.track.candidate  # None for a parameter a summary follows
        if cand is None or resolve(cand.callee, self.a.names) not in \
                self.rule.lifecycle.get("open_from", ()):
            return False
        return returned(call, self.track.function, {})

    def _passed(self, call, args, expr, closure):
        """The handle is an argument of ``call``: released, handed on, or only borrowed?"""
        if call is None or call.type != "call":
            return HANDOFF
        callee = callee_text(call)
        full = resolve(callee, self.a.names)
        short = callee.rsplit(".", 1)[-1]
        if expr.type == "keyword_argument":
            kw = text(expr.child_by_field_name("name"))
            if kw in REDIRECTS:
                return None if full not in OWNING_CALLS else HANDOFF
        if callee in self.release_fns or short in self.release_fns:
            return HANDOFF if closure else RELEASE
        if full in OWNING_CALLS or full in KEEPING_CALLS or short in OWNING_METHODS or \
                callee in self.handoff_calls:
            return HANDOFF
        if self.borrows(callee) or borrowing(callee, full):
            return None
        summary = self.a.argument_summary(call, expr, self.rule)
        if summary:
            return HANDOFF if closure else RELEASE
        if summary is False:
            # an object made around the handle (`self.stream = Writer(f)`) that outlives
            # the statement holds it for whoever keeps the object
            return HANDOFF if short[:1].isupper() and \
                kept_object(call, self.track.function) else None
        return None if lent_to_library(call, expr, self.track, self.a.module_imports()) else HANDOFF


# the descriptors of the process's standard streams, as a dup2 target names them
STANDARD_STREAMS = {"0", "1", "2", "sys.stdin.fileno()", "sys.stdout.fileno()",
                    "sys.stderr.fileno()", "sys.__stdin__.fileno()", "sys.__stdout__.fileno()",
                    "sys.__stderr__.fileno()"}


def onto_standard_stream(call, names) -> bool:
    """``os.dup2(f.fileno(), sys.stdout.fileno())`` (``call``: the ``f.fileno()``): the
    file's descriptor is copied onto a standard stream, which keeps it open for the rest
    of the process (a daemon redirecting its streams to a log or /dev/null)."""
    args = call.parent
    dup = args.parent if args is not None and args.type == "argument_list" else None
    if dup is None or resolve(callee_text(dup), names) != "os.dup2":
        return False
    values = [c for c in args.named_children if c.type != "comment"]
    return len(values) == 2 and values[0] == call and \
        "".join(text(values[1]).split()) in STANDARD_STREAMS


def feeds_process(arg, names) -> bool:
    """Is ``arg`` (what holds ``p.stdout``) the ``stdin=`` of another child process
    (``Popen(cmd, stdin=p.stdout)``): the subprocess documentation's pipeline, where the
    first process ends when the next stops reading, and the last is the one waited for?"""
    if arg is None or arg.type != "keyword_argument" or text(arg.child_by_field_name("name")) != "stdin":
        return False
    call = arg.parent.parent if arg.parent is not None else None
    return call is not None and call.type == "call" and \
        resolve(callee_text(call), names) in LAUNCHES


def _identifiers(node):
    stack, out = [node], []
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            out.append(n)
        stack.extend(n.named_children)
    return out


def _cursor_owner(acquire) -> str:
    """The connection ``conn`` of an acquisition ``conn.cursor()`` (a name), else ""."""
    f = acquire.child_by_field_name("function") if acquire is not None \
        and acquire.type == "call" else None
    obj = f.child_by_field_name("object") if f is not None and f.type == "attribute" else None
    if obj is None or obj.type != "identifier" or text(f.child_by_field_name("attribute")) != "cursor":
        return ""
    return text(obj)
