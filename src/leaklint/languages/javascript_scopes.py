"""Lifecycle scopes of TypeScript/JavaScript code: where something acquired must be released.

One pairing model serves every JS listener, timer, observer, subscription and channel
rule. A *scope* is a function that acquires and the functions in which the matching
release must be found:

- React ``useEffect``/``useLayoutEffect``: the effect body and the cleanup it returns;
- Svelte ``onMount`` (returned cleanup) with ``onDestroy``; Vue ``onMounted`` with
  ``onUnmounted``/``onBeforeUnmount``; the Vue options API ``mounted``/``created`` with
  ``beforeUnmount``/``unmounted``/``beforeDestroy``;
- classes: lifecycle methods that acquire (``componentDidMount``, ``ngOnInit``,
  ``connectedCallback``, ``start``, the constructor...) with those that release
  (``componentWillUnmount``, ``ngOnDestroy``, ``disconnectedCallback``, ``stop``...),
  plus ``DestroyRef.onDestroy`` callbacks;
- any other function: the function itself (what it adds to a long-lived target per
  call, it must remove itself or hand on);
- module top level: process lifetime, never a leak.

Releases reached through same-file helpers (``this.teardown()``, ``cleanup()``) count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import of_type
from .javascript import (FUNCTIONS, LOOKUPS, args, callee, calls_in, enclosing_function, function_name,
                         identifiers_named, method_of, norm, receiver, returned_values, strip,
                         text, up, walk)
from .javascript_objects import (COMPONENT_ACQUIRE, COMPONENT_RELEASE, class_creates,
                                 component_options, module_object)
from .javascript_members import ClassMembers, class_facts, prototype_owner
from .javascript_modules import imports
from .javascript_runs import (EVENT_SUBSCRIPTIONS, ONCE, command_mode, how_often, once_flag_owner,
                              ONCE_EVENTS, once_option, once_per_call)
from .javascript_syntax import after_own_clear, immediately_invoked
from .javascript_hooks import calling_effect
from .javascript_values import declaring_function

EFFECT_HOOKS = {"useEffect", "useLayoutEffect", "useInsertionEffect"}
MOUNT_HOOKS = {"onMounted": "vue", "onBeforeMount": "vue", "onActivated": "vue",
               "onMount": "svelte"}
UNMOUNT_HOOKS = {"onUnmounted", "onBeforeUnmount", "onDeactivated", "onScopeDispose",
                 "onDestroy"}
PLAIN_ACQUIRE = {"constructor", "start", "init", "initialize", "open", "listen", "connect",
                 "attach", "mount", "setup", "activate", "boot"}
PLAIN_RELEASE = {"stop", "dispose", "destroy", "close", "disconnect", "detach", "unmount",
                 "teardown", "tearDown", "cleanup", "cleanUp", "deactivate", "shutdown",
                 "terminate", "unlisten"}
# functions that by their name set something up once (`init`, `registerListeners`...)
SETUP_PREFIXES = ("init", "setup", "register", "install", "bootstrap", "boot", "bind",
                  "main", "configure")
# a program's or a server's entry (`start.start = async function`, `main()`): runs once
ENTRY_NAMES = {"main", "start", "bootstrap", "startServer"}
# calls whose callback runs once (a document ready, a promise settling, a one-shot event)
ONE_SHOT_CALLBACKS = {"ready", "whenReady", "once", "then", "$", "jQuery"}  # $(fn): ready
# look-ups of an element of the page's content: it is replaced with that content
ELEMENT_LOOKUPS = LOOKUPS - {"matchMedia", "getRootNode", "item"}
# names whose objects live as long as the process or the page
GLOBALS = {"window", "document", "globalThis", "self", "process", "navigator", "screen",
           "visualViewport", "top", "parent", "history", "location"}
CLASS_LIKE = ("class_declaration", "class", "abstract_class_declaration")


@dataclass
class Scope:
    kind: str  # effect | hook | class | options | method (any other method) | function
    where: str  # where the release was looked for, for messages
    acquire: object  # the function node that acquires
    releases: list = field(default_factory=list)  # function nodes searched for releases
    strict: bool = True  # a lifecycle pair: anything not owned must be released
    owner: object = None  # class body, options object or component function
    returned: list = field(default_factory=list)  # expressions handed out as the cleanup


class Model(ClassMembers):
    """Scopes and same-file functions of one file, computed once and shared by rules."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.root = ctx.tree.root_node
        self._scopes = {}
        self._functions = None
        self._module_names = None
        self._release_calls = {}
        self._calls = None
        self._handlers = None
        self._imports = None

    def calls(self) -> list:
        """Every call and `new` expression of the file, in source order."""
        if self._calls is None:
            self._calls = of_type(self.root, ("call_expression", "new_expression"))
        return self._calls

    # -- same-file names -----------------------------------------------------------

    def functions(self) -> dict:
        """Named functions of the file (declarations, `const f = () =>`, methods): name -> [node]."""
        if self._functions is None:
            self._functions = {}
            for n in of_type(self.root, tuple(FUNCTIONS)):
                name = function_name(n)
                if name:
                    self._functions.setdefault(name, []).append(n)
        return self._functions

    def handler_names(self) -> set:
        """Names of same-file functions registered as event handlers (``x.on("e", f)``)."""
        if self._handlers is None:
            self._handlers = set()
            for c in self.calls():
                if c.type == "call_expression" and method_of(c) in EVENT_SUBSCRIPTIONS:
                    for a in args(c)[1:2] + args(c)[:1]:
                        a = strip(a)
                        if a is not None and a.type == "identifier":
                            self._handlers.add(text(a))
        return self._handlers

    def module_names(self) -> set:
        """Names bound at the top level of the module (variables and imports)."""
        if self._module_names is None:
            names = set()
            for child in self.root.named_children:
                node = child
                if node.type == "export_statement":
                    inner = node.child_by_field_name("declaration")
                    node = inner if inner is not None else node
                if node.type in ("lexical_declaration", "variable_declaration"):
                    for d in node.named_children:
                        if d.type == "variable_declarator":
                            v = strip(d.child_by_field_name("value"))
                            if v is None or v.type not in FUNCTIONS:
                                name = d.child_by_field_name("name")
                                names.add(text(name))
                                if name is not None and name.type == "object_pattern":
                                    # `const { ipcRenderer } = require("electron")`
                                    names.update(text(n) for n in walk(name) if n.type in (
                                        "shorthand_property_identifier_pattern",
                                        "identifier"))
                elif node.type == "import_statement":
                    for n in walk(node):
                        if n.type == "identifier" and n.parent is not None \
                                and n.parent.type in ("import_specifier", "import_clause"):
                            names.add(text(n))
            self._module_names = names
        return self._module_names

    def created_field(self, owner, target: str, whole: bool = False) -> bool:
        """Is ``this.x`` (the root of ``target``; exactly ``target`` with ``whole``) an
        object the class creates itself: declared ``x = new X()`` or assigned
        ``this.x = new X()`` / ``this.createX()``? It lives and dies with the instance."""
        parts = target.split(".")
        if owner is None or owner.type != "class_body" or len(parts) < 2 or parts[0] != "this" \
                or (whole and len(parts) != 2):
            return False
        return class_creates(owner, parts[1])

    def long_lived(self, target: str, fn) -> bool:
        """Does the object named by ``target`` outlive one call of ``fn``?"""
        root = target.split(".", 1)[0].split("(", 1)[0].split("[", 1)[0]
        if root in ("document", "$", "jQuery") and any(
                f"{meth}(" in target for meth in ELEMENT_LOOKUPS | {"$", "jQuery"}):
            return False  # an element of the page's content, not the document itself
        if root in GLOBALS:  # not a parameter or local of that name: `(self) => ...`
            return declaring_function(fn, root) is None
        # a module-level value itself, no local around; what hangs off it may be replaced
        return target == root and root in self.module_names() \
            and declaring_function(fn, root) is None

    def started(self) -> tuple:
        """The methods of this file's AMD module that an entry point starts once
        (``reads["js-startup"]``, facts.js_startup)."""
        read = (getattr(self.ctx, "reads", None) or {}).get("js-startup") or {}
        return tuple(read.get("started") or ())

    # -- scopes ----------------------------------------------------------------------

    def scope_of(self, node) -> Scope | None:
        """The lifecycle scope in which ``node`` runs; None at module top level and in a
        mode of the command the process runs (``javascript_runs.command_mode``)."""
        if command_mode(node):
            return None
        flagged = once_flag_owner(node)  # runs once per life of its run-once flag
        if flagged is not None:
            return None if flagged.type == "program" else self.scope_of(
                flagged.child_by_field_name("body"))
        fn = enclosing_function(node)
        innermost = None
        while fn is not None:
            fn = calling_effect(fn, EFFECT_HOOKS) or fn  # run by the one effect that calls it
            scope = self._lifecycle_scope(fn)
            if scope is not None:
                return scope
            p, _ = up(fn)
            passed = p is not None and p.type == "arguments"
            if innermost is None and not (immediately_invoked(fn) or passed):
                innermost = fn  # a named or stored function: its own per-call scope
                if function_name(fn) in self.handler_names():
                    break  # an event handler: runs per event, not as part of a lifecycle
            if p is not None and p.type == "arguments" and method_of(p.parent) in UNMOUNT_HOOKS:
                return None  # runs at release time
            fn = enclosing_function(fn)
        if innermost is None or self._module_only(innermost):
            return None  # module-level code and what only it calls: process lifetime
        return self._function_scope(innermost)

    def _module_only(self, fn) -> bool:
        """Is ``fn`` run once: named as a set-up step or a program's entry, or a same-file
        function called only from module top level or from functions that run once?"""
        key = ("module-only", fn.start_byte, fn.end_byte)
        if key not in self._scopes:
            self._scopes[key] = self._runs_once(fn)
        return self._scopes[key]

    def _runs_once(self, fn, depth: int = 0) -> bool:
        runs = how_often(fn, started=self.started())
        if runs.kind:
            return runs.kind == ONCE  # the structure says: a run-once guard, an AMD
            # module's method (started once by the entry or not), an export, a route
        name = function_name(fn)
        if name.lower().startswith(SETUP_PREFIXES) or name in ENTRY_NAMES:
            return True
        p, child = up(fn)
        if depth <= 3 and p is not None and p.type == "call_expression" \
                and strip(p.child_by_field_name("function")) == strip(child):
            outer = enclosing_function(p)  # called where it is written: as often as that
            return outer is None or self._runs_once(outer, depth + 1)
        once = once_option(fn, self.imported())
        if depth <= 3 and (once is not None or p is not None and p.type == "arguments" and (
                method_of(p.parent) in ONE_SHOT_CALLBACKS or self._once_event(p.parent)
                or once_per_call(fn, fn))):
            # `$(document).ready(fn)`, `app.whenReady().then(fn)`, `registerSW({
            # onRegisteredSW: fn })`: fn runs once when what registers it does
            outer = enclosing_function(once if once is not None else p.parent)
            return outer is None or self._runs_once(outer, depth + 1)
        if depth > 3 or (fn.type != "function_declaration" and p is not None
                         and p.type != "variable_declarator"):
            return False
        if not name or exported(fn):
            return False
        uses = [n for n in identifiers_named(self.root, name)
                if n != fn.child_by_field_name("name")
                and not (n.parent is not None and n.parent.type == "variable_declarator"
                         and n.parent.child_by_field_name("name") == n)]
        for n in uses:
            p, child = up(n)
            if (p is None or p.type != "call_expression"
                    or p.child_by_field_name("function") != child) and not once_per_call(n, fn):
                return False  # handed on to a call that may run it more than once
            caller = enclosing_function(n)
            timer = after_own_clear(n, caller) if caller is not None else None
            if timer is not None:  # past the clear of the interval it runs in: once
                caller = enclosing_function(timer)
            if caller is not None and not self._runs_once(caller, depth + 1):
                return False  # called from a function that may run again
        return bool(uses)

    def _once_event(self, call) -> bool:
        """``app.on("ready", fn)`` with ``app`` imported from a module whose object emits
        that event once per process (ONCE_EVENTS): fn runs once."""
        if method_of(call) not in EVENT_SUBSCRIPTIONS or not args(call):
            return False
        target = receiver(call)
        if target is None or target.type != "identifier":
            return False
        event = text(args(call)[0]).strip("'\"`")
        return event in ONCE_EVENTS.get(self.imported().get(text(target)), ())

    def imported(self) -> dict:  # the file's ``javascript_modules.imports``, read once
        if self._imports is None:
            self._imports = imports(self.root)
        return self._imports

    def _lifecycle_scope(self, fn) -> Scope | None:
        key = (fn.start_byte, fn.end_byte)
        if key in self._scopes:
            return self._scopes[key]
        scope = self._compute_scope(fn)
        self._scopes[key] = scope
        return scope

    def _compute_scope(self, fn) -> Scope | None:
        p, child = up(fn)
        if p is not None and p.type == "arguments":
            call = p.parent
            hook = method_of(call)
            first = args(call)[:1] == [child]
            if hook in EFFECT_HOOKS and first:
                return self._returning_scope(fn, "effect", "in the effect's cleanup", call)
            if hook in MOUNT_HOOKS and first:
                scope = self._returning_scope(fn, "hook", f"in an unmount hook or the "
                                              f"{hook} cleanup", call)
                scope.releases.extend(self._unmount_hooks(call))
                self._expand(scope)
                return scope
            return None
        name = function_name(fn)
        if fn.type == "function_declaration" and name[:1].isupper() \
                and self._prototype_methods(name):
            return self._constructor_scope(fn, name)
        cls = prototype_owner(fn)
        if cls:
            return self._prototype_scope(fn, cls, name)
        if fn.type == "method_definition" or (p is not None and p.type in (
                "public_field_definition", "field_definition", "pair")):
            owner = fn.parent if fn.type == "method_definition" else p.parent
            if owner is None:
                return None
            if owner.type == "class_body":
                return self._class_scope(fn, name, owner)
            if owner.type == "object" and name in COMPONENT_ACQUIRE:
                rel = [m for n, m in self._members(owner) if n in COMPONENT_RELEASE]
                where = "in beforeUnmount/unmounted"
                scope = Scope("options", where, fn, rel, True, owner)
                self._expand(scope)
                return scope
            if owner.type == "object" and module_object(fn) is not None \
                    and not component_options(owner):
                return self._singleton_scope(fn, owner)
        return None

    def _prototype_scope(self, fn, cls: str, name: str) -> Scope:
        """A method of an ES5 class (``Name.prototype.m = function``): the same scope as a
        method of a class body, over the prototype's methods and the constructor."""
        methods = self.class_methods(self._constructor(cls) or fn, cls)
        names = set(methods)
        owner = self._constructor(cls) or fn
        if name in PLAIN_ACQUIRE and names & PLAIN_RELEASE:
            rel = [f for n, f in methods.items() if n in PLAIN_RELEASE]
            scope = Scope("class", "in " + "/".join(sorted(names & PLAIN_RELEASE)), fn, rel,
                          True, owner)
        else:
            scope = Scope("method", "anywhere in the class", fn, list(methods.values()),
                          bool(names & PLAIN_RELEASE), owner)
        self._expand(scope)
        return scope

    def class_facts(self, scope: Scope, release_functions=()):
        """The member facts (``leaklint.members``) of the class a method scope belongs to;
        None for other scopes."""
        owner = scope.owner
        if owner is None or (owner.type != "class_body" and not (
                owner.type in FUNCTIONS and (self._prototype_methods(function_name(owner))
                                             or prototype_owner(owner)))):
            return None
        cls = function_name(owner) if owner.type != "class_body" else ""
        if owner.type in FUNCTIONS and prototype_owner(owner):
            cls = prototype_owner(owner)
        key = ("facts", owner.start_byte, tuple(sorted(release_functions)))
        if key not in self._scopes:
            ends = self.end_handlers(owner) if owner.type == "class_body" else {}
            self._scopes[key] = class_facts(cls, {**self.class_methods(owner, cls), **ends},
                                            PLAIN_RELEASE | COMPONENT_RELEASE | set(ends),
                                            PLAIN_ACQUIRE | COMPONENT_ACQUIRE | {"constructor"},
                                            release_functions,
                                            owner if owner.type == "class_body" else None)
        return self._scopes[key]

    def _constructor_scope(self, fn, name: str) -> Scope:
        """An ES5 constructor (``function Settings() {...}`` with ``Settings.prototype``
        methods): like a class's constructor, held to a release only when the class has
        a release method of its own."""
        methods = self._prototype_methods(name)
        releases = [f for n, f in methods.items() if n in PLAIN_RELEASE]
        where = "in " + "/".join(sorted(n for n in methods if n in PLAIN_RELEASE)) \
            if releases else "anywhere in the class"
        scope = Scope("method", where, fn, releases or list(methods.values()), bool(releases),
                      fn)
        self._expand(scope)
        return scope

    def _singleton_scope(self, fn, obj) -> Scope:
        """A function of a module-level object literal (a store's ``actions``, a service
        object): the object is a singleton that lives as long as the page, like an
        instance of a class; only one with a release of its own is held to it."""
        members = self._members(obj)
        releases = [m for n, m in members if n in PLAIN_RELEASE]
        where = "in " + "/".join(sorted({n for n, _ in members if n in PLAIN_RELEASE})) \
            if releases else "anywhere in the object"
        scope = Scope("method", where, fn, releases or [m for _, m in members],
                      bool(releases), obj)
        self._expand(scope)
        return scope

    def _returning_scope(self, fn, kind, where, call) -> Scope:
        scope = Scope(kind, where, fn, [], True, enclosing_function(call) or self.root)
        for v in returned_values(fn):
            v = strip(v)
            if v is None:
                continue
            if v.type in FUNCTIONS:
                scope.releases.append(v)
            elif v.type == "identifier":
                scope.releases.extend(self._local_functions(fn, text(v)) or
                                      self._local_functions(scope.owner, text(v)))
            scope.returned.append(v)
        self._expand(scope)
        return scope

    def _unmount_hooks(self, call) -> list:
        owner = enclosing_function(call) or self.root
        out = []
        for c in calls_in(owner, stop=FUNCTIONS):
            if method_of(c) in UNMOUNT_HOOKS:
                out.extend(a for a in args(c)[:1] if strip(a) is not None
                           and strip(a).type in FUNCTIONS)
                out.extend(f for a in args(c)[:1] if strip(a) is not None
                           and strip(a).type == "identifier"
                           for f in self._local_functions(owner, text(strip(a))))
        return out

    def _local_functions(self, within, name: str) -> list:
        return [f for f in self.functions().get(name, ())
                if within.start_byte <= f.start_byte < within.end_byte]

    def _class_scope(self, fn, name, body) -> Scope:
        members = self._members(body)
        names = {n for n, _ in members}
        cls = body.parent
        component = self.is_component(body)
        destroy_cbs = self.teardown_callbacks(body)
        if component and name in COMPONENT_ACQUIRE | {"constructor"}:
            # no framework hook: it may end itself (a custom element's close())
            ends = (names & COMPONENT_RELEASE) or (names & PLAIN_RELEASE)
            rel = [m for n, m in members if n in ends] + destroy_cbs
            where = "in " + ("/".join(sorted(ends)) or "a destroy hook (there is none)")
            scope = Scope("class", where, fn, rel, True, body)
        elif not component and name in PLAIN_ACQUIRE and names & PLAIN_RELEASE:
            rel = [m for n, m in members if n in PLAIN_RELEASE] + destroy_cbs
            where = "in " + "/".join(sorted(names & PLAIN_RELEASE))
            scope = Scope("class", where, fn, rel, True, body)
        else:
            # any other method: released anywhere in the class; only classes with a
            # lifecycle of their own are held to it
            has_release = component or bool(names & PLAIN_RELEASE)
            scope = Scope("method", "anywhere in the class", fn, [m for _, m in members],
                          has_release, body)
        self._expand(scope)
        return scope

    def _function_scope(self, fn) -> Scope:
        key = ("fn", fn.start_byte, fn.end_byte)
        if key not in self._scopes:
            # the release may sit in a sibling closure: search the outermost function
            outer = fn
            while outer.type != "method_definition":
                p, _ = up(outer)
                if p is not None and p.type in ("public_field_definition", "field_definition"):
                    break
                nxt = enclosing_function(outer)
                if nxt is None:
                    break
                outer = nxt
            self._scopes[key] = Scope("function", "in the same function", fn, [outer], False,
                                      fn)
        return self._scopes[key]

    def _expand(self, scope: Scope) -> None:
        """Add the same-file helpers the release functions call (``this.teardown()``...)."""
        seen = {(f.start_byte, f.end_byte) for f in scope.releases}
        work = list(scope.releases)
        members = dict(self._members(scope.owner)) if scope.owner is not None \
            and scope.owner.type in ("class_body", "object") else {}
        if scope.owner is not None and scope.owner.type in FUNCTIONS:
            members = self.class_methods(scope.owner, prototype_owner(scope.owner))
        while work and len(seen) < 60:
            for t in self._helpers(work.pop(), members):
                k = (t.start_byte, t.end_byte)
                if k not in seen:
                    seen.add(k)
                    scope.releases.append(t)
                    work.append(t)

    def _helpers(self, f, members: dict, stop=()) -> list:
        """The same-file functions ``f`` calls: by name (`teardown()`), or on `this`
        (`this.stop()`) as ``members`` names them."""
        out = []
        for c in calls_in(f, stop=stop):
            fnode = strip(c.child_by_field_name("function"))
            if fnode is not None and fnode.type == "member_expression" \
                    and norm(fnode.child_by_field_name("object")) == "this":
                out += [m for m in [members.get(method_of(c))] if m is not None]
            elif fnode is not None and fnode.type == "identifier":
                out += self.functions().get(text(fnode), [])[:3]
        return out

    # -- release search --------------------------------------------------------------

    def release_calls(self, scope: Scope) -> list:
        """Every call in the scope's release functions and in the acquiring function, with
        the same-file helpers an effect calls itself (`clearTimer()` on its other branch)."""
        key = id(scope)
        if key not in self._release_calls:
            out, seen = [], set()
            helpers = self._helpers(scope.acquire, {}, stop=FUNCTIONS) \
                if scope.kind == "effect" else []
            for f in [scope.acquire] + scope.releases + helpers:
                for c in calls_in(f):
                    if (c.start_byte, c.end_byte) not in seen:
                        seen.add((c.start_byte, c.end_byte))
                        out.append(c)
            self._release_calls[key] = out
        return self._release_calls[key]


def exported(fn) -> bool:
    """Is the top-level statement holding ``fn`` an export (callable from elsewhere)?"""
    node = fn
    while node.parent is not None and node.parent.type != "program":
        node = node.parent
    return node.type == "export_statement"


def model(ctx) -> Model:
    if "js-model" not in ctx.cache:
        ctx.cache["js-model"] = Model(ctx)
    return ctx.cache["js-model"]
