"""A file is parsed once per run: the facts phase parses it for its facts, and its
analysis takes that tree over when it would parse the very same text. What is found
does not depend on it."""

from __future__ import annotations

import collections
import os

import pytest

from leaklint import runner
from leaklint.api import check_paths
from leaklint.config import Config
from leaklint.facts import trees
from leaklint.languages import recent_syntax

GO = {
    "a.go": ("package p\n\nimport \"database/sql\"\n\nvar seen = map[string]bool{}\n\n"
             "func list(db *sql.DB) error {\n\trows, err := db.Query(\"SELECT 1\")\n"
             "\tif err != nil {\n\t\treturn err\n\t}\n\tconsume(rows)\n\tseen[\"x\"] = true\n"
             "\treturn nil\n}\n"),
    "b.go": ("package p\n\nimport \"database/sql\"\n\nfunc consume(rows *sql.Rows) {\n"
             "\tfor rows.Next() {\n\t}\n}\n"),
    "c.go": ("package p\n\nimport \"os\"\n\nfunc open(p string) (*os.File, error) {\n"
             "\treturn os.Open(p)\n}\n\nfunc read(p string) {\n\tf, _ := open(p)\n\t_ = f\n}\n"),
}
PY = {
    "h.py": "def use(f):\n    print(f.name)\n",
    "m.py": "from h import use\n\n\ndef run(path):\n    f = open(path)\n    use(f)\n",
}
TS = {
    "x.ts": "export function finish(c: any) {\n  console.log(c);\n}\n",
    "y.ts": ('import { finish } from "./x";\n\nexport async function count(pool: any) {\n'
             "  const client = await pool.connect();\n  finish(client);\n}\n"),
}


@pytest.fixture
def tree(tmp_path):
    for name, text in {**GO, **PY, **TS}.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def _scan(tree, monkeypatch, jobs=1):
    parsed = collections.Counter()
    real = recent_syntax.parse

    def counting(lang, data, parse_bytes):
        parsed[bytes(data)] += 1
        return real(lang, data, parse_bytes)

    monkeypatch.setattr(recent_syntax, "parse", counting)
    report = check_paths([str(tree)], config=Config(root=tree), select=["ALL"], jobs=jobs)
    monkeypatch.setattr(recent_syntax, "parse", real)
    found = sorted((os.path.basename(f.path), f.position.line, f.code, f.message)
                   for f in report.findings)
    return parsed, found


def test_each_file_is_parsed_once(tree, monkeypatch):
    parsed, found = _scan(tree, monkeypatch)
    texts = {text.encode(): name for name, text in {**GO, **PY, **TS}.items()}
    assert found  # the rules ran: the leaks above are reported
    assert {texts[t]: n for t, n in parsed.items() if n > 1} == {}
    # the files with facts (the Go package, the Python and TS modules) were parsed
    assert {texts[t] for t in parsed} >= {"a.go", "b.go", "c.go", "m.py", "y.ts"}


def test_what_is_found_does_not_depend_on_the_handed_trees(tree, monkeypatch):
    _, handed = _scan(tree, monkeypatch)
    monkeypatch.setattr(trees.Trees, "offer", lambda self, path, text, t, queries=None: None)
    parsed, own = _scan(tree, monkeypatch)
    assert max(parsed.values()) > 1  # without the handoff, files are parsed again
    assert handed == own


def test_a_tree_is_used_only_for_the_text_it_was_parsed_from(tree):
    held = trees.Trees([str(tree / "a.go")])
    held.offer(str(tree / "a.go"), b"package p\n", "the tree")
    held.offer(str(tree / "b.go"), b"package p\n", "not wanted")
    assert len(held) == 1
    assert held.take(str(tree / "b.go")) is None
    assert held.take(os.path.join(str(tree), ".", "a.go")) == (b"package p\n", "the tree", None)
    assert held.take(str(tree / "a.go")) is None  # taken once


def test_trees_are_held_up_to_the_budget_earliest_first(tree):
    names = [str(tree / n) for n in ("a.go", "b.go", "c.go")]
    held = trees.Trees(names, budget=20)
    for n in names:
        held.offer(n, b"x" * 8, n)
    assert len(held) == 2  # the third would pass the budget
    assert held.take(names[2]) is None
    held.take(names[0])
    held.offer(names[2], b"x" * 8, names[2])  # room again
    assert held.take(names[2]) == (b"x" * 8, names[2], None)


