"""Go functions and methods that run once per process, traced across a package's files
from main, init and TestMain (facts/go_entry.py): the context policy judges their code
as the program's entry."""

from __future__ import annotations

import textwrap

from leaklint import languages
from leaklint.api import check_paths
from leaklint.config import Config
from leaklint.facts import go_entry

TICKER = """
func {name}(done chan struct{{}}) {{
	tick := time.Tick(time.Second)
	for {{
		select {{
		case <-done:
			return
		case <-tick:
		}}
	}}
}}
"""


def _facts(files: dict) -> dict:
    out = {}
    for path, body in files.items():
        data = textwrap.dedent(body).encode()
        out[path] = go_entry.file_facts(languages.parser("go").parse(data).root_node, data)
    return out


def test_a_method_main_runs_once_from_another_file_is_once():
    got = go_entry.trace(_facts({
        "main.go": """
            package main
            func main() {
            	d := newDisc()
            	d.run()
            }
        """,
        "disc.go": """
            package main
            type disc struct{}
            func newDisc() *disc { return &disc{} }
            func (d *disc) run() { d.step() }
            func (d *disc) step() {}
        """}))
    assert got == {"disc.go": ["disc.run", "disc.step", "newDisc"]}


def test_loops_closures_values_and_recursion_make_a_function_run_many_times():
    got = go_entry.trace(_facts({
        "main.go": """
            package main
            import "net/http"
            func main() {
            	for i := 0; i < 3; i++ {
            		inLoop()
            	}
            	f := func() { inClosure() }
            	f()
            	http.HandleFunc("/", handler)
            	handler(nil, nil)
            	again(3)
            	go func() { inGoroutine() }()
            	twice()
            }
            func inLoop() {}
            func inClosure() {}
            func handler(w http.ResponseWriter, r *http.Request) {}
            func again(n int) { if n > 0 { again(n - 1) } }
            func inGoroutine() {}
            func twice() { shared() }
            func helper() { shared() }
            func shared() {}
        """}))
    assert got == {"main.go": ["inGoroutine", "twice"]}


def test_a_method_called_on_a_value_of_unknown_type_is_not_once():
    got = go_entry.trace(_facts({
        "main.go": """
            package main
            import "example.com/lib"
            type server struct{}
            func main() {
            	s := &server{}
            	s.serve()
            	x := lib.New()
            	x.serve()
            }
            func (s *server) serve() {}
        """}))
    assert got == {}


def test_tests_calls_count_only_for_test_functions_and_ignored_programs_stand_apart():
    got = go_entry.trace(_facts({
        "main.go": """
            package main
            func main() { run() }
            func run() {}
        """,
        "main_test.go": """
            package main
            import "testing"
            func TestMain(m *testing.M) { setup(); m.Run() }
            func TestRun(t *testing.T) { run() }
            func setup() {}
            func TestOther(t *testing.T) { setup() }
        """,
        "gen.go": """
            //go:build ignore

            package main
            func main() { for { run() } }
        """}))
    assert got == {"main.go": ["run"]}


def test_a_library_init_runs_its_callees_once():
    got = go_entry.trace(_facts({
        "a.go": "package lib\nfunc init() { register() }\nfunc register() {}\nfunc Use() { other() }\nfunc other() {}\n"}))
    assert got == {"a.go": ["register"]}


def test_the_ticker_of_a_once_method_is_left_to_the_exit_and_its_per_call_twin_reported(tmp_path):
    (tmp_path / "main.go").write_text(textwrap.dedent("""
        package main
        func main() {
        	d := newDisc()
        	d.run(nil)
        	for i := 0; i < 2; i++ {
        		poll(nil)
        	}
        }
    """))
    (tmp_path / "disc.go").write_text(
        "package main\n\nimport \"time\"\n\ntype disc struct{}\n\nfunc newDisc() *disc { return &disc{} }\n"
        + TICKER.format(name="(d *disc) run") + TICKER.format(name="poll"))
    report = check_paths([str(tmp_path)], config=Config(root=tmp_path), select=["LL202"])
    assert [(f.path.rsplit("/", 1)[-1], f.position.line) for f in report.findings] == [("disc.go", 21)]
    assert report.hidden.get("left out by the context policy") == 1


LOAD = """
package main

import (
	"bufio"
	"os"
	"time"
)

type config struct{ lines int }

func (c *config) load(path string) int {
	tick := time.Tick(time.Minute)
	go func() {
		for range tick {
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	s := bufio.NewScanner(f)
	for s.Scan() {
		c.lines++
	}
	return c.lines
}
"""


