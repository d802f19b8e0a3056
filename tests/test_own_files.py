"""The memo of what runs derive from leaklint's own files (own_files): kept while the files
are as they were, derived again otherwise, never required."""

import json
import os
import sys

import pytest

from leaklint import cache, catalogue, own_files


@pytest.fixture
def writable(monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def package(tmp_path, text="LIMIT = 1\n"):
    root = tmp_path / "pkg"
    root.mkdir(exist_ok=True)
    (root / "model.py").write_text(text)
    (root / "rules.toml").write_text("code = 'LL1'\n")
    return str(root)


def test_a_memo_is_read_back_while_its_files_are_unchanged(tmp_path, writable):
    root = package(tmp_path)
    own_files.Memo((root,), root).put("answer", [1, "two"])
    assert os.path.isfile(os.path.join(root, own_files.MEMO))
    assert own_files.Memo((root,), root).get("answer") == [1, "two"]


def test_a_changed_added_or_removed_file_makes_the_memo_stale(tmp_path, writable):
    root = package(tmp_path)
    own_files.Memo((root,), root).put("answer", 42)
    package(tmp_path, "LIMIT = 22\n")  # another size
    assert own_files.Memo((root,), root).get("answer") is None
    own_files.Memo((root,), root).put("answer", 42)
    (tmp_path / "pkg" / "extra.py").write_text("")
    assert own_files.Memo((root,), root).get("answer") is None
    own_files.Memo((root,), root).put("answer", 42)
    os.unlink(tmp_path / "pkg" / "extra.py")
    assert own_files.Memo((root,), root).get("answer") is None


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'{"state": 1, "data": {}}',
                                     b"\xff\xfe", b"[" * 100000])
def test_a_malformed_memo_is_a_miss(tmp_path, content):
    root = package(tmp_path)
    path = os.path.join(root, own_files.MEMO)
    os.makedirs(os.path.dirname(path))
    with open(path, "wb") as fh:
        fh.write(content)
    assert own_files.Memo((root,), root).get("answer") is None


def test_nothing_is_written_where_bytecode_is_not(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    root = package(tmp_path)
    memo = own_files.Memo((root,), root)
    memo.put("answer", 42)
    assert memo.get("answer") == 42  # this run still has it
    assert not os.path.exists(os.path.join(root, own_files.MEMO))


def test_the_code_digest_comes_from_the_memo_and_is_derived_again_when_stale(
        tmp_path, monkeypatch, writable):
    root = package(tmp_path)
    monkeypatch.setattr(cache, "own_roots", lambda: (root,))
    own_files.memo.cache_clear()
    cache.code_digest.cache_clear()
    try:
        real = cache.code_digest()
        # another spelling of the root is not leaklint's own: digested from the files
        assert real == cache.code_digest.__wrapped__(root + os.sep + ".")
        memo_path = os.path.join(root, own_files.MEMO)
        with open(memo_path) as fh:
            kept = json.load(fh)
        assert kept["data"]["code_digest"] == real
        kept["data"]["code_digest"] = "planted"
        with open(memo_path, "w") as fh:
            json.dump(kept, fh)
        own_files.memo.cache_clear()
        cache.code_digest.cache_clear()
        assert cache.code_digest() == "planted"  # read from the memo, not the files
        package(tmp_path, "LIMIT = 333\n")
        own_files.memo.cache_clear()
        cache.code_digest.cache_clear()
        assert cache.code_digest() not in ("planted", real)
    finally:
        own_files.memo.cache_clear()
        cache.code_digest.cache_clear()


def test_the_catalogue_from_the_memo_is_the_catalogue_from_its_toml(tmp_path, monkeypatch,
                                                                      writable):
    from_toml = catalogue.builtin_rules()
    memo = own_files.Memo(catalogue.own_roots(), str(tmp_path))
    monkeypatch.setattr(own_files, "memo", lambda *roots: memo)
    catalogue.builtin_rules.cache_clear()
    try:
        assert catalogue.builtin_rules() == from_toml  # a miss: parsed, and kept
        assert memo.get("catalogue")

        def no_toml(_fh):
            raise AssertionError("the TOML was parsed again")
        monkeypatch.setattr(catalogue.tomllib, "load", no_toml)
        catalogue.builtin_rules.cache_clear()
        again = own_files.Memo(catalogue.own_roots(), str(tmp_path))  # read from its file
        monkeypatch.setattr(own_files, "memo", lambda *roots: again)
        assert catalogue.builtin_rules() == from_toml
    finally:
        catalogue.builtin_rules.cache_clear()


def test_a_memo_whose_tables_are_not_rules_is_read_from_the_toml_again(tmp_path, monkeypatch,
                                                                        writable):
    from_toml = catalogue.builtin_rules()
    memo = own_files.Memo(catalogue.own_roots(), str(tmp_path))
    memo.put("catalogue", [[{"code": "LL999"}, "go/LL999.toml"]])
    monkeypatch.setattr(own_files, "memo", lambda *roots: memo)
    catalogue.builtin_rules.cache_clear()
    try:
        assert catalogue.builtin_rules() == from_toml
    finally:
        catalogue.builtin_rules.cache_clear()
