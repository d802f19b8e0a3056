""""Released in another method" is one decision over member facts: each language's
extractor describes a class (methods, teardowns, every mention of a field) and
``leaklint.members`` decides."""

from __future__ import annotations

import textwrap

from leaklint import languages, members
from leaklint.catalogue import release_methods
from leaklint.languages.javascript_members import class_facts as js_class_facts
from leaklint.languages.javascript_scopes import prototype_owner
from leaklint.languages.javascript_syntax import walk
from leaklint.languages.python_members import PythonMembers
from leaklint.members import CALL, HANDOFF, READ, RELEASE, STORE, ClassFacts, FieldUse


def _facts(uses, teardowns=("close",), methods=("start", "tick", "close", "onClose"),
           calls=None, lifetime="object"):
    return ClassFacts("C", methods, teardowns, calls or {}, list(uses), lifetime=lifetime,
                      setups=("start",))


def test_a_field_no_teardown_releases_leaks_and_one_a_teardown_releases_does_not():
    store = FieldUse("t", STORE, "tick", "setInterval", (3, 4))
    other = FieldUse("t", RELEASE, "tick", "clearInterval", (2, 4))
    found = members.field_leak(_facts([other, store]), store, {"clearInterval"})
    assert found.leaks and found.why == "t is not released by close"
    ended = FieldUse("t", RELEASE, "close", "clearInterval", (9, 4))
    assert not members.field_leak(_facts([other, store, ended]), store, {"clearInterval"}).leaks


def test_a_release_in_a_method_the_teardown_calls_counts():
    store = FieldUse("t", STORE, "start", "setInterval", (3, 4))
    ended = FieldUse("t", RELEASE, "onClose", "clearInterval", (9, 4))
    facts = _facts([store, ended], calls={"close": ["onClose"]})
    assert not members.field_leak(facts, store, {"clearInterval"}).leaks
    assert members.field_leak(_facts([store, ended]), store, {"clearInterval"}).leaks


def test_owners_that_live_to_exit_or_have_no_teardown_are_not_held_to_a_release():
    store = FieldUse("t", STORE, "tick", "setInterval", (3, 4))
    assert not members.field_leak(_facts([store], lifetime="process"), store).leaks
    assert not members.field_leak(_facts([store], teardowns=()), store).leaks
    handed = FieldUse("t", HANDOFF, "tick", "argument", (4, 4))
    assert not members.field_leak(_facts([store, handed]), store).leaks


def test_a_store_per_event_over_a_live_value_is_an_overwrite_unless_released_or_tested():
    store = FieldUse("t", STORE, "tick", "setInterval", (5, 6), within=(4, 0), repeats=True)
    ended = FieldUse("t", RELEASE, "close", "clearInterval", (9, 4))
    found = members.field_leak(_facts([store, ended]), store, {"clearInterval"})
    assert found.leaks and "on every event" in found.why
    # released earlier in another function (a timeout's callback): still an overwrite
    elsewhere = FieldUse("t", RELEASE, "tick", "clearInterval", (3, 6), within=(2, 0))
    assert members.overwritten(_facts([elsewhere, store, ended]), store, {"clearInterval"})
    before = FieldUse("t", RELEASE, "tick", "clearInterval", (4, 6), within=(4, 0))
    assert not members.overwritten(_facts([before, store, ended]), store, {"clearInterval"})
    tested = FieldUse("t", READ, "tick", "", (4, 8), within=(4, 0))
    assert not members.overwritten(_facts([tested, store, ended]), store, {"clearInterval"})
    once = FieldUse("t", STORE, "tick", "setInterval", (5, 6), within=(4, 0))
    assert not members.overwritten(_facts([once, ended]), once, {"clearInterval"})


def _python(code):
    root = languages.parser("python").parse(textwrap.dedent(code).encode()).root_node
    classes = languages.of_type(root, ("class_definition",))
    return PythonMembers(root, release_methods("python")), {n.child_by_field_name("name").text.decode(): n for n in classes}


def test_python_class_releases_through_itself_a_base_of_the_module_or_a_string():
    m, classes = _python("""
        class Base:
            def close(self):
                self.sock.close()

        class Server(Base):
            def __init__(self):
                self.sock = socket.socket()
                self.log = open("server.log")

        class Plain:
            def __init__(self):
                self.fp = open("f")
                self.other = open("g")

            def shutdown(self):
                setattr(self, "other", None)

        class Remote(socketserver.TCPServer):
            def __init__(self):
                self.fp = open("f")
    """)
    assert m.released(classes["Server"], "sock", {"close"})
    assert not m.released(classes["Server"], "log", {"close"})
    assert not m.released(classes["Plain"], "fp", {"close"})
    assert m.released(classes["Plain"], "other", {"close"})  # named in a string
    assert m.released(classes["Remote"], "fp", {"close"})  # a base out of view
    facts = m.facts(classes["Plain"])
    assert facts.teardowns == ("shutdown",)
    assert [u.kind for u in facts.uses if u.name == "fp"] == [STORE]


