"""Go rules: the go.mod version lookup and what it changes, test-file severity, and a
lifecycle pair declared in the user's config."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

from leaklint.analyze import analyze_file
from leaklint.api import check_paths, enabled_rules, make_settings
from leaklint.config import Config, load_config
from leaklint.languages.go import go_mod_version
from markers import markers, problems

ROOT = Path(__file__).resolve().parents[1]
TIMERS = ROOT / "fixtures" / "go" / "LL201-timer-not-stopped"


def findings(path, **kw):
    kw.setdefault("extend_select", ["LL201"])  # opt-in since its corpus precision was measured
    return check_paths([str(path)], config=Config(root=ROOT), **kw).findings


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_go_mod_version_is_read_from_the_nearest_go_mod(tmp_path):
    write(tmp_path / "go.mod", "module a\n\ngo 1.21\n")
    write(tmp_path / "sub" / "go.mod", "module a/sub\n\ngo 1.23.4\n\ntoolchain go1.24.0\n")
    (tmp_path / "sub" / "deep" / "er").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    assert go_mod_version(str(tmp_path / "sub" / "deep" / "er")) == (1, 23)
    assert go_mod_version(str(tmp_path / "other")) == (1, 21)
    assert go_mod_version(str(tmp_path)) == (1, 21)


def test_go_mod_without_directive_or_missing(tmp_path):
    write(tmp_path / "go.mod", "module nodirective\n")
    assert go_mod_version(str(tmp_path)) is None


def test_ticker_before_go_1_23_is_a_warning():
    [f] = findings(TIMERS / "go122" / "ticker.go")
    assert (f.code, f.severity) == ("LL201", "warning")
    assert "go.mod" not in f.message


def test_ticker_since_go_1_23_only_when_a_goroutine_holds_it():
    # the local ticker and the dropped timer are collected (verified, not reported); the
    # one a goroutine keeps is reported at the rule's severity, saying why
    [f] = findings(TIMERS / "go123" / "ticker.go")
    assert (f.code, f.severity, f.position.line) == ("LL201", "warning", 27)
    assert "go 1.23" in f.message and "a goroutine started here still holds" in f.message
    assert problems(TIMERS / "go123" / "ticker.go", ROOT) == []


def test_time_tick_and_after_dropped_since_go_1_23():
    tick = ROOT / "fixtures" / "go" / "LL202-time-tick-leaks"
    after = ROOT / "fixtures" / "go" / "LL203-time-after-in-loop"
    assert [f.code for f in findings(tick / "go121" / "tick.go")] == ["LL202"]
    for path, code in ((tick / "go123" / "tick.go", "LL202"), (after / "go123" / "after.go", "LL203")):
        # silent because the runtime collects the timer, not for want of looking: the
        # call is marked `ok:` and the rule verified it
        assert (code in {c for _, c in markers(path)[1]}) and problems(path, ROOT) == []


def test_run_setting_overrides_go_mod():
    config = Config(root=ROOT)
    settings = replace(make_settings(config, enabled_rules(config, extend_select=["LL201"])), go_version=(1, 22))
    result = analyze_file(str(TIMERS / "go123" / "ticker.go"), settings)
    assert [(f.code, f.position.line) for f in result.findings] == [
        ("LL201", 8), ("LL201", 21), ("LL201", 27)]
    settings = replace(settings, go_version=(1, 23))
    result = analyze_file(str(TIMERS / "go122" / "ticker.go"), settings)
    assert result.findings == []


LEAKY_OPEN = """
    package files

    import "os"

    func size(p string) int64 {
    	f, err := os.Open(p)
    	if err != nil {
    		return 0
    	}
    	st, _ := f.Stat()
    	return st.Size()
    }
"""


def test_test_files_get_the_rules_test_severity(tmp_path):
    prod = write(tmp_path / "size.go", LEAKY_OPEN)
    test = write(tmp_path / "size_test.go", LEAKY_OPEN)
    assert [(f.code, f.severity) for f in findings(prod)] == [("LL107", "warning")]
    assert [(f.code, f.severity) for f in findings(test)] == [("LL107", "note")]


def test_configured_severity_wins_in_test_files(tmp_path):
    test = write(tmp_path / "size_test.go", LEAKY_OPEN)
    config = Config(root=tmp_path, severity={"LL107": "error"})
    report = check_paths([str(test)], config=config)
    assert [(f.code, f.severity) for f in report.findings] == [("LL107", "error")]


# a lease returned on one path only: `leaks` returns at line 9 still holding it
POOL_LEAK = """
        package pool

        func leaks(p *Pool) error {
        	l, err := p.ACQUIRE()
        	if err != nil {
        		return err
        	}
        	if l.Busy() {
        		return nil
        	}
        	l.Return()
        	return nil
        }
