"""tracemalloc text dumps of tests/programs/pyleak.py (committed captures and a live run)."""

from __future__ import annotations

import pytest

from leaklint.triage import tracemalloc
from leaklint.triage.errors import TriageInputError
from triage_programs import DATA, PROGRAMS, run_pyleak

SOURCE = (PROGRAMS / "pyleak.py").read_text().splitlines()
LEAK_LINE = next(i for i, line in enumerate(SOURCE, 1) if "_seen[request_id] =" in line)
BUFFER_LINE = next(i for i, line in enumerate(SOURCE, 1) if "buffer.append" in line)


def dumps(kind: str) -> list[str]:
    return [str(DATA / "tracemalloc" / f"{kind}-{i}.txt") for i in (1, 2, 3)]


def test_statistics_dumps_rank_the_leaking_line_first():
    result = tracemalloc.analyse(dumps("statistics"))
    top = result["sites"][0]
    assert (top["file"], top["line"]) == ("tests/programs/pyleak.py", LEAK_LINE)
    assert top["counts"] == [2001, 4001, 6001] and top["grows_every_step"]
    assert top["sizes"][0] == 1340 * 1024 and top["growth_bytes"] == (4091 - 1340) * 1024
    # the per-step buffer is replaced: same size in every dump, not reported
    assert BUFFER_LINE not in {s["line"] for s in result["sites"]}


def test_compare_dumps_add_the_first_snapshot_as_a_point():
    result = tracemalloc.analyse(dumps("compare"))
    assert result["points"] == 4
    top = result["sites"][0]
    assert top["line"] == LEAK_LINE and top["sizes"][0] == 0
    assert top["counts"] == [0, 2001, 4001, 6001]
    one = tracemalloc.analyse(dumps("compare")[2:])
    assert one["points"] == 2 and one["sites"][0]["growth_count"] == 6001


def test_several_dumps_in_one_file(tmp_path):
    log = tmp_path / "leak.log"
    log.write_text("".join(f"[ Top 15 at step {i} ]\n" + open(p).read() + "\n"
                           for i, p in enumerate(dumps("statistics"), 1)))
    assert tracemalloc.analyse([str(log)])["sites"] == \
        tracemalloc.analyse(dumps("statistics"))["sites"]


def test_a_site_cut_from_a_dump_has_no_value_there():
    sites = {s["line"]: s for s in tracemalloc.analyse(dumps("statistics"))["sites"]}
    appears_later = [s for s in sites.values() if s["sizes"][0] is None]
    assert appears_later and all(not s["grows_every_step"] for s in appears_later)


def test_units_and_text():
    assert tracemalloc.size_text(48) == "48 B"
    assert tracemalloc.size_text(64000) == "62.5 KiB"
    assert tracemalloc.size_text(1340 * 1024) == "1340 KiB"
    text = tracemalloc.render_text(tracemalloc.analyse(dumps("statistics")))
    assert f"+2751 KiB  tests/programs/pyleak.py:{LEAK_LINE}  1340 KiB -> 2679 KiB -> 4091 KiB" \
        in text


def test_bad_input(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("nothing to see\n")
    with pytest.raises(TriageInputError, match="no tracemalloc statistics"):
        tracemalloc.analyse([str(bad)])
    with pytest.raises(TriageInputError, match="two or more"):
        tracemalloc.analyse(dumps("statistics")[:1])


def test_live_dumps_of_the_leaking_program(tmp_path):
    files = run_pyleak(tmp_path, steps=3)
    result = tracemalloc.analyse([str(f) for f in files if f.name.startswith("statistics")])
    top = result["sites"][0]
    assert (top["file"], top["line"]) == (str(PROGRAMS / "pyleak.py"), LEAK_LINE)
    assert top["grows_every_step"] and top["growth_count"] == 4000


def test_looks_like():
    assert all(tracemalloc.looks_like(open(p).read(2000)) for p in dumps("compare"))
    assert not tracemalloc.looks_like("time,rss\n1,2\n")


def test_damaged_lines_never_raise_anything_else(tmp_path):
    import random

    good = open(dumps("compare")[1], encoding="utf-8").read()
    rng = random.Random(3)
    dump = tmp_path / "dump.txt"
    for _ in range(300):
        text = list(good)
        for _ in range(rng.randint(1, 6)):
            text[rng.randrange(len(text))] = rng.choice("():+-=,. 0123456789KMiB\n\x00")
        dump.write_text("".join(text), encoding="utf-8")
        try:
            tracemalloc.analyse([str(dump), dumps("compare")[2]])
        except TriageInputError:
            pass
