"""LL502 lru-cache-on-method: A functools cache on an instance method keeps every instance
alive.
"""

from __future__ import annotations

from ...languages.python import decorators, enclosing_class, parameters, resolve, text
from .caches import cache_kind, function_definitions, python_adapter

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("method", "what")


ENUM_BASES = {"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "enum.Enum", "enum.IntEnum",
              "enum.StrEnum", "enum.Flag", "enum.IntFlag"}


METACLASS_BASES = {"type", "abc.ABCMeta", "enum.EnumMeta", "enum.EnumType"}


def check(ctx, rule) -> None:
    """LL502: lru_cache/cache on an instance method keeps every `self` alive."""
    names = python_adapter(ctx).names
    root = ctx.tree.root_node
    for fn in function_definitions(root):
        decs = decorators(fn)
        kind = next((k for k in (cache_kind(d, names) for d in decs) if k), None)
        if kind is None:
            continue
        cls = enclosing_class(fn)
        if cls is None or any(d.rsplit(".", 1)[-1] in ("staticmethod", "classmethod") for d in decs):
            continue
        params = parameters(fn)
        # a metaclass's methods receive the class as their instance, whatever its name
        if not params or (params[0] != "self" and not _is_metaclass(cls, names)):
            continue
        if _is_enum(cls, names) or _singleton(cls, root) or _cleared(cls, fn):
            ctx.count(rule.code, fn.child_by_field_name("name"), ok=True)
            continue
        ctx.count(rule.code, fn.child_by_field_name("name"), ok=False)
        cname = text(cls.child_by_field_name("name"))
        what = "an unbounded cache" if kind == "unbounded" else "a bounded cache"
        ctx.emit(rule, fn.child_by_field_name("name"),
                 rule.message.format(method=f"{cname}.{text(fn.child_by_field_name('name'))}",
                                     what=what),
                 severity="warning" if kind == "unbounded" else "note")


def _is_enum(cls, names) -> bool:
    bases = cls.child_by_field_name("superclasses")
    return any(resolve(text(b), names) in ENUM_BASES or text(b) in ENUM_BASES
               for b in (bases.named_children if bases is not None else []))


def _is_metaclass(cls, names) -> bool:
    bases = cls.child_by_field_name("superclasses")
    return any(resolve(text(b), names) in METACLASS_BASES or text(b) in METACLASS_BASES
               for b in (bases.named_children if bases is not None else []))


def _cleared(cls, fn) -> bool:
    """The class empties the cache itself (`self.m.cache_clear()` when what it depends on
    changes): the cache's lifetime is managed, not left to grow."""
    name = text(fn.child_by_field_name("name")).encode()
    return b"." + name + b".cache_clear(" in cls.text


def _singleton(cls, root) -> bool:
    """The class is instantiated once, at module level (`settings = Settings()`)."""
    name = text(cls.child_by_field_name("name"))
    count = 0
    for s in root.named_children:
        if s.type == "expression_statement" and s.named_children and \
                s.named_children[0].type == "assignment":
            right = s.named_children[0].child_by_field_name("right")
            if right is not None and right.type == "call" and \
                    text(right.child_by_field_name("function")) == name:
                count += 1
    return count == 1
