"""The context of a finding, and what is reported there: the context policy.

A leak matters by how long the program around it runs. In a long-running process (a
server, a library) every leak is worth a finding. Tests, scripts, examples and other
short-lived runs end soon and take their handles with them, so there a leak is worth
reporting only when it **accumulates**: acquired in a loop, in a helper or fixture that
many tests share, or a thread, task or goroutine that outlives its owner. A release
skipped only when an exception ends the test or the run is not reported there either.
Examples are reported as ordinary code by default (they are copied into real programs);
generated code is not reported at all (nobody edits it).

The context is chosen per file (``classify``: its path, or a "generated" marker in its
first lines) and refined per finding (``role_of``: a test function, a fixture or shared
helper, a ``__main__`` block). Each context has a policy, configurable in
``[tool.leaklint.contexts]``:

    all           report every finding (the policy of ordinary code)
    accumulating  report only findings that accumulate (see above)
    off           report nothing

What a rule knows about a finding it says with traits, passed to ``FileContext.emit``:
``ACCUMULATES`` (it piles up whatever the code around it), ``OUTLIVES`` (a thread or
task that can outlive its owner), ``EXCEPTION_ONLY`` (the release is skipped only when
an exception leaves), ``PER_TURN`` (one per turn of the loop around it, all released
when the function returns: a test's loop over its own cases holds them on purpose, so
in a test only a loop without such a bound is reported), ``COLLECTED`` (nothing
references the handle once its statement ends, so each turn of a loop lets go of the
last one), ``REBOUND`` (only a name holds it, which the next turn binds again),
``FINISHES`` (it ends on its own once its work is done, as a task whose
coroutine has no open loop: nothing piles up), ``OWNED`` (kept in a field of an object
whose class never ends it; it closes itself when that object goes: only a fixture's
object, which a test runner may keep, piles them up). The language-specific part (tests,
fixtures, loops, what bounds a loop) is in ``ROLES``: one function per language family.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field

import pathspec

from .facts import go_entry, go_loops, owners_go, owners_python
from .facts.go_build import build_constraint
from .languages import ancestors, per_file, tree_root, walk
from .languages.javascript_load import load_time_functions
from .languages.javascript_runs import at_load
from .languages.javascript_syntax import LOOPS as JS_LOOPS, immediately_invoked
from .languages.python_syntax import in_loop as python_in_loop
from .facts.lifetimes import is_test_path
from .vendored import library_build, why as why_vendored
from .context_policy import (ACCUMULATING, ALL, CODE, EXAMPLE, GENERATED, KEY_OF_KIND, OFF,
                             PATH_KEYS, SCRIPT, TEST, ContextSettings)
from .tracks import COLLECTED, OUTLIVES, OWNED, REBOUND

ACCUMULATES, EXCEPTION_ONLY = "accumulates", "exception-only"
# one per turn of the loop around it, all released when the function returns (a defer)
PER_TURN = "per-turn"
# COLLECTED (tracks.py, where an adapter's verdict says it): a handle nothing references
# once its statement ends, so a loop alone does not pile it up
# it ends on its own once its work is done (a task whose coroutine has no open loop)
FINISHES = "finishes"
# OWNED (tracks.py): kept by an object whose class never ends it, closed when it goes
# nothing is held: an error left unchecked (LL105), whose partial result a helper hands
# to the test's own assertions; a loop piles nothing up
UNCHECKED = "unchecked"
TRAITS = (ACCUMULATES, OUTLIVES, EXCEPTION_ONLY, PER_TURN, COLLECTED, REBOUND, FINISHES, OWNED,
          UNCHECKED)

# built-in recognition: directory names anywhere in the path, and file names; a
# `playground/` holds the sandbox apps a project's developers and end-to-end tests run
TEST_DIRS = frozenset({"tests", "test", "testing", "__tests__", "__mocks__", "e2e",
                       "test-utils", "test-helpers", "testutils", "playground"})
SCRIPT_DIRS = frozenset({"scripts", "script", "bin", "tools", "hack", "bench", "benchmarks"})
SCRIPT_FILES = frozenset({"setup.py", "noxfile.py", "fabfile.py", "manage.py"})
# a documentation tool's configuration (Sphinx's conf.py), run once per build of the docs
DOCS_CONFIG, DOCS_DIRS = "conf.py", frozenset({"docs", "doc"})
EXAMPLE_DIRS = frozenset({"examples", "example", "demos", "demo", "docs", "doc", "samples",
                          "sample"})
# `.min.js` and its module twins are a bundler's or minifier's output: small bundles of
# short lines get past looks_minified, and their source is elsewhere in the tree
GENERATED_SUFFIXES = ("_pb2.py", "_pb2_grpc.py", ".pb.go", ".pb.gw.go", "_generated.go",
                      ".generated.ts", ".generated.js", ".min.js", ".min.mjs", ".min.cjs")
# a marker in the first lines of a file: Go's convention and the common others
GENERATED_MARKER = re.compile(
    r"(?im)^\s*(?:(?://|#|/\*|\*)\s*(?:code generated\b.*\bdo not edit\b|@generated\b"
    r"|this file (?:is|was) (?:automatically |auto-)?generated\b|auto-?generated by\b"
    r"|generated code\b.*\bdo not edit\b"
    r"|(?:-\s*)?(?:please )?do not (?:edit|modify) this file\b)"
    # a line comment that is only "Generated by <tool>" (not the "* Generated by X" a
    # documentation tool leaves in one function's doc comment)
    r"|(?://|#)\s*generated by\s+[\w@][\w@./-]*\s*$)")
HEAD_BYTES = 2048

DESCRIPTIONS = {
    CODE: "ordinary code",
    TEST: "test code",
    SCRIPT: "a script or short-lived command",
    EXAMPLE: "example or documentation code",
    GENERATED: "generated code",
}
MEANING = {
    ALL: "every finding is reported, as in ordinary code",
    ACCUMULATING: ("a leak is reported only when it accumulates: acquired in a loop, in a "
                   "helper or fixture shared by tests, or a thread or task that outlives its "
                   "owner; a release skipped only when an exception ends the run is not "
                   "reported, nor a single handle the short run takes with it when it ends"),
    OFF: "no finding is reported",
}


@dataclass(frozen=True)
class Context:
    """A file's context and why it was chosen (for ``leaklint explain --context``)."""

    kind: str
    why: str


