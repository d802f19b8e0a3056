"""The conformance scripts: the expectations format, the scorer's matching and figures,
and the Go builders' reading of a peer's annotations (on small trees of our own)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts" / "conformance"
sys.path.insert(0, str(SCRIPTS))

import build_gosec_g118  # noqa: E402
import build_lostcancel  # noqa: E402
import build_sqlclosecheck  # noqa: E402
import score  # noqa: E402
from suite import Mirror, Row, SuiteError, build_suite, fresh_output, go_wants, read_expected  # noqa: E402

LEAK = textwrap.dedent("""\
    package p

    import "database/sql"

    func leak(db *sql.DB) {
    	rows, _ := db.Query("SELECT 1")
    	_ = rows.Next()
    }
    """)
CLOSED = textwrap.dedent("""\
    package p

    import "database/sql"

    func closed(db *sql.DB) {
    	rows, _ := db.Query("SELECT 1")
    	defer rows.Close()
    	_ = rows.Next()
    }
    """)
LEAKCOMMAND = [sys.executable, "-m", "leaklint"]


def suite_of(tmp_path: Path, files: dict[str, str], expected: str) -> Path:
    suite = tmp_path / "peer"
    for name, text in files.items():
        (suite / name).parent.mkdir(parents=True, exist_ok=True)
        (suite / name).write_text(text)
    (suite / "expected.tsv").write_text("file\tlines\tfamily\tnote\n" + textwrap.dedent(expected))
    return suite


def test_hit_miss_clean_file_and_false_positive(tmp_path):
    suite = suite_of(tmp_path, {"a/leak.go": LEAK, "a/also.go": LEAK.replace("leak(", "also("),
                                "b/closed.go": CLOSED, "b/miss.go": CLOSED.replace("closed(", "miss(")},
                     "a/leak.go\t2|6\tresource\tfound on its second alternative\n"
                     "a/also.go\t-\t-\tsays clean, is not\n"
                     "b/closed.go\t-\t-\tclean\n"
                     "b/miss.go\t5\tresource\tnothing there to find\n")
    result = score.score(suite, LEAKCOMMAND)
    assert [(r.file, r.spelled_lines()) for r in result.misses] == [("b/miss.go", "5")]
    assert [(f.file, f.line, f.code) for f in result.hits] == [("a/leak.go", 6, "LL101")]
    assert [(f.file, f.line) for f in result.false_positives] == [("a/also.go", 6)]
    assert (result.recall, result.precision) == (50.0, 50.0)
    assert result.clean_files == 2


def test_style_and_optional_rows_count_neither_way(tmp_path):
    suite = suite_of(tmp_path, {"leak.go": LEAK, "closed.go": CLOSED},
                     "leak.go\t6\tresource\toptional: the peer does not judge this\n"
                     "closed.go\t7\tresource\tstyle: Close should use defer\n")
    result = score.score(suite, LEAKCOMMAND)
    assert (result.recall, result.precision) == (None, None)  # nothing counts
    assert [(f.file, f.line) for f in result.neutral] == [("leak.go", 6)]
    assert not result.false_positives and not result.misses


def test_family_must_match_and_tags_get_their_own_recall(tmp_path):
    suite = suite_of(tmp_path, {"leak.go": LEAK, "closed.go": CLOSED},
                     "leak.go\t6\tcontext\t[channel] right line, other family\n"
                     "closed.go\t6\tresource\t[lock] nothing there\n")
    result = score.score(suite, LEAKCOMMAND, select="resource,context")
    assert [f.line for f in result.false_positives] == [6] and result.recall == 0.0
    assert result.tag_recall() == {"channel": (0, 1), "lock": (0, 1)}
    text = score.render([result])
    assert "[channel]" in text and "false positives" in text and "leak.go:6 LL101" in text


def test_command_line_writes_json_and_applies_the_bars(tmp_path):
    suite = suite_of(tmp_path, {"leak.go": LEAK}, "leak.go\t6\tresource\tfound\n")
    out = tmp_path / "scores.json"
    assert score.main([str(suite), "--json", str(out), "--min-recall", "95", "--min-precision", "95"]) == 0
    [entry] = json.loads(out.read_text())
    assert (entry["peer"], entry["recall"], entry["precision"], entry["misses"]) == ("peer", 100.0, 100.0, [])
    (suite / "expected.tsv").write_text("file\tlines\tfamily\tnote\nleak.go\t3\tresource\tmissed\n")
    assert score.main([str(suite), "--min-recall", "95"]) == 1


@pytest.mark.parametrize("row, message", [
    ("leak.go\tsix\tresource\tx\n", "lines must be numbers"),
    ("leak.go\t6\n", "expected 3 or 4"),
    ("gone.go\t6\tresource\tx\n", "no such file in the suite"),
    ("../leak.go\t6\tresource\tx\n", "a path inside the suite"),
    ("leak.go\t0\tresource\tx\n", "start at 1"),
])
def test_malformed_expectations_name_file_and_line(tmp_path, row, message, capsys):
    suite = suite_of(tmp_path, {"leak.go": LEAK}, row)
    with pytest.raises(SuiteError, match=message) as info:
        read_expected(suite)
    assert f"{suite / 'expected.tsv'}:2:" in str(info.value)
    assert score.main([str(suite)]) == 2
    assert message in capsys.readouterr().err


def test_a_missing_suite_is_a_clear_error(tmp_path, capsys):
    assert score.main([str(tmp_path / "nowhere")]) == 2
    assert "no such suite directory" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert score.main([str(tmp_path / "empty")]) == 2
    assert "no expected.tsv" in capsys.readouterr().err


def test_go_wants_reads_quoted_and_raw_messages():
    text = 'a := 1 // want "one \\"q\\"" `two`\nb := 2\nc() // want "three"\n'
    assert [(w.line, w.messages) for w in go_wants(text)] == [(1, ['one \\"q\\"', "two"]), (3, ["three"])]


def test_lostcancel_pairs_each_return_with_its_acquisition():
    text = textwrap.dedent("""\
        func f() {
        	_, cancel := context.WithCancel(bg) // want "not used on all paths"
        	if x {
        		return // want "may be reached without using the cancel var defined on line 2"
        	}
        	ctx, _ := context.WithTimeout(bg, 0) // want "should be called, not discarded"
        }
        """)
    rows = build_lostcancel.rows_of("a/a.go", text)
    assert [(r.lines, r.note) for r in rows] == [((2, 4), "cancel not used on all paths"), ((6,), "cancel discarded")]
    with pytest.raises(SuiteError, match="unknown lostcancel message"):
        build_lostcancel.rows_of("a/a.go", 'f() // want "something else"\n')


def test_g118_rows_are_the_calls_whose_cancel_is_lost():
    code = textwrap.dedent("""\

        package main

        var stop context.CancelFunc

        func f(ctx context.Context) {
        	a, c1 := context.WithCancel(ctx)
        	stop = c1
        	b, c2 := context.WithCancel(ctx)
        	held := c2
        	_ = held
        	d, _ := context.WithTimeout(ctx, 0)
        }

        func g() { stop() }
        """)
    assert build_gosec_g118.lost_calls(code) == [9, 12]  # c1 is called through `stop`


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@e", *args], cwd=cwd, check=True,
                   capture_output=True)


def test_sqlclosecheck_builder_from_a_git_mirror(tmp_path):
    work = tmp_path / "work"
    data = work / "pkg" / "analyzer" / "testdata"
    (data / "rows").mkdir(parents=True)
    (data / "rows" / "missing.go").write_text(LEAK.replace("rows, _ := db.Query(\"SELECT 1\")",
                                                           'rows, _ := db.Query("SELECT 1") // want "not closed"'))
    (data / "rows" / "nondefer.go").write_text('package p\nfunc f() {\n\trows.Close() // want "Close should use defer"\n}\n')
    (data / "rows" / "fine.go").write_text(CLOSED)
    (data / "closed").mkdir()
    (data / "closed" / "skipped.go").write_text(LEAK)
    (work / "LICENSE").write_text("licence text\n")
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "peer")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=work, capture_output=True, text=True).stdout.strip()
    out = tmp_path / "suites" / "sqlclosecheck"
    rows = build_suite(build_sqlclosecheck, work / ".git", out, commit)
    assert sorted((r.file, r.spelled_lines(), r.neutral) for r in rows) == [
        ("rows/fine.go", "-", False), ("rows/missing.go", "6", False), ("rows/nondefer.go", "3", True)]
    assert read_expected(out) == sorted(rows, key=lambda r: r.file)
    assert not (out / "closed").exists() and (out / "LICENSE").read_text() == "licence text\n"
    assert score.score(out, LEAKCOMMAND).recall == 100.0
    with pytest.raises(SuiteError, match="is not in this mirror"):
        Mirror(work / ".git", "0" * 40)


def test_suites_are_never_built_inside_the_repository(tmp_path):
    with pytest.raises(SuiteError, match="outside the repository"):
        fresh_output(ROOT / "build" / "suite")
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "notes.txt").write_text("not a suite")
    with pytest.raises(SuiteError, match="not overwriting"):
        fresh_output(keep)
    assert (keep / "notes.txt").exists()


def test_rows_round_trip_through_the_file(tmp_path):
    from suite import write_expected
    (tmp_path / "x.go").write_text("package x\n")
    rows = [Row("x.go", (3, 9), "context", "[channel] two alternatives"), Row("x.go", (), "-", "clean")]
    write_expected(tmp_path, rows)
    assert read_expected(tmp_path) == [rows[1], rows[0]]


GOKER_TEST = textwrap.dedent('''\
    func TestGoroutineLeakProfile(t *testing.T) {
    	gokerTestCases := []testCase{
    		makeTest("Toy1",
    			`Toy1\\.func2\\(.* \\[chan send\\]`,
    			`\\(\\*server_toy1\\)\\.loop\\(.* \\[select\\]`,
    		),
    		makeFlakyTest("Toy2",
    			`helper_toy2\\(.* \\[sync\\.Mutex\\.Lock\\]`,
    		),
    		// makeTest(testCase{name: "Toy3"},
    		// 	`Toy3\\.func1\\.1\\(.* \\[chan receive\\]`),
    	}
    	patternTestCases := []testCase{
    		makeTest("Pat",
    			`pat\\.func1\\(.* \\[chan send\\]`,
    		),
    	}
    }
    ''')
TOY1 = textwrap.dedent('''\
    package main

    func init() { register("Toy1", Toy1) }

    type server_toy1 struct{ in chan int }

    func (s *server_toy1) loop() {
    	select {
    	case <-s.in:
    	}
    }

    func Toy1() {
    	defer func() {}()
    	go func() {
    		ch := make(chan int)
    		ch <- 1
    	}()
    	s := &server_toy1{}
    	go s.loop()
    }
    ''')
TOY2 = textwrap.dedent('''\
    package main

    func init() { register("Toy2", Toy2); register("Toy3", Toy3) }

    func helper_toy2() {}

    func run_toy2() { helper_toy2() }

    func Toy2() {
    	go run_toy2()
    	go func() {}()
    }

    func Toy3() {
    	go func() {
    		func() {
    			go helper_toy2()
    		}()
    	}()
    }
    ''')
PATTERNS = textwrap.dedent('''\
    package main

    func init() { register("Pat", Pat) }

    func pat() {
    	go func() {}()
    }

    func Pat() { pat() }
    ''')


def test_goker_builder_finds_the_goroutine_starts_the_runtime_test_names(tmp_path):
    import build_goker
    tree = tmp_path / "go"
    base = tree / "src" / "runtime" / "testdata" / "testgoroutineleakprofile"
    (base / "goker").mkdir(parents=True)
    (tree / "src" / "runtime" / "goroutineleakprofile_test.go").write_text(GOKER_TEST)
    (base / "goker" / "toy1.go").write_text(TOY1)
    (base / "goker" / "toy2.go").write_text(TOY2)
    (base / "goker" / "main.go").write_text("package main\n")
    (base / "goker" / "LICENSE").write_text("licence\n")
    (base / "goker" / "README.md").write_text("readme\n")
    (base / "commonpatterns.go").write_text(PATTERNS)
    (tree / "VERSION").write_text("go1.31.2\ntime x\n")
    out = tmp_path / "suite"
    rows = build_suite(build_goker, tree, out)
    got = {r.note.split(":")[0]: (r.file, r.spelled_lines()) for r in rows}
    assert got == {
        "[channel] Toy1": ("goker/toy1.go", "15|20"),  # func2 (func1 is deferred), and go s.loop()
        "[lock] Toy2": ("goker/toy2.go", "10|17"),  # reached through run_toy2 (or started directly)
        # a commented-out case counts; func1.1 runs in func1, and the goroutine it starts
        # is the partner of its channel wait
        "[channel] Toy3": ("goker/toy2.go", "15|17"),
        "[channel] Pat": ("patterns/commonpatterns.go", "6"),
    }
    assert "commented out" in [r.note for r in rows if "Toy3" in r.note][0]
    assert (out / "go.mod").read_text() == "module goker\n\ngo 1.31\n" and not (out / "goker" / "main.go").exists()
    assert score.score(out, LEAKCOMMAND).positives  # the suite scores


def test_goker_builder_names_a_case_it_cannot_place(tmp_path):
    import build_goker
    tree = tmp_path / "go"
    base = tree / "src" / "runtime" / "testdata" / "testgoroutineleakprofile"
    (base / "goker").mkdir(parents=True)
    (tree / "src" / "runtime" / "goroutineleakprofile_test.go").write_text(GOKER_TEST)
    (base / "goker" / "toy1.go").write_text(TOY1.replace("func (s *server_toy1) loop()", "func (s *server_toy1) other()"))
    with pytest.raises(SuiteError, match=r"toy1.go: Toy1: no function of the file matches"):
        build_suite(build_goker, tree, tmp_path / "suite")
    assert not (tmp_path / "suite").exists()


def test_every_context_is_reported_unless_asked_for_the_default_policy(tmp_path):
    leak_in_test = LEAK.replace("func leak(db *sql.DB)", "func TestLeak(t *testing.T, db *sql.DB)")
    suite = suite_of(tmp_path, {"tests/leak_test.go": leak_in_test}, "tests/leak_test.go\t6\tresource\ta test file\n")
    assert score.score(suite, LEAKCOMMAND).recall == 100.0
    assert score.score(suite, LEAKCOMMAND, every_context=False).recall == 0.0  # tests: accumulating only
