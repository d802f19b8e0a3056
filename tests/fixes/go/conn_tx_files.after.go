// fix-test: select=LL103,LL104,LL107
package store

import (
	"context"
	"database/sql"
	"os"
	"os/exec"

	"github.com/jackc/pgx/v5/pgxpool"
)

// A pgxpool connection is released, not closed.
func version(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	c, err := pool.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer c.Release()
	var v string
	if err := c.QueryRow(ctx, "SELECT version()").Scan(&v); err != nil {
		return "", err
	}
	c.Release()
	return v, nil
}

// A database/sql connection is closed.
func ping(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.PingContext(ctx)
}

// The error path leaves the transaction open; a deferred Rollback is a no-op once
// Commit has run.
func rename(db *sql.DB, id int, name string) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec("UPDATE users SET name = $1 WHERE id = $2", name, id); err != nil {
		return err
	}
	return tx.Commit()
}

// A file read and never closed.
func head(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 512)
	n, err := f.Read(buf)
	return buf[:n], err
}

// The pipe must be closed before Wait, not deferred past it: no fix.
func feed(cmd *exec.Cmd, input []byte) error {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	stdin.Write(input)
	return cmd.Wait()
}
