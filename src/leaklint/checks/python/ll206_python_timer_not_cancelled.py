"""LL206 python-timer-not-cancelled: A threading.Timer or scheduled loop callback kept on an
object that never cancels it.
"""

from __future__ import annotations

from ...languages import matches
from ...languages.python import callee_text, enclosing_class, enclosing_function, text
from .concurrency import (CALLS, assigned_to, calls_named, class_uses_attr, mentions_of,
                          self_attribute)

# the placeholders this rule fills in its catalogue message
MESSAGE_FIELDS = ("attr", "cls", "what")


LATER_METHODS = {"call_later", "call_at", "add_timeout", "call_at_threadsafe"}
# a timer that fires again and again until its entry is cancelled (celery's timer2
# `apply_interval`, kombu's `Timer.call_repeatedly` and its event loop's)
REPEATING = {"apply_interval", "call_repeatedly"}


def check(ctx, rule) -> None:
    """LL206: a timer or scheduled callback kept on self that the class never cancels."""
    adapter = ctx.adapter()
    names = adapter.names

    def wanted(full):
        return full == "threading.Timer" or full.rsplit(".", 1)[-1] in LATER_METHODS | REPEATING

    for call, full in calls_named(ctx, names, wanted):
        fn = enclosing_function(call)
        if fn is None:
            continue
        cls = enclosing_class(fn)
        target, _ = assigned_to(call)
        attr = self_attribute(target)
        if cls is not None and _dropped_repeating(call, full):
            ctx.count(rule.code, call, ok=False)
            ctx.emit(rule, call, rule.message.format(
                what=callee_text(call), attr="repeated with its handle dropped",
                cls=text(cls.child_by_field_name("name"))))
            continue
        if cls is None or attr is None:
            if full == "threading.Timer" and target is not None and target.type == "identifier":
                attr = _stored_on_self(fn, text(target))
                if attr is None or cls is None:
                    continue
            else:
                continue
        if class_uses_attr(cls, attr, {"cancel"}, escape=False) or _removed_timeout(cls, attr):
            ctx.count(rule.code, call, ok=True)
            continue
        ctx.count(rule.code, call, ok=False)
        what = "threading.Timer" if full == "threading.Timer" else callee_text(call)
        ctx.emit(rule, call, rule.message.format(
            what=what, attr=f"kept on self.{attr}", cls=text(cls.child_by_field_name("name"))))


def _dropped_repeating(call, full: str) -> bool:
    """``timer.call_repeatedly(secs, self.tick)`` as a statement of a method: the entry
    that alone can cancel it is dropped, and the timer calls (and keeps) the object for
    as long as it runs."""
    args = call.child_by_field_name("arguments")
    bound = any(self_attribute(a) for a in (args.named_children if args is not None else ()))
    return full.rsplit(".", 1)[-1] in REPEATING and bound and call.parent is not None \
        and call.parent.type == "expression_statement"


def _removed_timeout(cls, attr: str) -> bool:
    """tornado: `io_loop.remove_timeout(self._timeout)` undoes add_timeout/call_later;
    kombu: `self.timer.cancel(self.tref)` cancels the entry it is given."""
    body = cls.child_by_field_name("body")
    for _, caps in matches("python", CALLS, body):
        call = caps["call"][0]
        if callee_text(call).endswith(("remove_timeout", ".cancel")) and \
                f"self.{attr}".encode() in call.child_by_field_name("arguments").text:
            return True
    return False


def _stored_on_self(fn, name: str):
    for ident in mentions_of(fn, name):
        p = ident.parent
        if p.type == "assignment" and p.child_by_field_name("right") == ident:
            attr = self_attribute(p.child_by_field_name("left"))
            if attr:
                return attr
    return None
