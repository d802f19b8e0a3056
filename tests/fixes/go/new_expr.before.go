// fix-test: select=LL101
package store

import (
	"database/sql"
	"time"
)

func count(db *sql.DB) (*int, error) {
	rows, err := db.Query("SELECT n FROM t")
	if err != nil {
		return nil, err
	}
	started := new(time.Now())
	n := new(0)
	for rows.Next() {
		if *n > 9 {
			return n, nil
		}
		*n = *n + 1
	}
	_ = started
	return n, rows.Err()
}
