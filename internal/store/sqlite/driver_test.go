package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

// openTestDB opens a pool of writing connections on a new file.
func openTestDB(tb testing.TB) *sql.DB {
	tb.Helper()
	return openTestDBAt(tb, filepath.Join(tb.TempDir(), "d.db"), newConfig)
}

func openTestDBAt(tb testing.TB, path string, cfg func(string, bool) config) *sql.DB {
	tb.Helper()
	db := openDB(cfg(path, false))
	tb.Cleanup(func() { db.Close() })
	return db
}

func mustExec(tb testing.TB, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, query string, args ...any) sql.Result {
	tb.Helper()
	res, err := db.ExecContext(context.Background(), query, args...)
	if err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return res
}

func TestRoundTrip(t *testing.T) {
	db := openTestDB(t)
	mustExec(t, db, "CREATE TABLE v (k TEXT PRIMARY KEY, x)")
	when := time.Date(2026, 3, 1, 12, 30, 45, 123456789, time.FixedZone("CET", 3600))
	large := strings.Repeat("große Reise ✈ ", 20000) // past the buffer a connection keeps
	for _, tc := range []struct {
		name string
		in   any
		want any
	}{
		{"null", nil, nil},
		{"int64", int64(-1) << 62, int64(-1) << 62},
		{"int", 300, int64(300)},
		{"int32", int32(-7), int64(-7)},
		{"true", true, int64(1)},
		{"false", false, int64(0)},
		{"float", 3.25, 3.25},
		{"empty text", "", ""},
		{"unicode", "Zürich → 東京 🚗", "Zürich → 東京 🚗"},
		{"nul inside", "a\x00b", "a\x00b"},
		{"large text", large, large},
		{"blob", []byte{0, 1, 2, 255}, []byte{0, 1, 2, 255}},
		{"empty blob", []byte{}, []byte{}},
		{"nil blob", []byte(nil), nil},
		{"large blob", []byte(large), []byte(large)},
		{"time", when, "2026-03-01T11:30:45.123456Z"},
		{"*string", ptr("Zürich"), "Zürich"},
		{"nil *string", (*string)(nil), nil},
		{"*int64", ptr(int64(1) << 40), int64(1) << 40},
		{"nil *int64", (*int64)(nil), nil},
		{"*time", ptr(when), "2026-03-01T11:30:45.123456Z"},
		{"nil *time", (*time.Time)(nil), nil},
		{"*json", ptr(json.RawMessage(`{"a":[1,"ü"]}`)), `{"a":[1,"ü"]}`},
		{"nil *json", (*json.RawMessage)(nil), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustExec(t, db, "INSERT INTO v VALUES (?, ?)", tc.name, tc.in)
			var got any
			if err := db.QueryRow("SELECT x FROM v WHERE k = ?", tc.name).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if b, ok := tc.want.([]byte); ok {
				if g, ok := got.([]byte); !ok || !bytes.Equal(g, b) || g == nil {
					t.Fatalf("got %T %.40q, want %T %.40q", got, got, tc.want, tc.want)
				}
				return
			}
			if got != tc.want {
				t.Fatalf("got %T %.40v, want %T %.40v", got, got, tc.want, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestPointerArgumentsDoNotAllocate: a field of a record already on the heap
// binds through its pointer with nothing boxed anew.
func TestPointerArgumentsDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	db := openTestDB(t)
	mustExec(t, db, "CREATE TABLE p (a TEXT, b INTEGER, c TEXT)")
	rec := &struct {
		A string
		B int64
		C time.Time
	}{"a text long enough to be a real value", 1 << 40, time.Now()}
	byValue := testing.AllocsPerRun(50, func() { mustExec(t, db, "INSERT INTO p VALUES (?, ?, ?)", rec.A, rec.B, rec.C) })
	byPointer := testing.AllocsPerRun(50, func() { mustExec(t, db, "INSERT INTO p VALUES (?, ?, ?)", &rec.A, &rec.B, &rec.C) })
	if byPointer > byValue-3 {
		t.Fatalf("by pointer %v allocations, by value %v: want three fewer", byPointer, byValue)
	}
}

func TestUnsupportedArgument(t *testing.T) {
	db := openTestDB(t)
	_, err := db.Exec("SELECT ?", struct{}{})
	if err == nil || !strings.Contains(err.Error(), "unsupported type") {
		t.Fatalf("err = %v, want unsupported type", err)
	}
	if _, err := db.Exec("SELECT ?", sql.Named("a", 1)); err == nil || !strings.Contains(err.Error(), "positional") {
		t.Fatalf("named: err = %v", err)
	}
	if _, err := db.Exec("SELECT ?, ?", 1); err == nil {
		t.Fatal("too few arguments accepted")
	}
}

func TestConstraintCodes(t *testing.T) {
	db := openTestDB(t)
	mustExec(t, db, `CREATE TABLE p (id INTEGER PRIMARY KEY, email TEXT UNIQUE);
		CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER NOT NULL REFERENCES p(id))`)
	mustExec(t, db, "INSERT INTO p VALUES (1, 'a@example.com')")
	for _, tc := range []struct {
		query string
		code  int
		is    func(error) bool
	}{
		{"INSERT INTO p VALUES (2, 'a@example.com')", sqlite3.SQLITE_CONSTRAINT_UNIQUE, Dialect.IsUnique},
		{"INSERT INTO p VALUES (1, 'b@example.com')", sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, Dialect.IsUnique},
		{"INSERT INTO c VALUES (1, 99)", sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, Dialect.IsForeignKey},
	} {
		_, err := db.Exec(tc.query)
		var e *Error
		if !errors.As(err, &e) || e.Code() != tc.code || !tc.is(err) {
			t.Errorf("%s: err = %v, want code %d", tc.query, err, tc.code)
		}
	}
	_, err := db.Exec("INSERT INTO c VALUES (1, 99)")
	if Dialect.IsUnique(err) || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("foreign key error %q", err)
	}
}

// countTo is a query that runs for minutes unless interrupted.
const countTo = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1e12) SELECT count(*) FROM n"

func TestCancelInterruptsRunningStatement(t *testing.T) {
	db := openTestDB(t)
	for _, run := range []struct {
		name string
		f    func(ctx context.Context) error
	}{
		{"exec", func(ctx context.Context) error { _, err := db.ExecContext(ctx, countTo); return err }},
		{"query", func(ctx context.Context) error {
			var n int
			return db.QueryRowContext(ctx, countTo).Scan(&n)
		}},
		{"rows", func(ctx context.Context) error {
			// The first row is at hand; the second is the long count, in Next.
			rows, err := db.QueryContext(ctx, "SELECT 0 UNION ALL SELECT * FROM ("+countTo+")")
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
			}
			return rows.Err()
		}},
	} {
		t.Run(run.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := run.f(ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want deadline exceeded", err)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Fatalf("interrupted after %v", el)
			}
		})
	}
	// The connection is usable afterwards, and a later statement is not interrupted.
	var one int
	if err := db.QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("after interrupt: %d, %v", one, err)
	}
}

