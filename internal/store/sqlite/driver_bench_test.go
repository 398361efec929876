package sqlite

import (
	"context"
	"testing"
	"time"
)

// BenchmarkDriverExec10Args: one insert of ten arguments of every bound
// type on a pooled connection, as the store's writes are.
func BenchmarkDriverExec10Args(b *testing.B) {
	db := openTestDB(b)
	mustExec(b, db, "CREATE TABLE t (a, b, c, d, e, f, g, h, i, j)")
	ctx, cancel := context.WithCancel(context.Background()) // a context that can end, as a request's
	defer cancel()
	when := time.Now()
	blob := []byte("0123456789abcdef")
	b.ReportAllocs()
	for i := range b.N {
		if _, err := db.ExecContext(ctx, "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			int64(i), "0196b3d2-7e4c-7c2a-9d8e-0123456789ab", "a message of a few words", 12.5, true,
			nil, blob, when, i, "EUR"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDriverQueryRow: one row of five columns by primary key.
func BenchmarkDriverQueryRow(b *testing.B) {
	db := openTestDB(b)
	mustExec(b, db, "CREATE TABLE u (id TEXT PRIMARY KEY, email TEXT, n INTEGER, amount REAL, created TEXT)")
	mustExec(b, db, "INSERT INTO u VALUES ('u1', 'a@example.com', 1000, 12.5, '2026-03-01T11:30:45.123456Z')")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		id, email, created string
		n                  int64
		amount             float64
	)
	b.ReportAllocs()
	for range b.N {
		if err := db.QueryRowContext(ctx, "SELECT id, email, n, amount, created FROM u WHERE id = ?", "u1").
			Scan(&id, &email, &n, &amount, &created); err != nil {
			b.Fatal(err)
		}
	}
}
