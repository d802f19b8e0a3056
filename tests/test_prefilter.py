"""The prefilter: which rules can match a file, from its bytes, before any parse."""

from __future__ import annotations

import sys
from types import SimpleNamespace

from leaklint.catalogue import active_on, builtin_rules


class Counting(bytes):
    """Bytes that remember which words were looked for in them."""

    def __new__(cls, data):
        self = super().__new__(cls, data)
        self.asked = []
        return self

    def __contains__(self, word):
        self.asked.append(word)
        return bytes.__contains__(self, word)


def rule(name, *words):
    return SimpleNamespace(name=name, prefilter=tuple(words))


def test_the_rules_whose_words_are_present_and_those_without_words_are_active():
    rules = [rule("a", b"Open"), rule("b", b"Open", b"Dial"), rule("c"), rule("d", b"Close")]
    data = Counting(b"conn := net.Dial(addr)\n")
    assert [r.name for r in active_on(rules, data)] == ["b", "c"]
    assert sorted(data.asked) == [b"Close", b"Dial", b"Open"]  # each word looked for once


def test_no_word_present_leaves_only_the_rules_without_words():
    rules = [rule("a", b"Open"), rule("b", b"Ticker")]
    assert active_on(rules, b"package p\n") == []


def test_the_words_found_are_kept_per_content_but_not_the_file_s_bytes():
    rules = [rule("a", b"Open")]
    data = b"f, err := os.Open(name)\n" * 100
    held = sys.getrefcount(data)
    assert [r.name for r in active_on(rules, data)] == ["a"]
    assert sys.getrefcount(data) == held  # a run's files are not kept alive by the prefilter
    again = Counting(data)  # the same content, read again: answered from what was found
    assert [r.name for r in active_on(rules, again)] == ["a"] and again.asked == []


def test_the_builtin_rules_keep_their_order_and_encode_their_words_once():
    rules = [r for r in builtin_rules() if r.applies_to("go")]
    assert all(r.prefilter is r.prefilter for r in rules)  # computed once per rule
    data = b"package p\n\nfunc f() { t := time.NewTicker(d); _ = t }\n"
    expected = [r for r in rules if not r.prefilter or any(w in data for w in r.prefilter)]
    assert active_on(rules, data) == expected
    assert "LL201" in [r.code for r in expected]


def test_a_file_asked_again_is_not_searched_again():
    """The facts phase and the analysis both ask about a file (with bytes objects of their
    own): each word is looked for once per file content."""
    text = b"rows, err := db.Query(q) // unique-content-7f3a\n"
    first, second = Counting(text), Counting(text)
    some = [rule("a", b"Query"), rule("b", b"Ticker")]
    more = [rule("b", b"Ticker"), rule("c", b"Open"), rule("d", b"Query")]
    assert [r.name for r in active_on(some, first)] == ["a"]
    assert [r.name for r in active_on(more, second)] == ["d"]
    assert sorted(first.asked) == [b"Query", b"Ticker"]
    assert second.asked == [b"Open"]  # the only word not looked for before
    other = Counting(text.replace(b"Query", b"Exec"))
    assert [r.name for r in active_on(some, other)] == []
    assert sorted(other.asked) == [b"Query", b"Ticker"]  # other content: searched afresh
