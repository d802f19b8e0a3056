"""Syntax newer than the grammar wheels (Go 1.26 `new(expr)`, type arguments on tagged
templates): the rewrites keep every byte's position, apply only where the grammar fails,
and never touch code it already reads."""

from __future__ import annotations

import pytest

from leaklint import languages
from leaklint.api import check_source
from leaklint.config import Config
from leaklint.languages import recent_syntax


def parse(lang, text: bytes):
    return recent_syntax.parse(lang, text, languages.parser(lang).parse)


GO_NEW = b'''package p

import "time"

func f() (*int, *time.Time, *int, *[]byte) {
	a := new(42)
	b := new(time.Now())
	c := new(int)
	d := new([]byte)
	return a, b, c, d
}
'''


def test_the_go_wheel_rejects_new_with_an_expression():
    # the reason for the rewrite; if a grammar release accepts it, the rewrite is a no-op
    assert languages.parser("go").parse(GO_NEW).root_node.has_error


def test_go_new_expr_parses_as_calls_at_the_same_positions():
    tree = parse("go", GO_NEW)
    assert not tree.root_node.has_error
    calls = [n for n in _walk(tree.root_node) if n.type == "call_expression"
             and n.child_by_field_name("function").type == "identifier"]
    by_line = {n.start_point[0] + 1: n for n in calls}
    # the two expression arguments: renamed calls whose argument is the expression
    assert by_line[6].text == b"nEw(42)" and by_line[6].start_point == (5, 6)
    assert by_line[7].child_by_field_name("arguments").named_children[0].type == "call_expression"
    # a type argument is left to the grammar's own `new`
    assert by_line[8].text == b"new(int)" and by_line[9].text == b"new([]byte)"


def test_go_file_without_errors_is_not_rewritten():
    text = b'package p\n\nfunc f() *int { s := "new(1)" // new(2)\n\t_ = s\n\treturn new(int) }\n'
    tree = parse("go", text)
    assert tree.root_node.text == text


def test_go_new_in_strings_and_comments_is_left_alone():
    text = b'package p\n\nfunc f() {\n\tx := new(1)\n\ts := "new(2)" // new(3)\n\t_, _ = x, s\n}\n'
    tree = parse("go", text)
    assert not tree.root_node.has_error
    assert tree.root_node.text == text.replace(b"new(1)", b"nEw(1)")


TSX = b'''const A = styled.div<Props>`color: red;`;
const B = styled.section<{ $open: boolean; $w?: number }>`
  display: ${(p) => (p.$open ? "block" : "none")};
`;
const C = styled(Link)<Props & { x: (a: number) => string }>`x`;
const D = <div>`y`</div>;
const E = a.b`plain`;
'''


@pytest.mark.parametrize("lang", ["tsx", "typescript"])
def test_tagged_templates_with_type_arguments_parse_as_calls(lang):
    text = TSX if lang == "tsx" else TSX.replace(b"const D = <div>`y`</div>;\n", b"")
    assert languages.parser(lang).parse(text).root_node.has_error  # the wheel fails on B
    tree = parse(lang, text)
    assert not tree.root_node.has_error
    tagged = [n for n in _walk(tree.root_node) if n.type == "call_expression"
              and n.child_by_field_name("arguments").type == "template_string"]
    assert [n.child_by_field_name("function").text for n in tagged] == \
        [b"styled.div", b"styled.section", b"styled(Link)", b"a.b"]
    # the multi-line template keeps its lines: positions are those of the file
    assert tagged[1].end_point[0] == 3
    assert len(tree.root_node.text) == len(text)


def test_jsx_text_with_backticks_is_left_alone():
    text = b"const D = <b>`y`</b>;\nfunction f() {\n  return<b>`quoted`</b>;\n}\n"
    tree = parse("tsx", text)
    assert not tree.root_node.has_error and tree.root_node.text == text


def test_new_expr_does_not_hide_a_handoff():
    """The grammar's recovery used to swallow `return new(Page{Rows: rows})`, turning a
    handoff into a leak; now only the real leak is reported."""
    text = (b'package p\n\nimport "database/sql"\n\ntype Page struct{ Rows *sql.Rows }\n\n'
            b'func page(db *sql.DB) *Page {\n\trows, err := db.Query("SELECT 1")\n'
            b'\tif err != nil {\n\t\treturn nil\n\t}\n\treturn new(Page{Rows: rows})\n}\n\n'
            b'func lost(db *sql.DB) *int {\n\trows, _ := db.Query("SELECT 1")\n'
            b'\t_ = rows\n\treturn new(1)\n}\n')
    report = check_source("p.go", text, config=Config())
    assert [(f.position.line, f.code) for f in report.findings] == [(16, "LL101")]
    assert not report.diagnostics


def _walk(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))