def test_forked_workers_find_the_same(tree, monkeypatch):
    _, one = _scan(tree, monkeypatch)
    _, two = _scan(tree, monkeypatch, jobs=2)
    assert one == two


def test_a_run_larger_than_the_trees_it_could_hold_keeps_only_a_window_of_parses(
        tree, monkeypatch):
    """The trees wait for their analysis up to MAX_HELD_BYTES in a run whose files fit in
    WHOLE_RUN_BYTES; in a larger run no tree waits. Either way the facts phase keeps a
    window of WINDOW_BYTES of its own parses (a held tree serves it again: Trees.held)."""
    names = [str(tree / n) for n in ("a.go", "b.go", "c.go")]
    size = sum(os.path.getsize(n) for n in names)
    small = trees.Trees(names)
    assert (small.budget, small.window) == (trees.MAX_HELD_BYTES, trees.WINDOW_BYTES)
    monkeypatch.setattr(trees, "WHOLE_RUN_BYTES", size - 1)
    large = trees.Trees(names)
    assert (large.budget, large.window) == (0, trees.WINDOW_BYTES)
    assert trees.Trees(names, budget=5).budget == trees.Trees(names, budget=5).window == 5


def test_a_held_tree_serves_the_facts_phase_again_after_its_window_let_it_go(tree, monkeypatch):
    """The facts phase asks a file again after its window of parses has let the file go
    (one parse at a time here): a tree held for the file's analysis is used, not parsed
    again, and what is found is the same."""
    from leaklint.facts import summaries

    _, roomy = _scan(tree, monkeypatch)
    monkeypatch.setattr(summaries, "MAX_PARSED_BYTES", 1)
    parsed, found = _scan(tree, monkeypatch)
    texts = {text.encode(): name for name, text in GO.items()}
    assert {texts[t]: n for t, n in parsed.items() if t in texts and n > 1} == {}
    assert found == roomy


def test_a_held_tree_keeps_only_the_answers_a_rule_asked_for(tree):
    """Once the facts phase is done with a tree that waits for its analysis, the answers
    only that phase asked for go (a rule asking one again gets the same answer anew)."""
    from leaklint import languages

    lang = "go"
    root = languages.parser(lang).parse((tree / "a.go").read_bytes()).root_node
    # names of their own: the questions and askers of other tests' runs stay apart
    facts_only, shared = "(import_spec) @held_facts", "(call_expression) @held_shared"
    askers = frozenset({"held-facts", "held-rule"})
    with languages.answering(lang, root, languages.FileQueries(lang, root, askers)) as state:
        state.asking = "held-rule"  # a rule asked it of some file (here: another state)
        languages.matches(lang, shared, root)
    queries = languages.FileQueries(lang, root, askers)
    with languages.answering(lang, root, queries) as state:
        state.asking = "held-facts"
        first = languages.matches(lang, facts_only, root)
        languages.matches(lang, shared, root)
    queries.settle("held-facts")
    assert set(queries._results) == {shared}
    with languages.answering(lang, root, queries):
        again = languages.matches(lang, facts_only, root)
    assert [(i, {k: [n.id for n in v] for k, v in caps.items()}) for i, caps in again] \
        == [(i, {k: [n.id for n in v] for k, v in caps.items()}) for i, caps in first]


def test_small_windows_find_the_same_and_shape_each_file_from_its_first_parse(tree, monkeypatch):
    """With the smallest windows of parsed trees and of bytes (each file's tree and bytes
    let go as soon as the next is parsed or read), a file's shape is still taken from its
    first parse, and what is found is the same."""
    from leaklint.facts import summaries

    _, roomy = _scan(tree, monkeypatch)
    monkeypatch.setattr(summaries, "MAX_PARSED_BYTES", 1)
    monkeypatch.setattr(summaries, "MAX_HELD_SOURCE", 1)
    monkeypatch.setattr(trees, "WHOLE_RUN_BYTES", 1)
    monkeypatch.setattr(trees, "WINDOW_BYTES", 1)
    shaped = collections.Counter()
    real = summaries.shapes.shape

    def counting(lang, ctx, full=True):
        shaped[ctx.src.path] += 1
        return real(lang, ctx, full)

    monkeypatch.setattr(summaries.shapes, "shape", counting)
    _, tight = _scan(tree, monkeypatch)
    assert tight == roomy and tight
    assert shaped and max(shaped.values()) == 1


