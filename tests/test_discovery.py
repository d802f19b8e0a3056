from __future__ import annotations

import os

from leaklint.discovery import discover


def names(found):
    return sorted(os.path.relpath(f).replace(os.sep, "/") for f in found.files)


def test_gitignore_at_every_level_and_default_excludes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("gen/\n*.pb.go\n")
    for p in ["a.go", "x.pb.go", "gen/b.go", "sub/c.py", "sub/d.ts", "sub/keep.js",
              "node_modules/m.js", "vendor/v.go", ".venv/e.py", "notes.txt"]:
        (tmp_path / p).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / p).write_text("")
    (tmp_path / "sub" / ".gitignore").write_text("d.ts\n")
    assert names(discover(["."])) == ["a.go", "sub/c.py", "sub/keep.js"]


def test_explicit_files_are_always_scanned(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("*.go\n")
    (tmp_path / "a.go").write_text("")
    (tmp_path / "readme.md").write_text("")
    assert names(discover(["a.go", "readme.md"])) == ["a.go"]
    assert names(discover(["."])) == []


def test_user_excludes_and_symlink_loops(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "a.py").write_text("")
    (tmp_path / "skip").mkdir()
    (tmp_path / "skip" / "b.py").write_text("")
    (tmp_path / "keep" / "loop").symlink_to(tmp_path)
    assert names(discover(["."], excludes=["skip/"])) == ["keep/a.py"]


def test_missing_path_is_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = discover(["missing"])
    assert found.problems == [("missing", "no such file or directory")]


def test_links_not_followed_are_listed_as_skipped(tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "real.go").write_text("package real\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    monkeypatch.chdir(tree)
    (tree / "a.go").write_text("package a\n")
    (tree / "zero.go").symlink_to("/dev/zero")
    (tree / "shared").symlink_to(outside)
    (tree / "notes.txt").symlink_to(outside / "real.go")  # not a source name: not worth a word
    found = discover(["."])
    assert names(found) == ["a.go"]
    assert sorted(os.path.relpath(p) for p, _ in found.skipped) == ["shared", "zero.go"]
    assert all("symbolic link, not followed" in reason for _, reason in found.skipped)
    followed = discover(["."], follow_symlinks=True)
    assert "shared/real.go" in names(followed)


def test_listings_follow_an_edited_ignore_file_and_report_bad_patterns_each_time(tmp_path,
                                                                                  monkeypatch):
    """A run lists many directories under the same ignore files, whose compiled patterns
    are kept: an edit between two listings still counts, and a malformed pattern is
    reported by every listing that reads it."""
    from leaklint.discovery import directory_files

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    for name in ("a.go", "b.go", "c.go"):
        (pkg / name).write_text("package pkg\n")
    (tmp_path / ".gitignore").write_text("b.go\n")
    assert [os.path.basename(p) for p in directory_files("pkg")] == ["a.go", "c.go"]
    (tmp_path / ".gitignore").write_text("c.go\n")
    assert [os.path.basename(p) for p in directory_files("pkg")] == ["a.go", "b.go"]
    (pkg / ".gitignore").write_text("a.go\n[z-a]\n")
    for _ in range(2):
        found = discover(["pkg"])
        assert names(found) == ["pkg/b.go"]
        assert any("malformed pattern '[z-a]'" in message for _, message in found.problems)


def test_outside_a_repository_the_ignore_files_above_a_listed_directory_are_not_read(
        tmp_path, monkeypatch):
    """Ignore files above the listed directory count only in a repository: outside one they
    are not read at all (their patterns cost a pre-commit run its listings' time)."""
    from leaklint.discovery import directory_files

    monkeypatch.chdir(tmp_path)
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "a.go").write_text("package pkg\n")
    (tmp_path / ".gitignore").write_text("a.go\n[z-a]\n")
    found = discover(["pkg"], recursive=False)
    assert names(found) == ["pkg/a.go"] and found.problems == []
    assert [os.path.basename(p) for p in directory_files("pkg")] == ["a.go"]
    (tmp_path / ".git").mkdir()  # in a repository they count, and a bad pattern is said
    found = discover(["pkg"], recursive=False)
    assert names(found) == [] and any("[z-a]" in message for _, message in found.problems)
