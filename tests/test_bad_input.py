"""Bad input of every kind: each gets a one-line message naming the file, the right exit
code, no traceback, and the other files' findings are still all reported."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest
from click.testing import CliRunner

from conftest import LEAKY_GO
from fuzz_support import sarif_validator
from leaklint import analyze
from leaklint.analyze import analyze_file
from leaklint.settings import Settings
from leaklint.api import check_paths
from leaklint.catalogue import Rule
from leaklint.cli import main
from leaklint.config import Config
from leaklint.deadline import Deadline, FileTimeout
from leaklint.report.fingerprint import line_hashes

LEAK = "leaky.go:6:15: LL101"
ONE_LINE_LEAK = ('package p; import "database/sql"; func f(db *sql.DB) error { '
                 'rows, err := db.Query("x"); if err != nil { return err }; _ = rows.Next(); return nil }\n')


def check(*args):
    return CliRunner().invoke(main, ["check", *args, "--no-cache", "-j", "1"],
                              catch_exceptions=False)


def ok(r, code=1, leak=True):
    """The run ended with ``code``, without a traceback, and still reported the leak."""
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output
    if leak:
        assert LEAK in r.output, r.output
    return r.output


def json_of(*args) -> dict:
    return json.loads(check(*args, "--format", "json").stdout)


def sarif_of(*args) -> dict:
    doc = json.loads(check(*args, "--format", "sarif").stdout)
    sarif_validator().validate(doc)
    return doc


def positions(doc: dict) -> list:
    return [(f["path"], f["line"], f["column"], f["end_line"], f["end_column"])
            for f in doc["findings"]]


def sarif_regions(doc: dict) -> dict:
    out = {}
    for r in doc["runs"][0]["results"]:
        loc = r["locations"][0]["physicalLocation"]
        out[loc["artifactLocation"]["uri"]] = loc["region"]
    return out


# -- content ---------------------------------------------------------------------------


def test_binary_and_undecodable_files(tree):
    (tree / "image.go").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 8)
    (tree / "noise.go").write_bytes(bytes(range(128, 256)) * 4)
    out = ok(check("."))
    assert "image.go: skipped: binary content (NUL bytes)" in out
    assert "noise.go: unreadable: not valid UTF-8 (byte 0); re-save it as UTF-8" in out


@pytest.mark.parametrize("bom,codec", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_utf16_with_bom_has_the_positions_of_its_text(tree, bom, codec):
    (tree / "wide.go").write_bytes(bom + LEAKY_GO.encode(codec))
    doc = json_of(".")
    assert positions(doc) == [("leaky.go", 6, 15, 6, 35), ("wide.go", 6, 15, 6, 35)]
    assert not doc["diagnostics"]


def test_utf8_bom_is_not_a_column(tree):
    (tree / "bom.go").write_bytes(b"\xef\xbb\xbf" + ONE_LINE_LEAK.encode())
    (tree / "nobom.go").write_text(ONE_LINE_LEAK)
    doc = json_of(".")
    col = ONE_LINE_LEAK.index("db.Query") + 1
    by_path = {p[0]: p[1:3] for p in positions(doc)}
    assert by_path["bom.go"] == by_path["nobom.go"] == (1, col)
    regions = sarif_regions(sarif_of("."))
    assert regions["bom.go"]["startColumn"] == regions["nobom.go"]["startColumn"] == col


@pytest.mark.parametrize("eol", ["\r\n", "\r", "mixed"])
def test_line_endings_keep_lines_and_columns(tree, eol):
    """CRLF, lone CR (a line break, as editors, SARIF viewers and GitHub count it) and a
    mix: the same lines and columns in text, JSON and SARIF, and GitHub's line hashes."""
    if eol == "mixed":
        lines = LEAKY_GO.split("\n")
        text = "".join(line + ("\r\n", "\r", "\n")[i % 3] for i, line in enumerate(lines[:-1]))
    else:
        text = LEAKY_GO.replace("\n", eol)
    (tree / "leaky.go").write_bytes(text.encode())
    out = ok(check("."))
    assert "on the return at line 11" in out
    doc = json_of(".")
    assert positions(doc) == [("leaky.go", 6, 15, 6, 35)]
    assert doc["findings"][0]["related"][0]["line"] == 11
    sarif = sarif_of(".")
    assert sarif_regions(sarif)["leaky.go"] == {"startLine": 6, "startColumn": 15,
                                               "endLine": 6, "endColumn": 35}
    result = sarif["runs"][0]["results"][0]
    assert result["partialFingerprints"]["primaryLocationLineHash"] == line_hashes(text)[5]