def test_a_file_edited_after_its_bytes_were_let_go_is_unreadable_for_the_phase(tmp_path,
                                                                               monkeypatch):
    """Bytes read again must be the bytes first read: a file edited during the facts
    phase gets no facts made of two contents (it is unknown to the phase)."""
    from leaklint.facts import summaries

    monkeypatch.setattr(summaries, "MAX_HELD_SOURCE", 1)
    texts = {str(tmp_path / "a.py"): [b"def f(x):\n    x.close()\n", b"def g():\n    pass\n"],
             str(tmp_path / "b.py"): [b"def h():\n    pass\n"]}
    reads = collections.Counter()

    def read(path):
        versions = texts[path]
        reads[path] += 1
        return versions[min(reads[path], len(versions)) - 1]

    project = summaries.Project(read, lambda d: [], None)
    first = project.unit(str(tmp_path / "a.py"))
    assert first.data == texts[str(tmp_path / "a.py")][0]
    project.unit(str(tmp_path / "b.py"))  # a's bytes are let go
    assert reads[str(tmp_path / "a.py")] == 1
    assert first.data is None and first.broken  # read again: another content
    assert project.unit(str(tmp_path / "b.py")).data == texts[str(tmp_path / "b.py")][0]


def test_a_large_go_file_its_package_facts_parse_is_not_parsed_again(tmp_path, monkeypatch):
    # a package with a container (its declarations are read from every file, the large
    # one too) and a file past the size the summaries parse
    (tmp_path / "a.go").write_text(GO["a.go"])
    body = "".join(f"func f{i}(x int) int {{\n\treturn x + {i}\n}}\n\n" for i in range(3000))
    big = "package p\n\nimport \"os\"\n\nfunc leak(p string) {\n\tf, _ := os.Open(p)\n" \
          "\t_ = f.Name()\n}\n\n" + body
    assert len(big) > 64 * 1024
    (tmp_path / "big.go").write_text(big)
    # analysed in this process (a forked one would inherit the tree the same way)
    monkeypatch.setattr(runner, "ISOLATE_MIN_BYTES", 1 << 40)
    parsed, found = _scan(tmp_path, monkeypatch)
    assert parsed[big.encode()] == 1
    assert ("big.go", 6, "LL107") in [f[:3] for f in found]  # and it was analysed
    monkeypatch.setattr(trees.Trees, "offer", lambda self, path, text, t, queries=None: None)
    again, same = _scan(tmp_path, monkeypatch)
    assert again[big.encode()] == 2 and same == found


def test_the_phase_lets_go_of_its_parses_without_the_cycle_collector(tree, monkeypatch):
    """What the summaries held (their parses, shapes and answers) is freed when the facts
    phase ends, not left for a collection that a scan runs only on its young objects."""
    import gc
    import weakref

    from leaklint.facts import summaries

    made = []
    real = summaries.Project.__init__

    def init(self, *args, **kwargs):
        real(self, *args, **kwargs)
        made.append(weakref.ref(self))

    monkeypatch.setattr(summaries.Project, "__init__", init)
    monkeypatch.setattr(gc, "collect", lambda *generation: 0)
    gc.disable()
    try:
        check_paths([str(tree)], config=Config(), select=["ALL"], jobs=1)
        assert made and all(ref() is None for ref in made)
    finally:
        gc.enable()


def test_the_facts_phase_holds_no_more_parsed_files_than_the_analysis_window(tmp_path):
    from leaklint.facts import summaries

    # a Trees holding nothing yet (falsy, as it has a length) still sets the bound
    window = trees.Trees([str(tmp_path / "a.go")], budget=trees.WINDOW_BYTES)
    assert len(window) == 0
    project = summaries.Project(lambda p: None, lambda d: [], None, trees=window)
    assert project._parsed_budget == trees.WINDOW_BYTES
    assert summaries.Project(lambda p: None, lambda d: [], None)._parsed_budget \
        == summaries.MAX_PARSED_BYTES
