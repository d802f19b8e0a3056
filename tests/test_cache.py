

def test_the_code_digest_changes_with_the_code_and_not_with_a_reinstall(tmp_path):
    from leaklint.cache import code_digest

    def install(where, body):
        (where / "pkg").mkdir(parents=True)
        (where / "pkg" / "model.py").write_text(body)
        (where / "pkg" / "__pycache__").mkdir()
        (where / "pkg" / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"stale")
        return str(where / "pkg")

    first = code_digest(install(tmp_path / "a", "LIMIT = 1\n"))
    # the same code installed elsewhere, at another time, with other bytecode
    again = install(tmp_path / "b", "LIMIT = 1\n")
    (tmp_path / "b" / "pkg" / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"other")
    assert code_digest(again) == first
    assert code_digest(install(tmp_path / "c", "LIMIT = 2\n")) != first


def test_the_facts_store_reads_each_entry_alone(tmp_path):
    """A line per entry, parsed when asked: entries merge across runs, and one entry the
    store cannot read is a miss that leaves the others readable."""
    from leaklint.cache import FactsCache, load_key, seal, unseal

    first = FactsCache(str(tmp_path))
    first.put("shape:a", {"functions": {"f": 1}, "note": "tab\there\nnewline"})
    first.put("bad\tkey", {"x": 1})  # not a key leaklint makes: left out
    first.save()
    second = FactsCache(str(tmp_path))
    assert second.get("shape:a") == {"functions": {"f": 1}, "note": "tab\there\nnewline"}
    second.put("shape:b", {"functions": {}})
    second.save()
    secret = load_key(str(tmp_path / "key"), create=False)
    payload = unseal(secret, second._settings_key, open(second.path, "rb").read())
    assert sorted(line.split(b"\t")[0] for line in payload.split(b"\n")) == [b"shape:a", b"shape:b"]
    # an entry whose value is no JSON object (written by this installation or not)
    broken = payload.replace(b'{"functions":{}}', b'{"functions":')
    with open(second.path, "wb") as fh:
        fh.write(seal(secret, second._settings_key, broken + b"\nshape:c\t[1]"))
    third = FactsCache(str(tmp_path))
    assert third.get("shape:b") is None and third.get("shape:c") is None
    assert third.get("shape:a")["functions"] == {"f": 1}
