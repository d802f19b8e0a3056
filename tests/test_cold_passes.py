"""The per-file work of a cold scan done once: the facts phase's query answers serve the
analysis of the same tree, call names are tested against one scan of a file's text, and
the collector settings of a scan do not outlive it."""

from __future__ import annotations

import gc
import random

from leaklint import gc_policy, languages
from leaklint.source import CallText

GO = b"package p\n\nfunc f() {\n\tgo g()\n\tdefer x.Close()\n}\n\nfunc g() {}\n"


def _asked(monkeypatch):
    """Count the query passes over a whole tree."""
    from tree_sitter import QueryCursor

    passes = []

    class Counting:
        def __init__(self, q):
            self.cursor = QueryCursor(q)

        def matches(self, node):
            passes.append(node.type)
            return self.cursor.matches(node)

    import tree_sitter

    monkeypatch.setattr(tree_sitter, "QueryCursor", Counting)
    return passes


def test_a_resumed_file_answers_from_the_earlier_phase(monkeypatch):
    tree = languages.parser("go").parse(GO)
    source = "(go_statement) @g"
    passes = _asked(monkeypatch)
    facts = languages.begin_file("go", tree.root_node, ["facts"])
    first = languages.matches("go", source, tree.root_node)
    languages.end_file()
    assert len(passes) == 1 and len(first) == 1
    analysis = languages.begin_file("go", tree.root_node, ["LL612"], resume=facts)
    again = languages.matches("go", source, tree.root_node)
    languages.end_file()
    assert analysis is facts
    assert again is first and len(passes) == 1  # no second pass over the tree


def test_state_of_another_tree_is_not_resumed(monkeypatch):
    one = languages.parser("go").parse(GO)
    other = languages.parser("go").parse(GO)
    facts = languages.begin_file("go", one.root_node, ["facts"])
    languages.end_file()
    fresh = languages.begin_file("go", other.root_node, ["LL612"], resume=facts)
    languages.end_file()
    assert fresh is not facts
    found = [c["g"][0] for _, c in languages.matches("go", "(go_statement) @g", other.root_node)]
    assert found and found[0].id != one.root_node.id


def _plain(data, names):
    return any(n + b"(" in data for n in names)


def test_call_text_answers_as_a_search_for_each_name():
    rng = random.Random(7)
    alphabet = b"abO_$( .\n\xc3\xa9"
    for _ in range(400):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        many = rng.randrange(1, 5) if rng.random() < 0.5 else rng.randrange(20, 40)  # both ways
        names = {bytes(rng.choice(b"abO_$.\xc3 ") for _ in range(rng.randrange(1, 4)))
                 for _ in range(many)}
        assert CallText(lambda: data).calls_any(CallText.names(names)) == _plain(data, names), \
            (data, names)


def test_call_text_sees_a_name_glued_to_a_longer_one():
    text = CallText(lambda: b"x := reOpen(p)\ny := os.Create (q)\n")
    assert text.calls_any(CallText.names({b"Open"}))  # `reOpen(` spells `Open(`
    assert not text.calls_any(CallText.names({b"Create"}))  # a space before "("
    assert not text.calls_any(CallText.names({b"os"}))


def test_call_text_keeps_the_called_names_not_the_text():
    reads = []

    def read():
        reads.append(1)
        return b"a = makeConn(x)\nb = other.Open(y)\n"

    text = CallText(read)
    many = CallText.names({b"Open"} | {b"name%d" % i for i in range(40)})
    assert text.calls_any(many) and text.calls_any(many)
    assert len(reads) == 1  # the called names were collected once
    assert not any(isinstance(v, bytes) for v in vars(text).values())
    assert text.calls_any(CallText.names({b"makeConn"})) and len(reads) == 2  # a few: searched


def test_a_scan_leaves_the_collector_as_it_found_it():
    before = gc.get_threshold()
    with gc_policy.scanning():
        assert gc.get_threshold()[0] == gc_policy.SCAN_THRESHOLD
        kept = [[] for _ in range(10)]
        gc_policy.settled(gc_policy.FEW_FILES + 1)
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert kept


def test_a_scan_of_a_few_files_freezes_without_collecting(monkeypatch):
    collected = []
    monkeypatch.setattr(gc_policy.gc, "collect", lambda *a: collected.append(a))
    with gc_policy.scanning():
        gc_policy.settled(gc_policy.FEW_FILES)  # a pre-commit run's files: nothing to free
        assert collected == [] and gc.get_freeze_count() > 0
        gc_policy.settled(gc_policy.FEW_FILES + 1)
        assert collected == [(1,)]
    assert gc.get_freeze_count() == 0


def test_answering_asks_through_the_state_and_gives_back_the_one_around_it(monkeypatch):
    tree = languages.parser("go").parse(GO)
    outer = languages.parser("go").parse(GO)
    passes = _asked(monkeypatch)
    around = languages.begin_file("go", outer.root_node, ["facts"])
    kept = languages.FileQueries("go", tree.root_node, frozenset(["facts"]))
    with languages.answering("go", tree.root_node, kept) as state:
        assert state is kept
        assert languages.of_type(tree.root_node, ("go_statement",))
        languages.of_type(tree.root_node, ("go_statement",))
    assert len(passes) == 1  # asked twice, one pass: the answer is the state's
    assert languages.file_memo() is around.memo  # the analysis around it goes on
    languages.end_file()
    assert languages.file_memo() == {} and languages.file_memo() is not around.memo


def _recurring(asker: str, source: str) -> None:
    """Make ``source`` a recurring question of ``asker`` (asked about as many other files)."""
    for _ in range(languages.RECURRING):
        other = languages.parser("go").parse(GO)
        state = languages.begin_file("go", other.root_node, [asker])
        state.asking = asker
        languages.matches("go", source, other.root_node)
        languages.end_file()


def test_a_resumed_file_matches_again_only_what_no_earlier_pass_answered(monkeypatch):
    tree = languages.parser("go").parse(GO)
    early, late = "(go_statement) @g", "(defer_statement) @d"
    monkeypatch.setattr(languages, "_seen", {})
    _recurring("LL612", early)
    combined = []
    real = languages._combined

    def recording(lang, sources):
        combined.append(sources)
        return real(lang, sources)

    monkeypatch.setattr(languages, "_combined", recording)
    facts = languages.begin_file("go", tree.root_node, ["facts", "LL612"])
    assert len(languages.matches("go", early, tree.root_node)) == 1
    languages.end_file()
    _recurring("LL612", late)  # recurring only once the facts phase is over
    languages.begin_file("go", tree.root_node, ["LL612"], resume=facts)
    assert len(languages.matches("go", late, tree.root_node)) == 1
    assert languages.matches("go", early, tree.root_node)  # still the first pass's answer
    languages.end_file()
    assert combined == [(early,), (late,)]  # the second pass leaves the answered one out
