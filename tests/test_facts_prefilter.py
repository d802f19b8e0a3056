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
    real = collect.go_growth.uses

    def counting(root, src, query):
        asked.append(os.path.basename(src.path))
        return real(root, src, query)

    monkeypatch.setattr(collect.go_growth, "uses", counting)
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


# -- resolution: a hook on one file of a package parses only the siblings that may
# declare a function the file calls

CALLER = """package p

import "database/sql"

func list(db *sql.DB) error {
\trows, err := db.Query("SELECT 1")
\tif err != nil {
\t\treturn err
\t}
\tconsume(rows)
\treturn nil
}
"""
CLOSING = ("package p\n\nimport \"database/sql\"\n\n// consume(rows) closes them\nfunc consume(rows *sql.Rows) {\n"
           "\tdefer rows.Close()\n\tfor rows.Next() {\n\t}\n}\n")
# calls consume and mentions it, but declares no function of that name
CALLS_IT = "package p\n\nfunc other(x int) int {\n\tconsume(nil)\n\treturn x\n}\n"
UNRELATED = "package p\n\nfunc helper() int { return 1 }\n"


def _shaped(tmp_path, monkeypatch, names, cache_dir=None):
    from leaklint.facts import shapes

    shaped = []
    real = shapes.shape

    def counting(lang, ctx, full=True):
        shaped.append(os.path.basename(ctx.src.path))
        return real(lang, ctx, full)

    monkeypatch.setattr(shapes, "shape", counting)
    report = check_paths([str(tmp_path / n) for n in names], config=Config(root=tmp_path),
                         select=["LL101"], cache_dir=cache_dir)
    return sorted(shaped), [(os.path.basename(f.path), f.code) for f in report.findings]


def test_a_hook_parses_only_the_siblings_that_may_declare_the_callee(tmp_path, monkeypatch):
    (tmp_path / "a.go").write_text(CALLER)
    (tmp_path / "b.go").write_text(CLOSING)
    (tmp_path / "c.go").write_text(CALLS_IT)
    (tmp_path / "d.go").write_text(UNRELATED)
    shaped, findings = _shaped(tmp_path, monkeypatch, ["a.go"])
    assert shaped == ["a.go", "b.go"]
    assert findings == []  # b.go's consume closes the rows
    # reads the first row only: the rest stay open
    (tmp_path / "b.go").write_text(CLOSING.replace("\tdefer rows.Close()\n\tfor", "\tif"))
    shaped, findings = _shaped(tmp_path, monkeypatch, ["a.go"])
    assert shaped == ["a.go", "b.go"]
    assert findings == [("a.go", "LL101")]  # b.go's consume no longer closes them
    (tmp_path / "b.go").write_text(UNRELATED.replace("helper", "helper2"))
    shaped, findings = _shaped(tmp_path, monkeypatch, ["a.go"])
    assert shaped == ["a.go"]
    assert findings == []  # nothing declares consume: a handoff, as before


def test_a_method_declared_in_a_sibling_is_found_by_its_name(tmp_path, monkeypatch):
    (tmp_path / "a.go").write_text(CALLER.replace("consume(rows)", "s.consume(rows)")
                                   .replace("func list(", "type S struct{}\n\nfunc (s *S) list("))
    (tmp_path / "b.go").write_text(CLOSING.replace("func consume(", "func (s *S) consume("))
    (tmp_path / "c.go").write_text(UNRELATED)
    shaped, findings = _shaped(tmp_path, monkeypatch, ["a.go"])
    assert shaped == ["a.go", "b.go"]
    assert findings == []


def test_a_warm_hook_parses_no_sibling(tmp_path, monkeypatch):
    for name, text in (("a.go", CALLER), ("b.go", CLOSING), ("c.go", CALLS_IT)):
        (tmp_path / name).write_text(text)
    cache = str(tmp_path / ".cache")
    _shaped(tmp_path, monkeypatch, ["a.go", "b.go", "c.go"], cache)
    (tmp_path / "a.go").write_text(CALLER + "\n// edited\n")
    shaped, findings = _shaped(tmp_path, monkeypatch, ["a.go"], cache)
    assert shaped == ["a.go"]  # the edited file only; b.go's shape comes from the cache
    assert findings == []
