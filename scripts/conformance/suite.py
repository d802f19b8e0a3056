"""What the conformance builders and the scorer share: the expectations file, the peers'
sources (a git mirror or a plain tree), the output directory, and Go `// want` comments.

expected.tsv holds one row per expectation, tab-separated, with a header line:

    file    lines    family    note

- `file`: path of a source file relative to the suite directory (forward slashes);
- `lines`: the line(s) where a finding must be, alternatives separated by `|` (any one
  counts), or `-`: the file must stay clean;
- `family`: the leaklint rule family the finding must belong to (resource, context, ...),
  `-` on a clean-file row;
- `note`: free text; a note starting with `style:` or `optional:` marks a row that counts
  neither way (a finding there is neither a hit nor a false positive, a miss is no miss).
  Words in square brackets at the start of a note (`[channel] [lock] ...`) are tags: the
  scorer also gives recall per tag.
"""

from __future__ import annotations

import re
import sys
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gitmirror import GitMirror, is_git_directory  # noqa: E402

HEADER = ("file", "lines", "family", "note")
NEUTRAL_PREFIXES = ("style:", "optional:")
LEADING_TAGS = re.compile(r"^(?:\[[A-Za-z0-9_&.-]+\]\s*)+")
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


class SuiteError(Exception):
    """A suite, an expectations file or a mirror that cannot be used (message names it)."""


@dataclass(frozen=True)
class Row:
    file: str
    lines: tuple[int, ...]  # empty: the file must stay clean
    family: str
    note: str = ""

    @property
    def clean(self) -> bool:
        return not self.lines

    @property
    def neutral(self) -> bool:
        return self.note.startswith(NEUTRAL_PREFIXES)

    @property
    def tags(self) -> tuple[str, ...]:
        match = LEADING_TAGS.match(self.note)
        return tuple(re.findall(r"\[([^\]]+)\]", match.group(0))) if match else ()

    def spelled_lines(self) -> str:
        return "|".join(str(n) for n in self.lines) if self.lines else "-"


