"""LL503 unbounded-cache-high-cardinality: An unbounded functools cache on a function keyed by
ids, paths, requests or objects.
"""

from __future__ import annotations

import re

from ...languages.python import (callee_text, decorators, enclosing_class, enclosing_function,
                                 parameters, resolve, text)
from .caches import cache_kind, function_definitions, python_adapter

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("function", "params")


HIGH_CARDINALITY = re.compile(
    r"(^|_)(id|ids|uuid|path|paths|url|uri|request|req|session|obj|object|instance|"
    r"user|query|sql|text|token|filename|file|payload|message|msg|node|email|address|ip|host)$")

# what names a configured or tabled value: a process reads a handful of config files and
# locale tables, whatever else the parameter's name says (`config_path`, `locale_file`)
BOUNDED = re.compile(r"(^|_)(config|conf|cfg|settings|locale|locales|lang|language|"
                     r"translations)(_|$)")


# lookups in a system table: a key that is looked up there is one of the table's entries
# (the accounts, groups, services or protocols of the machine), a handful
SYSTEM_TABLES = {"pwd.getpwnam", "pwd.getpwuid", "grp.getgrnam", "grp.getgrgid",
                 "socket.getservbyname", "socket.getservbyport", "socket.getprotobyname"}


def check(ctx, rule) -> None:
    """LL503: an unbounded cache on a module function keyed by high-cardinality values."""
    names = python_adapter(ctx).names
    for fn in function_definitions(ctx.tree.root_node):
        if enclosing_class(fn) is not None or enclosing_function(fn) is not None:
            continue
        kinds = [cache_kind(d, names) for d in decorators(fn)]
        if "unbounded" not in kinds:
            continue
        flags = _flag_parameters(fn)
        hot = [p for p in parameters(fn)
               if p and p not in flags and HIGH_CARDINALITY.search(p.lower())
               and not BOUNDED.search(p.lower())]
        tables = _looked_up(fn, names)
        hot = [p for p in hot if p not in tables]
        ctx.count(rule.code, fn.child_by_field_name("name"), ok=not hot)
        if hot:
            ctx.emit(rule, fn.child_by_field_name("name"), rule.message.format(
                function=text(fn.child_by_field_name("name")), params=", ".join(hot)))


def _flag_parameters(fn) -> set:
    """Parameters annotated bool or Literal[...]: two or a handful of values."""
    params = fn.child_by_field_name("parameters")
    out = set()
    for p in (params.named_children if params is not None else []):
        kind = p.child_by_field_name("type")
        if kind is not None and (text(kind) == "bool" or text(kind).startswith("Literal")):
            name = p.named_children[0] if p.named_children else None
            if name is not None and name.type == "identifier":
                out.add(text(name))
    return out


def _looked_up(fn, names: dict) -> set:
    """Parameters the function passes to a lookup in a system table (`pwd.getpwnam(user)`)."""
    out, stack = set(), [fn.child_by_field_name("body")]
    while stack:
        n = stack.pop()
        if n is None:
            continue
        stack.extend(n.named_children)
        if n.type == "call" and resolve(callee_text(n), names) in SYSTEM_TABLES:
            args = n.child_by_field_name("arguments")
            out |= {text(a) for a in (args.named_children if args is not None else [])
                    if a.type == "identifier"}
    return out