def test_only_the_rules_declaring_the_read_see_the_once_lifetime(tmp_path):
    """The ticker of a method main runs once lives with the process (LL202 reads
    go-once); the file it leaves open while main goes on is still a leak (LL107 does not)."""
    (tmp_path / "main.go").write_text(
        "package main\n\nfunc main() {\n\tc := &config{}\n\tprintln(c.load(\"x\"))\n\tselect {}\n}\n")
    (tmp_path / "load.go").write_text(LOAD.lstrip())
    report = check_paths([str(tmp_path)], config=Config(root=tmp_path), select=["LL107", "LL202"])
    assert [(f.code, f.position.line) for f in report.findings] == [("LL107", 17)]
    assert report.hidden.get("left out by the context policy") == 1


def test_the_read_is_traced_only_for_files_whose_rules_declare_it(tmp_path):
    from leaklint.api import enabled_rules, make_settings
    from leaklint.facts.collect import GO_ONCE
    from leaklint.runner import build_index

    (tmp_path / "main.go").write_text(
        "package main\n\nfunc main() {\n\tc := &config{}\n\tprintln(c.load(\"x\"))\n}\n")
    (tmp_path / "load.go").write_text(LOAD.lstrip())
    (tmp_path / "plain.go").write_text("package main\n\nfunc (c *config) reset() { c.lines = 0 }\n")
    config = Config(root=tmp_path)
    settings = make_settings(config, enabled_rules(config))
    paths = [str(tmp_path / n) for n in ("load.go", "main.go", "plain.go")]
    index = build_index(paths, settings, lambda d: [str(p) for p in tmp_path.glob("*.go")])
    assert index.reads(paths[0]).get(GO_ONCE) == ["config.load"]
    # no rule reading go-once is active on a file without a ticker: nothing is traced for it
    assert GO_ONCE not in (index.reads(paths[2]) or {})


def test_a_command_frameworks_actions_and_what_they_run_once_are_the_command():
    got = go_entry.trace(_facts({
        "cli.go": """
            package cli
            import (
            	"github.com/spf13/cobra"
            	ucli "github.com/urfave/cli/v2"
            )
            var root = &cobra.Command{Use: "tool", RunE: func(c *cobra.Command, a []string) error {
            	return serve(a)
            }}
            func NewApp() *ucli.App {
            	app := ucli.NewApp()
            	app.Commands = []*ucli.Command{
            		{Name: "send", Action: send},
            		{Name: "check", Action: func(c *ucli.Context) error { return check() }},
            	}
            	return app
            }
            func send(c *ucli.Context) error {
            	for _, n := range c.Args().Slice() {
            		perItem(n)
            	}
            	return prepare()
            }
            func serve(a []string) error { return nil }
            func prepare() error { return nil }
            func check() error { return nil }
            func perItem(n string) {}
        """,
        "jobs.go": """
            package cli
            type job struct{ Run func() }
            func schedule() []job { return []job{{Run: tick}} }
            func tick() {}
        """}), go_entry.COMMAND_READ)
    # "!send": the action itself (its return ends the command), beside what it runs once;
    # "!serve", "!check", "!prepare": what an action returns the result of
    assert got == {"cli.go": ["!check", "!prepare", "!send", "!serve", "check", "prepare",
                              "send", "serve"]}


def test_the_call_an_actions_literal_ends_with_ends_the_command():
    got = go_entry.trace(_facts({
        "cmd.go": """
            package main
            import (
            	"log"
            	"github.com/spf13/cobra"
            )
            var compileCmd = &cobra.Command{Use: "compile", Run: func(c *cobra.Command, a []string) {
            	if err := compile(a[0]); err != nil {
            		log.Fatal(err)
            	}
            }}
            var convertCmd = &cobra.Command{Use: "convert", Run: func(c *cobra.Command, a []string) {
            	err := convert(a[0])
            	if err != nil {
            		log.Fatal(err)
            	}
            }}
            var serveCmd = &cobra.Command{Use: "serve", Run: func(c *cobra.Command, a []string) {
            	load(a[0])
            	serve()
            }}
            var buildCmd = &cobra.Command{Use: "build", RunE: func(c *cobra.Command, a []string) error {
            	if err := build(a[0]); err != nil {
            		return err
            	}
            	return nil
            }}
            var retryCmd = &cobra.Command{Use: "retry", Run: func(c *cobra.Command, a []string) {
            	err := fetch(a[0])
            	if err != nil {
            		for fetch(a[0]) != nil {
            		}
            	}
            }}
            func compile(p string) error { return nil }
            func convert(p string) error { return nil }
            func load(p string) {}
            func serve() {}
            func fetch(p string) error { return nil }
            func build(p string) error { return nil }
        """}), go_entry.COMMAND_READ)
    # load is followed by serve; fetch runs again in the retry loop after its call; build's
    # error is the action's, and its final `return nil` reports none of its own
    assert got == {"cmd.go": ["!build", "!compile", "!convert", "!serve", "build", "compile",
                              "convert", "load", "serve"]}


