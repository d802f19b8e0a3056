package shop

import (
	"context"
	"database/sql"
	"fmt"
)

type Order struct {
	ID    int
	Total int
}

// RecentOrders leaks its rows when a scan fails: the early return skips Close.
func RecentOrders(ctx context.Context, db *sql.DB, customer int) ([]Order, error) {
	rows, err := db.QueryContext(ctx, "SELECT id, total FROM orders WHERE customer = $1", customer)
	if err != nil {
		return nil, fmt.Errorf("query orders: %w", err)
	}
	var out []Order
	for rows.Next() {
		var o Order
		if err := rows.Scan(&o.ID, &o.Total); err != nil {
			return nil, fmt.Errorf("scan order: %w", err)
		}
		out = append(out, o)
	}
	rows.Close()
	return out, nil
}

// HasOrders stops at the first row and never closes the rows.
func HasOrders(db *sql.DB, customer int) (bool, error) {
	rows, err := db.Query("SELECT 1 FROM orders WHERE customer = $1", customer)
	if err != nil {
		return false, err
	}
	for rows.Next() {
		return true, nil
	}
	return false, rows.Err()
}

// Vacuum runs a statement through Query and throws the rows away.
func Vacuum(db *sql.DB) error {
	_, err := db.Query("VACUUM")
	return err
}
