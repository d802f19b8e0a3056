"""A fix is safe only when the handle provably does not escape the function: each shape
by which it escapes (returned, stored in a field, a container or a nonlocal, a method
value, a value made from it and handed out, a closure, a thread or a task that outlives
the function, a callee that keeps it) makes the fix unsafe or withholds it, while the
twin that does not escape keeps its safe fix."""

from __future__ import annotations

import textwrap

import pytest

from leaklint.api import check_paths
from leaklint.config import Config

pytest.importorskip("libcst")


def fixes_of(tmp_path, code: str, name: str, select: list) -> list:
    path = tmp_path / name
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    report = check_paths([str(path)], config=Config(root=str(tmp_path)), select=select,
                         fixes=True)
    return [f.fix for f in report.findings]


def verdict(fixes) -> str:
    """"safe", "unsafe", "withheld" (reported, no fix) or "handed on" (the rule itself
    sees the handle leave: no finding, so no fix either)."""
    if not fixes:
        return "handed on"
    [fix] = fixes
    return "withheld" if fix is None else "safe" if fix.safe else "unsafe"


PY_HEAD = "import json\nimport socket\nimport threading\nimport zipfile\nimport asyncio\n"

# the twin that does not escape: a safe `with`
PY_SAFE = {
    "read": """
        def load(path):
            f = open(path)
            data = json.load(f)
            print(f.name, f.readline())
            return data
    """,
    "derived data": """
        def member(path, name):
            zf = zipfile.ZipFile(path)
            data = zf.read(name)
            return data
    """,
}

PY_ESCAPES = {
    "returned": ("withheld", """
        def load(path):
            f = open(path)
            if not f.readline():
                return None  # leaks here
            return f
    """),
    "stored in a field": ("withheld", """
        class Reader:
            def load(self, path):
                f = open(path)
                self.header = f.readline()
                if not self.header:
                    return  # leaks here
                self.handle = f
    """),
    "stored in a container": ("withheld", """
        def load(path, handles):
            f = open(path)
            if not f.readline():
                return  # leaks here
            handles.append(f)
    """),
    "nonlocal": ("withheld", """
        def outer(path):
            kept = None

            def inner():
                nonlocal kept
                f = open(path)
                if not f.readline():
                    return  # leaks here
                kept = f

            inner()
            return kept
    """),
    "method value stored": ("withheld", """
        class Reader:
            def load(self, path):
                f = open(path)
                self.header = f.readline()
                if not self.header:
                    return  # leaks here
                self.next_line = f.readline
    """),
    "method value returned": ("withheld", """
        def lines(path):
            f = open(path)
            if not f.readline():
                return None  # leaks here
            return f.readline
    """),
    "thread on a method value": ("withheld", """
        def serve(addr):
            sock = socket.create_connection(addr)
            if not addr:
                return  # leaks here
            threading.Thread(target=sock.recv, args=(1024,)).start()
    """),
    "thread over a closure": ("withheld", """
        def serve(addr):
            sock = socket.create_connection(addr)
            if not sock.sendall(b"hello"):
                return  # leaks here
            threading.Thread(target=lambda: sock.recv(1024)).start()
    """),
    "task": ("withheld", """
        async def pump(reader):
            f = open("out.bin", "wb")
            f.write(b"head")
            asyncio.ensure_future(copy(reader, f))

        async def copy(reader, f):
            f.write(await reader.read())
    """),
    "callee that keeps it": ("withheld", """
        def load(path, registry):
            f = open(path)
            if not f.readline():
                return  # leaks here
            registry.register(f)
    """),
    "wrapper returned": ("unsafe", """
        def reader(addr):
            sock = socket.create_connection(addr)
            sock.sendall(b"hello")
            return sock.makefile("rb")
    """),
    # the member keeps the archive's file open, and the ZipFile object goes at the return
    "archive member returned": ("handed on", """
        def member(path, name):
            zf = zipfile.ZipFile(path)
            print(zf.namelist())
            return zf.open(name)
    """),
    "wrapper stored in a field": ("unsafe", """
        class Conn:
            def open(self, addr):
                sock = socket.create_connection(addr)
                sock.sendall(b"hello")
                self.stream = sock.makefile("rb")
    """),
    "wrapper in a container": ("unsafe", """
        def members(path, out):
            zf = zipfile.ZipFile(path)
            print(zf.namelist())
            out.append(zf.open("a"))
    """),
}


