"""LL504 module-container-only-grows: A module- or class-level dict, list or set that functions
only insert into.

The containers and what each mention does to them come from ``facts.python_growth``
(module and class level, and the container attributes of a module's single instance);
``analysis.growth`` decides whether one only grows.
"""

from __future__ import annotations

from ...analysis.growth import analyse
from ...facts.python_growth import containers
from ...languages.python import enclosing_function, text
from .caches import python_adapter

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("function", "line", "name", "where")


def check(ctx, rule) -> None:
    """LL504: a module- or class-level dict/list/set (or an attribute of a module's single
    instance) that functions only insert into."""
    root = ctx.tree.root_node
    for container, uses, stmt in containers(root, ctx.src.path, python_adapter(ctx).names):
        found = analyse(container, uses, per_item_required=True)
        if not found.filled and not found.evicted:
            continue
        ctx.count(rule.code, stmt, ok=not found.leaks)
        if not found.leaks:
            continue
        fn, node = found.grows[0].at
        # an attribute declared in a constructor that runs once (a module's single
        # instance) grows where its methods insert: that place says the context
        ctx.emit(rule, stmt, rule.message.format(
            name=container.name, where=container.holder,
            function=text(fn.child_by_field_name("name")), line=node.start_point[0] + 1),
            related=[(node, "inserted here")],
            acquired=node if enclosing_function(stmt) is not None else None)
