#!/usr/bin/env python3
"""Build the suite of gosec's G118 (lost cancel functions): each sample of
`testutils/g118_samples.go` that creates a context with `context.WithCancel`,
`WithTimeout` or `WithDeadline` becomes one file, family context.

    python scripts/conformance/build_gosec_g118.py --mirror DIR --out DIR

A sample is `{code, expected issue count, config}`; its code is written verbatim to
`g118_NNN_<slug>/main.go`, a package of its own as gosec checks it (NNN: the sample's position, the slug from its comment). Its code
starts with a newline, so the line numbers are the ones gosec reports. G118 reports at the
`With*` call: for an expected count N, the rows are the N calls whose cancel function is
lost (discarded as `_`, or never called through any name it is copied to); when every
call is lost, all of them; a line that stores that cancel func in a field or package
variable is an alternative (where a checker of stored cancel funcs reports it). Samples whose count also holds G118's other finding (a
goroutine using context.Background/TODO, not a leak of a cancel function) and the peer's
own documented miss are corrected in ADJUSTED, each with its reason.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import Mirror, Row, SuiteError  # noqa: E402

PEER = "gosec-g118"
REPOSITORY = "securego/gosec"
COMMIT = "45b083a0cb42119d61b1e0e364d8c62c68f6f5cd"
SAMPLES = "testutils/g118_samples.go"
SAMPLE = re.compile(r"((?:[ \t]*//[^\n]*\n)*)[ \t]*\{\[\]string\{((?:\s*`[^`]*`\s*,?)+)\},\s*(\d+),[^\n]*\},?\n")
WITH = re.compile(r"\bcontext\.With(?:Cancel|Timeout|Deadline)\s*\(")
ASSIGNED = re.compile(r"^\s*(?:var\s+)?(\w+)\s*,\s*(\w+)\s*:?=\s*context\.With")

# sample number -> (phrase its comment must hold, context rows the sample really has, why)
ADJUSTED = {
    1: ("goroutine uses context.Background", 1,
        "its second expected issue, from G118's context.Background-in-goroutine check, is not a lost cancel"),
    15: ("function parameter ignored in goroutine", 1,
         "its second expected issue, from G118's context.Background-in-goroutine check, is not a lost cancel"),
    25: ("goroutine with TODO", 0,
         "the one expected issue is G118's context.TODO-in-goroutine check; the cancel is deferred"),
    41: ("MakeInterface", 0,
         "the peer's own comment: the cancel deferred through iface.(func())() is not tracked by it"),
}
# sample number -> (phrase, family of a finding that counts neither way, line pattern, why)
OPTIONAL = {
    27: ("in loop WITH defer cancel", "loop", re.compile(r"^\s*defer cancel\(\)"),
         "optional: a defer in a loop releases per-iteration contexts at return, which G118 does not judge"),
}


def slug(comment: str) -> str:
    text = comment.split(":", 1)[-1] if ":" in comment else comment
    words = re.findall(r"[a-z0-9]+", text.lower())[:6]
    return "-".join(words) or "sample"


def called(name: str, code: str) -> bool:
    """Is NAME, or a variable or field it is copied to, ever called (or deferred)?"""
    names, todo = {name}, [name]
    while todo:
        current = re.escape(todo.pop())
        for match in re.finditer(rf"([\w.]+)\s*:?=\s*{current}\s*$", code, re.M):
            alias = match.group(1)
            if alias not in names:
                names.add(alias)
                todo.append(alias.rsplit(".", 1)[-1] if "." in alias else alias)
    return any(re.search(rf"(?<![\w]){re.escape(n)}\s*\(", code) for n in names | {n.rsplit('.', 1)[-1] for n in names})


def cancel_of(line: str) -> str:
    match = ASSIGNED.match(line)
    return match.group(2) if match else "_"


def lost_calls(code: str) -> list[int]:
    return [number for number, line in enumerate(code.split("\n"), 1)
            if WITH.search(line) and (cancel_of(line) == "_" or not called(cancel_of(line), code))]


def stored_at(name: str, code: str) -> list[int]:
    """Lines storing the cancel func NAME in a field or package variable (`t.f = name`,
    `T{f: name}`, `v = name`): a checker reporting the store site reports the same leak."""
    if name == "_":
        return []
    store = re.compile(rf"(?:^\s*(?!_\s)[\w.]+\s*=\s*{name}\s*$|[{{,]\s*\w+:\s*{name}\s*[,}}])")
    return [n for n, line in enumerate(code.split("\n"), 1) if store.search(line)]


def build(mirror: Mirror, out: Path) -> list[Row]:
    text = mirror.read(SAMPLES).decode()
    rows = []
    for number, match in enumerate(SAMPLE.finditer(text), 1):
        comment = " ".join(line.strip().lstrip("/").strip() for line in match.group(1).strip().splitlines())
        codes = re.findall(r"`([^`]*)`", match.group(2))
        if len(codes) != 1 or not WITH.search(codes[0]):
            continue
        code, expected = codes[0], int(match.group(3))
        target = f"g118_{number:03d}_{slug(comment)}/main.go"  # one package per sample, as gosec runs them
        (out / target).parent.mkdir()
        (out / target).write_text(code, encoding="utf-8")
        note = comment
        if number in ADJUSTED:
            phrase, expected, why = ADJUSTED[number]
            if phrase not in comment:
                raise SuiteError(f"{SAMPLES}: sample {number} is no longer the one adjusted ({comment!r})")
            note = f"{comment} ({why})" if expected else why
        if number in OPTIONAL:
            phrase, family, pattern, why = OPTIONAL[number]
            if phrase not in comment:
                raise SuiteError(f"{SAMPLES}: sample {number} is no longer the one adjusted ({comment!r})")
            lines = tuple(n for n, line in enumerate(code.split("\n"), 1) if pattern.search(line))
            rows.append(Row(target, lines, family, why))
        if expected == 0:
            if number not in OPTIONAL:
                rows.append(Row(target, (), "-", note))
            continue
        calls = [n for n, line in enumerate(code.split("\n"), 1) if WITH.search(line)]
        lost = calls if len(calls) == expected else lost_calls(code)
        if len(lost) != expected:
            raise SuiteError(f"{SAMPLES}: sample {number} expects {expected} issue(s) but {len(lost)} "
                             f"With* call(s) lose their cancel (lines {lost}); adjust the builder")
        lines = code.split("\n")
        rows.extend(Row(target, (line, *stored_at(cancel_of(lines[line - 1]), code)), "context", note)
                    for line in lost)
    if not rows:
        raise SuiteError(f"{SAMPLES}: no samples found")
    (out / "LICENSE.txt").write_bytes(mirror.read("LICENSE.txt"))
    return rows


if __name__ == "__main__":
    from suite import builder_main
    sys.exit(builder_main(sys.modules[__name__]))
