"""A pull request's tree and config are an attacker's: each test here is one attempt to
hide findings, hang or blow up the scan, inject into the output or write outside the
tree, and checks that it fails. docs/security.md lists which promise each one tests."""

from __future__ import annotations

import os
import stat
import threading

import pytest
from click.testing import CliRunner

from conftest import LEAKY_GO
from leaklint.api import check_paths
from leaklint.cli import main
from leaklint.config import Config
from leaklint.safe_io import ReadRefused, WriteRefused, read_regular, write_atomic

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX file types")


def check(*args, env=None):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False, env=env)


def in_thread(fn, seconds=10.0):
    """``fn()`` run where a block cannot hang the test: returns its result or raises."""
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "blocked"
    if "error" in box:
        raise box["error"]
    return box["value"]


# -- the safe reader ---------------------------------------------------------------------

def test_reader_refuses_a_fifo_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "fifo.go")
    with pytest.raises(ReadRefused, match="FIFO"):
        in_thread(lambda: read_regular(str(tmp_path / "fifo.go"), 1000))


def test_reader_refuses_a_device_even_through_a_followed_link(tmp_path):
    (tmp_path / "zero.go").symlink_to("/dev/zero")
    with pytest.raises(ReadRefused, match="symbolic link"):
        read_regular(str(tmp_path / "zero.go"), 1000)
    with pytest.raises(ReadRefused, match="device"):
        read_regular(str(tmp_path / "zero.go"), 1000, follow_links=True)


def test_reader_applies_the_size_limit(tmp_path):
    (tmp_path / "big.go").write_bytes(b"x" * 5000)
    with pytest.raises(ReadRefused, match="over the size limit of 4999 bytes"):
        read_regular(str(tmp_path / "big.go"), 4999)
    assert read_regular(str(tmp_path / "big.go"), 5000) == b"x" * 5000


def test_fifo_in_the_tree_gets_a_diagnostic(tree):
    os.mkfifo(tree / "fifo.go")
    r = in_thread(lambda: check(".", "--no-cache", "-j", "1"))
    assert r.exit_code == 1
    assert "fifo.go: unreadable: is a FIFO (named pipe), not a regular file; not read" in r.output
    assert "leaky.go:6:15: LL101" in r.output


def test_fifo_named_on_the_command_line_gets_a_diagnostic(tree):
    os.mkfifo(tree / "fifo.go")
    r = in_thread(lambda: check("fifo.go", "leaky.go", "--no-cache"))
    assert "fifo.go: unreadable: is a FIFO (named pipe)" in r.output
    assert "leaky.go:6:15: LL101" in r.output


def test_device_behind_a_followed_link_gets_a_diagnostic(tree):
    (tree / "zero.go").symlink_to("/dev/zero")
    r = in_thread(lambda: check(".", "--follow-symlinks", "--no-cache", "-j", "1"))
    assert "zero.go: unreadable: is a device, not a regular file; not read" in r.output
    assert r.exit_code == 1


def test_link_named_on_the_command_line_is_not_read(tree, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "theirs.go").write_text(LEAKY_GO)
    (tree / "link.go").symlink_to(outside / "theirs.go")
    r = check("link.go", "--no-cache")
    assert "LL101" not in r.output
    assert "link.go: skipped: is a symbolic link; links are not followed" in r.output
    r = check("link.go", "--no-cache", "--follow-symlinks")
    assert "link.go:6:15: LL101" in r.output


# -- writes ------------------------------------------------------------------------------

def test_atomic_write_refuses_links(tmp_path):
    target = tmp_path / "victim"
    target.write_text("mine")
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "out.sarif").symlink_to(target)
    (tmp_path / "tree" / "dangling").symlink_to(tmp_path / "new-victim")
    (tmp_path / "tree" / "reports").symlink_to(tmp_path)
    roots = [str(tmp_path / "tree")]
    for name in ("out.sarif", "dangling", "reports/victim"):
        with pytest.raises(WriteRefused):
            write_atomic(str(tmp_path / "tree" / name), b"theirs", roots=roots)
    with pytest.raises(WriteRefused, match="outside"):
        write_atomic(str(tmp_path / "elsewhere"), b"theirs", roots=roots, confined=True)
    assert target.read_text() == "mine" and not (tmp_path / "new-victim").exists()
    assert not (tmp_path / "elsewhere").exists()
    write_atomic(str(tmp_path / "tree" / "fine"), b"ok", roots=roots, mode=0o600)
    assert (tmp_path / "tree" / "fine").read_bytes() == b"ok"
    assert stat.S_IMODE(os.stat(tmp_path / "tree" / "fine").st_mode) == 0o600


