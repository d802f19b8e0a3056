"""Python calls on self, cls and super() run a method found along the class's bases:
in the same module, or in another module of the scanned tree (through an import). The
caller's findings follow the base class's file, with the result cache on."""

from __future__ import annotations

import os

import pytest

from leaklint.api import check_paths
from leaklint.config import Config
from leaklint.languages import python_classes
from leaklint.languages import recent_syntax
from leaklint import languages

CALLER = """from {how} import {base}


class Client({qual}):
    def ping(self, host):
        sock = {call}(host)
        sock.sendall(b"ping")
"""
FACTORY = "import socket\n\n\nclass Base:\n    def dial(self, host):\n        return socket.create_connection((host, 80))\n"
NOT_FACTORY = "SHARED = {}\n\n\nclass Base:\n    def dial(self, host):\n        return SHARED[host]\n"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    root = tmp_path / "tree"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    monkeypatch.chdir(tmp_path)
    return root


def _found(tree, cache=True):
    report = check_paths([str(tree)], config=Config(root=tree), select=["LL110"],
                         cache_dir=str(tree.parent / "cache") if cache else None)
    return sorted((os.path.relpath(f.path, tree), f.position.line) for f in report.findings)


@pytest.mark.parametrize("how, base, qual, call", [
    (".base", "Base", "Base", "self.dial"),
    ("pkg.base", "Base", "Base", "self.dial"),
    (".", "base", "base.Base", "self.dial"),
    (".base", "Base", "Base", "super().dial"),
    (".base", "Base", "Base", "super(Client, self).dial"),
])
def test_a_method_of_a_base_class_in_another_module(tree, how, base, qual, call):
    (tree / "pkg" / "client.py").write_text(CALLER.format(how=how, base=base, qual=qual, call=call))
    base_file = tree / "pkg" / "base.py"
    base_file.write_text(FACTORY)
    assert _found(tree) == [("pkg/client.py", 6)]
    assert _found(tree) == [("pkg/client.py", 6)]  # served from the cache
    base_file.write_text(NOT_FACTORY)
    assert _found(tree) == []
    base_file.write_text(FACTORY)
    assert _found(tree) == [("pkg/client.py", 6)]


def test_the_class_own_method_comes_before_the_base_one(tree):
    (tree / "pkg" / "base.py").write_text(FACTORY)
    (tree / "pkg" / "client.py").write_text(
        CALLER.format(how=".base", base="Base", qual="Base", call="self.dial")
        + "\n    def dial(self, host):\n        return POOL[host]\n\n\nPOOL = {}\n")
    assert _found(tree, cache=False) == []


def test_super_skips_the_class_own_method(tree):
    (tree / "pkg" / "base.py").write_text(FACTORY)
    (tree / "pkg" / "client.py").write_text(
        CALLER.format(how=".base", base="Base", qual="Base", call="super().dial")
        + "\n    def dial(self, host):\n        return POOL[host]\n\n\nPOOL = {}\n")
    assert _found(tree, cache=False) == [("pkg/client.py", 6)]


def test_a_base_of_a_base_in_the_same_module(tree):
    (tree / "pkg" / "base.py").write_text(FACTORY)
    (tree / "pkg" / "client.py").write_text(
        "from .base import Base\n\n\nclass Middle(Base):\n    pass\n\n\n"
        + CALLER.split("\n\n\n", 1)[1].format(qual="Middle", call="self.dial"))
    assert _found(tree, cache=False) == [("pkg/client.py", 10)]


def test_a_base_outside_the_tree_is_unknown(tree):
    (tree / "pkg" / "client.py").write_text(
        CALLER.format(how="somewhere", base="Base", qual="Base", call="self.dial"))
    assert _found(tree, cache=False) == []


def _class(source: str, name: str):
    tree = recent_syntax.parse("python", source.encode(), languages.parser("python").parse)
    return python_classes.module_classes(tree.root_node)[name], tree.root_node


def test_lookup_follows_bases_in_order():
    source = ("from .a import A\nfrom . import b\n\n\nclass M:\n    def m(self):\n        pass\n\n\n"
              "class C(A, M):\n    pass\n\n\nclass D(M, b.B, metaclass=Meta):\n    pass\n")
    c, root = _class(source, "C")
    classes = python_classes.module_classes(root)
    imports = {"A": ".a.A", "b": ".b"}
    assert python_classes.lookup(c, "m", classes, {"M.m"}, imports) == ([], "import:.a.A.m")
    d, _ = _class(source, "D")
    assert python_classes.bases(d) == ["M", "b.B"]
    assert python_classes.lookup(d, "m", classes, {"M.m"}, imports) == (["M.m"], None)
    assert python_classes.lookup(d, "n", classes, {"M.m"}, imports) == ([], "import:.b.B.n")
    assert python_classes.lookup(classes["M"], "m", classes, {"M.m"}, imports, skip_own=True) == ([], None)


@pytest.mark.parametrize("callee, name", [
    ("self.dial", "dial"), ("cls.make", "make"), ("super().dial", "dial"),
    ("super(C,self).dial", "dial"), ("other.dial", None), ("dial", None), ("self.a.b", None),
])
def test_method_name(callee, name):
    assert python_classes.method_name(callee) == name
