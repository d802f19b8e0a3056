"""The growth analysis ("a container that only grows") is one decision over facts: each
language's extractor describes containers and uses; ``analysis.growth.analyse`` decides."""

from __future__ import annotations

from leaklint import languages
from leaklint.analysis.growth import (ESCAPE, EVICT, INSERT, READ, Container, Use, analyse)
from leaklint.facts import js_growth, lifetimes, python_growth


def _container(lifetime=lifetimes.PROCESS):
    return Container("cache", "dict", "module level", lifetime)


def test_a_runtime_insertion_into_a_long_lived_container_grows():
    found = analyse(_container(), [Use(INSERT, "a"), Use(READ, "b")])
    assert found.leaks and [u.at for u in found.grows] == ["a"]


def test_any_eviction_or_hand_off_bounds_it():
    assert not analyse(_container(), [Use(INSERT, "a"), Use(EVICT, "b")]).leaks
    assert not analyse(_container(), [Use(INSERT, "a"), Use(ESCAPE, "b")]).leaks


def test_bounded_once_and_short_lived_insertions_do_not_grow():
    assert not analyse(_container(), [Use(INSERT, bounded=True)]).leaks
    assert not analyse(_container(), [Use(INSERT, once=True)]).leaks
    assert not analyse(_container(lifetimes.RUN), [Use(INSERT)]).leaks
    assert not analyse(_container(lifetimes.OBJECT), [Use(INSERT)]).leaks
    assert analyse(_container(lifetimes.PAGE), [Use(INSERT)]).leaks


def test_per_item_is_required_where_a_language_asks_it():
    assert not analyse(_container(), [Use(INSERT, per_item=False)], per_item_required=True).leaks
    assert not analyse(_container(), [Use(INSERT)], per_item_required=True).leaks
    assert analyse(_container(), [Use(INSERT, per_item=True)], per_item_required=True).leaks


def test_an_unreachable_eviction_evicts_nothing():
    found = analyse(_container(), [Use(INSERT, per_item=True), Use(EVICT, unreachable=True)])
    assert found.leaks and "finaliser" in found.why


def _python(code: str, path="mod.py"):
    root = languages.parser("python").parse(code.encode()).root_node
    return {c.name: (c, analyse(c, uses, per_item_required=True))
            for c, uses, _ in python_growth.containers(root, path, {})}


SINGLETON = """
class Store:
    def __init__(self):
        self.by_user = {}

    def add(self, user):
        self.by_user[user.id] = user

store = Store()
"""


def test_python_attributes_of_a_module_single_instance_are_containers():
    container, found = _python(SINGLETON)["by_user"]
    assert container.lifetime == lifetimes.PAGE and "single instance of Store" in container.holder
    assert found.leaks


def test_python_attributes_of_objects_made_twice_or_per_call_are_not():
    assert "by_user" not in _python(SINGLETON + "other = Store()\n")
    assert "by_user" not in _python(SINGLETON.replace("store = Store()", "def f():\n    return Store()"))


REGISTRY = """
class Conn:
    _live = {}

    def __init__(self):
        Conn._live[id(self)] = VALUE

    def __del__(self):
        del Conn._live[id(self)]
"""


def test_python_finaliser_removal_counts_only_when_the_registry_lets_it_run():
    container, found = _python(REGISTRY.replace("VALUE", "self"))["_live"]
    assert found.leaks and "__del__" in container.holder
    assert not _python(REGISTRY.replace("VALUE", "self.name"))["_live"][1].leaks


def test_python_module_containers_of_a_test_file_live_for_one_run():
    code = "_seen = {}\n\ndef handle(request):\n    _seen[request.id] = request\n"
    assert _python(code)["_seen"][1].leaks
    container, found = _python(code, path="test_mod.py")["_seen"]
    assert container.lifetime == lifetimes.RUN and not found.leaks


def _js(code: str):
    root = languages.parser("typescript").parse(code.encode()).root_node
    return {c.name: (c, analyse(c, uses)) for c, uses, _ in js_growth.containers(root, "m.ts")}


def test_js_fields_of_a_single_instance_and_module_collections_share_the_analysis():
    code = ("const seen = new Set();\nexport function f(x) { seen.add(x.id); }\n"
            "class S { m = new Map(); put(k, v) { this.m.set(k, v); } }\n"
            "export default new S();\n")
    found = _js(code)
    assert found["seen"][1].leaks and found["m"][1].leaks
    assert found["m"][0].holder == "field of default, the single instance of S"
    evicting = code.replace("this.m.set(k, v);", "this.m.set(k, v); this.m.clear();")
    assert not _js(evicting)["m"][1].leaks
