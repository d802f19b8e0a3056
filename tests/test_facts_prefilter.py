"""The facts phase asks a sibling's tree about the package's containers only when the
sibling's text names one of them: the others cannot insert or evict, and their answer
is the empty one without a query (and, once declarations are cached, without a parse)."""

from __future__ import annotations

import os

from leaklint.api import check_paths
from leaklint.config import Config
from leaklint.facts import collect

SEEN = "package p\n\nvar seen = map[string]bool{}\n\nfunc mark(k string) { seen[k] = true }\n"


def _asked(tmp_path, monkeypatch):
    asked = []
    real = collect.go_package.uses

    def counting(root, src, query):
        asked.append(os.path.basename(src.path))
        return real(root, src, query)

    monkeypatch.setattr(collect.go_package, "uses", counting)
    report = check_paths([str(tmp_path / "a.go")], config=Config(root=tmp_path), select=["LL510"],
                         cache_dir=str(tmp_path / ".cache"))
    return sorted(asked), [(os.path.basename(f.path), f.code) for f in report.findings]


def test_only_the_siblings_that_name_a_container_are_asked(tmp_path, monkeypatch):
    (tmp_path / "a.go").write_text(SEEN)
    (tmp_path / "b.go").write_text("package p\n\nfunc again(k string) { seen[k] = false }\n")
    (tmp_path / "c.go").write_text("package p\n\nfunc helper() int { return 1 }\n")
    asked, findings = _asked(tmp_path, monkeypatch)
    assert asked == ["a.go", "b.go"]
    assert findings == [("a.go", "LL510")]


def test_a_sibling_that_starts_naming_it_is_asked_and_changes_the_answer(tmp_path, monkeypatch):
    (tmp_path / "a.go").write_text(SEEN)
    (tmp_path / "c.go").write_text("package p\n\nfunc helper() int { return 1 }\n")
    assert _asked(tmp_path, monkeypatch) == (["a.go"], [("a.go", "LL510")])
    (tmp_path / "c.go").write_text("package p\n\nfunc forget(k string) { delete(seen, k) }\n")
    asked, findings = _asked(tmp_path, monkeypatch)
    assert asked == ["c.go"]  # a.go's uses come from the cache
    assert findings == []


def test_a_name_in_a_utf16_sibling_is_found_on_its_decoded_text(tmp_path, monkeypatch):
    (tmp_path / "a.go").write_text(SEEN)
    text = "package p\n\nfunc forget(k string) { delete(seen, k) }\n"
    (tmp_path / "c.go").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    asked, findings = _asked(tmp_path, monkeypatch)
    assert "c.go" in asked
    assert findings == []
