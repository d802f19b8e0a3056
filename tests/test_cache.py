

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
