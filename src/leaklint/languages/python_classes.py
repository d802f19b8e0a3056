"""Which method a call on ``self``, ``cls`` or ``super()`` runs, through the class's bases.

Python looks a method up along the class's bases (left to right, depth first is close
enough for the single and mixin inheritance real code uses). A base defined in the same
module is followed through its own bases; a base imported from another module names the
method there by a call reference (``import:<module>.<Class>.<method>``, resolved by the
facts phase like any other). A base leaklint cannot see (a library's, ``object``) ends
the search: the call stays unknown, a handoff.
"""

from __future__ import annotations

from .python_syntax import call_ref, decorators, parameters, text

SELF_NAMES = ("self", "cls")


def method_name(callee: str) -> str | None:
    """The method's name when ``callee`` (a callee's text without blanks) calls a
    method of the running object: `self.m`, `cls.m`, `super().m`, `super(C, self).m`."""
    recv, dot, short = callee.rpartition(".")
    if not dot or not short.isidentifier():
        return None
    if recv in SELF_NAMES or is_super(recv):
        return short
    return None


def is_super(receiver: str) -> bool:
    return receiver.startswith("super(") and receiver.endswith(")")


def bases(cls) -> list[str]:
    """The class's bases as written (`Base`, `mod.Base`), keyword arguments left out."""
    args = cls.child_by_field_name("superclasses")
    if args is None:
        return []
    return ["".join(text(a).split()) for a in args.named_children
            if a.type in ("identifier", "attribute")]


def module_classes(root) -> dict:
    """The module's top-level classes by name."""
    out = {}
    for c in root.named_children:
        d = c.child_by_field_name("definition") if c.type == "decorated_definition" else c
        if d is not None and d.type == "class_definition":
            out[text(d.child_by_field_name("name"))] = d
    return out


def lookup(cls, short: str, classes: dict, methods: set, imports: dict,
           skip_own: bool = False) -> tuple[list, str | None]:
    """Where ``short`` is found from class ``cls`` (``skip_own``: from its bases only, as
    `super()` does): ([method key of this module], None), ([], call reference into another
    module) or ([], None) when no class leaklint can see defines it. ``methods``: this
    module's method keys ("C.m"); ``imports``: ``python_syntax.module_imports``."""
    seen: set = set()

    def walk(node, own: bool):
        name = text(node.child_by_field_name("name"))
        if name in seen:
            return None
        seen.add(name)
        if own and f"{name}.{short}" in methods:
            return [f"{name}.{short}"], None
        for base in bases(node):
            if base in classes:
                found = walk(classes[base], True)
                if found is not None:
                    return found
                continue
            ref = call_ref(f"{base}.{short}", imports)
            if ref is not None:
                return [], ref
        return None

    found = walk(cls, not skip_own)
    return found if found is not None else ([], None)


def class_methods(root) -> dict:
    """The methods of the module's top-level classes: "C.m" -> number of parameters
    (``self``/``cls`` left out; a static method keeps them all)."""
    out = {}
    for name, cls in module_classes(root).items():
        body = cls.child_by_field_name("body")
        for c in body.named_children if body is not None else ():
            d = c.child_by_field_name("definition") if c.type == "decorated_definition" else c
            if d is not None and d.type == "function_definition":
                shift = 0 if "staticmethod" in decorators(d) else 1
                out[f"{name}.{text(d.child_by_field_name('name'))}"] = max(len(parameters(d)) - shift, 0)
    return out