@functools.lru_cache(maxsize=64)
def _spec(patterns: tuple):
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def relative_parts(path: str, root: str) -> list:
    """The path's components below ``root`` when it is inside (what is above the root says
    nothing of the file's role: a checkout under ``/home/me/tests/`` is not all tests),
    else the path as given."""
    if root:
        rel = os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
        if rel != ".." and not rel.startswith("../"):
            return [p for p in rel.split("/") if p not in ("", ".")]
    return [p for p in path.replace(os.sep, "/").split("/") if p not in ("", ".", "..")]


def classify(path: str, family: str, head: str = "",
             settings: ContextSettings | None = None) -> Context:
    """The context of a file: configured patterns first (``code-paths`` before the
    others: ordinary code that a convention would misplace, such as a long-running
    service under ``tools/``), then the built-in conventions and what the repository's
    .gitattributes marks; generated before test, test before example, example before
    script."""
    settings = settings or ContextSettings()
    parts = relative_parts(path, settings.root)
    rel = "/".join(parts)
    base = parts[-1] if parts else os.path.basename(path)
    dirs = parts[:-1]
    for kind in (CODE, GENERATED, TEST, EXAMPLE, SCRIPT):
        patterns = settings.patterns_of(kind)
        if patterns and _spec(patterns).match_file(rel):
            key = next(k for k, v in PATH_KEYS.items() if v == kind)
            return Context(kind, f"matches `{key}` of [tool.leaklint.contexts]")
    if base.endswith(GENERATED_SUFFIXES):
        return Context(GENERATED, f"the file name ends like generated code ({base})")
    marker = GENERATED_MARKER.search(head[:HEAD_BYTES]) if head else None
    if marker:
        return Context(GENERATED, f"its first lines say so ({marker.group(0).strip()[:60]!r})")
    vendored = why_vendored(settings.marked, rel, dirs) or library_build(path)
    if vendored:
        return Context(GENERATED, vendored)
    if is_test_path(base, family):
        return Context(TEST, f"the file name ({base}) is a test file's")
    in_tests = any(d in TEST_DIRS for d in dirs)
    if base == DOCS_CONFIG and not in_tests and any(d in DOCS_DIRS for d in dirs):
        return Context(SCRIPT, f"{base} in a documentation directory configures one build "
                               "of the docs")
    # the innermost directory says most (docs/scripts/ and test/bench/ hold scripts), but
    # examples within tests are the tests' data
    here = os.path.dirname(os.path.abspath(path))
    for up, d in enumerate(reversed(dirs)):
        kind = TEST if d in TEST_DIRS else SCRIPT if d in SCRIPT_DIRS else \
            EXAMPLE if d in EXAMPLE_DIRS else None
        if kind == EXAMPLE and in_tests:
            kind = TEST
        if kind == SCRIPT and family == "python" and _subpackage(_climb(here, up)):
            continue  # `mitmproxy/tools/`: a package of the program, imported like the rest
        if kind is not None:
            return Context(kind, f"it is under a `{d}/` directory")
    if base in SCRIPT_FILES:
        return Context(SCRIPT, f"{base} runs once and exits")
    # a Go file no build includes: a generator or tool that `go run` runs (`go generate`)
    if family == "go" and head and build_constraint(
            head[:HEAD_BYTES].encode("utf-8", "replace")).strip("()") == "ignore":
        return Context(SCRIPT, "no build includes it (`//go:build ignore`): a program run "
                               "by hand with `go run`")
    return Context(CODE, "no test, script, example or generated-code convention applies")


