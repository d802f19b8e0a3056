"""Shared pieces of the fuzz tests: seeds, mutations and the whole-pipeline oracle.

The oracle scans one file with every rule, renders every output format and checks what
must hold for any input: no exception and no internal error, JSON that parses, SARIF
that validates, findings inside the file, and the same output on a second run.
"""

from __future__ import annotations

import json
import os
import random
import re
from functools import lru_cache
from pathlib import Path

from hypothesis import strategies as st

from leaklint import languages
from leaklint.api import check_paths
from leaklint.config import Config
from leaklint.report import FORMATS, render
from leaklint.source import decode, lone_cr_to_lf

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
EXTENSIONS = sorted(languages.EXTENSIONS)

# small, realistic seeds for languages that have no fixtures yet on this branch
INLINE_SEEDS = {
    ".py": b'''import socket
import threading


class Client:
    def __init__(self, host):
        self.sock = socket.create_connection((host, 80))

    def fetch(self, path):
        f = open(path, "rb")
        data = f.read()
        if not data:
            return None
        f.close()
        return data


def worker(q):
    t = threading.Thread(target=q.get)
    t.start()
    with open("/tmp/x") as fh:
        return fh.read()
''',
    ".ts": b'''import { EventEmitter } from "events";

export class Poller {
  private timer?: ReturnType<typeof setInterval>;
  constructor(private bus: EventEmitter) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), 1000);
    window.addEventListener("resize", this.onResize);
  }

  tick(): void {
    const t = setTimeout(() => console.log("late"), 10);
    this.bus.on("data", (d: string) => console.log(d));
  }

  onResize = (): void => {};
}
''',
    ".js": b'''const fs = require("fs");

function watch(path, cb) {
  const w = fs.watch(path, cb);
  const id = setInterval(function () { cb(null); }, 500);
  process.on("exit", () => clearInterval(id));
  return new Promise((resolve) => { setTimeout(resolve, 10); });
}

module.exports = { watch };
''',
    ".tsx": b'''import React, { useEffect } from "react";

export function Clock(): JSX.Element {
  useEffect(() => {
    const id = setInterval(() => {}, 1000);
    document.addEventListener("keydown", onKey);
  }, []);
  return <div className="clock">{new Date().toISOString()}</div>;
}

function onKey(e: KeyboardEvent): void {}
''',
}


def fixture_seeds() -> list[tuple[str, bytes]]:
    """(extension, bytes) of every fixture file and the inline seeds."""
    out = []
    for p in sorted(FIXTURES.rglob("*")):
        if p.is_file() and languages.language_of(p.name):
            out.append((p.suffix.lower(), p.read_bytes()))
    out.extend(sorted(INLINE_SEEDS.items()))
    return out


SEEDS = fixture_seeds()

# bytes that stress decoding, line counting and columns
NASTY = [b"\r", b"\r\n", b"\n", b"\t", b"\0", b"\xff", b"\xef\xbb\xbf", "\U0001d4b3".encode(),
         "é".encode(), "中".encode(), b"\xed\xa0\x80", b"{", b"}", b"(", b")", b"`", b'"',
         b"'", b"/*", b"*/", b"#", b"//", b"\\", b"\x1b", "\u2028".encode()]
TOKEN = re.compile(rb"\w+|\s+|.", re.S)


def _flip(draw, data: bytearray) -> bytearray:
    if not data:
        return data
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, len(data) - 1))
        data[i] = draw(st.integers(0, 255))
    return data


def _insert(draw, data: bytearray) -> bytearray:
    i = draw(st.integers(0, len(data)))
    piece = draw(st.one_of(st.sampled_from(NASTY), st.binary(min_size=1, max_size=16)))
    return data[:i] + piece + data[i:]


def _lines(data: bytearray) -> list[bytes]:
    return bytes(data).split(b"\n")


def _delete_lines(draw, data: bytearray) -> bytearray:
    lines = _lines(data)
    i = draw(st.integers(0, len(lines) - 1))
    n = draw(st.integers(1, 5))
    return bytearray(b"\n".join(lines[:i] + lines[i + n:]))


def _duplicate_lines(draw, data: bytearray) -> bytearray:
    lines = _lines(data)
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(0, len(lines)))
    n = draw(st.integers(1, 6))
    return bytearray(b"\n".join(lines[:j] + lines[i:i + n] + lines[j:]))


def _shuffle_tokens(draw, data: bytearray) -> bytearray:
    toks = TOKEN.findall(bytes(data))
    if len(toks) < 2:
        return data
    i = draw(st.integers(0, len(toks) - 2))
    n = draw(st.integers(2, 12))
    window = toks[i:i + n]
    random.Random(draw(st.integers(0, 2**32))).shuffle(window)
    return bytearray(b"".join(toks[:i] + window + toks[i + n:]))


def _truncate(draw, data: bytearray) -> bytearray:
    return data[:draw(st.integers(0, len(data)))]


