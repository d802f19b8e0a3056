"""`leaklint triage` on series: readers, the shape classifier on synthetic series with
noise, restarts and uneven sampling, thresholds and their configuration, the outputs."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys

import pytest
from click.testing import CliRunner

from leaklint.cli import main
from leaklint.triage import inputs
from leaklint.triage.errors import TriageInputError
from leaklint.triage.readers import read_series
from leaklint.triage.shapes import classify
from leaklint.triage.units import parse_size, unit_of_name

MB = 1e6


def run(*args, cwd=None):
    result = CliRunner().invoke(main, ["triage", *map(str, args)], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def csv_text(times, values, header="time,heap_bytes"):
    return header + "\n" + "".join(f"{t:.3f},{v:.0f}\n" for t, v in zip(times, values))


# ---------------------------------------------------------------- synthetic series


def uneven_times(rng, n, duration):
    times, t = [], 0.0
    for _ in range(n):
        t += duration / n * rng.uniform(0.3, 1.7)
        times.append(t)
    return times


def synthetic(shape, rng, n=800, duration=3600.0, level=100 * MB, noise=0.02):
    times = uneven_times(rng, n, duration)
    values = []
    for t in times:
        u = t / times[-1]
        if shape == "flat":
            v = 0.0
        elif shape == "linear":
            v = 150 * MB * u
        elif shape == "step":
            v = 40 * MB * sum(1 for at in (0.2, 0.45, 0.7) if u >= at)
        elif shape == "spike":
            v = 0.0 if u < 0.5 else 200 * MB * max(0.2, 1 - (u - 0.52) * 10) if u >= 0.52 else \
                200 * MB * (u - 0.5) / 0.02
        else:  # sawtooth: eight ramps of 80 MB
            v = 80 * MB * ((u * 8) % 1.0)
        gc_wave = 0.05 * level * ((t / (duration / n * 4)) % 1.0)
        values.append(level + v + gc_wave + rng.gauss(0, noise * level))
    return times, values


@pytest.mark.parametrize("shape", ["flat", "linear", "step", "spike", "sawtooth"])
def test_each_shape_with_noise_gc_waves_and_uneven_sampling(shape):
    rng = random.Random(11)
    for _ in range(5):
        times, values = synthetic(shape, rng)
        result = classify(times, values)
        assert result.shape == shape
        assert 0.5 <= result.confidence <= 1.0


def test_linear_growth_rate_is_measured_per_hour(tmp_path):
    times, values = synthetic("linear", random.Random(3))
    code, out, _ = run(write(tmp_path, "heap.csv", csv_text(times, values)), "--format", "json")
    entry = json.loads(out)["series"][0]
    assert code == 1
    assert entry["shape"] == "linear" and entry["unit"] == "MB"
    assert entry["growth_per_hour"] == pytest.approx(150, rel=0.1)  # 150 MB over the hour


def test_restarts_split_the_series_into_segments():
    rng = random.Random(5)
    times, values = [], []
    t = 0.0
    for life in range(3):  # three runs of the same leaking process, down for 2 minutes between
        for i in range(300):
            t += rng.uniform(5, 15)
            times.append(t)
            values.append(50 * MB + 60 * MB * i / 300 + rng.gauss(0, MB))
        t += 120
    result = classify(times, values)
    assert result.shape == "linear"
    assert result.restarts == 2
    assert [s.shape for s in result.segments] == ["linear"] * 3
    per_hour = result.slope * 3600 / MB
    assert per_hour == pytest.approx(60 / (300 * 10 / 3600), rel=0.15)


def test_a_sawtooth_is_not_taken_for_restarts():
    times = [float(i) for i in range(1000)]
    values = [20 * MB + 30 * MB * ((i % 125) / 125) for i in range(1000)]
    result = classify(times, values)
    assert result.shape == "sawtooth"
    assert result.detail["teeth"] == 7
    assert result.detail["period_seconds"] == pytest.approx(125, rel=0.05)


def test_gc_waves_alone_are_flat():
    rng = random.Random(2)
    times = uneven_times(rng, 2000, 7200)
    values = [80 * MB + 6 * MB * ((i / 3.3) % 1.0) + rng.gauss(0, 0.5 * MB) for i in range(2000)]
    assert classify(times, values).shape == "flat"


def test_a_million_samples_are_reduced_and_classified():
    n = 1_000_000
    times = [i * 0.5 for i in range(n)]
    values = [10 * MB + i * 20.0 + (i % 13) * 1000.0 for i in range(n)]
    result = classify(times, values)
    assert result.shape == "linear"
    assert result.slope * 3600 / MB == pytest.approx(20.0 * 2 * 3600 / MB, rel=0.02)


# ---------------------------------------------------------------- readers


def test_units():
    assert parse_size("512MiB") == 512 * 1024 ** 2
    assert parse_size("1.5 GB") == 1.5e9
    assert parse_size("200") == 200
    with pytest.raises(ValueError, match="unknown unit"):
        parse_size("12 parsecs")
    assert unit_of_name("rss (MiB)") == ("bytes", 1024 ** 2)
    assert unit_of_name("heap_mb") == ("bytes", 1e6)
    assert unit_of_name("go_goroutines") == ("goroutines", 1.0)
    assert unit_of_name("requests") == ("count", 1.0)


def test_csv_units_in_header_and_cells_and_iso_times(tmp_path):
    text = ("timestamp,rss (MiB),heap,goroutines\n"
            "2024-05-01T10:00:00Z,100,12MB,10\n"
            "2024-05-01T10:00:30Z,101,12.5MB,11\n"
            "2024-05-01T10:01:00+00:00,,13 MB,12\n")
    rss, heap, goroutines = read_series("m.csv", text)
    assert rss.name == "rss (MiB)" and rss.kind == "bytes"
    assert rss.values == [100 * 1024 ** 2, 101 * 1024 ** 2]  # the empty cell is a gap
    assert rss.times[1] - rss.times[0] == 30
    assert heap.kind == "bytes" and heap.values == [12e6, 12.5e6, 13e6]
    assert goroutines.kind == "goroutines" and goroutines.values == [10, 11, 12]


def test_whitespace_columns_without_header_and_epoch_milliseconds():
    text = "1714557600000 1000\n1714557601000 1100\n1714557602000 1200\n"
    (series,) = read_series("g.txt", text)
    assert series.times == [1714557600.0, 1714557601.0, 1714557602.0]
    assert series.values == [1000, 1100, 1200]


def test_json_lines_with_nested_fields():
    text = '{"ts": 1, "mem": {"rss": "10MB"}, "queue": 3}\n{"ts": 2, "mem": {"rss": "11MB"}, "queue": 4}\n'
    series = {s.name: s for s in read_series("x.jsonl", text)}
    assert series["mem.rss"].values == [10e6, 11e6] and series["mem.rss"].kind == "bytes"
    assert series["queue"].values == [3, 4] and series["queue"].kind == "count"


def test_go_expvar_samples():
    sample = {"cmdline": ["srv"], "memstats": {"HeapAlloc": 1000, "HeapInuse": 2000, "Sys": 9000,
                                               "NumGC": 3}}
    lines = [json.dumps(dict(sample, time=f"2024-05-01T10:00:0{i}Z", goroutines=5 + i))
             for i in range(3)]
    series = {s.name: s for s in read_series("vars.jsonl", "\n".join(lines))}
    assert set(series) == {"HeapAlloc", "HeapInuse", "Sys", "goroutines"}
    assert series["goroutines"].kind == "goroutines" and series["goroutines"].values == [5, 6, 7]


def test_node_memory_usage_spread_over_lines():
    text = ("2024-05-01T10:00:00.000Z memory {\n  rss: 41000000,\n  heapTotal: 5000000,\n"
            "  heapUsed: 3000000,\n  external: 1000000,\n  arrayBuffers: 10000\n}\n"
            "2024-05-01T10:00:01.000Z memory { rss: 42000000, heapTotal: 5000000, heapUsed: 3500000, "
            "external: 1000000, arrayBuffers: 10000 }\n")
    series = {s.name: s for s in read_series("node.log", text)}
    assert list(series) == ["rss", "heapTotal", "heapUsed", "external"]
    assert series["heapUsed"].values == [3e6, 3.5e6]
    assert series["heapUsed"].times == [1714557600.0, 1714557601.0]


def test_prometheus_matrix_names_series_from_labels():
    answer = {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": "go_goroutines", "job": "api"}, "values": [[1, "10"], [2, "NaN"], [3, "12"]]},
        {"metric": {"__name__": "process_resident_memory_bytes", "job": "api"},
         "values": [[1, "100"], [2, "200"]]}]}}
    g, rss = read_series("q.json", json.dumps(answer))
    assert g.name == 'go_goroutines{job="api"}' and g.kind == "goroutines" and g.values == [10, 12]
    assert rss.kind == "bytes"


@pytest.mark.parametrize("text, message", [
    ("", "empty file"),
    ("time,heap\n1,2\n2\n", "x.csv:3: 1 fields where the header has 2"),
    ("time,heap\n1,2\n2,lots\n", "x.csv:3: 'lots' is not a size"),
    ("time,heap\nnoon,2\n", "x.csv:2: 'noon' is not a time"),
    ('{"heap": 1}\n', "no time field"),
    ('{"t": 1, "heap": 1}\nnot json\n', "x.csv:2: not JSON"),
    ('{"t": 1, "heap": 1}\n{"t": 2, "heap": 2},{"t": 3, "heap": 3}\n', "x.csv:2: not JSON"),
    ('{"t": 1, "heap": 1}\n[1]\n', "x.csv:2: expected a JSON object per line"),
    ('{"status": "success", "data": {"resultType": "vector", "result": []}}', "use a range query"),
    ("memory { rss: 1, heapUsed: 2 }\n", "without a time"),
])
def test_bad_series_name_file_and_line(text, message):
    with pytest.raises(TriageInputError, match=message.replace("(", r"\(")):
        read_series("x.csv", text)


def test_cli_bad_inputs_exit_2_with_one_line_each(tmp_path):
    good = write(tmp_path, "good.csv", "t,heap_mb\n0,10\n1,10\n2,10\n3,10\n4,10\n5,10\n")
    ragged = write(tmp_path, "ragged.csv", "t,heap\n1,2\n2\n")
    binary = tmp_path / "core.bin"
    binary.write_bytes(b"\x7fELF\0\0\x01")
    code, out, err = run(good, ragged, binary, tmp_path / "missing.csv", tmp_path)
    assert code == 2
    assert "heap_mb" in out  # the good file is still reported
    lines = err.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("leaklint: error: ") for line in lines)
    assert "ragged.csv:3:" in lines[0] and "core.bin: a binary file" in lines[1]
    assert "missing.csv: no such file" in lines[2] and "is a directory" in lines[3]
    assert "Traceback" not in err


# ---------------------------------------------------------------- the command


def test_text_output_has_sparklines_shape_trend_and_thresholds(tmp_path):
    times = [i * 60.0 for i in range(120)]
    values = [100 * MB + 2 * MB * i for i in range(120)]  # 2 MB a minute for two hours
    code, out, _ = run(write(tmp_path, "heap.csv", csv_text(times, values)), "--limit", "1GiB")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("heap_bytes  (") and "120 samples over 1h 59m" in lines[0]
    assert lines[1].startswith("  data ▁") and lines[1].rstrip().endswith("101.0 MB .. 337.0 MB")
    assert lines[2].startswith("  fit  ▁") and "█" in lines[2]
    assert lines[3].startswith("  linear (confidence ") and "+120 MB/hour" in lines[3]
    assert "limit 1.1 GB: reached in about 6h" in out
    assert "investigate: 60.0 MB per 30 min (threshold 50.0 MB per 30 min)" in out
    assert "alert: 2.0 MB/min (threshold 1.0 MB/min sustained)" in out
    assert out.endswith("1 series: 0 flat, heap_bytes linear; 2 thresholds crossed.\n")


def test_json_output_fields(tmp_path):
    times = [i * 10.0 for i in range(200)]
    values = [5 + (i if i < 150 else 149) for i in range(200)]  # goroutines, then stable
    path = write(tmp_path, "g.csv", csv_text(times, values, "time,goroutines"))
    code, out, _ = run(path, "--format", "json")
    doc = json.loads(out)
    assert list(doc) == ["series"]
    (entry,) = doc["series"]
    for key in ("name", "shape", "confidence", "growth_per_hour", "unit", "thresholds", "segments"):
        assert key in entry
    assert entry["unit"] == "goroutines" and entry["baseline"] == 10
    assert entry["thresholds"] == [{
        "name": "goroutines-investigate", "action": "investigate",
        "threshold": "100 goroutines above the baseline", "observed": "144 above the baseline of 10"}]


def test_flat_series_exit_0(tmp_path):
    rng = random.Random(1)
    times = [i * 15.0 for i in range(300)]
    values = [60 * MB + rng.gauss(0, MB) for _ in times]
    code, out, _ = run(write(tmp_path, "ok.csv", csv_text(times, values)))
    assert code == 0 and "flat (confidence" in out and "0 thresholds crossed" in out


def test_exit_zero_and_bad_limit(tmp_path):
    times = [i * 60.0 for i in range(100)]
    path = write(tmp_path, "heap.csv", csv_text(times, [MB * (10 + i) for i in range(100)]))
    assert run(path, "--exit-zero")[0] == 0
    code, _, err = run(path, "--limit", "lots")
    assert code == 2 and err == "leaklint: error: --limit: 'lots' is not a size (e.g. 512MiB, 1.5GB, 200000000)\n"


def test_thresholds_from_config(tmp_path):
    times = [i * 60.0 for i in range(100)]
    path = write(tmp_path, "heap.csv", csv_text(times, [MB * (10 + 0.5 * i) for i in range(100)]))
    code, out, _ = run(path, "--format", "json")
    assert json.loads(out)["series"][0]["thresholds"] == []  # 30 MB/hour is under both defaults
    config = write(tmp_path, "leaklint.toml",
                   '[triage]\nheap-growth-investigate = "10MB"\nheap-rate-alert = "0.25MB"\nlimit = "100MB"\n')
    code, out, _ = run(path, "--format", "json", "--config", config)
    entry = json.loads(out)["series"][0]
    assert [t["name"] for t in entry["thresholds"]] == ["heap-growth-investigate", "heap-rate-alert"]
    assert entry["limit"] == 100 and entry["hours_to_limit"] == pytest.approx(1.35, rel=0.05)


@pytest.mark.parametrize("table, message", [
    ('[triage]\nheap-growth = "10MB"\n', "leaklint.toml:2: triage.heap-growth: unknown key"),
    ('[triage]\nlimit = "big"\n', "leaklint.toml:2: triage.limit: 'big' is not a size"),
    ("[triage]\ngoroutines-investigate = -1\n", "triage.goroutines-investigate: expected a number"),
    ("[triage]\nflat-tolerance = 2\n", "triage.flat-tolerance: expected a fraction"),
    ('triage = "on"\n', "leaklint.toml:1: triage: expected a table"),
])
def test_bad_triage_config_exits_2_naming_file_and_key(tmp_path, table, message):
    config = write(tmp_path, "leaklint.toml", table)
    series = write(tmp_path, "s.csv", "t,v\n1,1\n2,2\n")
    code, _, err = run(series, "--config", config)
    assert code == 2 and message in err and len(err.splitlines()) == 1


def test_plot_png_and_svg(tmp_path):
    times, values = synthetic("step", random.Random(4))
    path = write(tmp_path, "heap.csv", csv_text(times, values))
    for name in ("out.png", "out.svg"):
        code, _, err = run(path, "--plot", tmp_path / name, "--limit", "512MiB")
        assert code == 1, err
    assert (tmp_path / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "out.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "fit: step" in svg


def test_plot_needs_a_picture_format_and_matplotlib(tmp_path):
    path = write(tmp_path, "s.csv", "t,v\n1,1\n2,2\n")
    code, _, err = run(path, "--plot", tmp_path / "out.pdf")
    assert code == 2 and "--plot writes .png or .svg" in err
    blocked = ("import sys; sys.modules['matplotlib'] = None\n"
               "from leaklint.cli import main\n"
               f"main(['triage', {str(path)!r}, '--plot', {str(tmp_path / 'o.png')!r}])")
    done = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr == "leaklint: error: --plot needs matplotlib: pip install 'leaklint-code[plot]'\n"
    assert not (tmp_path / "o.png").exists()


def test_names_from_files_cannot_drive_the_terminal_or_the_plot(tmp_path):
    path = write(tmp_path, "s.csv", "t,heap\x1b[2J$x^{\n" + "".join(f"{i},{i}\n" for i in range(20)))
    code, out, err = run(path, "--plot", tmp_path / "p.svg")
    assert "\x1b" not in out and "heap\\x1b[2J$x^{" in out
    svg = (tmp_path / "p.svg").read_text()
    assert code == 1 and err == "" and "\x1b" not in svg and svg.rstrip().endswith("</svg>")


@pytest.mark.parametrize("text, kind", [
    ("goroutine profile: total 12\n5 @ 0x1 0x2\n", inputs.GOROUTINE_DUMP),
    ("goroutine 1 [running]:\nmain.main()\n\t/x/main.go:10 +0x1d\n", inputs.GOROUTINE_DUMP),
    ('{"snapshot":{"meta":{}}, "nodes":[]}', inputs.HEAPSNAPSHOT),
    ("/app/cache.py:12: size=3072 KiB (+3072 KiB), count=3 (+3), average=1024 KiB\n", inputs.TRACEMALLOC),
    ("time,heap\n1,2\n", inputs.SERIES),
])
def test_input_kinds(tmp_path, text, kind):
    assert inputs.detect_kind(str(write(tmp_path, "input", text))) == kind


def test_gzip_inputs_are_read_through(tmp_path):
    import gzip

    path = tmp_path / "heap.csv.gz"
    path.write_bytes(gzip.compress(b"t,heap_mb\n" + b"".join(b"%d,%d\n" % (i, 10 + i) for i in range(30))))
    code, out, _ = run(path, "--format", "json")
    assert json.loads(out)["series"][0]["shape"] == "linear"


def test_many_samples_end_to_end(tmp_path):
    rng = random.Random(9)
    n = 200_000
    lines = ["time,heap_bytes"]
    t = 1.7e9
    for i in range(n):
        t += rng.uniform(0.5, 1.5)
        lines.append(f"{t:.3f},{50e6 + 30 * i + rng.gauss(0, 1e6) + 3e6 * math.sin(i / 7):.0f}")
    code, out, _ = run(write(tmp_path, "big.csv", "\n".join(lines)), "--format", "json")
    entry = json.loads(out)["series"][0]
    assert entry["samples"] == n and entry["shape"] == "linear"


def test_scan_joins_goroutine_dumps_to_the_static_finding(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parent
    dumps = sorted((root / "data" / "triage" / "goroutines-debug2").glob("goroutines-*.txt"))
    code, out, err = run(*dumps, "--scan", root / "programs" / "goleak", "--format", "json")
    doc = json.loads(out)
    assert set(doc) == {"goroutines", "findings"}, err
    first = doc["findings"][0]
    assert (first["code"], first["line"], first["runtime"]["status"]) == ("LL610", 30, "confirmed")
    assert code == 1  # the runtime confirms a finding
    report = tmp_path / "scan.json"
    assert CliRunner().invoke(main, ["check", str(root / "programs" / "goleak"), "--format", "json",
                                     "--extend-select", "LL610",  # opt-in: low precision alone
                                     "-o", str(report), "--no-cache"]).exit_code == 1
    code, out, _ = run(*dumps, "--scan", report)
    assert "CONFIRMED" in out and "LL610" in out
    code, _, err = run(*dumps, "--scan", tmp_path / "nowhere")
    assert code == 2 and "nowhere: no such file or directory" in err


@pytest.mark.parametrize("seed", range(3))
def test_damaged_inputs_give_an_input_error_or_series(seed):
    """Bytes cut, swapped and dropped from real captures: every outcome is series or a
    TriageInputError, never another exception."""
    from pathlib import Path

    from leaklint.triage.inputs import read_text

    rng = random.Random(seed)
    data = Path(__file__).resolve().parent / "data" / "triage" / "series"
    sources = [read_text(str(p)) for p in sorted(data.iterdir())]
    for _ in range(60):
        text = rng.choice(sources)
        cut = rng.randrange(len(text))
        edit = rng.choice(["truncate", "garble", "drop-line", "json"])
        if edit == "truncate":
            text = text[:cut]
        elif edit == "garble":
            text = text[:cut] + "".join(rng.choice(',:{}"\n 9.eZ-\t#') for _ in range(8)) + text[cut + 8:]
        elif edit == "drop-line":
            lines = text.splitlines()
            del lines[rng.randrange(len(lines))]
            text = "\n".join(lines)
        else:
            text = '{"data": {"resultType": "matrix", "result": [' + text[:cut] + "]}}"
        try:
            series = read_series("damaged", text)
        except TriageInputError as exc:
            assert str(exc).startswith("damaged")
            continue
        for s in series:
            assert len(s.times) == len(s.values) and s.times
            classify(s.sorted().times, s.sorted().values)


def test_non_finite_samples_are_left_out(tmp_path):
    (series,) = read_series("x.csv", "t,heap\n1,10\n2,inf\n3,nan\n4,12\n5,-inf\n")
    assert series.times == [1, 4] and series.values == [10, 12]
    with pytest.raises(TriageInputError, match="x.csv: no finite samples"):
        read_series("x.csv", "t,heap\n1,inf\n")


def _shown_runs(text: str):
    """(arguments, output) of each ``$ leaklint triage ...`` block of a document."""
    import re
    import shlex

    for m in re.finditer(r"```text\n\$ leaklint triage (.*?)\n(.*?)```", text, re.S):
        if "--scan" in m.group(1):  # shown in part
            continue
        args = []
        for word in shlex.split(m.group(1)):
            brace = re.fullmatch(r"(.*)\{(.*)\}(.*)", word)
            args += [brace.group(1) + alt + brace.group(3) for alt in brace.group(2).split(",")] \
                if brace else [word]
        yield args, m.group(2)


@pytest.mark.parametrize("document", ["README.md", "docs/triage.md"])
def test_the_runs_shown_in_the_docs_are_what_triage_prints(document, tmp_path, monkeypatch):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    runs = list(_shown_runs((root / document).read_text(encoding="utf-8")))
    assert runs
    monkeypatch.chdir(root)
    for args, shown in runs:
        if "--plot" in args:  # drawn again elsewhere, not over the committed picture
            args[args.index("--plot") + 1] = str(tmp_path / "picture.png")
        result = CliRunner().invoke(main, ["triage", *args])
        assert result.stdout == shown, f"{document}: leaklint triage {' '.join(args)}"
        assert result.exit_code == 1


def test_output_file(tmp_path):
    path = write(tmp_path, "g.csv", "t,goroutines\n" + "".join(f"{i},{10 + 3 * i}\n" for i in range(60)))
    code, out, _ = run(path, "--format", "json", "-o", tmp_path / "triage.json")
    assert code == 1 and out == ""
    assert json.loads((tmp_path / "triage.json").read_text())["series"][0]["shape"] == "linear"


@pytest.mark.parametrize("folder, pattern", [
    ("goroutines-debug2", "goroutines-*.txt"), ("tracemalloc", "statistics-*.txt")])
def test_dumps_that_show_growth_exit_1(folder, pattern):
    from pathlib import Path

    dumps = sorted((Path(__file__).resolve().parent / "data" / "triage" / folder).glob(pattern))
    code, out, err = run(*dumps)
    assert code == 1 and err == "" and "Growing" in out
    assert run(*dumps, "--exit-zero")[0] == 0