def write_expected(out: Path, rows: list[Row]) -> None:
    """Write OUT/expected.tsv (rows sorted by file, then first line)."""
    lines = ["\t".join(HEADER)]
    for row in sorted(rows, key=lambda r: (r.file, r.lines[:1] or (0,), r.note)):
        for text in (row.file, row.family, row.note):
            if "\t" in text or "\n" in text:
                raise SuiteError(f"{row.file}: a tab or newline in {text!r}")
        lines.append("\t".join((row.file, row.spelled_lines(), row.family, row.note)))
    (out / "expected.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_expected(suite: Path) -> list[Row]:
    """The rows of SUITE/expected.tsv; SuiteError names the line of a malformed row."""
    path = suite / "expected.tsv"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SuiteError(f"{path}: no expected.tsv in this suite directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{path}: cannot read: {exc}") from None
    rows = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        cells = raw.split("\t")
        if tuple(cells) == HEADER:
            continue
        if len(cells) < 3 or len(cells) > 4:
            raise SuiteError(f"{path}:{number}: expected 3 or 4 tab-separated cells, got {len(cells)}")
        file, lines, family = cells[:3]
        note = cells[3] if len(cells) == 4 else ""
        if not file or file.startswith("/") or ".." in Path(file).parts:
            raise SuiteError(f"{path}:{number}: file must be a path inside the suite: {file!r}")
        if not (suite / file).is_file():
            raise SuiteError(f"{path}:{number}: no such file in the suite: {file}")
        rows.append(Row(file, parse_lines(lines, f"{path}:{number}"), family, note))
    return rows


def parse_lines(text: str, where: str) -> tuple[int, ...]:
    if text == "-":
        return ()
    try:
        numbers = tuple(int(part) for part in text.split("|"))
    except ValueError:
        raise SuiteError(f"{where}: lines must be numbers separated by '|' or '-': {text!r}") from None
    if any(n < 1 for n in numbers):
        raise SuiteError(f"{where}: line numbers start at 1: {text!r}")
    return numbers


class Mirror:
    """A peer's repository: a git directory (read at a commit) or a plain tree of files."""

    def __init__(self, path: Path, commit: str | None):
        self.path = path
        self.commit = commit or "HEAD"
        self.git = GitMirror(path, SuiteError) if is_git_directory(path) else None
        if self.git is not None and commit:
            if not self.git.is_commit(commit):
                raise SuiteError(f"{path}: commit {commit} is not in this mirror")
        elif self.git is None and not path.is_dir():
            raise SuiteError(f"{path}: neither a git directory nor a directory of files")

    def read(self, name: str) -> bytes:
        if self.git is not None:
            data = self.git.read(self.commit, name)
            if data is None:
                raise SuiteError(f"{self.path}: {name} is not in commit {self.commit}")
            return data
        try:
            return (self.path / name).read_bytes()
        except OSError as exc:
            raise SuiteError(f"{self.path / name}: {exc.strerror}") from None

    def files(self, folder: str) -> list[str]:
        """Paths of the files under FOLDER (relative to the repository root), sorted."""
        if self.git is not None:
            return self.git.names(self.commit, folder)
        base = self.path / folder
        if not base.is_dir():
            raise SuiteError(f"{base}: no such folder in the mirror")
        return sorted(p.relative_to(self.path).as_posix() for p in base.rglob("*") if p.is_file())


def fresh_output(out: Path) -> Path:
    """Empty OUT for a suite; refuses a folder inside this repository (peers' files differ
    in licence and are never committed here)."""
    out = out.resolve()
    if out == REPOSITORY_ROOT or REPOSITORY_ROOT in out.parents:
        raise SuiteError(f"{out}: build suites outside the repository (peers' licences differ)")
    if out.exists():
        if not (out / "expected.tsv").is_file() and any(out.iterdir()):
            raise SuiteError(f"{out}: exists and is not a suite (no expected.tsv); not overwriting it")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    return out


def copy_file(mirror: Mirror, name: str, out: Path, target: str) -> bytes:
    data = mirror.read(name)
    path = out / target
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


WANT = re.compile(r"//\s*want\s+(.*)$")
WANT_MESSAGE = re.compile(r'"((?:[^"\\]|\\.)*)"|`([^`]*)`')


@dataclass
class Want:
    line: int
    messages: list[str] = field(default_factory=list)


def go_wants(text: str) -> list[Want]:
    """analysistest's `// want "msg" ...` comments: one Want per line that has one."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        match = WANT.search(line)
        if match:
            messages = [a if a else b for a, b in WANT_MESSAGE.findall(match.group(1))]
            found.append(Want(number, messages))
    return found


def build_suite(module, mirror_path: Path, out: Path, commit: str | None = None) -> list[Row]:
    """Build MODULE's suite (a builder module: PEER, COMMIT, build(mirror, out) -> rows)
    from the mirror into OUT, and write its expected.tsv."""
    mirror = Mirror(mirror_path, commit or module.COMMIT)
    out = fresh_output(out)
    try:
        rows = module.build(mirror, out)
        write_expected(out, rows)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # never leave half a suite behind
        raise
    return rows


def builder_main(module) -> int:
    """The command line every builder shares: --mirror DIR --out DIR [--commit SHA]."""
    import argparse

    parser = argparse.ArgumentParser(description=(module.__doc__ or "").split("\n\n")[0])
    default = module.default_mirror() if hasattr(module, "default_mirror") else None
    parser.add_argument("--mirror", type=Path, required=default is None, default=default,
                        help=f"git directory (or plain checkout) of {module.REPOSITORY}"
                             + (f" (default: {default})" if default else ""))
    parser.add_argument("--out", type=Path, required=True, help="suite directory to (re)create")
    parser.add_argument("--commit", help=f"commit to read (default {module.COMMIT})")
    args = parser.parse_args()
    try:
        rows = build_suite(module, args.mirror, args.out, args.commit)
    except SuiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    positive = sum(1 for r in rows if not r.clean and not r.neutral)
    print(f"{module.PEER}: {positive} positive rows, {len(rows) - positive} other rows -> {args.out}")
    return 0