def _climb(directory: str, levels: int) -> str:
    for _ in range(levels):
        directory = os.path.dirname(directory)
    return directory


@functools.lru_cache(maxsize=1024)
def _subpackage(directory: str) -> bool:
    """Is ``directory`` a Python package inside another package (both have an
    ``__init__.py``), so code the program imports rather than a directory of scripts?"""
    return all(os.path.isfile(os.path.join(d, "__init__.py"))
               for d in (directory, os.path.dirname(directory)))


# --- where in the file: the role of the code holding a finding ---------------------

@dataclass
class Role:
    """Where a finding's node sits: ``function`` is "test" (one test's body), "fixture"
    (set-up or a fixture many tests run), "setup-once" (set-up run once for a whole test
    class, module, package or session), "helper" (any other function), "main" (a
    ``__main__`` block or a program's entry) or "module" (top level); ``in_loop``: some
    loop around it, within its outermost function; ``loop``: what bounds the innermost
    of those loops (Go: ``facts.go_loops.loop_bound``), "" when nothing does."""

    function: str = "module"
    in_loop: bool = False
    name: str = ""
    notes: list = field(default_factory=list)
    loop: str = ""  # what bounds the innermost loop around it ("" for nothing known)
    node: object = None  # the outermost function around it (asked only when a policy needs it)


def _text(node) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text else ""


PY_FIXTURE_METHODS = frozenset({"setUp", "asyncSetUp", "setup_method", "setup"})
# set-up that runs once for a class or module of tests, not once per test: like a test's
# body, a single handle there piles nothing up
PY_SETUP_ONCE = frozenset({"setUpClass", "setUpTestData", "setup_class", "setUpModule",
                           "setup_module"})
_WIDE_SCOPE = re.compile(r"""scope\s*=\s*["'](session|package|module|class)["']""")


def _python_role(node, path: str = "", reads=None) -> Role:
    role = Role(in_loop=python_in_loop(node))
    # the program's entry (a `__main__` block, a script's or setup.py's top level or
    # main()) is the owners' business: facts/owners_python.py says it for every rule
    if owners_python.owner_kind(node, path, reads)[0] == "main":
        role.function = "main"
    outer = None
    for n in ancestors(node):
        if n.type == "function_definition":
            outer = n
    if outer is None:
        return role
    role.name = _text(outer.child_by_field_name("name"))
    decorators = ""
    if outer.parent is not None and outer.parent.type == "decorated_definition":
        decorators = " ".join(_text(c) for c in outer.parent.children if c.type == "decorator")
    if role.function == "main":
        pass  # traced as run once: a function named test_* outside tests, a driver's set-up
    elif "fixture" in decorators:
        role.function = "setup-once" if _WIDE_SCOPE.search(decorators) else "fixture"
    elif role.name.startswith("test"):
        role.function = "test"
    elif role.name in PY_SETUP_ONCE:
        role.function = "setup-once"
    elif role.name in PY_FIXTURE_METHODS:
        role.function = "fixture"
    elif role.name == "main" and outer.parent is not None and outer.parent.type == "module":
        role.function = "main"  # a module-level main() runs once, as the program's entry
    else:
        role.function = "helper"
        role.node = outer
    return role


