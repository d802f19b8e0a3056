"""Goroutines blocked on channels kept in struct fields (LL610): the partner operation
in another file of the package, the text facts those files give, bad input."""

from __future__ import annotations

from pathlib import Path

from leaklint.api import check_paths
from leaklint.config import Config
from leaklint import languages
from leaklint.facts.go_channels import by_field, channel_field_reads, file_facts, holds_word
from markers import looked

SENDER = """package p

type queue struct {
	items chan int
}

func newQueue() *queue {
	q := &queue{items: make(chan int)}
	go q.put(1)
	return q
}

func (q *queue) put(v int) {
	q.items <- v
}
"""


def _check(path):
    return check_paths([str(path)], config=Config(root=Path(path).parent), select=["LL610"])


def test_a_field_nobody_receives_from_is_reported_at_the_go_statement(tmp_path):
    (tmp_path / "q.go").write_text(SENDER)
    [finding] = _check(tmp_path / "q.go").findings
    assert finding.position.line == 9
    assert "sends on field items at line 14" in finding.message
    assert "nothing in the package receives from it" in finding.message
    assert [r.position.line for r in finding.related] == [14]


def test_a_receiver_in_another_file_of_the_package_serves_the_field(tmp_path):
    (tmp_path / "q.go").write_text(SENDER)
    (tmp_path / "drain.go").write_text(
        "package p\n\nfunc (q *queue) drain() {\n\tfor v := range q.items {\n\t\t_ = v\n\t}\n}\n")
    report = _check(tmp_path / "q.go")
    assert not report.findings and (9, "LL610") in looked(report)
    # the same field name on another type's receiver does not serve it
    (tmp_path / "drain.go").write_text(
        "package p\n\ntype other struct{ items chan int }\n\n"
        "func (o *other) drain() {\n\tfor v := range o.items {\n\t\t_ = v\n\t}\n}\n")
    assert [f.position.line for f in _check(tmp_path / "q.go").findings] == [9]


def test_a_field_handed_on_in_another_file_is_not_judged(tmp_path):
    (tmp_path / "q.go").write_text(SENDER)
    (tmp_path / "expose.go").write_text(
        "package p\n\nfunc consume(c chan int) {}\n\nfunc (q *queue) share() { consume(q.items) }\n")
    assert not _check(tmp_path / "q.go").findings


def test_an_unreadable_sibling_leaves_the_field_unjudged_without_error(tmp_path):
    (tmp_path / "q.go").write_text(SENDER)
    (tmp_path / "latin1.go").write_bytes(b"package p\n\n// caf\xe9\nfunc (q *queue) x() { <-q.items }\n")
    (tmp_path / "broken.go").write_text("package p\n\nfunc y( {\n")
    report = _check(tmp_path / "q.go")
    assert not [d for d in report.diagnostics if d.kind == "internal-error"]


def _facts(source: bytes) -> dict:
    return file_facts(languages.parser("go").parse(source).root_node)


def test_tree_facts_type_the_uses_on_a_receiver_and_in_a_literal():
    facts = _facts(
        b"package p\n\nfunc (s *srv) run() {\n\ts.done <- true\n\tx.done <- false\n}\n\n"
        b"func f(t *srv) {\n\tt.reqs = make(chan int)\n\tv := srv{done: make(chan bool, 1)}\n"
        b"\tclose(t.reqs)\n\tuse(t.other)\n\tif t.reqs == nil {\n\t}\n\t_ = len(t.reqs)\n}\n"
        b"// s.hidden <- 1 in a comment does not count\nvar text = \"q.hidden2 <- 1\"\n")["fields"]
    assert facts["srv.done"] == ["made", "send"]
    assert facts["done"] == ["send"]
    assert facts["reqs"] == ["close", "made"]
    assert facts["other"] == ["value"]
    assert not {"hidden", "srv.hidden", "hidden2"} & set(facts)


def test_tree_facts_tell_operations_from_values_and_non_uses():
    facts = _facts(
        b"package p\n\nfunc (s *srv) loop() {\n\tfor v := range s.jobs {\n\t\t_ = v\n\t}\n"
        b"\tselect {\n\tcase <-s.quit:\n\tcase s.out <- 1:\n\t}\n"
        b"\ts.stop()\n\ts.a, s.b = nil, make(chan int)\n\ts.c = other\n\t_ = (<-s.ctx.Done())\n"
        b"\tgo func() { (s.late) <- 2 }()\n}\n\n"
        b"func g(w *srv) { pkg.T{in: make(chan int)}.run(); []srv{{in: make(chan int)}}[0].x() }\n")
    fields = facts["fields"]
    assert fields["srv.jobs"] == ["range"] and fields["srv.quit"] == ["receive"]
    assert fields["srv.out"] == ["send"] and fields["srv.late"] == ["send"]
    assert fields["srv.b"] == ["made"] and fields["srv.c"] == ["value"]
    assert "srv.a" not in fields  # set to nil: no use
    assert "srv.stop" not in fields and "stop" not in fields  # a method call
    assert fields["srv.ctx"] == ["value"]  # `<-s.ctx.Done()` receives from a call's result
    assert fields["in"] == ["made"]  # neither `pkg.T{` nor an elided type names the owner
    assert facts["functions"] == ["loop"]  # g makes channels but works none


def test_reads_keep_the_asked_fields_and_the_working_functions_named_elsewhere():
    own = _facts(b"package p\n\nfunc (q *queue) put() { q.items <- 1 }\n\n"
                 b"func (q *queue) stop() { close(q.items) }\n\nfunc idle() {}\n")
    assert own["functions"] == ["put", "stop"]  # idle works no channel field
    other_src = b"package p\n\nfunc (w *w) g() { <-w.items; <-w.unrelated; stop(); idle() }\n"
    fields_of = by_field({"own.go": own, "other.go": _facts(other_src), "unreadable.go": None})
    reads = channel_field_reads("own.go", own, fields_of, lambda n: holds_word(other_src, n))
    assert reads == {"fields": {"w.items": ["receive"]}, "named": ["stop"]}


def test_a_word_is_held_whole_comments_included():
    src = b"package p\n\n// stops it\nfunc f() { stopAll(); x.stop_ = 1 }\n"
    assert not holds_word(src, "stop")  # only inside longer words
    assert holds_word(src, "stops") and holds_word(src, "stopAll") and holds_word(src, "f")
    assert not holds_word(src, "top")
    # the text's ends bound a word; a whole one after many partial ones is still found
    assert holds_word(b"stop", "stop") and holds_word(b"xstop stop2 _stop stop", "stop")
    assert not holds_word(b"stop2 _stop stopx", "stop")


def test_the_first_blocking_operation_in_the_source_is_the_one_named(tmp_path):
    (tmp_path / "q.go").write_text(SENDER.replace("\tq.items <- v\n", "\tif v > 0 {\n\t\tq.items <- v\n\t\treturn\n\t}\n"
                                                                       "\tq.items <- -v\n"))
    [finding] = _check(tmp_path / "q.go").findings
    assert "sends on field items at line 15" in finding.message  # not the later send at line 18
    assert [r.position.line for r in finding.related] == [15]