def test_tabs_and_wide_characters_in_columns(tree):
    prefix = '\t_ = "\U0001d4b3é中\t😀"; '
    (tree / "leaky.go").write_text(LEAKY_GO.replace("\trows, err", prefix + "rows, err"))
    doc = json_of(".")
    start = len(prefix) + len("rows, err := ") + 1
    call = len('db.Query("SELECT 1")')
    assert positions(doc) == [("leaky.go", 6, start, 6, start + call)]
    astral = 2  # U+1D4B3 and U+1F600 take two UTF-16 code units each
    assert sarif_regions(sarif_of("."))["leaky.go"] == {
        "startLine": 6, "startColumn": start + astral, "endLine": 6,
        "endColumn": start + astral + call}


def test_empty_files(tree):
    for name in ("empty.go", "empty.py", "empty.ts", "empty.js", "empty.tsx"):
        (tree / name).write_bytes(b"")
    out = ok(check("."))
    assert "empty" not in out
    assert "in 1 of 7 files scanned." in out


def test_huge_single_line_file_is_skipped_quickly(tree):
    big = b"var a=function(b){return b+1};" * (20 * 1024 * 1024 // 30)
    (tree / "bundle.min.js").write_bytes(big)
    (tree / "bundle.go").write_bytes(b'package p; import "database/sql"; var q = db.Query; '
                                     b"var x = []int{" + b"1," * (len(big) // 2) + b"}")
    t0 = time.monotonic()
    out = ok(check("."))
    assert "bundle.min.js: skipped: file is" in out and "over the size limit" in out
    assert "bundle.go: skipped: file is" in out
    (tree / "leaklint.toml").write_text(f"max-file-size = {64 * 1024 * 1024}\n")
    out = ok(check("."))
    assert "bundle.go: skipped: looks minified or generated" in out
    # with rules for its language it is skipped the same way; never parsed at length
    assert "bundle.min.js: timeout" not in out and "internal-error" not in out
    assert time.monotonic() - t0 < 30


DEEP = 10_000
PY_DEEP = 600  # Python nests by indentation: 600 levels is already 180 KB


def _nest(open_, close, inner="", n=DEEP) -> str:
    """``n`` levels of ``open_``/``close``, one a line (so the file is not 'minified')."""
    return (open_ + "\n") * n + inner + "\n" + (close + "\n") * n


DEEP_SOURCES = {
    "deep.go": ('package p\nimport "database/sql"\nfunc f(db *sql.DB) {\n'
                '\trows, err := db.Query("x")\n' + _nest("if err != nil {", "}", "return")
                + "_ = rows.Next()\n}\nvar v = " + _nest("(", ")", "1")
                + "func g() {\n" + _nest("go func() {", "}()", "defer close(ch)") + "}\n"),
    "deep.py": ("import threading\nv = " + _nest("[", "]") + "h = " + _nest("f(", ")")
                + "g = " + "lambda: " * DEEP + "open('y')\n"
                + "def f():\n" + "".join(" " * (i + 1) + "if x:\n" for i in range(PY_DEEP))
                + " " * (PY_DEEP + 1) + "fh = open('a')\n"
                + "".join(" " * (i + 1) + "with open('b') as g:\n" for i in range(PY_DEEP))
                + " " * (PY_DEEP + 1) + "t = threading.Thread(target=g)\n"),
    "deep.js": ("const t = setInterval(() => {}, 1);\nconst a = " + _nest("[", "]") + ";\n"
                "function f() {\n" + _nest("if (x) {", "}", 'window.addEventListener("a", f);')
                + "}\nconst g = " + _nest("() => {", "}", "setTimeout(g, 1);") + ";\n"),
    "deep.ts": ("const t: number = setInterval(() => {}, 1);\nconst a = " + _nest("{a:", "}", "1")
                + ";\nclass C {\n m(): void {\n" + _nest("try {", "} finally { clearInterval(t); }",
                                                        "const i = setInterval(() => {}, 5);")
                + " }\n}\n"),
    "deep.tsx": "export const C = () => (\n" + _nest("<div>", "</div>") + ");\n",
}


def test_deep_nesting_in_every_language(tree):
    for name, text in DEEP_SOURCES.items():
        (tree / name).write_text(text)
    # some checks are quadratic in nesting depth: such a file may run into the time limit,
    # which is what the limit is for; it must never crash or overflow the stack
    report = check_paths(["."], config=Config(root=tree, timeout=2.0), select=["ALL"])
    errors = [d for d in report.diagnostics if d.kind == "internal-error" or "minified" in d.message]
    assert not errors, errors
    assert report.files_scanned == 7
    assert [f.path for f in report.findings if f.code == "LL101"] == ["leaky.go"]
    # tree-sitter-python crashes the process on ~550 levels of indentation: not parsed
    assert any(d.path == "deep.py" and "indentation levels deep; not parsed" in d.message
               for d in report.diagnostics)


def test_parse_hazard_only_for_very_deep_python():
    from leaklint.languages import parse_hazard

    def indented(levels, width=1):
        return ("def f():\n" + "".join(" " * (width * (i + 1)) + "if x:\n"
                                       for i in range(levels))
                + " " * (width * (levels + 1)) + 'y = "s"\n').encode()

    assert parse_hazard("python", indented(100, 4)) is None
    assert parse_hazard("python", indented(399)) is None
    assert parse_hazard("python", b"x = 1\n" + b" " * 5000 + b"# a wide comment\n") is None
    assert "indentation levels" in parse_hazard("python", indented(450))
    assert parse_hazard("go", indented(450)) is None


def test_syntax_errors_everywhere(tree):
    junk = "}}} ))) func ( := if { else ] ` ' \" /* \n"
    broken = "".join(line + "\n" + junk for line in LEAKY_GO.split("\n"))
    (tree / "broken.go").write_text(broken)
    for ext in (".py", ".ts", ".js", ".tsx"):
        (tree / f"broken{ext}").write_text(junk * 50)
    out = ok(check("."))
    assert "broken.go: syntax-error: syntax errors from line 2" in out
    assert "internal-error" not in out


# -- files that change under the scan ------------------------------------------------------


def test_file_vanishes_or_changes_during_the_scan(tree, monkeypatch):
    import leaklint.api as api

    real = api.discover

    def discover(*args, **kwargs):
        found = real(*args, **kwargs)
        (tree / "gone.go").unlink()
        os.mkdir(tree / "swapped.go.tmp")
        (tree / "swapped.go").unlink()
        os.rename(tree / "swapped.go.tmp", tree / "swapped.go")  # a file became a directory
        (tree / "grown.go").write_text(LEAKY_GO * 3000)  # grew past the size limit
        return found

    (tree / "gone.go").write_text(LEAKY_GO)
    (tree / "swapped.go").write_text(LEAKY_GO)
    (tree / "grown.go").write_text(LEAKY_GO)
    (tree / "leaklint.toml").write_text("max-file-size = 100000\n")
    monkeypatch.setattr(api, "discover", discover)
    out = ok(check("."))
    assert "gone.go: unreadable: file vanished before it could be read" in out
    assert "swapped.go: unreadable: is a directory" in out
    assert "grown.go: skipped: file is" in out and "over the size limit of 100000 bytes" in out
    assert "Found 1 finding in 1 of 5 files scanned (3 skipped)." in out


def test_file_grows_between_size_check_and_read(tree, monkeypatch):
    (tree / "big.go").write_text(LEAKY_GO * 3000)
    (tree / "leaklint.toml").write_text("max-file-size = 100000\n")
    real_fstat = os.fstat

    def small_at_first(fd):  # the size seen before reading is not the size read
        st = real_fstat(fd)
        return os.stat_result((*st[:6], 10, *st[7:])) if st.st_size > 100000 else st

    monkeypatch.setattr("leaklint.safe_io.os.fstat", small_at_first)
    out = ok(check("."))
    assert "big.go: skipped: file is over the size limit of 100000 bytes" in out


def test_unreadable_file_and_directory(tree, monkeypatch):
    (tree / "secret.go").write_text(LEAKY_GO)
    (tree / "locked").mkdir()
    (tree / "locked" / "x.go").write_text(LEAKY_GO)
    real_open, real_scandir = os.open, os.scandir

    def fake_open(path, *args, **kwargs):
        if str(path).endswith("secret.go"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    def fake_scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr("leaklint.safe_io.os.open", fake_open)
    monkeypatch.setattr("leaklint.discovery.os.scandir", fake_scandir)
    out = ok(check("."))
    assert "secret.go: unreadable: permission denied" in out
    assert "locked: unreadable: cannot list directory: Permission denied" in out


# -- paths -----------------------------------------------------------------------------------


def test_symlink_loops_and_links_out_of_the_tree(tree, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "theirs.go").write_text(LEAKY_GO)
    (tree / "sub").mkdir()
    (tree / "sub" / "loop").symlink_to(tree)
    (tree / "sub" / "self").symlink_to(tree / "sub")
    (tree / "out_dir").symlink_to(outside)
    (tree / "out_file.go").symlink_to(outside / "theirs.go")
    (tree / "dangling.go").symlink_to(tree / "nowhere.go")
    out = ok(check("."))
    assert "theirs.go" not in out and "out_file.go" not in out and "dangling" not in out
    assert "Found 1 finding in 1 of 2 files scanned." in out
    out = ok(check(".", "--follow-symlinks"))
    assert "out_dir/theirs.go:6:15: LL101" in out and "out_file.go:6:15: LL101" in out
    assert str(outside) not in json.dumps(sarif_of(".", "--follow-symlinks"))


def test_non_existent_paths(tree):
    out = ok(check("missing.go", "missing_dir/", "leaky.go"), code=2)
    assert "leaklint: error: missing.go: no such file or directory" in out
    assert "leaklint: error: missing_dir/: no such file or directory" in out


def test_spaces_and_non_ascii_names(tree):
    os.mkdir(tree / "dir with space")
    (tree / "dir with space" / "é ü.go").write_text(LEAKY_GO)
    raw = os.fsencode(tree) + b"/caf\xe9.go"  # not UTF-8: the name has undecodable bytes
    with open(raw, "w") as fh:
        fh.write(LEAKY_GO)
    out = ok(check("."))
    assert "dir with space/é ü.go:6:15: LL101" in out
    assert "caf\\xe9.go:6:15: LL101" in out  # the undecodable byte, escaped
    uris = sorted(sarif_regions(sarif_of(".")))
    assert uris == ["caf%E9.go", "dir%20with%20space/%C3%A9%20%C3%BC.go", "leaky.go"]
    out = ok(check(".", "--format", "text", "-o", "report.txt"), leak=False)
    assert b"caf\\xe9.go:6:15: LL101" in (tree / "report.txt").read_bytes()


def test_directory_named_like_a_source_file(tree):
    (tree / "pkg.go").mkdir()
    (tree / "pkg.go" / "inner.go").write_text(LEAKY_GO)
    (tree / "mod.py").mkdir()
    out = ok(check("."))
    assert "pkg.go/inner.go:6:15: LL101" in out
    assert "is a directory" not in out
    out = ok(check("pkg.go", "leaky.go"))
    assert "pkg.go/inner.go:6:15: LL101" in out


def test_malformed_gitignore(tree):
    (tree / ".git").mkdir()
    (tree / ".gitignore").write_bytes(b"ignored.go\n\\\n[z-a]\n\xff\xfe\x00junk\n!\n")
    (tree / "ignored.go").write_text(LEAKY_GO)
    out = ok(check("."))
    assert "ignored.go" not in out.replace(".gitignore", "")
    assert ".gitignore: unreadable: ignoring malformed pattern '\\\\'" in out
    assert ".gitignore: unreadable: ignoring malformed pattern '[z-a]'" in out


# -- configuration -----------------------------------------------------------------------------

RULE = '''[[rules]]
code = "X001"
name = "pool-thing"
family = "resource"
languages = ["go"]
severity = "warning"
summary = "s"
message = "{message}"
[rules.lifecycle]
acquire = ["{acquire}"]
release = ["Close"]
'''


@pytest.mark.parametrize("text,message", [
    ("select = 'ALL'\n", "leaklint.toml:1: select: expected a list, got a string"),
    ("selec = ['ALL']\n", "leaklint.toml:1: selec: unknown key"),
    ("[select]\na = 1\n", "leaklint.toml:1: select: expected a list, got a table"),
    ("exclude = [1, 2]\n", "leaklint.toml:1: exclude[0]: expected a string, got a whole number"),
    ("timeout = 'slow'\n", "leaklint.toml:1: timeout: expected a number, got a string"),
    ("timeout = nan\n", "leaklint.toml:1: timeout: expected a number, got non-finite number"),
    ("timeout = inf\n", "leaklint.toml:1: timeout: expected a number, got non-finite number"),
    ("timeout = -1\n", "leaklint.toml:1: timeout: must be more than 0"),
    ("max-file-size = 99999999999999999999\n", "leaklint.toml:1: max-file-size: must be at most 1073741824"),
    ("max-file-size = 9223372036854775807\n", "leaklint.toml:1: max-file-size: must be at most"),
    ("max-file-size = 1e9\n", "leaklint.toml:1: max-file-size: expected a whole number, got a number"),
    ("respect-gitignore = 'yes'\n", "leaklint.toml:1: respect-gitignore: expected true or false"),
    ("exclude = ['[z-a]']\n", "leaklint.toml:1: exclude: pattern '[z-a]' is not valid: bad character range z-a"),
    ("extend-exclude = ['\\']\n", "leaklint.toml:1: extend-exclude: pattern '\\\\' is not valid"),
    ("[per-file-ignores]\n'[z-a]' = ['LL101']\n", "leaklint.toml:2: per-file-ignores.\"[z-a]\": pattern is not valid"),
    ("[per-file-ignores]\n'*.go' = 'LL101'\n", "leaklint.toml:2: per-file-ignores.\"*.go\": expected a list, got a string"),
    ("[severity]\nLL101 = 'fatal'\n", "severity.LL101: must be one of error, warning, note"),
    ("select = ['LL9999']\n", "select: unknown rule selector 'LL9999'"),
    ("a = " + "[" * 5000 + "]" * 5000 + "\n", "leaklint.toml: nests too deeply to read"),
    ("select = [\n", "leaklint.toml:1: not valid TOML"),
    ("\xff\xfe", "leaklint.toml:1: not valid TOML"),
    ("rules = [1]\n", "leaklint.toml:1: rules[0]: expected a table, got a whole number"),
    (RULE.replace("{message}", "{nope} {handle}").replace("{acquire}", "*.Get"),
     "rules[0].message: bad placeholder 'nope'"),
    (RULE.replace("{message}", "{handle} {").replace("{acquire}", "*.Get"),
     "rules[0].message: bad placeholder"),
    (RULE.replace("{message}", "m").replace("{acquire}", "*."),
     "rules[0].lifecycle.acquire: '*.' is not a callee pattern"),
    (RULE.replace("{message}", "m").replace("{acquire}", "*"),
     "rules[0].lifecycle.acquire: '*' needs an evidence list"),
    (RULE.replace("{message}", "m").replace("{acquire}", 'a\\")) @x (#eq? @x'),
     "rules[0].lifecycle.acquire"),
    (RULE.replace("{message}", "m").replace("{acquire}", "redis.createClient") + 'awaited = "no"\n',
     "leaklint.toml:12: rules[0].lifecycle.awaited: expected true or false, got a string"),
])
def test_hostile_config_is_one_clear_error(tree, text, message):
    (tree / "leaklint.toml").write_bytes(text.encode("utf-8", "surrogateescape")
                                         if text != "\xff\xfe" else b"\xff\xfe")
    r = check(".")
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_huge_config_values_that_are_valid_still_work(tree):
    patterns = ", ".join(f"'gen{i}/'" for i in range(5000))
    (tree / "leaklint.toml").write_text(f"exclude = [{patterns}]\ntimeout = 3600\n"
                                        f"max-file-size = {1024 ** 3}\n")
    ok(check("."))


def test_bad_exclude_option(tree):
    r = check(".", "--exclude", "[z-a]")
    assert r.exit_code == 2
    assert r.output.strip() == ("leaklint: error: exclude pattern '[z-a]' is not valid: "
                                "bad character range z-a")


def test_config_path_is_a_directory_or_missing(tree):
    r = check(".", "--config", str(tree))
    assert r.exit_code == 2 and "is a directory, not a config file" in r.output
    r = check(".", "--config", "nope.toml")
    assert r.exit_code == 2 and "nope.toml: config file not found" in r.output


# -- output ----------------------------------------------------------------------------------


def test_output_into_missing_directory_read_only_or_full(tree, monkeypatch):
    r = check(".", "-o", "no/such/dir/out.txt")
    assert r.exit_code == 2 and r.output.strip().endswith(
        "leaklint: error: cannot write no/such/dir/out.txt: No such file or directory")
    if os.path.exists("/dev/full"):
        r = check(".", "--format", "json", "-o", "/dev/full")
        assert r.exit_code == 2 and "cannot write /dev/full: No space left on device" in r.output
    (tree / "ro.txt").write_text("old")
    def read_only_directory(*args, **kwargs):  # the report's temporary file
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("leaklint.safe_io.tempfile.mkstemp", read_only_directory)
    r = check(".", "-o", "ro.txt")
    assert r.exit_code == 2 and "cannot write ro.txt: Permission denied" in r.output
    assert (tree / "ro.txt").read_text() == "old"
    r = check(".", "-o", str(tree))
    assert r.exit_code == 2 and "Traceback" not in r.output


# -- internal errors ----------------------------------------------------------------------------


@pytest.fixture
def failing_check(monkeypatch):
    """A check rule that raises on files named boom*.go, and one that never ends."""

    def explode(ctx, rule):
        if os.path.basename(ctx.src.path).startswith("boom"):
            raise RuntimeError("injected failure")

    def spin(ctx, rule):
        if os.path.basename(ctx.src.path).startswith("spin"):
            while True:
                try:
                    time.sleep(0.001)
                except Exception:  # a rule that swallows errors cannot swallow the timeout
                    pass

    injected = {"LL998": explode, "LL997": spin}
    real_check_for = analyze.check_for
    monkeypatch.setattr(analyze, "check_for", lambda code: injected.get(code) or real_check_for(code))
    rules = [Rule(code=code, name=name, family="resource", languages=("go",), severity="warning",
                  summary="test", message="test")
             for code, name in (("LL998", "boom"), ("LL997", "spin"))]
    import leaklint.api as api

    real = api.enabled_rules
    monkeypatch.setattr(api, "enabled_rules", lambda *a, **k: real(*a, **k) + rules)
    return rules


def test_a_failing_rule_is_a_diagnostic_and_the_scan_goes_on(tree, failing_check):
    (tree / "boom.go").write_text(LEAKY_GO)
    out = ok(check("."), code=2)
    assert ("boom.go: internal-error: LL998 failed on this file: RuntimeError: injected failure"
            in out)
    assert "boom.go:6:15: LL101" in out  # the other rules still ran on that file
    out = check(".", "--debug").output
    assert "Traceback" in out and "raise RuntimeError(\"injected failure\")" in out


def test_a_failure_outside_the_rules_is_a_diagnostic(tree, monkeypatch):
    (tree / "boom.go").write_text(LEAKY_GO)
    real = analyze.suppress.is_suppressed

    def flaky(src, finding):
        if src.path.endswith("boom.go"):
            raise ValueError("injected")
        return real(src, finding)

    monkeypatch.setattr(analyze.suppress, "is_suppressed", flaky)
    out = ok(check("."), code=2)
    assert "boom.go: internal-error: analysis failed on this file: ValueError: injected" in out


def test_recursion_in_a_rule_is_a_diagnostic(tree, monkeypatch):
    from leaklint.languages.go import GoAdapter

    def recurse(self, rules):
        return recurse(self, rules)

    monkeypatch.setattr(GoAdapter, "candidates", recurse)
    out = check(".").output
    assert "leaky.go: internal-error: lifecycle rules: code nests too deeply to analyse" in out


# -- the time budget ------------------------------------------------------------------------------


def test_timeout_in_every_format(tree, failing_check):
    (tree / "spin.go").write_text(LEAKY_GO)
    (tree / "leaklint.toml").write_text("timeout = 0.3\n")
    t0 = time.monotonic()
    out = ok(check("."))
    assert time.monotonic() - t0 < 20
    assert "spin.go: timeout: not analysed: over the time limit of 0.3s" in out
    assert "spin.go:6:15" not in out  # a cut-short file reports nothing, not a timing-dependent part
    assert "Found 1 finding in 1 of 3 files scanned (1 over the time limit)." in out
    doc = json_of(".")
    assert {"path": "spin.go", "kind": "timeout",
            "message": "not analysed: over the time limit of 0.3s (config key `timeout`)"} \
        in doc["diagnostics"]
    sarif = sarif_of(".")
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == [
        "spin.go: timeout: not analysed: over the time limit of 0.3s (config key `timeout`)"]
    import signal

    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
    (tree / "spin2.go").write_text(LEAKY_GO)  # worker processes enforce it too
    out = ok(check(".", "-j", "2"))
    assert "spin.go: timeout" in out and "spin2.go: timeout" in out


def test_timeout_off_the_main_thread_uses_the_deadline_checks(tree):
    """In a thread no timer signal is ours: loops over candidates check the deadline."""
    from leaklint.catalogue import builtin_rules
    from leaklint.languages.go import GoAdapter

    body = "".join(f'\tr{i}, err := db.Query("x")\n\tif err != nil {{\n\t\treturn\n\t}}\n'
                   f"\tdefer r{i}.Close()\n" for i in range(300))
    (tree / "many.go").write_text(LEAKY_GO + "\nfunc h(db *sql.DB) {\n" + body + "}\n")
    settings = Settings(rules=tuple(builtin_rules()), timeout=0.2)
    slow = GoAdapter.track

    def track(self, cand):
        time.sleep(0.01)
        return slow(self, cand)

    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("r", analyze_file("many.go", settings)))
    import unittest.mock as mock

    with mock.patch.object(GoAdapter, "track", track):
        thread.start()
        thread.join(30)
    assert [d.kind for d in out["r"].diagnostics] == ["timeout"]


def test_parse_is_cancelled_at_the_deadline():
    from leaklint import languages

    data = b"package p\nfunc f() {\n" + b"\tx := []int{1, 2, 3}\n" * 300_000 + b"}\n"
    deadline = Deadline(0.01)
    with pytest.raises(FileTimeout):
        deadline.parse(languages.parser("go"), data)
    tree = Deadline(None).parse(languages.parser("go"), b"package p\n")
    assert not tree.root_node.has_error


def test_a_small_text_is_parsed_in_one_call():
    """The cancellable parse (a callback, then a second parse) is kept for texts large
    enough to matter."""
    from leaklint import languages
    from leaklint.deadline import CANCELLABLE_MIN_BYTES

    class Counted(bytes):
        reads = 0

        def __getitem__(self, key):
            Counted.reads += 1
            return bytes.__getitem__(self, key)

    small = Counted(b"package p\nfunc f() {}\n")
    tree = Deadline(60).parse(languages.parser("go"), small)
    assert Counted.reads == 0 and not tree.root_node.has_error
    large = Counted(b"package p\n" + b"// pad\n" * (CANCELLABLE_MIN_BYTES // 7))
    Deadline(60).parse(languages.parser("go"), large)
    assert Counted.reads > 0


def test_parsed_tree_never_reads_through_the_callback():
    """The tree that ``Deadline.parse`` returns holds its bytes: text read later (by query
    predicates) must not call back into Python, which was slow and could crash."""
    from leaklint import languages

    class Counted(bytes):
        reads = 0

        def __getitem__(self, key):
            Counted.reads += 1
            return bytes.__getitem__(self, key)

    data = Counted(b"package p\nfunc f() {\n" + b"\t// padding\n" * 8000
                   + b'\trows, _ := db.Query("x")\n\t_ = rows\n}\n')
    tree = Deadline(60).parse(languages.parser("go"), data)
    assert Counted.reads > 0  # parsed through the progress-reporting callback
    Counted.reads = 0
    found = languages.matches("go", '((selector_expression field: (field_identifier) @f)'
                                    ' (#eq? @f "Query"))', tree.root_node)
    assert len(found) == 1 and found[0][1]["f"][0].text == b"Query"
    assert Counted.reads == 0


def test_fixes_have_a_time_budget_and_findings_stay(tree, monkeypatch):
    import leaklint.fixes as fixes

    def slow_attach(ctx):
        while True:
            time.sleep(0.001)

    monkeypatch.setattr(fixes, "attach", slow_attach)
    (tree / "leaklint.toml").write_text("timeout = 0.3\n")
    doc = sarif_of(".")
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["LL101"]
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == [
        "leaky.go: timeout: fixes not computed: over the time limit of 0.3s (config key `timeout`)"]


def test_messages_never_carry_control_or_invisible_characters():
    from leaklint.report.escape import printable

    assert printable("rows from db.Query is not closed") == "rows from db.Query is not closed"
    assert printable("x\x1b[31m \u202eevil\r\n é 中 😀 \u2e70") == \
        "x\\x1b[31m \\u202eevil\\r\\n é 中 😀 \\u2e70"
