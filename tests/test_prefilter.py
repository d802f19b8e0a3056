"""The prefilter: which rules can match a file, from its bytes, before any parse."""

from __future__ import annotations

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


def test_the_builtin_rules_keep_their_order_and_encode_their_words_once():
    rules = [r for r in builtin_rules() if r.applies_to("go")]
    assert all(r.prefilter is r.prefilter for r in rules)  # computed once per rule
    data = b"package p\n\nfunc f() { t := time.NewTicker(d); _ = t }\n"
    expected = [r for r in rules if not r.prefilter or any(w in data for w in r.prefilter)]
    assert active_on(rules, data) == expected
    assert "LL201" in [r.code for r in expected]
