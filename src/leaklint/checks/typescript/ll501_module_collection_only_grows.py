"""LL501 for JS/TS: a module-level Map, Set, object or array that functions only add to.

A collection that lives as long as the module and grows per call, with nothing in the
file that deletes, clears, trims, replaces or bounds it, grows for the life of the
process. A collection handed to other code (exported, passed as an argument, returned)
may be trimmed there, so it is left alone. The collection fields of the single instance
a module makes (``export default new Store()``) live as long, and are judged the same way.
The collections and their uses are facts (``facts.js_growth``); ``analysis.growth``
decides.
"""

from __future__ import annotations

from ...analysis.growth import analyse
from ...facts.js_event_growth import event_containers
from ...facts.js_growth import containers

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("advice", "kind", "name", "where")


def check(ctx, rule):
    if ctx.is_test:
        return
    judged = set()
    for container, uses, name_node in containers(ctx.tree.root_node, ctx.src.path):
        judged.add(name_node.id)
        found = analyse(container, uses)
        ctx.count(rule.code, name_node, ok=not found.leaks)
        if not found.leaks:
            continue
        kind = container.kind
        advice = "a size bound or an LRU" if kind in ("Map", "object") else "a size bound"
        if kind in ("Map", "Set"):
            advice += f", or a Weak{kind} if its keys are objects"
        module = container.holder == "module"
        ctx.emit(rule, name_node, rule.message.format(
            where="module-level" if module else "the", kind=kind, advice=advice,
            name=container.name if module else f"{container.name} ({container.holder})"),
                 related=[(g.at, "grows here") for g in found.grows[:5]])
    # a field an object fills on each event of an emitter it holds: reported where it grows
    for container, uses, name_node in event_containers(ctx.tree.root_node, ctx.src.path):
        if name_node.id in judged:
            continue  # a field of a module's single instance: judged above
        found = analyse(container, uses)
        at = found.grows[0].at if found.leaks else name_node
        ctx.count(rule.code, at, ok=not found.leaks)
        if found.leaks:
            ctx.emit(rule, at, rule.message.format(
                where="the", kind=container.kind, name=f"{container.name} ({container.holder})",
                advice="removing each element when it closes"),
                     related=[(name_node, "declared here")] + [(g.at, "grows here")
                                                              for g in found.grows[1:5]])