def test_python_teardowns_that_end_something_and_calls_they_make():
    m, classes = _python("""
        class Case(unittest.TestCase):
            def tearDown(self):
                self.server.shutdown()
                self.helper()
    """)
    facts = m.facts(classes["Case"])
    assert facts.calls["tearDown"] == ["helper"]
    ended = [(u.name, u.how, u.argc) for u in facts.uses if u.kind == CALL]
    assert ("server", "shutdown", 0) in ended


def test_a_store_over_the_handle_a_setup_kept_without_a_release_first():
    opened = FieldUse("f", STORE, "start", "open", (2, 4))
    again = FieldUse("f", STORE, "tick", "open", (5, 8))
    facts = _facts([opened, again])
    assert members.stored_over(facts, again, lambda u: u.how == "open", {"close"}) == "start"
    # the setup kept no handle (``self.f = None``), or the store is the setup's own
    assert members.stored_over(facts, again, lambda u: False, {"close"}) == ""
    assert members.stored_over(facts, opened, lambda u: True, {"close"}) == ""
    # released, tested or read as an attribute before the store
    for before in (FieldUse("f", CALL, "tick", "close", (4, 8), argc=0),
                   FieldUse("f", READ, "tick", "", (4, 8)),
                   FieldUse("f", CALL, "tick", "closed", (4, 8), argc=-1)):
        assert members.stored_over(_facts([opened, before, again]), again,
                                   lambda u: True, {"close"}) == ""
    # a write before the store does not end it
    wrote = FieldUse("f", CALL, "tick", "write", (4, 8), argc=1)
    assert members.stored_over(_facts([opened, wrote, again]), again,
                               lambda u: True, {"close"}) == "start"
    # a method it calls on the object releases it
    closed = FieldUse("f", CALL, "onClose", "close", (9, 8), argc=0)
    assert members.stored_over(_facts([opened, closed, again], calls={"tick": ["onClose"]}),
                               again, lambda u: True, {"close"}) == ""


def test_a_class_owns_the_handle_a_setup_keeps_and_its_release_method_releases():
    kept = FieldUse("sock", STORE, "start", "socket.socket", (2, 4))
    closed = FieldUse("sock", CALL, "onClose", "close", (9, 8), argc=0)
    facts = _facts([kept, closed], calls={"close": ["onClose"]})
    assert members.owned(facts, lambda u: u.how == "socket.socket", {"close"}) == kept
    # nothing releases it, or only a method no release method reaches
    assert members.owned(_facts([kept]), lambda u: True, {"close"}) is None
    assert members.owned(facts, lambda u: True, {"shutdown"}) is None
    # a store outside the setups is no ownership from the constructor
    later = FieldUse("sock", STORE, "tick", "socket.socket", (5, 8))
    assert members.owned(_facts([later, closed], calls={"close": ["onClose"]}),
                         lambda u: True, {"close"}) is None


CLIENT = """
        class Client:
            def __init__(self):
                self.sock = socket.socket()

            def reconnect(self):
                self.sock.close()

            def close(self):
                self.done = True
"""


def test_python_a_teardown_must_close_what_only_another_method_closes():
    m, classes = _python(CLIENT + """
        class Kept(Client):
            def close(self):
                self.sock.close()

        class Other:
            def __init__(self):
                self.sock = socket.socket()

            def reconnect(self):
                self.sock.close()

            def close(self):
                self._drop()

            def _drop(self):
                self.sock.close()
    """)
    # a subclass of the module closes it in its close(): it may be the owner
    assert m.unreleased_by_teardown(classes["Client"], "sock", {"close"}) == ()
    assert m.unreleased_by_teardown(classes["Other"], "sock", {"close"}) == ()
    # without the subclass, nothing that ends a Client closes its socket
    lone, alone = _python(CLIENT)
    assert lone.unreleased_by_teardown(alone["Client"], "sock", {"close"}) == ("close",)


def test_python_fields_only_borrowed_by_a_call_are_not_handed_on():
    root = languages.parser("python").parse(textwrap.dedent("""
        import os, select

        class Server:
            def __init__(self):
                self.sock = socket.socket()
                self.fd = os.open("x", os.O_RDONLY)
                self.kept = open("y")

            def serve(self):
                select.select([self.sock], [], [], 1.0)
                os.write(self.fd, b"x")
                registry.add([self.kept])

            def close(self):
                os.close(self.fd)
    """).encode()).root_node
    cls = languages.of_type(root, ("class_definition",))[0]
    m = PythonMembers(root, release_methods("python"), {"os": "os", "select": "select"},
                      release_methods("python", "release_functions"))
    assert not m.released(cls, "sock", {"close"})  # select only looks at it
    assert m.released(cls, "fd", {"close"})  # os.close(self.fd) in close()
    assert m.released(cls, "kept", {"close"})  # the registry may close it
    facts = m.facts(cls)
    assert sorted((u.at, u.kind, u.how) for u in facts.uses if u.name == "fd") == [
        ((7, 8), STORE, "os.open"), ((12, 17), READ, ""), ((16, 17), RELEASE, "close")]
    assert facts.setups == ("__init__",)


