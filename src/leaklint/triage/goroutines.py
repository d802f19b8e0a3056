"""Goroutine dumps over time: which stacks grow, where they were started and what they
wait on.

Reads the text of ``/debug/pprof/goroutine?debug=1`` (one record per distinct stack with
its count, no wait reasons, no creation site) and ``?debug=2`` (every goroutine with its
wait reason and its ``created by`` site, the same text as a crash dump). Goroutines are
grouped by their stack (function, file and line of each frame; with debug=2 also the
creation site), counted in each dump, and the groups whose count grows from the first
dump to the last are reported, largest growth first.
"""

from __future__ import annotations

import re

from .errors import TriageInputError

_D1_RECORD = re.compile(r"^(\d+) @(?: 0x[0-9a-fA-F]+)*\s*$")
_D1_FRAME = re.compile(r"^#\s+0x[0-9a-fA-F]+\s+(\S+?)\+0x[0-9a-fA-F]+\s+(.+):(\d+)\s*$")
_D2_HEADER = re.compile(r"^goroutine (\d+)(?: [^\[]*)?\[([^\]]*)\]:\s*$")
_D2_LOCATION = re.compile(r"^\t(.+):(\d+)(?: \+0x[0-9a-fA-F]+)?\s*$")
_D2_CREATED = re.compile(r"^created by (\S+)(?: in goroutine \d+)?\s*$")
_DUMPER = "runtime/pprof.writeGoroutine"
_DURATION = re.compile(r",\s*\d+ minutes?(?:,|$)")

# wait reasons of debug=2 headers -> the blocking operation reported
_WAIT_KINDS = [
    ("chan send", "chan send"),
    ("chan receive", "chan receive"),
    ("select", "select"),
    ("sync.Mutex.Lock", "mutex"),
    ("sync.RWMutex.Lock", "mutex"),
    ("sync.RWMutex.RLock", "mutex"),
    ("semacquire", "mutex"),
    ("sync.WaitGroup.Wait", "waitgroup"),
    ("sync.Cond.Wait", "cond"),
    ("IO wait", "IO wait"),
    ("sleep", "sleep"),
    ("syscall", "syscall"),
    ("running", "running"),
    ("runnable", "runnable"),
]

# functions that show what a debug=1 stack waits on, tested from the top frame down
_FRAME_KINDS = [
    ("internal/poll.runtime_pollWait", "IO wait"),
    ("sync.(*Mutex).Lock", "mutex"),
    ("sync.(*RWMutex).Lock", "mutex"),
    ("sync.(*RWMutex).RLock", "mutex"),
    ("internal/sync.runtime_SemacquireMutex", "mutex"),
    ("sync.runtime_SemacquireMutex", "mutex"),
    ("sync.runtime_SemacquireRWMutex", "mutex"),
    ("sync.runtime_SemacquireRWMutexR", "mutex"),
    ("sync.(*WaitGroup).Wait", "waitgroup"),
    ("sync.(*Cond).Wait", "cond"),
    ("time.Sleep", "sleep"),
    ("syscall.Syscall", "syscall"),
    ("syscall.Syscall6", "syscall"),
    ("syscall.RawSyscall", "syscall"),
]


def wait_kind(state: str) -> str:
    """The blocking operation of a debug=2 wait reason ("chan send, 5 minutes" -> "chan
    send"; "sync.Mutex.Lock" -> "mutex"); other reasons are returned as they are."""
    reason = _DURATION.sub("", state).strip()
    for prefix, kind in _WAIT_KINDS:
        if reason.startswith(prefix):
            return kind
    return reason or "unknown"


def frame_kind(frames: list[dict]) -> str:
    """What a debug=1 stack waits on, from its frames (runtime frames are not shown at
    debug=1, so a channel operation or select is "unknown": use debug=2 for those)."""
    for frame in frames:
        for name, kind in _FRAME_KINDS:
            if frame["function"] == name:
                return kind
    return "unknown"


class _Stack:
    """One group of goroutines in one dump."""

    __slots__ = ("frames", "state", "created_by", "count")

    def __init__(self, frames, state, created_by, count):
        self.frames, self.state, self.created_by, self.count = frames, state, created_by, count


def _open(path: str):
    try:
        return open(path, encoding="utf-8", errors="replace")
    except OSError as exc:
        raise TriageInputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _frame(function: str, file: str, line: str) -> dict:
    return {"function": function, "file": file, "line": int(line)}


def _parse_debug1(path: str, lines) -> tuple[list[_Stack], int | None]:
    stacks, current, total = [], None, None
    for text in lines:
        text = text.rstrip("\n")
        if text.startswith("goroutine profile: total "):
            total = int(text.split()[-1]) if text.split()[-1].isdigit() else None
            continue
        m = _D1_RECORD.match(text)
        if m:
            current = _Stack([], None, None, int(m.group(1)))
            stacks.append(current)
            continue
        m = _D1_FRAME.match(text)
        if m and current is not None:
            current.frames.append(_frame(*m.groups()))
    return stacks, total


def _parse_debug2(path: str, lines) -> list[_Stack]:
    stacks, current, pending, creator = [], None, None, False
    for text in lines:
        text = text.rstrip("\n")
        m = _D2_HEADER.match(text)
        if m:
            current = _Stack([], m.group(2), None, 1)
            stacks.append(current)
            pending, creator = None, False
            continue
        if current is None or not text:
            continue
        m = _D2_LOCATION.match(text)
        if m:
            if pending is not None:
                frame = _frame(pending, *m.groups())
                if creator:
                    current.created_by = frame
                else:
                    current.frames.append(frame)
            pending = None
            continue
        m = _D2_CREATED.match(text)
        if m:
            pending, creator = m.group(1), True
            continue
        if text.endswith(")") and "(" in text:  # a call: name(args)
            pending, creator = text[:text.rindex("(")], False
        elif text.startswith("...additional frames elided"):
            pending = None
    return stacks


