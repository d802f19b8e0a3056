"""Summaries of functions ("does f release its parameter i?"), computed on demand to a
least fixed point, the same way for every language.

A summary may depend on others (f hands the handle to g); through recursion it may
depend on itself. A first answer is computed depth first; a function met again while
its own answer is being computed gets the provisional answer (False: "not yet seen to
release"), and once the outermost computation ends, every answer computed meanwhile is
recomputed until none changes. Answers only grow (False -> True: a body that releases
with what it knows releases with more), so this ends, and the result does not depend on
the order in which questions were asked: a recursive cycle does not count as "does not
release" just because it was asked from inside itself.
"""

from __future__ import annotations

from ..tracks import Candidate

# the "parameter" a question about a function's result is asked with: does the function
# return a fresh resource of the rule (a factory)?
RESULT = -1
# a chain of calls longer than this is not followed further: its answer is "unknown",
# which the caller gets as ``unknown`` (rules treat it as a handoff)
MAX_CHAIN = 32


class Summaries:
    def __init__(self, compute, unknown=True):
        """``compute(key) -> bool`` computes one answer and may ask ``get`` for others."""
        self._compute = compute
        self._unknown = unknown
        self._final: dict = {}
        self._pending: dict = {}  # answers computed during the current outermost question
        self._active: list = []
        self._cyclic = False

    def get(self, key):
        if key in self._final:
            return self._final[key]
        if key in self._pending:
            if key in self._active:
                self._cyclic = True
            return self._pending[key]
        if len(self._active) >= MAX_CHAIN:
            return self._unknown
        outermost = not self._active
        self._pending[key] = False
        self._active.append(key)
        try:
            value = bool(self._compute(key))
        finally:
            self._active.pop()
        self._pending[key] = value
        if outermost:
            self._settle()
            return self._final[key]
        return value

    def _settle(self) -> None:
        try:
            if self._cyclic:
                for _ in range(len(self._pending) + 1):
                    changed = False
                    for key in list(self._pending):
                        self._active.append(key)
                        try:
                            value = bool(self._compute(key))
                        finally:
                            self._active.pop()
                        if value != self._pending[key]:
                            self._pending[key] = value
                            changed = True
                    if not changed:
                        break
            self._final.update(self._pending)
        finally:
            self._pending = {}
            self._cyclic = False


class FileSummaries:
    """What one file's adapter asks about the functions its calls run.

    ``local(key)``: a function of this file, by the adapter's key, solved here with
    ``compute`` (its body scanned); ``external(ref, index, code)``: the function of
    another file that the call named ``ref`` runs (``facts.summaries`` computed it in
    the facts phase and the file's reads carry it): True (releases or hands on its
    parameter ``index`` for rule ``code``), False (neither), None (unknown: no function
    of the scanned tree, or one whose file could not be analysed)."""

    def __init__(self, compute, reads=None):
        self._solver = Summaries(compute)
        self._answers = (reads or {}).get("summaries") or {}

    def local(self, key) -> bool:
        return self._solver.get(key)

    def external(self, ref: str, index: int, code: str) -> bool | None:
        answers = self._answers.get(ref)
        return answers.get(f"{index}:{code}") if isinstance(answers, dict) else None


class Recorder:
    """The same questions asked while a function's summary is extracted as a fact
    (``facts.summaries``): every call answers False ("not seen to release"), and what
    was asked is recorded, so that the summary is stored as "released here, or if one of
    these calls releases" and solved across files later."""

    def __init__(self):
        self.asked: list = []

    def local(self, key) -> bool:
        self.asked.append(("local", key))
        return False

    def external(self, ref: str, index: int, code: str) -> bool:
        self.asked.append(("external", (ref, index)))
        return False


def element(acquisition: str, part: int) -> str:
    """How a factory that returns its acquisition as element ``part`` of a tuple (`return
    open(p), p`) names what it makes, in the shapes and the reads: `open[0]`."""
    return f"{acquisition}[{part}]"


def made_part(made: str) -> tuple:
    """(the acquisition, the element of the returned tuple, -1: the whole result) of a
    factory's answer (``element``)."""
    head, bracket, rest = made.rpartition("[")
    if bracket and rest.endswith("]") and rest[:-1].isdigit():
        return head, int(rest[:-1])
    return made, -1


def made_by(answers: dict, keys) -> dict:
    """{rule code: the acquisition returned} of a call named by ``keys``, from the file's
    ``reads["factories"]`` (``answers``): what the functions it runs return fresh."""
    made: dict = {}
    for key in keys:
        made.update(answers.get(key) or {})
    return made


def with_factories(found: list, reads, rules, calls, keys_of, callee_of) -> list:
    """``found`` (the file's direct acquisitions) and the calls of functions that return a
    fresh resource of a rule (factories), from the file's reads: {"local:<key>" or call
    reference: {code: the acquisition returned}}. ``calls()``: the file's calls;
    ``keys_of(call)`` names a call as the facts phase did; ``callee_of(call)``: its text."""
    answers = (reads or {}).get("factories")
    if not answers:
        return found
    seen = {(c.call.id, c.rule.code) for c in found}
    out = list(found)
    for call in calls():
        made = made_by(answers, keys_of(call))
        out.extend(Candidate(r, call, callee_of(call), *made_part(made[r.code]))
                   for r in rules if r.code in made and (call.id, r.code) not in seen)
    return out