def _js(code):
    root = languages.parser("typescript").parse(textwrap.dedent(code).encode()).root_node
    return root


def test_es5_prototype_methods_and_object_assign_belong_to_their_class():
    root = _js("""
        function Poller() {}
        Poller.prototype.start = function () { this.t = setInterval(f, 10); };
        Object.assign(Poller.prototype, { stop() { clearInterval(this.t); } });
        const other = { stop() {} };
    """)
    owners = sorted(prototype_owner(n) for n in walk(root)
                    if n.type in ("function_expression", "method_definition"))
    assert owners == ["", "Poller", "Poller"]


def test_js_facts_follow_self_aliases_handlers_and_method_references():
    root = _js("""
        class S {
          probe(transport) {
            var self = this;
            function onPacket() { self.check = setInterval(f, 100); }
            transport.on("packet", onPacket);
          }
          close() { this.transport.close(this.onClose.bind(this)); }
          onClose() { clearInterval(this.check); }
        }
    """)
    body = next(n for n in walk(root) if n.type == "class_body")
    methods = {m.child_by_field_name("name").text.decode(): m for m in body.named_children
               if m.type == "method_definition"}
    facts = js_class_facts("S", methods, {"close"}, {"constructor"}, {"clearInterval"})
    store = next(u for u in facts.uses if u.kind == STORE)
    assert (store.name, store.method, store.how, store.repeats) == \
        ("check", "probe", "setInterval", True)
    assert facts.calls["close"] == ["onClose"]
    assert members.released_by_teardown(facts, "check", {"clearInterval"})
    assert members.overwritten(facts, store, {"clearInterval"})


def test_a_release_its_function_follows_with_a_new_timer_is_a_restart_not_an_end():
    store = FieldUse("t", STORE, "reset", "setTimeout", (3, 4), within=(1, 0))
    cleared = FieldUse("t", RELEASE, "reset", "clearTimeout", (2, 4), within=(1, 0))
    facts = _facts([cleared, store], methods=("reset", "close"), calls={"close": ["reset"]})
    same = lambda u: u.how == "setTimeout"  # noqa: E731
    # close -> reset clears the timer and schedules a new one: it is running afterwards
    found = members.field_leak(facts, store, {"clearTimeout"}, fresh=same)
    assert found.leaks and found.why == "t is not released by close"
    # without the question asked (Python's callers), the release counts as before
    assert not members.field_leak(facts, store, {"clearTimeout"}).leaks
    # a new timer only under a condition (a flag the teardown may turn off) or a store
    # of something else (null) leaves the release an end
    guarded = FieldUse("t", STORE, "reset", "setTimeout", (3, 4), within=(1, 0), guarded=True)
    assert not members.field_leak(_facts([cleared, guarded], methods=("reset", "close"),
                                         calls={"close": ["reset"]}),
                                  guarded, {"clearTimeout"}, fresh=same).leaks
    started = FieldUse("t", STORE, "start", "setTimeout", (7, 4), within=(6, 0))
    nulled = FieldUse("t", STORE, "reset", "null", (3, 4), within=(1, 0))
    assert not members.field_leak(_facts([started, cleared, nulled],
                                         methods=("start", "reset", "close"),
                                         calls={"close": ["reset"]}),
                                  started, {"clearTimeout"}, fresh=same).leaks


def test_a_teardown_that_may_run_again_stores_over_its_own_pending_value():
    store = FieldUse("t", STORE, "close", "setTimeout", (5, 4), within=(1, 0))
    ended = FieldUse("t", RELEASE, "finish", "clearTimeout", (9, 4), within=(8, 0))
    facts = _facts([store, ended], methods=("close", "finish"), calls={"close": ["finish"]})
    found = members.field_leak(facts, store, {"clearTimeout"})
    assert found.leaks and found.why == "a second close() stores a new one in t while the first may still be pending"
    # cleared or tested first, or guarded by a flag the teardown sets: no finding
    tested = FieldUse("t", READ, "close", "", (4, 8), within=(1, 0))
    assert not members.field_leak(_facts([tested, store, ended], methods=("close", "finish"),
                                         calls={"close": ["finish"]}), store, {"clearTimeout"}).leaks
    flag = [FieldUse("closing", READ, "close", "", (2, 8), within=(1, 0)),
            FieldUse("closing", STORE, "close", "true", (3, 4), within=(1, 0))]
    assert not members.field_leak(_facts([*flag, store, ended], methods=("close", "finish"),
                                         calls={"close": ["finish"]}), store, {"clearTimeout"}).leaks