# -- text from the tree in every output ---------------------------------------------------

HOSTILE_NAMES = [
    "nl\n::error file=clean.go,line=1::forged.go",  # a newline, then a workflow command
    "esc\x1b[2K\x1b[1Gclean.go",  # ESC: erase the line, rewrite it
    "::warning file=clean.go::cmd.go",  # a command at the start of the line
    " ::stop-commands::tok.go",  # blanks before it: the runner trims them
    "old ##[add-mask]x.go",  # the older command syntax, anywhere in a line
    "a\n- [x] Resources are closed.go",  # a forged ticked checklist item
    "<details><summary>ok.go",  # an HTML block opened in a comment
    "tick`close`.go",  # backticks closing a code span
]


@pytest.fixture
def hostile(tree):
    for name in HOSTILE_NAMES:
        (tree / name).write_text(LEAKY_GO)
    return tree


def _runner_commands(out: str) -> list[str]:
    """The lines GitHub's runner would take as workflow commands."""
    return [ln for ln in out.splitlines() if ln.lstrip().startswith("::") or "##[" in ln]


def test_text_output_escapes_hostile_names(hostile):
    r = check(".", "--no-cache", "-j", "1")
    lines = r.output.splitlines()
    assert len(lines) == len(HOSTILE_NAMES) + 2  # one line per finding, and the summary
    assert "\x1b" not in r.output and _runner_commands(r.output) == []
    assert "nl\\n::error file=clean.go,line=1::forged.go:6:15: LL101" in r.output
    assert "esc\\x1b[2K\\x1b[1Gclean.go:6:15: LL101" in r.output
    assert "./::warning file=clean.go::cmd.go:6:15: LL101" in r.output
    assert "old ##\\x5badd-mask]x.go:6:15" in r.output


