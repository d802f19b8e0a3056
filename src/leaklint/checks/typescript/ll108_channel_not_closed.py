"""LL108 channel-not-closed: WebSocket, EventSource, BroadcastChannel, Worker or MessageChannel
never closed in the release.
"""

from __future__ import annotations

from ...languages.javascript import callee, enclosing_function, text, up
from ...languages.javascript_syntax import identifiers_named
from .pairing import scoped_calls, value_rule

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("reason", "what", "where")


CHANNELS = {"WebSocket", "EventSource", "BroadcastChannel", "Worker", "SharedWorker",
            "MessageChannel", "RTCPeerConnection"}


PORTS = ("port1", "port2")


def _ports_handed_on(root, node) -> bool:
    """`const ch = new MessageChannel()` whose port1 and port2 are each passed on (an
    argument of a call or `new`, or inside an array argument: postMessage's transfer
    list): whoever receives a port closes it, and closing either end closes both."""
    p, child = up(node)
    if p is None or p.type != "variable_declarator" or p.child_by_field_name("value") != child:
        return False
    name = p.child_by_field_name("name")
    fn = enclosing_function(node)
    if name is None or name.type != "identifier" or fn is None:
        return False
    passed = set()
    for ident in identifiers_named(root, text(name)):
        if not fn.start_byte <= ident.start_byte < fn.end_byte:
            continue
        member = ident.parent
        if member is None or member.type != "member_expression" \
                or member.child_by_field_name("object") != ident:
            continue
        port = text(member.child_by_field_name("property"))
        holder, _ = up(member)
        if holder is not None and holder.type == "array":
            holder, _ = up(holder)
        if port in PORTS and holder is not None and holder.type == "arguments":
            passed.add(port)
    return passed == set(PORTS)


def check(ctx, rule):
    for m, node, scope in scoped_calls(ctx, "new_expression", CHANNELS):
        if callee(node) == "MessageChannel" \
                and _ports_handed_on(m.root, node):
            ctx.count(rule.code, node, ok=True)
            continue
        value_rule(ctx, rule, node, scope, callee(node),
                    methods=("close", "terminate", "disconnect", "destroy", "port.close", "port1.close",
                             "port2.close"),
                    discarded_reason=": it is not kept, so it can never be closed")
