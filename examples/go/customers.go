package shop

import (
	"context"
	"database/sql"
)

type Customer struct {
	ID   int
	Name string
}

// Customers closes its rows on every path with defer.
func Customers(ctx context.Context, db *sql.DB) ([]Customer, error) {
	rows, err := db.QueryContext(ctx, "SELECT id, name FROM customers")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Customer
	for rows.Next() {
		var c Customer
		if err := rows.Scan(&c.ID, &c.Name); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CustomerCursor hands the rows to its caller, who closes them.
func CustomerCursor(db *sql.DB) (*sql.Rows, error) {
	rows, err := db.Query("SELECT id, name FROM customers")
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// Count reads every row: a loop that runs to its end closes the rows.
func Count(db *sql.DB) (int, error) {
	rows, err := db.Query("SELECT id FROM customers")
	if err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}