def test_github_annotations_name_the_right_file(hostile):
    r = check(".", "--format", "github", "--no-cache", "-j", "1")
    lines = r.output.splitlines()
    assert all(ln.startswith("::warning file=") for ln in lines)
    assert len(lines) == len(HOSTILE_NAMES) + 1
    files = []
    for ln in lines:
        props, data = ln[len("::warning "):].split("::", 1)
        assert "##[" not in data  # (a file= may hold it: the line is a command already)
        for prop in props.split(","):
            key, _, value = prop.partition("=")
            if key == "file":  # the runner's unescaping of a property
                files.append(value.replace("%3A", ":").replace("%2C", ",")
                             .replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%"))
    assert sorted(files) == sorted(HOSTILE_NAMES + ["leaky.go"])


def _outside_code_spans(line: str) -> str:
    out, i = [], 0
    while i < len(line):
        if line[i] == "`":
            j = i
            while j < len(line) and line[j] == "`":
                j += 1
            fence = line[i:j]
            end = line.find(fence, j)
            while end != -1 and line[end + len(fence):end + len(fence) + 1] == "`":
                end = line.find(fence, end + len(fence) + 1)
            assert end != -1, f"unclosed code span: {line!r}"
            i = end + len(fence)
            continue
        out.append(line[i])
        i += 1
    return "".join(out)


def test_checklist_escapes_hostile_names(hostile):
    r = check(".", "--format", "checklist", "--no-cache", "-j", "1")
    lines = r.output.splitlines()
    assert "\x1b" not in r.output and _runner_commands(r.output) == []
    boxes = [i for i, ln in enumerate(lines) if ln.lstrip().startswith(("- [", "* ["))]
    families = [i for i in boxes if lines[i - 2].startswith("### ")]
    items = [ln for ln in lines if ln.startswith("- [ ] `") and ln.endswith("(LL101)")]
    assert len(items) == len(HOSTILE_NAMES) + 1
    assert families and len(boxes) == len(families) + len(items)  # only ours
    assert any(ln.startswith("- [ ] Rows, files and connections are closed") for ln in lines)
    for ln in lines:
        if ln in ("</details>",) or ln.startswith("<details><summary>"):
            continue  # ours: the fold of a long list
        bare = _outside_code_spans(ln)
        assert "<" not in bare.replace("\\<", ""), ln


def test_sarif_markdown_of_a_user_rule_is_escaped(tree):
    (tree / "leaklint.toml").write_text('''
[[rules]]
code = "XX100"
name = "my-rule"
family = "resource"
languages = ["go"]
severity = "warning"
summary = "<img src=x onerror=alert(1)> [click](javascript:alert(1))"
rationale = "line one\\n<details open>\\n- [x] verified"
bad = "x := Open()\\n```\\n<script>alert(1)</script>"
message = "{handle} leaks"
[rules.lifecycle]
acquire = ["Open"]
release = ["Close"]
''')
    r = check(".", "--format", "sarif", "--no-cache", "--select", "XX100")
    assert r.exit_code in (0, 1), r.output
    import json

    rules = json.loads(r.output)["runs"][0]["tool"]["driver"]["rules"]
    md = next(x for x in rules if x["id"] == "XX100")["help"]["markdown"]
    import re

    assert not re.search(r"(?<!\\)[<\[]", md.replace("```", "")[:md.index("### Leaks")])
    assert "\\<img src=x onerror=alert(1)\\> \\[click\\](javascript:alert(1))" in md
    fenced = md[md.index("### Leaks"):]
    assert fenced.count("````") == 2 and "<script>" in fenced  # shown as code, inside a longer fence


HOSTILE_KEYS = [
    '"bad\\n::error file=a.go::forged" = 1',
    '"esc\\u001b]0;pwned\\u0007key" = 1',  # a terminal title change
    'select = ["LL1\\n::add-mask::secret"]',
    'per-file-ignores = { "x.go" = ["LL1\\n##[warning]forged"] }',
]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_config_errors_are_one_escaped_line(tree, key):
    (tree / "leaklint.toml").write_text(key + "\n")
    r = check(".", "--no-cache")
    assert r.exit_code == 2
    assert len(r.output.splitlines()) == 1 and r.output.startswith("leaklint: error: ")
    assert "\x1b" not in r.output and "\x07" not in r.output and _runner_commands(r.output) == []


# -- the result cache --------------------------------------------------------------------

def _forge(cache_dir, path="leaky.go", **entry):
    """What a pull request can commit: an index that says ``path`` has no findings, filed
    under the key leaklint computes from the file and the settings (both public)."""
    import json as _json

    from leaklint.api import enabled_rules, make_settings
    from leaklint.cache import ResultCache
    from leaklint.config import load_config

    config = load_config()
    settings = make_settings(config, enabled_rules(config))
    result = {"path": path, "language": "go", "findings": [], "diagnostics": [],
              "verified": {}, "parsed": True, **entry}
    key = ResultCache.file_key(path, open(path, "rb").read())
    for version in ("v1", "v2"):
        cache = ResultCache(str(cache_dir), settings)
        target = os.path.join(str(cache_dir), version, os.path.basename(cache.path))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as fh:
            _json.dump({key: result}, fh)
    return key, settings


def test_a_committed_cache_is_never_trusted(tree):
    _forge(tree / ".leaklint_cache")
    r = check(".")
    assert r.exit_code == 1 and "leaky.go:6:15: LL101" in r.output
    r = check(".", "--cache-dir", ".leaklint_cache")  # named explicitly: still authenticated
    assert r.exit_code == 1 and "leaky.go:6:15: LL101" in r.output


def test_a_committed_key_does_not_authenticate_a_forged_cache(tree):
    import json as _json

    from leaklint.cache import seal, settings_key

    key, settings = _forge(tree / "c")
    secret = b"k" * 32
    (tree / "c" / "key").write_bytes(secret)
    os.chmod(tree / "c" / "key", 0o600)
    payload = _json.dumps({key: {"path": "leaky.go", "language": "go", "findings": [],
                                 "diagnostics": [], "verified": {}, "parsed": True}}).encode()
    sk = settings_key(settings)
    (tree / "c" / "v2" / f"{sk}.json").write_bytes(seal(secret, sk, payload))
    r = check(".", "--cache-dir", "c")
    assert r.exit_code == 1 and "leaky.go:6:15: LL101" in r.output


def test_the_default_cache_is_outside_the_tree(tree):
    before = sorted(os.listdir(tree))
    assert check(".").exit_code == 1
    assert sorted(os.listdir(tree)) == before
    cache = os.path.join(os.environ["XDG_CACHE_HOME"], "leaklint")
    # one results index, and the facts and the runs' records beside it
    assert len([n for n in os.listdir(os.path.join(cache, "v2")) if n not in ("facts", "runs")]) == 1
    assert stat.S_IMODE(os.stat(os.path.join(cache, "key")).st_mode) == 0o600
    r = check(".")  # served from the cache, the same report
    assert r.exit_code == 1 and "leaky.go:6:15: LL101" in r.output


def test_a_default_cache_inside_the_tree_is_refused(tree, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tree / ".cache"))
    r = check(".")
    assert r.exit_code == 1 and "leaky.go:6:15: LL101" in r.output
    assert "cache not used" in r.output and not (tree / ".cache").exists()
    monkeypatch.setenv("LEAKLINT_CACHE_DIR", str(tree / ".cache"))  # explicit: allowed
    assert check(".").exit_code == 1 and (tree / ".cache" / "leaklint" / "v2").is_dir() is False
    assert (tree / ".cache" / "v2").is_dir() and not (tree / ".cache" / "key").exists()


