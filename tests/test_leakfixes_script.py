"""scripts/leakfixes.py: recall on real leak fixes, scored from a git mirror that each
test builds itself (a commit that leaks, then the commit that fixes it)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "leakfixes.py"
HEADER = "language\trepo\tcommit\tpath\tlines\tfamily\tkind\tnote\n"


def _script():
    spec = importlib.util.spec_from_file_location("leakfixes", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


leakfixes = _script()

LEAKING_GO = textwrap.dedent('''\
    package store

    import "os"

    // Size reads the file's first bytes.
    func Size(name string) (int, error) {
    	f, err := os.Open(name)
    	if err != nil {
    		return 0, err
    	}
    	buf := make([]byte, 16)
    	return f.Read(buf)
    }
    ''')

FIXED_GO = LEAKING_GO.replace("return 0, err\n\t}\n", "return 0, err\n\t}\n\tdefer f.Close()\n")

LEAKING_PY = textwrap.dedent('''\
    from .paths import where


    def head(name):
        handle = open(where(name))
        return handle.read(16)
    ''')

FIXED_PY = textwrap.dedent('''\
    from .paths import where


    def head(name):
        with open(where(name)) as handle:
            return handle.read(16)
    ''')


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
                               "HOME": str(cwd), "PATH": "/usr/bin:/bin"})
    return done.stdout.strip()


@pytest.fixture
def mirrors(tmp_path):
    """MIRRORS/example+store/repo: a bare repository whose last commit fixes two leaks
    (a Go file never closed, a Python file opened without `with`)."""
    work = tmp_path / "work"
    (work / "store").mkdir(parents=True)
    (work / "pkg").mkdir()
    _git(work, "init", "-q", "-b", "main")
    (work / "go.mod").write_text("module example.com/store\n\ngo 1.22\n")
    (work / "store" / "size.go").write_text(LEAKING_GO)
    (work / "store" / "other.go").write_text("package store\n\nconst Limit = 3\n")
    (work / "pkg" / "__init__.py").write_text("")
    (work / "pkg" / "paths.py").write_text("def where(name):\n    return '/tmp/' + name\n")
    (work / "pkg" / "head.py").write_text(LEAKING_PY)
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "store and head")
    (work / "store" / "size.go").write_text(FIXED_GO)
    (work / "pkg" / "head.py").write_text(FIXED_PY)
    _git(work, "commit", "-q", "-am", "close what is opened")
    fix = _git(work, "rev-parse", "HEAD")
    out = tmp_path / "mirrors"
    out.mkdir()
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(out / "example+store" / "repo")],
                   check=True, capture_output=True)
    return out, fix


def _fixes(tmp_path, rows: list[str]) -> Path:
    path = tmp_path / "fixes.tsv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _run(capsys, mirrors_dir, fixes, *extra):
    code = leakfixes.main(["check", "--mirrors", str(mirrors_dir), "--fixes", str(fixes), *extra])
    return code, capsys.readouterr()


def test_a_reported_leak_counts_as_found_and_fixed(mirrors, tmp_path, capsys):
    out, fix = mirrors
    fixes = _fixes(tmp_path, [
        f"go\texample/store\t{fix}\tstore/size.go\t7\tresource\tfile\tf from os.Open never closed",
        f"python\texample/store\t{fix}\tpkg/head.py\t5\tresource\tfile\topen() never closed",
    ])
    report = tmp_path / "out.json"
    code, captured = _run(capsys, out, fixes, "--json", str(report))
    assert code == 0, captured.err
    lines = captured.out.splitlines()
    assert lines[0].split()[:4] == ["language", "family", "fixes", "default"]
    go_row = next(line.split() for line in lines if line.startswith("go ") and " all " in line)
    assert go_row[2:] == ["1", "1", "100", "%", "1", "100", "%", "100", "%"]
    total = next(line.split() for line in lines if line.startswith("all "))
    assert total[2:5] == ["2", "2", "100"]
    assert "missed" not in captured.out
    records = json.loads(report.read_text())
    assert [r["path"] for r in records] == ["store/size.go", "pkg/head.py"]
    assert all(r["found"] == {"DEFAULT": True, "ALL": True} for r in records)
    assert all(r["fixed"] == {"DEFAULT": True, "ALL": True} for r in records)


def test_a_finding_elsewhere_in_the_file_is_a_miss(mirrors, tmp_path, capsys):
    out, fix = mirrors
    fixes = _fixes(tmp_path, [
        f"go\texample/store\t{fix}\tstore/size.go\t11-12\tresource\tfile\tthe buffer, not the file",
        f"go\texample/store\t{fix}\tstore/size.go\t7\ttimer\tfile\twrong family",
    ])
    code, captured = _run(capsys, out, fixes, "--lang", "go")
    assert code == 0, captured.err
    total = next(line.split() for line in captured.out.splitlines() if line.startswith("all "))
    assert total[2:8] == ["2", "0", "0", "%", "0", "0"]
    assert "missed by the default selection (2):" in captured.out
    assert "store/size.go:11-12 resource/file: the buffer, not the file" in captured.out
    assert "[other findings in the file: LL107:7]" in captured.out


def test_a_fix_that_leaves_the_finding_is_reported_as_still_there(tmp_path, capsys):
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q", "-b", "main")
    (work / "size.go").write_text(LEAKING_GO)
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "one")
    (work / "size.go").write_text("// a comment\n" + LEAKING_GO)
    _git(work, "commit", "-q", "-am", "not a fix")
    fix = _git(work, "rev-parse", "HEAD")
    out = tmp_path / "mirrors"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(out / "example+one" / "repo")],
                   check=True, capture_output=True)
    fixes = _fixes(tmp_path, [f"go\texample/one\t{fix}\tsize.go\t7\tresource\tfile\tnot closed"])
    code, captured = _run(capsys, out, fixes)
    assert code == 0, captured.err
    assert "still reported at the same place after the fix (1):" in captured.out


def test_lines_are_mapped_through_the_diff():
    old = "a\nb\nc\nd\n"
    new = "x\na\nb\nnew\nd\n"
    assert leakfixes.map_lines(old, new, (2, 2)) == (3, 3)   # unchanged line moved down
    assert leakfixes.map_lines(old, new, (3, 3)) == (4, 4)   # changed line: its replacement
    assert leakfixes.map_lines(old, new, (1, 4)) == (2, 5)


def test_python_needs_its_imports_and_packages():
    names = {"pkg/__init__.py", "pkg/paths.py", "pkg/head.py", "pkg/sub/__init__.py",
             "pkg/sub/deep.py", "other/big.py", "pkg/sub/util.py"}
    text = "from .paths import where\nfrom pkg.sub import deep\nimport os\n"
    needed = leakfixes.needed_files("python", "pkg/head.py", text, names)
    assert needed == ["pkg/__init__.py", "pkg/head.py", "pkg/paths.py",
                      "pkg/sub/__init__.py", "pkg/sub/deep.py"]


def test_what_the_imports_import_is_extracted_two_levels_on():
    files = {"pkg/__init__.py": "", "pkg/head.py": "from pkg.io import Reader\n",
             "pkg/io/__init__.py": "from .io import Reader\n",
             "pkg/io/io.py": "from pkg.io import wire\n", "pkg/io/wire.py": "import pkg.far\n",
             "pkg/far.py": ""}

    class Mirror:
        def read(self, commit, name):
            return files[name].encode() if name in files else None

    names = set(files)
    first = set(leakfixes.needed_files("python", "pkg/head.py", files["pkg/head.py"], names))
    assert "pkg/io/io.py" not in first
    further = leakfixes.imported_further(Mirror(), "c0ffee", "python", first - {"pkg/head.py"},
                                         names)
    # the package re-exports its module (one level), which imports a third (two levels);
    # what that one imports is a level too far
    assert further == {"pkg/io/io.py", "pkg/io/wire.py"}


def test_go_needs_the_packages_of_its_module_it_imports():
    names = {"go.mod", "tsdb/db.go", "tsdb/db_test.go", "tsdb/head.go", "tsdb/fileutil/dir.go",
             "tsdb/fileutil/dir_test.go", "util/x.go", "vendor/ext/y.go"}
    text = ('package tsdb\n\nimport (\n\t"os"\n\tfu "example.com/m/tsdb/fileutil"\n)\n\n'
            'import "example.com/other/util"\n')
    needed = leakfixes.needed_files("go", "tsdb/db.go", text, names)
    # the package's own files and the imported package's (tests left out); util is
    # another module's path ending in util: a suffix match takes it too
    assert needed == ["go.mod", "tsdb/db.go", "tsdb/db_test.go", "tsdb/fileutil/dir.go",
                      "tsdb/head.go", "util/x.go"]


def test_typescript_needs_its_relative_imports():
    names = {"src/a.ts", "src/b.ts", "lib/util.js", "lib/index.ts", "src/deep/x.tsx", "other/c.ts"}
    text = "import { u } from '../lib/util.js'\nconst x = require('./deep/x')\nimport y from '../lib'\n"
    needed = leakfixes.needed_files("typescript", "src/a.ts", text, names)
    assert needed == ["lib/index.ts", "lib/util.js", "src/a.ts", "src/b.ts", "src/deep/x.tsx"]


@pytest.mark.parametrize("row, message", [
    ("go\texample/store\tabc\tstore/size.go\t7\tresource\tfile\tnote", "commit must be 40"),
    ("go\texample/store\t{fix}\tstore/size.go\t0\tresource\tfile\tnote", "lines must be N or N-M"),
    ("go\texample/store\t{fix}\tstore/size.go\t9-7\tresource\tfile\tnote", "lines must be N or N-M"),
    ("go\texample/store\t{fix}\tpkg/head.py\t7\tresource\tfile\tnote", "is not a go file"),
    ("go\texample/store\t{fix}\tstore/size.go\t7\tleaks\tfile\tnote", "family must be one of"),
    ("go\texample/store\t{fix}\t../size.go\t7\tresource\tfile\tnote", "relative path"),
    ("go\texample/store\t{fix}\tstore/size.go\t7\tresource\tfile", "expected 8 tab-separated cells"),
    ("go\texample/store\t{fix}\tstore/size.go\t70\tresource\tfile\tnote", "has only 14 lines"),
    ("go\texample/store\t{fix}\tstore/gone.go\t7\tresource\tfile\tnote", "does not exist in the fix's parent"),
    ("go\texample/absent\t{fix}\tstore/size.go\t7\tresource\tfile\tnote", "no mirror of example/absent"),
    ("go\texample/store\t" + "1" * 40 + "\tstore/size.go\t7\tresource\tfile\tnote", "git cat-file"),
])
def test_bad_input_exits_2_with_a_clear_message(mirrors, tmp_path, row, message):
    out, fix = mirrors
    fixes = _fixes(tmp_path, [row.format(fix=fix)])
    done = subprocess.run([sys.executable, str(SCRIPT), "check", "--mirrors", str(out),
                           "--fixes", str(fixes)], capture_output=True, text=True)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("leakfixes: ")


def test_the_committed_list_is_well_formed():
    fixes = leakfixes.load_fixes(leakfixes.FIXES)
    assert {f.language for f in fixes} == set(leakfixes.LANGUAGES)
    assert len({f.repo for f in fixes}) >= 6


def test_a_leak_the_context_policy_leaves_out_is_told_apart(tmp_path, capsys):
    """A handle opened once in a test is left out by the default context policy: the
    miss says that reporting every context would have found it."""
    work = tmp_path / "work"
    (work / "tests").mkdir(parents=True)
    _git(work, "init", "-q", "-b", "main")
    leaking = "def test_head():\n    handle = open('data.txt')\n    assert handle.read(1)\n"
    (work / "tests" / "test_head.py").write_text(leaking)
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "a test")
    (work / "tests" / "test_head.py").write_text(
        "def test_head():\n    with open('data.txt') as handle:\n        assert handle.read(1)\n")
    _git(work, "commit", "-q", "-am", "close it")
    fix = _git(work, "rev-parse", "HEAD")
    out = tmp_path / "mirrors"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(out / "example+tests" / "repo")],
                   check=True, capture_output=True)
    fixes = _fixes(tmp_path, [f"python\texample/tests\t{fix}\ttests/test_head.py\t2\tresource\tfile\tnot closed"])
    report = tmp_path / "out.json"
    code, captured = _run(capsys, out, fixes, "--json", str(report))
    assert code == 0, captured.err
    assert "tests/test_head.py:2 resource/file (found when every context is reported): not closed" in captured.out
    record = json.loads(report.read_text())[0]
    assert record["found"] == {"DEFAULT": False, "ALL": False}
    assert record["found_in_every_context"] is True
