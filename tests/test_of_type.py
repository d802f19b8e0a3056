"""``languages.of_type`` on a sub-tree is cut out of one pass over the file's root (by
byte range): it must give what a walk of that sub-tree gives, for every node."""

from __future__ import annotations

import pathlib

import pytest

from leaklint import languages

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
TYPES = {
    "go": [("call_expression",), ("identifier", "selector_expression"), ("func_literal", "block")],
    "python": [("call",), ("identifier", "attribute"), ("function_definition", "block")],
    "typescript": [("call_expression",), ("assignment_expression", "identifier"),
                   ("arrow_function", "statement_block")],
    "tsx": [("call_expression",), ("jsx_element", "identifier")],
}
SUFFIX = {"go": ".go", "python": ".py", "typescript": ".ts", "tsx": ".tsx"}
# a file of each kind, with code of every shape, and a broken one
BROKEN = {"go": b"package p\nfunc f() { x := g(\n}\nfunc h() { y() }\n",
          "python": b"def f(:\n    g()\n\ndef h():\n    k(1)\n",
          "typescript": b"function f( { g(); }\nconst h = () => { k(); };\n",
          "tsx": b"const A = () => <div onClick={() => f()}><B x={g()} /></div>;\nfunction\n"}


def _walked(node, types):
    out, stack = [], list(reversed(node.named_children))
    while stack:
        n = stack.pop()
        if n.type in types:
            out.append(n)
        stack.extend(reversed(n.named_children))
    return out


def _sources(lang):
    files = sorted(p for p in FIXTURES.rglob("*" + SUFFIX[lang]))[:6]
    return [p.read_bytes() for p in files] + [BROKEN[lang]]


@pytest.mark.parametrize("lang", sorted(TYPES))
def test_every_sub_tree_gets_what_its_walk_gets(lang):
    checked = 0
    for data in _sources(lang):
        tree = languages.parser(lang).parse(data)
        nodes = [tree.root_node] + _all(tree.root_node)  # named or not
        languages.begin_file(lang, tree.root_node)
        try:
            for types in TYPES[lang]:
                for node in nodes:
                    got = [(n.id, n.type) for n in languages.of_type(node, types)]
                    want = [(n.id, n.type) for n in _walked(node, types)]
                    assert got == want, (node.type, node.start_point)
                    checked += 1
        finally:
            languages.end_file()
    assert checked > 100


def _all(root):
    out, stack = [], list(reversed(root.children))
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(n.children))
    return out


def test_a_node_of_another_tree_is_asked_directly():
    one = languages.parser("go").parse(b"package p\nfunc f() { g() }\n")
    other = languages.parser("go").parse(b"package p\nfunc f() { h(); k() }\n")
    languages.begin_file("go", one.root_node)
    try:
        body = other.root_node.named_children[1]
        found = [n.text for n in languages.of_type(body, ("call_expression",))]
    finally:
        languages.end_file()
    assert found == [b"h()", b"k()"]
