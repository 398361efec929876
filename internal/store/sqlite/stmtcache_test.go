package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"testing"
)

func openTestConn(t *testing.T) *sql.Conn {
	t.Helper()
	db := openDB(newConfig(filepath.Join(t.TempDir(), "c.db"), false))
	t.Cleanup(func() { db.Close() })
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func cached(t *testing.T, c *sql.Conn) int {
	t.Helper()
	var n int
	if err := c.Raw(func(dc any) error { n = len(dc.(*conn).stmts); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// A query run again while its first result is still open must not reset the
// statement under that result.
func TestStmtCacheSameQueryWhileRowsOpen(t *testing.T) {
	ctx := context.Background()
	c := openTestConn(t)
	const q = "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < ?) SELECT v FROM s"
	outer, err := c.QueryContext(ctx, q, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer outer.Close()
	sum := 0
	for outer.Next() {
		var v int
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		var inner int
		if err := c.QueryRowContext(ctx, q, 1).Scan(&inner); err != nil || inner != 1 {
			t.Fatalf("inner = %d, %v", inner, err)
		}
		sum += v
	}
	if err := outer.Err(); err != nil || sum != 6 {
		t.Fatalf("sum = %d, %v; want 6", sum, err)
	}
}

// The cache holds at most stmtCacheSize statements, and scripts not at all.
func TestStmtCacheBounded(t *testing.T) {
	ctx := context.Background()
	c := openTestConn(t)
	for i := range stmtCacheSize + 10 {
		var v int
		if err := c.QueryRowContext(ctx, "SELECT "+strconv.Itoa(i)).Scan(&v); err != nil || v != i {
			t.Fatalf("SELECT %d = %d, %v", i, v, err)
		}
	}
	if n := cached(t, c); n != stmtCacheSize {
		t.Errorf("cached %d statements, want %d", n, stmtCacheSize)
	}
	if _, err := c.ExecContext(ctx, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if n := cached(t, c); n != stmtCacheSize {
		t.Errorf("after a script: cached %d statements, want %d", n, stmtCacheSize)
	}
}