def _called_in_loop(role: Role) -> bool:
    """Does a call of the helper (``f(...)``, ``x.f(...)``) in its file sit in a loop?"""
    if role.node is None:
        return True
    root, name = tree_root(role.node), role.name.encode()
    return name in root.text and any(
        n.type == "call" and n.child_by_field_name("function").text.rsplit(b".", 1)[-1]
        == name and python_in_loop(n) for n in walk(root))


GO_TEST_PREFIXES = ("Test", "Benchmark", "Fuzz", "Example")
# methods of a test suite type (testify's suite.Run runs every Test method as a subtest)
GO_SUITE_TESTS = ("Test",)
GO_SUITE_FIXTURES = ("SetupSuite", "SetupTest", "SetupSubTest", "TearDownSuite", "TearDownTest",
                     "TearDownSubTest", "BeforeTest", "AfterTest")


def _go_role(node, path: str = "", reads=None) -> Role:
    role = Role()
    outer = None
    for n in ancestors(node):
        if n.type == "for_statement":
            if go_loops.fixed_handful(n):
                note = "a loop over values written out in the source turns a fixed handful of times"
                if note not in role.notes:
                    role.notes.append(note)
                if not role.in_loop and not role.loop:
                    role.loop = "over values written out in the source (a fixed handful)"
                continue
            if not role.in_loop:
                role.loop = go_loops.loop_bound(n)
            role.in_loop = True
        elif n.type in ("function_declaration", "method_declaration"):
            outer = n
    if outer is None:
        return role
    role.name = _text(outer.child_by_field_name("name"))
    if outer.type == "function_declaration" and role.name == "TestMain":
        role.function = "setup-once"  # once for the package's tests
    elif outer.type == "function_declaration" and role.name.startswith(GO_TEST_PREFIXES):
        role.function = "test"
    elif outer.type == "method_declaration" and is_test_path(path, "go") \
            and role.name.startswith(GO_SUITE_TESTS):
        role.function = "test"  # a test suite's method (testify): the runner runs each once
    elif outer.type == "method_declaration" and is_test_path(path, "go") \
            and role.name.startswith(GO_SUITE_FIXTURES):
        role.function = "setup-once" if role.name.endswith("Suite") else "fixture"
    elif (outer.type == "function_declaration" and role.name in ("main", "init")) or \
            owners_go.owner_kind(outer, path, reads)[0] == "main":
        role.function = "main"  # the entry, or a function or method that runs once per process
    elif outer.type == "function_declaration" and is_test_path(path, "go") \
            and role.name in (reads or {}).get(go_entry.TEST_READ, ()):
        role.function = "test"  # a helper one call of one test runs: part of that test
        role.notes.append("only one test runs it, once")
    elif outer.type == "function_declaration" and is_test_path(path, "go") and \
            go_entry.SET_UP_MARK + role.name in (reads or {}).get(go_entry.TEST_READ, ()):
        role.function = "setup-once"  # only TestMain runs it: once per test binary
        role.notes.append("only TestMain runs it, outside loops")
    else:
        role.function = "helper"
    return role


JS_TEST_CALLS = frozenset({"it", "test", "it.only", "test.only", "it.concurrent",
                           "test.concurrent", "bench"})
JS_FIXTURE_CALLS = frozenset({"beforeEach", "beforeAll", "afterEach", "afterAll", "before",
                              "after"})
JS_FUNCTIONS = frozenset({"function_declaration", "function_expression", "arrow_function",
                          "method_definition", "generator_function_declaration", "function"})


def _js_role(node, path: str = "", reads=None) -> Role:
    role = Role()
    inside_function = False
    for n in ancestors(node):
        if n.type in JS_LOOPS:
            role.in_loop = True
        elif n.type in JS_FUNCTIONS and not immediately_invoked(n):
            if not inside_function and _js_load_time(n):
                role.function = "main"  # only the module's load runs it, once: its main
                return role
            inside_function = True  # an immediately invoked one runs where it is written
        elif n.type == "call_expression" and inside_function:
            callee = _text(n.child_by_field_name("function"))
            if callee in JS_TEST_CALLS:
                role.function, role.name = "test", callee
                return role
            if callee in JS_FIXTURE_CALLS:
                role.function, role.name = "fixture", callee
                return role
    role.function = "helper" if inside_function else "module"
    return role


def _js_load_time(fn) -> bool:
    """Does only the module's load run ``fn``, once (``javascript_load.load_time_functions``:
    a function the top level calls, outside loops, or a callback it hands to a one-shot
    call such as a timer)?"""
    root = tree_root(fn)
    ids = per_file(("load_time_functions", root.id), lambda: load_time_functions(root))
    return fn.id in ids or at_load(fn)


