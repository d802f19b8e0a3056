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