@pytest.mark.parametrize("shape", sorted(PY_SAFE))
def test_python_with_is_safe_when_nothing_escapes(tmp_path, shape):
    assert verdict(fixes_of(tmp_path, PY_HEAD + textwrap.dedent(PY_SAFE[shape]), "m.py",
                            ["LL110"])) == "safe"


@pytest.mark.parametrize("shape", sorted(PY_ESCAPES))
def test_python_with_is_not_safe_when_the_handle_escapes(tmp_path, shape):
    expected, code = PY_ESCAPES[shape]
    assert verdict(fixes_of(tmp_path, PY_HEAD + textwrap.dedent(code), "m.py",
                            ["LL110"])) == expected


# -- TypeScript/JavaScript: the cleanup returned by a React effect ----------------------------

TS_HEAD = 'import { useEffect, useRef, useState } from "react";\n'


def effect(body: str) -> str:
    lines = "".join(f"    {line}\n" for line in textwrap.dedent(body).strip().splitlines())
    return (TS_HEAD + "export function Clock({ registry }) {\n"
            "  const [now, setNow] = useState(0);\n  const timer = useRef(null);\n"
            f"  useEffect(() => {{\n{lines}  }}, []);\n  return <time>{{now}}</time>;\n}}\n")


TS_SAFE = {
    "interval": "const id = setInterval(() => setNow(Date.now()), 1000);",
    "listener": """
        const onResize = () => setNow(window.innerWidth);
        window.addEventListener("resize", onResize);
    """,
    "listener on a target of its own": """
        const media = window.matchMedia("(min-width: 600px)");
        const onChange = () => setNow(Date.now());
        media.addEventListener("change", onChange);
    """,
}

# where the rule already sees the id handed on (kept by a callee, put in a container or
# an object, cleared by a later callback) there is no finding; elsewhere the fix is unsafe
TS_ESCAPES = {
    "interval id in a ref": """
        const id = setInterval(() => setNow(Date.now()), 1000);
        timer.current = id;
    """,
    "interval id in a container": """
        const id = setInterval(() => setNow(Date.now()), 1000);
        registry.timers.push(id);
    """,
    "interval id in an object": """
        const id = setInterval(() => setNow(Date.now()), 1000);
        registry.add({ id });
    """,
    "interval id passed to a callee": """
        const id = setInterval(() => setNow(Date.now()), 1000);
        registry.keep(id);
    """,
    "interval id captured by a later callback": """
        const id = setInterval(() => setNow(Date.now()), 1000);
        setTimeout(() => clearInterval(id), 60000);
    """,
    "handler handed to a callee": """
        const onResize = () => setNow(window.innerWidth);
        window.addEventListener("resize", onResize);
        registry.keep(onResize);
    """,
    "target stored in a ref": """
        const media = window.matchMedia("(min-width: 600px)");
        const onChange = () => setNow(Date.now());
        media.addEventListener("change", onChange);
        timer.current = media;
    """,
}


def ts_verdict(tmp_path, body: str) -> str:
    fixes = fixes_of(tmp_path, effect(body), "clock.tsx", ["LL401", "LL204"])
    assert len(fixes) <= 1, "at most one finding for the one handle"
    return verdict(fixes)


@pytest.mark.parametrize("shape", sorted(TS_SAFE))
def test_effect_cleanup_is_safe_when_nothing_escapes(tmp_path, shape):
    assert ts_verdict(tmp_path, TS_SAFE[shape]) == "safe"


@pytest.mark.parametrize("shape", sorted(TS_ESCAPES))
def test_effect_cleanup_is_unsafe_when_the_handle_escapes(tmp_path, shape):
    assert ts_verdict(tmp_path, TS_ESCAPES[shape]) in ("unsafe", "handed on")


def test_escape_shapes_reach_the_fixer():
    """Most escape shapes above are reported, so the fixer itself is what judges them."""
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as d:
        reported = [s for s in TS_ESCAPES if ts_verdict(Path(d), TS_ESCAPES[s]) == "unsafe"]
    assert set(reported) >= {"interval id in a ref", "handler handed to a callee",
                             "target stored in a ref"}