def test_cache_writes_never_follow_links(tree, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (tree / "linked").symlink_to(outside)
    r = check(".", "--cache-dir", "linked")
    assert r.exit_code == 1 and os.listdir(outside) == []
    (tree / "c").mkdir()
    (tree / "c" / ".gitignore").symlink_to(outside / "gitignore")  # dangling
    (tree / "c" / "v2").symlink_to(outside)
    assert check(".", "--cache-dir", "c").exit_code == 1
    assert os.listdir(outside) == []


def test_cache_entries_are_validated_and_escaped(tree):
    from leaklint.api import enabled_rules, make_settings
    from leaklint.cache import ResultCache
    from leaklint.config import load_config
    from leaklint.model import FileResult, Finding, Position

    config = load_config()
    settings = make_settings(config, enabled_rules(config))
    cache = ResultCache(str(tree.parent / "cache"), settings)
    key = ResultCache.file_key("leaky.go", (tree / "leaky.go").read_bytes())
    cache.put(key, FileResult("leaky.go", "go", [Finding(
        "leaky.go", Position(6, 15, 6, 30, 15, 30), "LL101", "sql-rows-not-closed", "resource",
        "warning", "stored\n::error file=clean.go::forged", "go")], parsed=True))
    bad = ResultCache.file_key("clean.go", (tree / "clean.go").read_bytes())
    cache.put(bad, FileResult("clean.go", "go", parsed=True))
    cache.save()
    cache._new = {bad: {"path": "clean.go", "findings": "not a list"}}  # malformed: a miss
    cache.save()
    r = check(".", "--cache-dir", str(tree.parent / "cache"))
    assert "leaky.go:6:15: LL101 [sql-rows-not-closed] stored\\n::error file=clean.go::forged" \
        in r.output
    assert _runner_commands(r.output) == []


# -- writes: --output, --fix -----------------------------------------------------------

FIX_CONFIG = os.path.join(os.path.dirname(__file__), "fixes", "leaklint.toml")
FIXABLE = os.path.join(os.path.dirname(__file__), "fixes", "go", "context_cancel.before.go")


def test_output_is_never_written_through_a_committed_link(tree, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "victim").write_text("mine")
    (tree / "leaklint.sarif").symlink_to(outside / "victim")
    r = check(".", "--format", "sarif", "-o", "leaklint.sarif", "--no-cache")
    assert r.exit_code == 2 and "cannot write leaklint.sarif: is a symbolic link" in r.output
    assert (outside / "victim").read_text() == "mine"
    (tree / "reports").symlink_to(outside)
    r = check(".", "--format", "sarif", "-o", "reports/out.sarif", "--no-cache")
    assert r.exit_code == 2 and os.listdir(outside) == ["victim"]
    r = check(".", "--format", "sarif", "-o", "real.sarif", "--no-cache")
    assert r.exit_code == 1 and (tree / "real.sarif").read_text().startswith("{")


def test_fix_never_writes_through_a_link(tree, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    original = open(FIXABLE).read()
    (outside / "theirs.go").write_text(original)
    (tree / "link.go").symlink_to(outside / "theirs.go")
    r = check("link.go", "--fix", "--follow-symlinks", "--config", FIX_CONFIG,
              "--select", "LL901", "--no-cache")
    assert r.exit_code == 2, r.output
    assert "link.go: cannot write: is a symbolic link" in r.output
    assert (outside / "theirs.go").read_text() == original


def test_a_failed_fix_write_exits_2(tree, monkeypatch):
    (tree / "ctx.go").write_text(open(FIXABLE).read())

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("leaklint.autofix.write_atomic", full_disk, raising=False)
    monkeypatch.setattr("leaklint.autofix.open", lambda *a, **k: full_disk(), raising=False)
    r = check("ctx.go", "--fix", "--config", FIX_CONFIG, "--select", "LL901", "--no-cache")
    assert r.exit_code == 2
    assert "leaklint: error: ctx.go: cannot write: No space left on device" in r.output
    assert (tree / "ctx.go").read_text() == open(FIXABLE).read()


# -- worker processes and signals ---------------------------------------------------------

_SLOW_FN = '''
func f{i}(db *sql.DB) error {{
	rows, err := db.Query("SELECT 1")
	if err != nil {{
		return err
	}}
	for rows.Next() {{
		_ = rows.Scan()
	}}
	return nil
}}
'''


def _children(pid: int) -> set[int]:
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry))
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead
    except OSError:
        return False