"""


def test_user_declared_lifecycle_pair(tmp_path):
    write(tmp_path / "leaklint.toml", '''
        [[rules]]
        code = "ACME101"
        name = "lease-not-returned"
        family = "resource"
        languages = ["go"]
        severity = "error"
        summary = "A lease from the pool is not returned"
        message = "{handle} from {call} is not returned to the pool {where}"

        [rules.lifecycle]
        prefilter = ["Lease"]
        acquire = ["*.Lease"]
        handle = 0
        error = 1
        release = ["Return"]
        verb = "returned"
    ''')
    src = write(tmp_path / "pool.go", POOL_LEAK.replace("ACQUIRE", "Lease") + """
        func handled(p *Pool) error {
        	l, err := p.Lease()
        	if err != nil {
        		return err
        	}
        	defer l.Return()
        	return l.Use()
        }

        func handedOn(p *Pool, out chan<- *Lease) error {
        	l, err := p.Lease()
        	if err != nil {
        		return err
        	}
        	out <- l
        	return nil
        }
    """)
    config = load_config(tmp_path / "leaklint.toml")
    report = check_paths([str(src)], config=config, select=["ACME101"])
    got = [(f.code, f.position.line, f.severity) for f in report.findings]
    assert got == [("ACME101", 4, "error")]
    assert "on the return at line 9" in report.findings[0].message


def test_user_rule_of_values_the_function_releases_itself(tmp_path):
    # acquire "*": any `x, err := f(...)` the function itself releases on some path
    write(tmp_path / "leaklint.toml", '''
        [[rules]]
        code = "ACME102"
        name = "lease-returned-on-some-paths"
        family = "resource"
        languages = ["go"]
        severity = "warning"
        summary = "A lease returned on one path only"
        message = "{handle} from {call} is not returned {where}"

        [rules.lifecycle]
        acquire = ["*"]
        evidence = ["Return"]
        release = ["Return"]
        error = 1
        results = 2
    ''')
    src = write(tmp_path / "pool.go", POOL_LEAK.replace("ACQUIRE", "Borrow") + """
        func neverReturned(p *Pool) error {
        	l, err := p.Borrow()
        	if err != nil {
        		return err
        	}
        	return l.Use()
        }
    """)
    config = load_config(tmp_path / "leaklint.toml")
    report = check_paths([str(src)], config=config, select=["ACME102"])
    assert [(f.code, f.position.line) for f in report.findings] == [("ACME102", 4)]


def test_broken_go_never_raises(tmp_path):
    src = write(tmp_path / "broken.go", """
        package broken

        func f(db *sql.DB) {
        	rows, err := db.Query("SELECT 1"
        	for rows.Next() {
        		defer rows.Close()
        	ctx, cancel := context.WithCancel(
        	select { case <-time.After(1): }
        	t := time.NewTicker(
        }
    """)
    (tmp_path / "go.mod").mkdir()  # a directory where go.mod should be: skipped
    report = check_paths([str(src)], config=Config(root=tmp_path))
    assert not [d for d in report.diagnostics if d.kind == "internal-error"]


def test_cancel_field_from_background_is_a_note_and_a_discarded_cancel_is_not():
    # a cancel kept in a field and never called, for a context derived straight from
    # Background(): at most a note; the discarded cancel stays a warning (as go vet says)
    path = ROOT / "fixtures" / "go" / "LL302-cancel-field-never-called" / "background.go"
    got = {f.code: f for f in findings(path)}
    assert got["LL302"].severity == "note" and "nothing is registered" in got["LL302"].message
    assert got["LL301"].severity == "warning"


def test_a_package_cache_the_context_policy_leaves_out_is_counted_not_a_crash(tmp_path):
    # a test directory's helper package: LL510 judges it, the test policy leaves it out
    write(tmp_path / "go.mod", "module example.com/m\n\ngo 1.22\n")
    write(tmp_path / "tests" / "framework" / "registry.go", """
        package framework

        var seen = map[string]bool{}

        func Mark(name string) {
            seen[name] = true
        }
        """)
    report = check_paths([str(tmp_path)], config=Config(root=tmp_path), select=["LL510"])
    assert report.diagnostics == []
    assert report.findings == []
    assert report.hidden == {"left out by the context policy": 1}
