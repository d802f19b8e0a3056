"""Nodes found by their spelling (languages/spelled.py): the text search must find exactly
what the tree holds, never a longer name, a string or a comment."""

from __future__ import annotations

from leaklint import languages
from leaklint.languages.spelled import calls_named, selectors_on, spelled

GO = b'''package p

// Open is mentioned in a comment, and "Open(x)" in a string.
func f(db DB) {
	rows, _ := db.Open("q")   // a method call
	OpenAll()                 // a longer name
	reOpen()                  // a longer name, the other side
	g := Open                 // a value, not a call
	Open(Open(1))             // nested calls, outer first
	x.Open.Close()            // Open is a field here
	_ = rows.Err
	rows.Close()
}
'''

PY = b'''import os

def f(p):
    fh = open(p)      # a call
    os.open(p, 0)     # a method-style call
    opener = open     # a value
    "open(p)"         # a string
    fh.close()
'''


def _root(lang: str, data: bytes):
    return languages.parser(lang).parse(data).root_node


def _lines(nodes) -> list:
    return [n.start_point[0] + 1 for n in nodes]


def test_spelled_finds_only_whole_identifiers_in_code():
    root = _root("go", GO)
    found = spelled(root, ["Open"])
    assert [n.text for n in found] == [b"Open"] * 3
    assert _lines(found) == [8, 9, 9]  # `g := Open` and both of `Open(Open(1))`
    fields = spelled(root, ["Open"], ("field_identifier",))
    assert _lines(fields) == [5, 10]  # db.Open, x.Open


def test_calls_named_go_keeps_calls_and_query_order():
    root = _root("go", GO)
    calls = calls_named(root, {"Open", "Close"}, "go")
    assert [c.text.split(b"(")[0] for c in calls] == [
        b"db.Open", b"Open", b"Open", b"x.Open.Close", b"rows.Close"]
    outer, inner = calls[1], calls[2]
    assert outer.start_byte == inner.start_byte - len(b"Open(")  # the outer call first


def test_calls_named_python_both_shapes():
    root = _root("python", PY)
    calls = calls_named(root, ["open"], "python")
    assert [c.text for c in calls] == [b"open(p)", b"os.open(p, 0)"]


def test_selectors_on_a_handle():
    root = _root("go", GO)
    found = selectors_on(root, "rows", "go")
    assert [s.child_by_field_name("field").text for s in found] == [b"Err", b"Close"]
    assert selectors_on(root, "ro", "go") == []  # a prefix of the name is not the name


def test_no_names_no_search():
    assert spelled(_root("go", GO), []) == []
    assert calls_named(_root("python", PY), (), "python") == []


def test_a_name_ending_a_longer_unicode_name_is_not_that_name():
    root = _root("go", "package p\n\nfunc f() {\n\tréOpen()\n\tOpen()\n}\n".encode())
    assert _lines(calls_named(root, ["Open"], "go")) == [5]


def test_selectors_on_python_name_not_attribute():
    root = _root("python", b"def f(self, fh):\n    fh.close()\n    self.fh.read()\n")
    found = selectors_on(root, "fh", "python")
    assert [s.text for s in found] == [b"fh.close"]
