"""Parallel runs and the result cache give exactly the results of a plain run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from leaklint.api import check_paths
from leaklint.config import Config
from leaklint.report import render

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _sig(report):
    return render("json", report)


def _corpus(tmp_path):
    root = tmp_path / "src"
    shutil.copytree(FIXTURES, root)
    # enough files for a pool to be worth starting
    for i in range(60):
        (root / f"copy{i}.go").write_text((FIXTURES / "go" / "LL101-sql-rows-not-closed" / "leaks.go").read_text())
    return root


def test_jobs_do_not_change_the_output(tmp_path):
    root = _corpus(tmp_path)
    cfg = Config(root=tmp_path)
    one = check_paths([str(root)], config=cfg, jobs=1)
    two = check_paths([str(root)], config=cfg, jobs=2)
    assert one.findings and _sig(one) == _sig(two)


def test_cache_hits_give_the_same_report_and_changes_invalidate(tmp_path):
    root = _corpus(tmp_path)
    cfg = Config(root=tmp_path)
    cache = str(tmp_path / "cache")
    plain = check_paths([str(root)], config=cfg)
    filled = check_paths([str(root)], config=cfg, cache_dir=cache)
    index = list((tmp_path / "cache" / "v2").glob("*.json"))
    assert len(index) == 1 and len(json.loads(index[0].read_bytes().split(b"\n", 1)[1])) > 60
    warm = check_paths([str(root)], config=cfg, cache_dir=cache, jobs=2)
    assert _sig(plain) == _sig(filled) == _sig(warm)
    assert (tmp_path / "cache" / ".gitignore").read_text().strip().endswith("*")
    # an edit that fixes one leak is seen, not served stale from the cache
    target = root / "copy0.go"
    target.write_text(target.read_text().replace("// want: LL101", "// leaklint: ignore"))
    after = check_paths([str(root)], config=cfg, cache_dir=cache)
    assert len(after.findings) < len(warm.findings)
    assert not any(f.path.endswith("copy0.go") and f.code == "LL101" for f in after.findings)


def test_other_settings_do_not_share_cache_entries(tmp_path):
    root = _corpus(tmp_path)
    cfg = Config(root=tmp_path)
    cache = str(tmp_path / "cache")
    check_paths([str(root)], config=cfg, cache_dir=cache)
    ignored = check_paths([str(root)], config=cfg, cache_dir=cache, ignore=["LL101"])
    assert ignored.findings and not [f for f in ignored.findings if f.code == "LL101"]


def test_unwritable_cache_dir_is_not_an_error(tmp_path):
    root = _corpus(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("")
    report = check_paths([str(root)], config=Config(root=tmp_path), cache_dir=str(blocker / "c"))
    assert report.findings


def _loaded_by_a_run(src, modules, cache_dir=None) -> tuple:
    """Run ``check_paths`` on ``src`` in a fresh interpreter: (number of findings, the
    ones of ``modules`` it imported, sorted). Start-up is most of a pre-commit run."""
    import subprocess
    import sys

    code = ("import sys\nfrom leaklint.api import check_paths\n"
            f"report = check_paths([{str(src)!r}], jobs=1, cache_dir={cache_dir!r})\n"
            f"print(len(report.findings), sorted(m for m in sys.modules if m in {modules!r}"
            f" or m.split('.')[0] in {modules!r}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, loaded = out.stdout.split(" ", 1)
    return int(count), loaded.strip()


def test_a_run_in_one_process_starts_no_pool_machinery(tmp_path):
    """One process imports neither multiprocessing nor the process pool (the lines above
    check that their runs find the same)."""
    src = tmp_path / "a.go"
    src.write_text((FIXTURES / "go" / "LL101-sql-rows-not-closed" / "leaks.go").read_text())
    count, loaded = _loaded_by_a_run(src, ("multiprocessing", "concurrent", "ctypes"))
    assert count > 0 and loaded == "[]"


def test_a_run_loads_the_adapters_of_its_own_languages_only(tmp_path):
    """The facts phase shapes a file with its own language's adapter: a run over Go files
    loads no Python adapter or class-member model, one over Python files no Go adapter."""
    fixtures = {"a.go": FIXTURES / "go" / "LL101-sql-rows-not-closed" / "leaks.go",
                "b.py": FIXTURES / "python" / "LL110-python-resource-not-closed" / "closures.py"}
    other = {"a.go": ("leaklint.languages.python", "leaklint.languages.python_members",
                      "leaklint.languages.python_clients", "leaklint.members"),
             "b.py": ("leaklint.languages.go",)}
    for name, fixture in fixtures.items():
        src = tmp_path / name
        src.write_text(fixture.read_text())
        count, loaded = _loaded_by_a_run(src, other[name])
        assert count > 0 and loaded == "[]", (name, loaded)


def test_a_cached_run_over_go_files_loads_no_javascript_model(tmp_path):
    """With every result and fact cached (the record of the last run dropped, as after a
    commit), the facts phase of a Go run reads the JS/TS facts' modules without loading
    the JS/TS adapter and its IR."""
    src = tmp_path / "a.go"
    src.write_text((FIXTURES / "go" / "LL101-sql-rows-not-closed" / "leaks.go").read_text())
    cache = tmp_path / "cache"
    check_paths([str(src)], jobs=1, cache_dir=str(cache))
    shutil.rmtree(cache / "v2" / "runs")
    count, loaded = _loaded_by_a_run(src, ("leaklint.languages.javascript", "leaklint.ir",
                                           "leaklint.analyze"), cache_dir=str(cache))
    assert count > 0 and loaded == "[]"


def test_settings_digest_follows_the_settings_object():
    """The digest is computed once per settings object; other settings get their own."""
    import dataclasses

    from leaklint.api import enabled_rules, make_settings
    from leaklint.cache import settings_key

    cfg = Config()
    settings = make_settings(cfg, enabled_rules(cfg))
    assert settings_key(settings) == settings_key(settings)
    other = dataclasses.replace(settings, line_hashes=True)
    assert settings_key(other) != settings_key(settings)
    assert settings_key(settings) != settings_key(other)
