"""A Go function's own nodes (go_syntax.own_of_type): those of the function itself, not of
the func literals written in it, whether asked during a file's analysis (answers cut from
the file's query pass) or outside one."""

from __future__ import annotations

from leaklint import languages
from leaklint.languages.go_syntax import own_of_type

SOURCE = b'''package p

func f() {
	a := 1
	defer func() {
		b := 2
		go func() { c := 3; _ = c }()
		g := 6  // after a literal nested in the nested one
		_, _ = b, g
	}()
	run(func() { d := 4; _ = d })
	e := func() int { return 5 }()
	_, _ = a, e
}
'''


def _function(root):
    return next(c for c in root.named_children if c.type == "function_declaration")


def _own(types):
    root = languages.parser("go").parse(SOURCE).root_node
    outside = own_of_type(_function(root), types)
    languages.begin_file("go", root)
    try:
        inside = own_of_type(_function(root), types)
    finally:
        languages.end_file()
    assert [n.id for n in outside] == [n.id for n in inside]
    return [n.text.split(b" ")[0] for n in inside]


def test_declarations_of_nested_literals_are_not_the_functions():
    assert _own(("short_var_declaration",)) == [b"a", b"e"]


def test_nested_literals_belong_to_the_function_that_writes_them():
    found = _own(("func_literal",))
    assert len(found) == 3  # the deferred one, the argument and the called one
    assert _own(("func_literal", "short_var_declaration")) == [
        b"a", b"func()", b"func()", b"e", b"func()"]
