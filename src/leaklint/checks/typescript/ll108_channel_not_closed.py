"""LL108 channel-not-closed: WebSocket, EventSource, BroadcastChannel, Worker or MessageChannel
never closed in the release.
"""

from __future__ import annotations

from ...languages.javascript import callee
from .pairing import scoped_calls, value_rule

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("reason", "what", "where")


CHANNELS = {"WebSocket", "EventSource", "BroadcastChannel", "Worker", "SharedWorker",
            "MessageChannel", "RTCPeerConnection"}


def check(ctx, rule):
    for _m, node, scope in scoped_calls(ctx, "new_expression", CHANNELS):
        value_rule(ctx, rule, node, scope, callee(node),
                    methods=("close", "terminate", "disconnect", "destroy", "port1.close",
                             "port2.close"),
                    discarded_reason=": it is not kept, so it can never be closed")
