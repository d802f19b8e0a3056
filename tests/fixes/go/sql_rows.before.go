// fix-test: select=LL101
package store

import (
	"database/sql"
	"log"
)

// An early return in the loop leaves the rows open.
func names(db *sql.DB) ([]string, error) {
	rows, err := db.Query("SELECT name FROM users")
	if err != nil {
		return nil, err // the query failed: nothing to close
	}
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// The guard ends with log.Fatal: control never comes back.
func count(db *sql.DB) int {
	rows, err := db.Query("SELECT 1")
	if err != nil {
		log.Fatal(err)
	}
	cols, _ := rows.Columns()
	return len(cols)
}

// Returned on one path and leaked on another: a defer would close what the caller
// gets, so there is no fix.
func maybeRows(db *sql.DB, keep bool) (*sql.Rows, error) {
	rows, err := db.Query("SELECT 1")
	if err != nil {
		return nil, err
	}
	if keep {
		return rows, nil
	}
	return nil, nil
}

// Acquired once per iteration: a defer would pile up until the function returns, so
// there is no fix here.
func perTable(db *sql.DB, tables []string) {
	for _, t := range tables {
		rows, err := db.Query("SELECT * FROM " + t)
		if err != nil {
			continue
		}
		_, _ = rows.Columns()
	}
}