def test_a_kong_commands_methods_are_its_actions_unless_run_in_a_loop():
    files = {
        "main.go": """
            package main
            import "github.com/alecthomas/kong"
            type CLI struct{ Push pushCmd `cmd:""` }
            func main() {
            	ctx := kong.Parse(&CLI{})
            	ctx.FatalIfErrorf(ctx.Run())
            }
        """,
        "push.go": """
            package main
            type pushCmd struct{}
            func (p *pushCmd) Run() error { return upload() }
            func (p *pushCmd) AfterApply() error { return nil }
            func (p *pushCmd) Other() error { return nil }
            func upload() error { return nil }
        """}
    got = go_entry.trace(_facts(files), go_entry.COMMAND_READ)
    assert got == {"push.go": ["!pushCmd.AfterApply", "!pushCmd.Run", "!upload",
                               "pushCmd.AfterApply", "pushCmd.Run", "upload"]}
    # a command that runs other commands line by line (`ctx.Run()` in a loop): every Run
    # may run any number of times (the parse's hooks still run once)
    files["stdin.go"] = """
        package main
        type stdinCmd struct{}
        func (s *stdinCmd) Run(ctx *kong.Context) error {
        	for i := 0; i < 3; i++ {
        		ctx.Run()
        	}
        	return nil
        }
    """
    got = go_entry.trace(_facts(files), go_entry.COMMAND_READ)
    assert got == {"push.go": ["!pushCmd.AfterApply", "pushCmd.AfterApply"]}


def test_without_a_command_literal_nothing_is_the_command():
    facts = _facts({"a.go": """
        package lib
        type Command struct{ Run func() }
        func Jobs() []Command { return []Command{{Run: work}} }
        func work() {}
    """})
    assert facts["a.go"]["actions"] == []
    assert go_entry.trace(facts, go_entry.COMMAND_READ) == {}


def test_a_literals_field_names_are_not_functions_used_as_values():
    # `Run:` names the command's field, not the package's function Run: Run stays run once
    # by the command; a function given as a field's value may run any number of times
    facts = _facts({
        "cmd.go": """
            package app
            import "github.com/spf13/cobra"
            func Root() *cobra.Command {
            	return &cobra.Command{Use: "server", Run: func(c *cobra.Command, a []string) {
            		Run()
            	}}
            }
        """,
        "run.go": """
            package app
            type job struct{ Start func() }
            func Run() { listen(); jobs() }
            func listen() {}
            func jobs() []job { return []job{{Start: listen}} }
        """})
    assert "Run" not in facts["cmd.go"]["values"] and "Start" not in facts["run.go"]["values"]
    assert facts["run.go"]["values"] == ["listen"]
    assert go_entry.trace(facts, go_entry.COMMAND_READ) == {"run.go": ["!Run", "!jobs", "Run", "jobs"]}


def test_a_helper_is_one_tests_only_when_one_call_of_one_test_runs_it():
    facts = _facts({
        "a_test.go": """
            package store
            import "testing"
            func TestOne(t *testing.T) { seed(t); check(t) }
            func TestTwo(t *testing.T) {
            	check(t)
            	for i := 0; i < 3; i++ { each(t) }
            	t.Cleanup(func() { drop(t) })
            	t.Run("x", run)
            }
            func seed(t *testing.T) { fill(t) }
            func fill(t *testing.T) {}
            func check(t *testing.T) {}
            func each(t *testing.T) {}
            func drop(t *testing.T) {}
            func run(t *testing.T) {}
            func BenchmarkSeed(b *testing.B) { warm() }
            func warm() {}
        """,
        "store.go": """
            package store
            func Open() {}
        """})
    assert go_entry.trace(facts, go_entry.TEST_READ) == {"a_test.go": ["fill", "seed"]}