def looks_like(head: str) -> bool:
    """Whether text starting with ``head`` is a goroutine dump (for input dispatch)."""
    first = next((line for line in head.splitlines() if line.strip()), "")
    return first.startswith("goroutine profile:") or bool(_D2_HEADER.match(first))


def read_dump(path: str) -> dict:
    """Parse one dump: ``{"path", "format": "debug=1"|"debug=2", "total", "stacks"}``."""
    with _open(path) as fh:
        first = ""
        for first in fh:
            if first.strip():
                break
        fh.seek(0)
        if first.startswith("goroutine profile:") or _D1_RECORD.match(first.rstrip("\n")):
            stacks, total = _parse_debug1(path, fh)
            fmt = "debug=1"
        elif _D2_HEADER.match(first.rstrip("\n")):
            stacks, total, fmt = _parse_debug2(path, fh), None, "debug=2"
        else:
            raise TriageInputError(
                f"{path}: not a goroutine dump (expected the text of "
                "/debug/pprof/goroutine?debug=1 or ?debug=2)")
    if not stacks:
        raise TriageInputError(f"{path}: no goroutines found in the dump")
    counted = sum(s.count for s in stacks)
    return {"path": path, "format": fmt, "total": total if total is not None else counted,
            "stacks": stacks}


def _site(frame: dict | None) -> dict | None:
    return None if frame is None else {"function": frame["function"], "file": frame["file"],
                                       "line": frame["line"]}


def analyse(paths: list[str]) -> dict:
    """Compare goroutine dumps taken over time (in the order given)."""
    if len(paths) < 2:
        raise TriageInputError("goroutine dumps: give two or more dumps taken over time")
    dumps = [read_dump(p) for p in paths]
    by_creator = all(d["format"] == "debug=2" for d in dumps)
    groups: dict = {}
    for i, dump in enumerate(dumps):
        for s in dump["stacks"]:
            if any(f["function"].startswith(_DUMPER) for f in s.frames):
                continue  # the goroutine writing the dump
            key = tuple((f["function"], f["file"], f["line"]) for f in s.frames)
            if by_creator and s.created_by:
                key += (("created by", s.created_by["file"], s.created_by["line"]),)
            group = groups.get(key)
            if group is None:
                group = groups[key] = {"frames": s.frames, "created_by": s.created_by,
                                       "states": {}, "counts": [0] * len(dumps)}
            group["counts"][i] += s.count
            if s.state is not None:
                kind = wait_kind(s.state)
                group["states"][kind] = group["states"].get(kind, 0) + s.count
            if group["created_by"] is None and s.created_by is not None:
                group["created_by"] = s.created_by
    growing = []
    for group in groups.values():
        counts = group["counts"]
        growth = counts[-1] - counts[0]
        if growth <= 0:
            continue
        frames = group["frames"]
        if group["states"]:
            blocked = max(group["states"].items(), key=lambda kv: kv[1])[0]
        else:
            blocked = frame_kind(frames)
        entry = frames[-1] if frames else None
        growing.append({
            "blocked": blocked,
            "function": entry["function"] if entry else None,
            "top": _site(_user_top(frames)),
            "created_by": _site(group["created_by"]),
            "site": _site(group["created_by"] or entry),
            "counts": counts,
            "growth": growth,
            "grows_every_step": all(b > a for a, b in zip(counts, counts[1:])),
            "frames": [_site(f) for f in frames],
        })
    growing.sort(key=lambda g: (-g["growth"], not g["grows_every_step"],
                                g["site"]["file"] if g["site"] else "",
                                g["site"]["line"] if g["site"] else 0))
    totals = [d["total"] for d in dumps]
    return {
        "dumps": [{"path": d["path"], "format": d["format"], "total": d["total"]} for d in dumps],
        "totals": totals,
        "growth": totals[-1] - totals[0],
        "stacks": growing,
    }


_LIBRARY_PREFIXES = ("runtime.", "runtime/", "internal/", "sync.", "time.", "net.", "syscall.",
                     "os.", "io.", "bufio.", "context.")


def _user_top(frames: list[dict]) -> dict | None:
    """The first frame from the top that is not in the runtime or the standard library
    packages goroutines usually wait in: the line of the program that waits."""
    for frame in frames:
        if not frame["function"].startswith(_LIBRARY_PREFIXES):
            return frame
    return frames[0] if frames else None


def _where(site: dict | None) -> str:
    return f"{site['file']}:{site['line']}" if site else "?"


def render_text(result: dict) -> str:
    from ..report.escape import line as printable

    dumps = result["dumps"]
    totals = result["totals"]
    out = [f"Goroutines: {' -> '.join(str(t) for t in totals)} over {len(dumps)} dumps "
           f"({result['growth']:+d})"]
    stacks = result["stacks"]
    out.append(f"Growing stacks ({len(stacks)}), largest growth first:" if stacks
               else "  no stack grows")
    for s in stacks:
        counts = " -> ".join(str(c) for c in s["counts"])
        steady = "" if s["grows_every_step"] else " (not at every step)"
        out.append(f"  {s['growth']:+d}  [{s['blocked']}]  {counts}{steady}")
        if s["created_by"]:
            out.append(f"      created by {s['created_by']['function']} at "
                       f"{_where(s['created_by'])}")
        elif s["function"]:
            out.append(f"      goroutine {s['function']} (debug=1 dumps have no creation "
                       f"site)")
        if s["top"]:
            out.append(f"      waits in {s['top']['function']} at {_where(s['top'])}")
    return "".join(printable(line) + "\n" for line in out)
