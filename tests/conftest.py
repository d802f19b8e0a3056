from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

LEAKY_GO = textwrap.dedent('''\
    package p

    import "database/sql"

    func f(db *sql.DB) error {
    	rows, err := db.Query("SELECT 1")
    	if err != nil {
    		return err
    	}
    	_ = rows.Next()
    	return nil
    }
    ''')

CLEAN_GO = textwrap.dedent('''\
    package p

    import "database/sql"

    func g(db *sql.DB) error {
    	rows, err := db.Query("SELECT 1")
    	if err != nil {
    		return err
    	}
    	defer rows.Close()
    	return nil
    }
    ''')



@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A scan root with one leaky and one clean Go file; the cwd is that root."""
    (tmp_path / "leaky.go").write_text(LEAKY_GO)
    (tmp_path / "clean.go").write_text(CLEAN_GO)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(autouse=True)
def private_user_dirs(tmp_path_factory, monkeypatch):
    """Every test gets its own user cache and config directories: no test writes to the
    real home, and no cache survives from one test (or the developer's runs) to another."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    for name in ("LEAKLINT_CACHE_DIR", "LEAKLINT_MAX_FILE_SIZE", "LEAKLINT_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