func TestDoneContextFailsFast(t *testing.T) {
	db := openTestDB(t)
	dbc, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer dbc.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = dbc.Raw(func(dc any) error {
		_, err := dc.(*conn).ExecContext(ctx, "CREATE TABLE never (x)", nil)
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want canceled", err)
	}
	var n int
	if err := dbc.QueryRowContext(context.Background(), "SELECT count(*) FROM sqlite_schema WHERE name = 'never'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("table created: %d, %v", n, err)
	}
}

// A second writer (another process, as it were) waits busy_timeout for
// the first one's IMMEDIATE transaction, then gets SQLITE_BUSY; once the
// first commits it gets the lock.
func TestBeginImmediateBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.db")
	short := func(path string, readOnly bool) config {
		cfg := newConfig(path, readOnly)
		cfg.pragmas[0] = "busy_timeout = 200"
		return cfg
	}
	a := openTestDBAt(t, path, newConfig)
	b := openTestDBAt(t, path, short)
	mustExec(t, a, "CREATE TABLE t (x)")
	txA, err := a.Begin()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = b.Begin()
	var e *Error
	if !errors.As(err, &e) || e.Code()&0xff != sqlite3.SQLITE_BUSY {
		t.Fatalf("second BEGIN IMMEDIATE: err = %v, want SQLITE_BUSY", err)
	}
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("gave up after %v, before busy_timeout", el)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		_ = txA.Commit()
	}()
	txB, err := b.Begin() // waits for A's commit
	if err != nil {
		t.Fatalf("BEGIN after the other commits: %v", err)
	}
	mustExec(t, txB, "INSERT INTO t VALUES (1)")
	if err := txB.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestTxOptions(t *testing.T) {
	db := openTestDB(t)
	mustExec(t, db, "CREATE TABLE t (x)")
	ctx := context.Background()
	if _, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}); err == nil || !strings.Contains(err.Error(), "isolation") {
		t.Fatalf("read committed: err = %v", err)
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec("INSERT INTO t VALUES (1)")
	var e *Error
	if !errors.As(err, &e) || e.Code()&0xff != sqlite3.SQLITE_READONLY {
		t.Fatalf("write in a read-only transaction: err = %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, "INSERT INTO t VALUES (1)") // writable again
}

func TestReaderIsQueryOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	openTestDBAt(t, path, newConfig).Exec("CREATE TABLE t (x)")
	r := openDB(newConfig(path, true))
	defer r.Close()
	_, err := r.Exec("INSERT INTO t VALUES (1)")
	var e *Error
	if !errors.As(err, &e) || e.Code()&0xff != sqlite3.SQLITE_READONLY {
		t.Fatalf("write on a reader: err = %v", err)
	}
	tx, err := r.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// A statement run again inside a transaction while its rows are open gets a
// statement of its own; so does an exec on another query meanwhile.
func TestStatementReuseWithOpenRows(t *testing.T) {
	db := openTestDB(t)
	mustExec(t, db, "CREATE TABLE t (x INTEGER)")
	mustExec(t, db, "INSERT INTO t VALUES (1), (2), (3)")
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.Query("SELECT x FROM t ORDER BY x")
	if err != nil {
		t.Fatal(err)
	}
	var seen []int
	for rows.Next() {
		var x int
		if err := rows.Scan(&x); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, x)
		var n int
		if err := tx.QueryRow("SELECT x FROM t ORDER BY x").Scan(&n); err != nil || n != 1 {
			t.Fatalf("inner query = %d, %v", n, err)
		}
		mustExec(t, tx, "INSERT INTO t VALUES (?)", 10+x)
	}
	if err := rows.Err(); err != nil || len(seen) < 3 {
		t.Fatalf("outer rows %v, %v", seen, err)
	}
}

func TestScript(t *testing.T) {
	db := openTestDB(t)
	res := mustExec(t, db, `
		-- a migration
		CREATE TABLE t (x INTEGER, y TEXT);
		INSERT INTO t VALUES (?, 'a');
		INSERT INTO t VALUES (?, ?), (5, 'c');
		`, 1, 2, "b")
	if n, _ := res.RowsAffected(); n != 2 {
		t.Errorf("RowsAffected = %d, want the last statement's 2", n)
	}
	var sum int
	if err := db.QueryRow("SELECT sum(x) FROM t").Scan(&sum); err != nil || sum != 8 {
		t.Fatalf("sum = %d, %v", sum, err)
	}
	if _, err := db.Exec("INSERT INTO t VALUES (1, 'x'); INSERT INTO t VALUES (2, 'y')", 1); err == nil {
		t.Error("a script given more arguments than parameters ran")
	}
	if _, err := db.Exec("INSERT INTO t VALUES (1, 'x'); NOT SQL"); err == nil || !strings.Contains(err.Error(), "syntax") {
		t.Errorf("bad script: err = %v", err)
	}
	long := strings.Repeat("x", 3*cbufKeep) // query text past the buffer a connection keeps
	var n int
	if err := db.QueryRow("SELECT length('" + long + "')").Scan(&n); err != nil || n != len(long) {
		t.Fatalf("long query: %d, %v", n, err)
	}
	// A trailing semicolon or space does not make a script: the statement is cached.
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ExecContext(context.Background(), "UPDATE t SET y = ? WHERE x = 1;  \n", "z"); err != nil {
		t.Fatal(err)
	}
	if err := c.Raw(func(dc any) error {
		if _, ok := dc.(*conn).stmts["UPDATE t SET y = ? WHERE x = 1;  \n"]; !ok {
			t.Error("statement with a trailing semicolon not cached")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestPreparedStatement(t *testing.T) {
	db := openTestDB(t)
	mustExec(t, db, "CREATE TABLE t (x INTEGER)")
	ins, err := db.Prepare("INSERT INTO t VALUES (?)")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := ins.Exec(i); err != nil {
			t.Fatal(err)
		}
	}
	if err := ins.Close(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != 3 {
		t.Fatalf("count = %d, %v", n, err)
	}
	// Run again in a transaction while its first rows are open.
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	sel, err := tx.Prepare("SELECT x FROM t WHERE x >= ? ORDER BY x")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := sel.Query(0)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var x, y int
		if err := rows.Scan(&x); err != nil {
			t.Fatal(err)
		}
		if err := sel.QueryRow(x).Scan(&y); err != nil || y != x {
			t.Fatalf("inner run = %d, %v; want %d", y, err, x)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if err := sel.Close(); err != nil {
		t.Fatal(err)
	}
}

// FuzzTextRoundTrip: whatever text or blob is bound reads back unchanged.
func FuzzTextRoundTrip(f *testing.F) {
	db := openTestDB(f)
	mustExec(f, db, "CREATE TABLE v (t TEXT, b BLOB)")
	f.Add("", []byte{})
	f.Add("plain", []byte("plain"))
	f.Fuzz(func(t *testing.T, s string, b []byte) {
		if b == nil {
			b = []byte{}
		}
		var gs string
		var gb []byte
		if err := db.QueryRow("SELECT ?, ?", s, b).Scan(&gs, &gb); err != nil {
			t.Fatal(err)
		}
		if gs != s || !bytes.Equal(gb, b) {
			t.Fatalf("got %q %q, want %q %q", gs, gb, s, b)
		}
	})
}

// A result read after its statement ran again is still its own run's.
func TestResultOutlivesTheNextRun(t *testing.T) {
	db := openTestDB(t)
	mustExec(t, db, "CREATE TABLE r (k INTEGER)")
	mustExec(t, db, "INSERT INTO r VALUES (1), (2), (2), (2)")
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	first := mustExec(t, conn, "UPDATE r SET k = k WHERE k = ?", 1)
	mustExec(t, conn, "UPDATE r SET k = k WHERE k = ?", 2)
	if n, _ := first.RowsAffected(); n != 1 {
		t.Fatalf("first run's rows affected = %d after a second run, want 1", n)
	}
}

// A trailing comment does not make a query a script.
func TestTrailingCommentIsOneStatement(t *testing.T) {
	db := openTestDB(t)
	var n int
	if err := db.QueryRow("SELECT 7; -- the answer").Scan(&n); err != nil || n != 7 {
		t.Fatalf("n = %d, err = %v", n, err)
	}
	if err := db.QueryRow("SELECT 7; /* a */ ; ").Scan(&n); err != nil || n != 7 {
		t.Fatalf("n = %d, err = %v", n, err)
	}
	for _, q := range []string{"SELECT 1; SELECT 2", "SELECT 1; ; SELECT 2", "SELECT 1; -- x\n SELECT 2"} {
		if _, err := db.Query(q); err == nil {
			t.Fatalf("%q ran as one query", q)
		}
	}
}
