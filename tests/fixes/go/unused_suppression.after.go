// fix-test: select=LL101,LL002
package store

import "database/sql"

func fixed(db *sql.DB) error {
	rows, err := db.Query("SELECT 1")
	if err != nil {
		return err
	}
	defer rows.Close()
	return nil
}

func above(db *sql.DB) error {
	rows, err := db.Query("SELECT 1")
	if err != nil {
		return err
	}
	defer rows.Close()
	return nil
}

func needed(db *sql.DB) int {
	rows, _ := db.Query("SELECT 1") // leaklint: ignore[LL101] the caller closes it
	_ = rows
	return 1
}

func more(db *sql.DB) error {
	rows, err := db.Query("SELECT 1") // see the design note; leaklint: ignore[LL101]
	if err != nil {
		return err
	}
	defer rows.Close()
	return nil
}
