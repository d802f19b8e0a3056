"""Python: what a call runs, as the lifecycle adapter asks it (``PythonAdapter`` takes
these methods): this module's functions and methods, looked up along a class's bases
(``python_classes``), or a function or method of another module of the scanned tree by
its call reference; and the summary of a function of this module for one parameter
("does it release or hand on the handle it is given?")."""

from __future__ import annotations

from .. import members
from ..ir import HANDOFF, RELEASE
from ..tracks import Track
from . import matches, python_classes
from .python_effects import PythonEffects
from .python_syntax import (assigned_once, call_ref, callee_text, decorators, enclosing_class,
                            enclosing_function, module_imports, not_implemented, parameters,
                            splat_name, text)


class PythonCalls:
    """Needs ``self.root``, ``self.summaries`` (``FileSummaries``), ``self._rules`` and
    ``self._functions``, ``self._module_imports``, ``self._classes_by_name`` (None)."""

    def call_keys(self, call) -> list[str]:
        """How the facts phase names what ``call`` runs: this module's functions, or the
        call reference of a function of another module."""
        keys, ref, _ = self.target(call, callee_text(call))
        return ["local:" + k for k in keys] if keys else [ref] if ref else []

    def target(self, call, callee: str) -> tuple[list, str | None, bool]:
        """What a call runs, as far as the scanned tree tells: (this module's function
        keys, None), ([], a call reference into another module) or ([], None); and
        whether it is a method call (`self.m`, `cls.m`, `super().m`: the method is looked
        up along the class's bases, ``python_classes``)."""
        short = python_classes.method_name(callee)
        if short is None:
            made = self._made_receiver(call, callee)
            if made is not None:
                return made
            if "." not in callee:
                keys = self.resolve(call, callee, False)
                if keys:
                    return keys, None, False
                init = f"{callee}.__init__"
                if callee in self.classes() and init in self.functions():
                    return [init], None, True  # `C(...)` runs C.__init__ on a new object
            return [], call_ref(callee, self.module_imports()), False
        fn = enclosing_function(call)
        cls = enclosing_class(fn) if fn is not None else None
        skip_own = python_classes.is_super(callee.rpartition(".")[0])
        if cls is not None:
            keys, ref = python_classes.lookup(cls, short, self.classes(), self.methods(),
                                              self.module_imports(), skip_own)
            if keys or ref:
                return keys, ref, True
        if skip_own:
            return [], None, True
        return self.resolve(call, short, True), None, True

    def _made_receiver(self, call, callee: str):
        """``x.m(...)`` where the function gives ``x`` one value, ``C(...)``: C's method m
        (this module's class, looked up along its bases, or an imported class's by its
        call reference); None when the receiver's class is not known so."""
        recv, dot, short = callee.rpartition(".")
        if not dot or recv not in self.constructed():
            return None
        fn = enclosing_function(call)
        obj = call.child_by_field_name("function").child_by_field_name("object") \
            if fn is not None and recv.isidentifier() else None
        made = assigned_once(fn, obj, self.__dict__.setdefault("_assigned", {})) \
            if obj is not None and obj.type == "identifier" else None
        cls = callee_text(made) if made is not None and made.type == "call" else ""
        if not cls.rsplit(".", 1)[-1][:1].isupper():
            return None
        if cls in self.classes():
            keys, ref = python_classes.lookup(self.classes()[cls], short, self.classes(),
                                              self.methods(), self.module_imports())
        else:
            keys, ref = [], call_ref(f"{cls}.{short}", self.module_imports())
        return (keys, ref, True) if keys or ref else None

    def constructed(self) -> set:
        """The names the module assigns an object of a class to somewhere (``x = C(...)``,
        ``x = mod.C(...)``): the only receivers ``_made_receiver`` looks further into."""
        found = self.__dict__.get("_constructed_names")
        if found is None:
            found = self._constructed_names = {
                text(caps["x"][0]) for _, caps in matches(
                    "python", "(assignment left: (identifier) @x right: (call function: "
                    "[(identifier) (attribute)] @f))", self.root)
                if text(caps["f"][0]).rsplit(".", 1)[-1][:1].isupper()}
        return found

    def methods(self) -> set:
        """The keys of ``functions`` that name a method (computed once per adapter)."""
        found = self.__dict__.get("_method_keys")
        if found is None:
            found = self._method_keys = {k for k, defs in self.functions().items()
                                         if any(d[2] for d in defs)}
        return found

    def module_imports(self) -> dict:
        if self._module_imports is None:
            self._module_imports = module_imports(self.root)
        return self._module_imports

    def classes(self) -> dict:
        if self._classes_by_name is None:
            self._classes_by_name = python_classes.module_classes(self.root)
        return self._classes_by_name

    def raises_imported_error(self, raise_node) -> bool:
        """Is ``raise_node`` `raise m.E(...)` (or `E(...)` imported) of an exception class of
        another module of the tree that is no OS error (the file's ``errors`` read)?"""
        errors = (getattr(self.ctx, "reads", None) or {}).get("errors")
        raised = raise_node.named_children[0] if raise_node.named_children else None
        if not errors or raised is None or raised.type != "call":
            return False
        return self.target(raised, callee_text(raised))[1] in errors

    def functions(self) -> dict:
        """Same-module functions by qualified name ("f", "C.m": a method is named with its
        class, so same-named methods of two classes are two functions): qualified name ->
        [(node, [param names], is_method)] (nested functions may share a name)."""
        if self._functions is None:
            self._functions = {}
            for _, caps in matches("python", "(function_definition name: (identifier) @n) @f",
                                   self.root):
                fn = caps["f"][0]
                cls = enclosing_class(fn)
                method = cls is not None and "staticmethod" not in decorators(fn)
                name = text(caps["n"][0])
                key = f"{text(cls.child_by_field_name('name'))}.{name}" if cls is not None else name
                self._functions.setdefault(key, []).append((fn, parameters(fn), method))
        return self._functions

    def resolve(self, call, short: str, method_call: bool) -> list[str]:
        """The same-module functions a call may run: `f(...)` is f; `self.m(...)` is the
        calling class's m, or (inherited) any class's m."""
        fns = self.functions()
        if not method_call:
            return [short] if any(not d[2] for d in fns.get(short, ())) else []
        fn = enclosing_function(call)
        cls = enclosing_class(fn) if fn is not None else None
        own = f"{text(cls.child_by_field_name('name'))}.{short}" if cls is not None else None
        if own in fns and any(d[2] for d in fns[own]):
            return [own]
        return sorted(k for k, defs in fns.items()
                      if k.endswith("." + short) and any(d[2] for d in defs))

    def releases_param(self, call, callee: str, index: int, method_call: bool,
                       rule) -> bool | None:
        """Does the function ``call`` runs release or hand on its parameter ``index``?
        A function of this module (`f(...)`, `self.m(...)`) is judged by its body; one of
        another module of the scanned tree by its summary (the file's reads); None when
        the call runs no function leaklint can see."""
        self._rules[rule.code] = rule
        keys, ref, method = self.target(call, callee)
        if keys:
            return any([self.summaries.local((key, index, method, rule.code)) for key in keys])
        return self.summaries.external(ref, index, rule.code) if ref else None

    def argument_summary(self, call, arg, rule) -> bool | None:
        """``releases_param`` for the argument node ``arg`` of ``call`` (its position,
        comments left out; a method of the class when called on self, cls or super())."""
        args = call.child_by_field_name("arguments")
        values = [c for c in (args.named_children if args is not None else ())
                  if c.type != "comment"]
        if arg not in values:
            return None
        callee = callee_text(call)
        recv = callee.rsplit(".", 1)[0] if "." in callee else ""
        method_call = recv in ("self", "cls") or recv.startswith("super(")
        return self.releases_param(call, callee, values.index(arg), method_call, rule)

    def lent(self, use, rule) -> bool:
        """Is the field mention ``use`` (``self.fo``) only lent: an argument of a call the
        summaries show neither releasing nor keeping it (``tnetstring.load(self.fo)``
        reads the stream it is given)? Then it hands nothing on."""
        if rule is None or use.kind != members.HANDOFF or use.how != "argument_list":
            return False
        line, column = use.at
        n = self.root.named_descendant_for_point_range((line - 1, column), (line - 1, column))
        while n is not None and n.type != "attribute":
            n = n.parent
        args = n.parent if n is not None else None
        if args is None or args.type != "argument_list" or args.parent.type != "call":
            return False
        return self.argument_summary(args.parent, n, rule) is False

    def param_summary(self, name: str, index: int, rule, method: bool = False) -> bool:
        """The summary of this module's function (``method``: method) ``name`` for its
        parameter ``index`` (not counting ``self``)."""
        self._rules[rule.code] = rule
        return self._summarise((name, index, method, rule.code))

    def _summarise(self, key) -> bool:
        """An argument that lands in ``*args`` goes where the tuple goes; a method that
        only raises NotImplementedError says nothing (what its overrides do decides)."""
        name, index, method_call, code = key
        for fn, params, method in self.functions()[name]:
            if method and not method_call:
                continue
            i = index + (1 if method else 0)  # a static method called on self: no shift
            body = fn.child_by_field_name("body")
            if body is None or not_implemented(body):
                return True
            name = params[i] if i < len(params) else ""
            if "" in params[:i + 1]:  # it lands in `*args`: what becomes of the tuple
                name = splat_name(fn)
            if name:
                fx = PythonEffects(self, Track(None, fn, name), rule=self._rules[code], depth=1)
                if fx.scan(body, closure_ok=True) & {RELEASE, HANDOFF}:
                    return True
        return False