def _line_endings(draw, data: bytearray) -> bytearray:
    return bytearray(bytes(data).replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r", b"\n\r"]))))


def _nest(draw, data: bytearray) -> bytearray:
    i = draw(st.integers(0, len(data)))
    depth = draw(st.integers(1, 400))
    opener, closer = draw(st.sampled_from([(b"{", b"}"), (b"(", b")"), (b"[", b"]"),
                                           (b"if x {", b"}"), (b"f(", b")")]))
    return data[:i] + opener * depth + closer * draw(st.integers(0, depth)) + data[i:]


def _indent(draw, data: bytearray) -> bytearray:
    """Deeply indented lines (Python nests by indentation; scanners keep a stack of it)."""
    i = draw(st.integers(0, len(data)))
    depth = draw(st.integers(1, 600))
    line = draw(st.sampled_from([b"if x:", b'with open("f") as g:', b"def f():", b"{"]))
    block = b"".join(b" " * (k + 1) + line + b"\n" for k in range(depth))
    return data[:i] + b"\n" + block + data[i:]


def _utf16(draw, data: bytearray) -> bytearray:
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        return data
    if draw(st.booleans()):
        return bytearray(b"\xfe\xff" + text.encode("utf-16-be"))
    return bytearray(b"\xff\xfe" + text.encode("utf-16-le"))


MUTATIONS = [_flip, _insert, _delete_lines, _duplicate_lines, _shuffle_tokens, _truncate,
             _line_endings, _nest, _indent, _utf16]


@st.composite
def mutated_source(draw, seeds=None):
    """(extension, bytes): a seed file with a few random mutations applied."""
    ext, data = draw(st.sampled_from(seeds or SEEDS))
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        data = draw(st.sampled_from(MUTATIONS))(draw, data)
    return ext, bytes(data)


def random_source():
    """(extension, bytes): random bytes under a source extension."""
    return st.tuples(st.sampled_from(EXTENSIONS), st.binary(max_size=3000))


# -- the oracle ---------------------------------------------------------------------


def schema_path() -> Path:
    """The SARIF 2.1.0 schema shipped with the tests (tests/schemas/)."""
    return Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"


@lru_cache(maxsize=1)
def sarif_validator():
    path = schema_path()
    import jsonschema

    schema = json.loads(path.read_text())
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def scan(directory: Path, name: str) -> tuple:
    """Scan one file of ``directory`` with every rule; (report, {format: output})."""
    cwd = os.getcwd()
    os.chdir(directory)
    try:
        report = check_paths([name], config=Config(root=directory), select=["ALL"],
                             line_hashes=True)
        outputs = {fmt: render(fmt, report) for fmt in FORMATS}
    finally:
        os.chdir(cwd)
    return report, outputs


def _lines_of(data: bytes) -> list[str] | None:
    """The file's lines as leaklint counts them ('\\n' only), or None if undecodable."""
    try:
        text = lone_cr_to_lf(decode(data)[0])
    except (UnicodeDecodeError, UnicodeError):
        return None
    return text.decode("utf-8").split("\n")


def check_position(p, lines: list[str], what: str) -> None:
    assert 1 <= p.line <= p.end_line <= len(lines), (what, p, len(lines))
    first, last = lines[p.line - 1], lines[p.end_line - 1]
    assert 1 <= p.col <= len(first) + 1, (what, p, first)
    assert 1 <= p.end_col <= len(last) + 1, (what, p, last)
    if p.line == p.end_line:
        assert p.col <= p.end_col, (what, p)
    u16 = lambda s: len(s.encode("utf-16-le")) // 2  # noqa: E731
    assert p.col16 == u16(first[:p.col - 1]) + 1, (what, p, first)
    assert p.end_col16 == u16(last[:p.end_col - 1]) + 1, (what, p, last)


def check_pipeline(directory: Path, ext: str, data: bytes) -> dict:
    """Run the whole pipeline on ``data`` saved as a file; assert every property."""
    name = "input" + ext
    (directory / name).write_bytes(data)
    report, outputs = scan(directory, name)
    errors = [d for d in report.diagnostics if d.kind == "internal-error"]
    assert not errors, "\n".join(f"{d.message}\n{d.detail}" for d in errors)
    assert report.files_scanned == 1
    doc = json.loads(outputs["json"])
    assert doc["summary"]["findings"] == len(report.findings)
    sarif = json.loads(outputs["sarif"])
    problems = sorted(sarif_validator().iter_errors(sarif), key=str)
    assert not problems, problems[0]
    for line in outputs["text"].splitlines():
        assert line.isprintable() or "\t" in line, repr(line)
    if report.findings or report.suppressed:
        lines = _lines_of(data)
        assert lines is not None, "findings in a file that cannot be decoded"
        for f in report.findings + report.suppressed:
            assert f.path == name
            check_position(f.position, lines, f.code)
            for r in f.related + [r for path in f.flows for r in path]:
                check_position(r.position, lines, f"{f.code} related")
            assert f"{name}:{f.position.line}:{f.position.col}: {f.code}" in outputs["text"] \
                or f.suppressed
    _, again = scan(directory, name)
    assert again == outputs, "a second run gave different output"
    return outputs