@pytest.fixture
def slow_tree(tmp_path):
    body = "package p\n\nimport \"database/sql\"\n" + "".join(
        _SLOW_FN.format(i=i) for i in range(1500))
    for i in range(60):
        (tmp_path / f"f{i}.go").write_text(body)
    return tmp_path


def _start_scan(tree):
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "leaklint", "check", "-j", "2", "--no-cache", "-q", str(tree)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    workers = set()
    while time.monotonic() < deadline and len(workers) < 2:
        assert proc.poll() is None, proc.stderr.read()
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert len(workers) == 2, "the pool never started"
    time.sleep(0.5)  # well into their files
    return proc, workers


def _gone(pids, seconds=10.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
@pytest.mark.parametrize("sig, code", [("SIGTERM", 143), ("SIGINT", 130), ("SIGKILL", -9)])
def test_no_worker_outlives_a_signalled_run(slow_tree, sig, code):
    import signal

    proc, workers = _start_scan(slow_tree)
    try:
        proc.send_signal(getattr(signal, sig))
        assert proc.wait(timeout=30) == code
        assert _gone(workers), f"orphaned workers after {sig}"
        if sig != "SIGKILL":
            err = proc.stderr.read().decode()
            assert "Traceback" not in err and len(err.splitlines()) == 1, err
    finally:
        for p in workers | {proc.pid}:
            if _alive(p):
                os.kill(p, 9)


# -- limits the tree's config may not raise ---------------------------------------------

def test_environment_caps_the_trees_limits(tree):
    (tree / "leaklint.toml").write_text("max-file-size = 1000000000\ntimeout = 3600\n")
    r = check(".", "--no-cache", env={"LEAKLINT_MAX_FILE_SIZE": "100"})
    assert r.exit_code == 0
    assert "leaky.go: skipped: file is 160 bytes, over the size limit of 100 bytes" in r.output
    from leaklint.config import cap_from_env, load_config

    assert load_config().timeout == 3600
    assert cap_from_env(load_config(), {"LEAKLINT_TIMEOUT": "2.5"}).timeout == 2.5
    (tree / "leaklint.toml").write_text("timeout = 1\n")  # a lower value from the tree stays
    assert cap_from_env(load_config(), {"LEAKLINT_TIMEOUT": "2.5"}).timeout == 1


def test_command_line_limits_replace_the_trees(tree):
    (tree / "leaklint.toml").write_text("max-file-size = 100\n")
    assert "leaky.go: skipped" in check(".", "--no-cache").output
    r = check(".", "--no-cache", "--max-file-size", "100000",
              env={"LEAKLINT_MAX_FILE_SIZE": "100"})
    assert r.exit_code == 1 and "leaky.go:6:15: LL101" in r.output


@pytest.mark.parametrize("env", [{"LEAKLINT_TIMEOUT": "soon"}, {"LEAKLINT_MAX_FILE_SIZE": "-1"},
                                 {"LEAKLINT_TIMEOUT": "nan"}])
def test_bad_limit_in_the_environment_is_one_error(tree, env):
    r = check(".", "--no-cache", env=env)
    assert r.exit_code == 2 and len(r.output.splitlines()) == 1
    assert r.output.startswith(f"leaklint: error: environment variable {next(iter(env))}=")


# -- the time limit holds for work in C ----------------------------------------------------

def test_time_limit_holds_while_tree_sitter_works_in_c(tree):
    """A 3 MB chain of 750,000 `a +` terms keeps the analysis busy for several times the
    limit (parsing and querying it in tree-sitter's C code, where no timer interrupts
    it); the file is analysed in a process that is killed once the limit has passed. (A
    1 MB chain, once minutes of work, now takes about the limit itself: the test flaked.)"""
    import time

    (tree / "chain.js").write_text(
        'function f() {\n  window.addEventListener("resize", g);\n  setInterval(g, 10);\n'
        "  const x = " + "a +\n" * 750_000 + "a;\n}\n")
    (tree / "leaklint.toml").write_text("timeout = 2\n")
    started = time.monotonic()
    r = check(".", "--no-cache", "-j", "1")
    elapsed = time.monotonic() - started
    assert "chain.js: timeout: not analysed: over the time limit of 2s" in r.output
    assert "leaky.go:6:15: LL101" in r.output and r.exit_code == 1
    assert elapsed < 2 + 1 + 2, elapsed  # the limit, the grace second, reading and parsing


def test_go_package_siblings_are_read_through_the_safe_reader(tree):
    """Package rules read the other files of a Go package: a link to /dev/zero and a FIFO
    among them neither hang the scan nor lose the finding."""
    (tree / "cache.go").write_text(
        'package p\n\n// A log appended to forever.\nvar history []string\n\n'
        'func record(event string) {\n\thistory = append(history, event)\n}\n')
    (tree / "zero.go").symlink_to("/dev/zero")
    os.mkfifo(tree / "fifo.go")
    r = in_thread(lambda: check(".", "--no-cache", "-j", "1", "--extend-select", "LL510"),
                  seconds=60)
    assert "cache.go:4:5: LL510" in r.output and "leaky.go:6:15: LL101" in r.output
    assert "fifo.go: unreadable: is a FIFO" in r.output


def test_file_named_through_a_directory_link_is_not_read(tree, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "theirs.go").write_text(LEAKY_GO)
    (tree / "dirlink").symlink_to(outside)
    r = check("dirlink/theirs.go", "leaky.go", "--no-cache")
    assert "theirs.go:6:15" not in r.output and "leaky.go:6:15: LL101" in r.output
    assert "dirlink/theirs.go: unreadable: is reached through the symbolic link dirlink" in r.output
    r = check("dirlink/theirs.go", "--no-cache", "--follow-symlinks")
    assert "dirlink/theirs.go:6:15: LL101" in r.output


def test_imports_that_climb_out_of_the_tree_read_nothing_there(tmp_path):
    """A relative import that climbs above the scanned repository is unknown (a handoff):
    what a file outside the tree holds never decides a finding inside it."""
    (tmp_path / "outside.py").write_text("def make_file(path):\n    return open(path)\n")
    app = tmp_path / "proj" / "app"
    app.mkdir(parents=True)
    (tmp_path / "proj" / ".git").mkdir()
    (app / "__init__.py").write_text("")
    (app / "helpers.py").write_text("def make_log(path):\n    return open(path)\n")
    (app / "mod.py").write_text(
        "from ...outside import make_file\nfrom .helpers import make_log\n\n\n"
        "def first_line(path):\n    f = make_file(path)\n    return f.readline()\n\n\n"
        "def log_line(path):\n    g = make_log(path)\n    return g.readline()\n")
    for scanned in (tmp_path / "proj", app / "mod.py"):
        report = check_paths([str(scanned)], config=Config(root=tmp_path))
        # the in-tree factory is followed; the one above the repository is not
        assert [(f.position.line, f.code) for f in report.findings] == [(11, "LL110")], scanned
