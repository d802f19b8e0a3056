"""LL404 rxjs-subscription-not-unsubscribed: RxJS subscribe() in a lifecycle scope that is
never unsubscribed or completed.
"""

from __future__ import annotations

from .subscriptions import subscriptions

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("reason", "what", "where")


def check(ctx, rule):
    subscriptions(ctx, rule, rx=True)