# language family -> how to find a node's role (the Go and TS/JS lines refine theirs here)
ROLES = {"python": _python_role, "go": _go_role, "typescript": _js_role,
         "javascript": _js_role}


def role_of(node, family: str, path: str = "", reads=None) -> Role:
    """``reads``: what the file's analysis read from other files (Python: the functions
    that run once per process, traced from the program's entry)."""
    finder = ROLES.get(family)
    return finder(node, path, reads) if finder else Role()


@dataclass(frozen=True)
class Decision:
    keep: bool
    why: str


def decide(context: Context, role: Role, traits, settings: ContextSettings | None = None,
           ) -> Decision:
    """Is a finding with ``traits`` at a node of ``role`` in a file of ``context``
    reported? A ``__main__`` block of ordinary code is a short run: the script policy; so
    is a handle nothing references after its statement (``COLLECTED``), outside a loop,
    in ordinary or example code that runs once: a module's top-level code (once per
    import) or a program's main."""
    settings = settings or ContextSettings()
    kind = context.kind
    if kind in (CODE, EXAMPLE) and role.function == "main":
        kind = SCRIPT  # a program's entry runs once, an example program's too
    elif kind in (CODE, EXAMPLE) and role.function in ("module", "main") \
            and not role.in_loop and COLLECTED in set(traits or ()):
        kind = SCRIPT  # code that runs once (per import, per run): one temporary, gone at once
    policy = settings.policy_of(kind)
    where = DESCRIPTIONS[kind]
    if policy == ALL:
        return Decision(True, f"{where}: policy `all`")
    if policy == OFF:
        return Decision(False, f"{where}: policy `off`")
    traits = set(traits or ())
    if EXCEPTION_ONLY in traits:
        return Decision(False, f"{where}: the release is skipped only when an exception "
                               "ends the run")
    if ACCUMULATES in traits:
        return Decision(True, f"{where}: it accumulates")
    if OUTLIVES in traits:
        return Decision(True, f"{where}: it outlives its owner")
    if FINISHES in traits:
        return Decision(False, f"{where}: it ends on its own when its work is done")
    if PER_TURN in traits and kind == TEST and role.loop:
        return Decision(False, f"{where}: one per turn of a loop {role.loop}, all released "
                               "when the test ends")
    if UNCHECKED in traits:
        return Decision(False, f"{where}: an unchecked error holds nothing, in a loop or "
                               "not; a partial result reaches the test's assertions")
    if role.in_loop and not traits & {COLLECTED, REBOUND}:
        return Decision(True, f"{where}: acquired in a loop")
    if OWNED in traits and role.function != "fixture":
        return Decision(False, f"{where}: kept by an object whose class never closes it, "
                               "it goes with that object")
    if kind == TEST and COLLECTED in traits and (
            role.function == "fixture" or role.function == "helper" and not _called_in_loop(role)):
        once = "the framework runs it once per test" if role.function == "fixture" else \
            "no call of the helper in its file repeats it in a loop"
        return Decision(False, f"{where}: nothing references it once its statement ends or "
                               f"the {role.function} returns, and {once}: each run lets go of "
                               "it at once")
    if kind == TEST and role.function in ("fixture", "helper"):
        return Decision(True, f"{where}: in a {role.function} shared by tests")
    return Decision(False, f"{where}: a single handle the short run takes with it when it ends")


def explain(context: Context, settings: ContextSettings | None = None) -> str:
    """What ``leaklint explain --context PATH`` says about one file."""
    settings = settings or ContextSettings()
    policy = settings.policy_of(context.kind)
    lines = [f"context: {DESCRIPTIONS[context.kind]}, because {context.why}",
             f"policy: {policy}: {MEANING[policy]}"]
    if context.kind == CODE:
        lines.append("an `if __name__ == \"__main__\":` block or a program's main function in "
                     f"it follows the scripts policy ({settings.policy_of(SCRIPT)})")
        lines.append("change it: put the file in a context with test-paths, script-paths, "
                     "example-paths or generated-paths in [tool.leaklint.contexts]")
    else:
        key = KEY_OF_KIND[context.kind]
        lines.append(f"change it: [tool.leaklint.contexts] {key} = \"all\" | \"accumulating\" "
                     "| \"off\", or list the file in code-paths (ordinary code)")
    return "\n".join(lines) + "\n"
