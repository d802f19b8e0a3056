"""The data that flows out of the analysis: findings, diagnostics and the report."""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("error", "warning", "note")


@dataclass(frozen=True)
class Position:
    """A span in a file.

    Lines are 1-based. ``col``/``end_col`` are 1-based Unicode code point columns
    (end exclusive); ``col16``/``end_col16`` are the same in UTF-16 code units, which
    SARIF consumers such as GitHub expect.
    """

    line: int
    col: int
    end_line: int
    end_col: int
    col16: int
    end_col16: int


@dataclass(frozen=True)
class Related:
    """A secondary location of a finding: the leaking exit, an unmatched release..."""

    path: str
    position: Position
    message: str


@dataclass
class Finding:
    path: str
    position: Position
    code: str
    name: str
    family: str
    severity: str
    message: str
    language: str
    related: list[Related] = field(default_factory=list)
    # the text of the reported line, for carets in text output and baseline matching
    line_text: str = ""
    # code flows: one path per leaking exit, the steps after the acquisition in order
    # (branches taken, then the exit), as related locations
    flows: list[list[Related]] = field(default_factory=list)
    fingerprint: str | None = None
    suppressed: bool = False
    fix: object | None = None

    def sort_key(self) -> tuple:
        p = self.position
        return (self.path, p.line, p.col, self.code, self.message)


@dataclass(frozen=True)
class Diagnostic:
    """Something about a file that is not a finding: skipped, unreadable, partly parsed."""

    path: str
    kind: str  # skipped | unreadable | syntax-error | internal-error | timeout
    message: str
    detail: str | None = None  # a traceback, shown with --debug

    def sort_key(self) -> tuple:
        return (self.path, self.kind, self.message)


# Report.hidden's reason for the findings the context policy leaves out (contexts.py)
CONTEXT_HIDDEN = "left out by the context policy"


@dataclass
class Verified:
    """How many acquisitions a rule checked in a file and how many were fine."""

    checked: int = 0
    correct: int = 0


@dataclass
class FileResult:
    path: str
    language: str | None
    findings: list[Finding] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # rule code -> counts of what was checked (for the review checklist)
    verified: dict[str, Verified] = field(default_factory=dict)
    # rule code -> lines of what it examined and found fine (``ok:`` markers of fixtures)
    verified_lines: dict[str, set[int]] = field(default_factory=dict)
    parsed: bool = False
    # findings the context policy left out (tests, scripts, examples, generated code)
    context_hidden: int = 0


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    verified: dict[str, Verified] = field(default_factory=dict)
    # path -> rule code -> lines verified fine (FileResult.verified_lines of each file)
    verified_lines: dict[str, dict[str, set[int]]] = field(default_factory=dict)
    files_scanned: int = 0
    files_skipped: int = 0
    rules: list = field(default_factory=list)  # the enabled Rule objects
    # findings left out on purpose, by reason ("in the baseline", "outside the diff")
    hidden: dict[str, int] = field(default_factory=dict)
    settings: object = None  # the analysis Settings of the run (to re-check fixed files)
    # discovery: (path, reason) left out by built-in skips and excludes, and the paths named
    # on the command line that yielded no file, with why
    skipped: list = field(default_factory=list)
    empty_paths: list = field(default_factory=list)
    # what a merge checks: a digest of the run's settings and paths, and its shard if any
    run_digest: str = ""
    shard: object = None  # a shard.Shard

    def add(self, result: FileResult) -> None:
        self.files_scanned += 1
        for f in result.findings:
            (self.suppressed if f.suppressed else self.findings).append(f)
        self.diagnostics.extend(result.diagnostics)
        if any(d.kind in ("skipped", "unreadable", "timeout") for d in result.diagnostics):
            self.files_skipped += 1
        for code, v in result.verified.items():
            tot = self.verified.setdefault(code, Verified())
            tot.checked += v.checked
            tot.correct += v.correct
        if result.verified_lines:
            self.verified_lines[result.path] = result.verified_lines
        if result.context_hidden:
            self.hidden[CONTEXT_HIDDEN] = self.hidden.get(CONTEXT_HIDDEN, 0) + result.context_hidden

    def finish(self) -> None:
        self.findings.sort(key=Finding.sort_key)
        self.suppressed.sort(key=Finding.sort_key)
        self.diagnostics.sort(key=Diagnostic.sort_key)
