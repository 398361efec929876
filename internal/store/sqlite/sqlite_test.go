package sqlite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/sqlite"
	"github.com/pamtravel/pam/internal/store/storage/sqlstore"
	"github.com/pamtravel/pam/internal/store/storetest"
)

// quiet keeps migration logs out of test output.
var quiet = sqlstore.Options{Logger: slog.New(slog.DiscardHandler)}

func open(tb testing.TB) *sqlstore.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "pam.db"), quiet)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}

func TestContractInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(context.Background(), ":memory:", quiet)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestMigrateIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pam.db")
	s, err := sqlite.Open(ctx, path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil || v < 1 {
		t.Fatalf("SchemaVersion = %d, %v", v, err)
	}
	if n, err := sqlite.Migrate(ctx, s); err != nil || n != 0 {
		t.Fatalf("second Migrate applied %d, %v; want 0", n, err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path, quiet) // reopening keeps data and applies nothing
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v2, _ := s.SchemaVersion(ctx); v2 != v {
		t.Fatalf("version after reopen = %d, want %d", v2, v)
	}
}

func TestPragmas(t *testing.T) {
	s := open(t)
	db := s.Writer()
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000"} {
		var got string
		if err := db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

// BenchmarkCreateExpenseAppendMessage measures the two hottest writes of a chat turn.
func BenchmarkCreateExpenseAppendMessage(b *testing.B) { storetest.BenchTurnWrites(b, open(b)) }

// BenchmarkUserByIDRecentMessages measures the two reads of every chat turn.
func BenchmarkUserByIDRecentMessages(b *testing.B) { storetest.BenchTurnReads(b, open(b)) }

func TestSlowQueryLogged(t *testing.T) {
	var buf syncBuffer
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "pam.db"),
		sqlstore.Options{SlowQuery: time.Nanosecond, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.UserByEmail(context.Background(), "x@example.com"); !store.IsNotFound(err) {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, `"msg":"slow query"`) || !strings.Contains(out, `"op":"user by email"`) || !strings.Contains(out, `"duration_ms"`) {
		t.Errorf("slow query log = %s", out)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// openWith opens a store on a new file with options o, closed at the end.
func openWith(t *testing.T, o sqlstore.Options) *sqlstore.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "pam.db"), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestAcquireTimeout: a write waiting for the single writer connection gives
// up after AcquireTimeout with OVERLOADED instead of hanging.
func TestAcquireTimeout(t *testing.T) {
	o := quiet
	o.AcquireTimeout = 100 * time.Millisecond
	s := openWith(t, o)
	ctx := context.Background()
	start := time.Now()
	err := s.InTx(ctx, func(tx store.Store) error {
		// s, not tx: needs a second writer connection while the transaction holds the only one.
		return s.CreateUser(ctx, &store.User{Email: "waiting@example.com"})
	})
	if pamerr.CodeOf(err) != pamerr.Overloaded {
		t.Fatalf("err = %v, want OVERLOADED", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("gave up after %v", el)
	}
}

// TestAcquireTimeoutInABurst: writers arriving together while the single
// writer connection is handed from one to the next each get it or give up
// within AcquireTimeout of their own wait — none queues behind the whole
// burst because the connection looked idle when it arrived.
func TestAcquireTimeoutInABurst(t *testing.T) {
	o := quiet
	o.AcquireTimeout = 100 * time.Millisecond
	s := openWith(t, o)
	ctx := context.Background()
	const writers, hold = 30, 50 * time.Millisecond
	var wg sync.WaitGroup
	took := make(chan time.Duration, writers)
	for range writers {
		wg.Go(func() {
			start := time.Now()
			err := s.InTx(ctx, func(store.Store) error { time.Sleep(hold); return nil })
			if err != nil && pamerr.CodeOf(err) != pamerr.Overloaded {
				t.Errorf("err = %v, want nil or OVERLOADED", err)
			}
			took <- time.Since(start)
		})
	}
	wg.Wait()
	close(took)
	for d := range took {
		// One acquire bound plus one holder's transaction, with room for a
		// loaded machine; queueing behind the burst would take up to 1.5 s.
		if d > 700*time.Millisecond {
			t.Fatalf("a writer waited %v (acquire bound %v, a transaction %v)", d, o.AcquireTimeout, hold)
		}
	}
}

// TestConcurrentWritersTwoHandles: two stores on one file (as two processes
// would be) write concurrently without SQLITE_BUSY, thanks to WAL, IMMEDIATE
// transactions and busy_timeout.
func TestConcurrentWritersTwoHandles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pam.db")
	a, err := sqlite.Open(ctx, path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlite.Open(ctx, path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	u := &store.User{Email: "two@example.com"}
	if err := a.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			_, err := s.AppendEvent(ctx, u.ID, "message", func(seq int64) (json.RawMessage, error) {
				return json.RawMessage(fmt.Sprintf(`{"seq":%d}`, seq)), nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
	}
	if n, _ := b.LastSeq(ctx, u.ID); n != 40 {
		t.Errorf("LastSeq = %d, want 40", n)
	}
}

// TestDialectTimeIsSQLiteText: a time the store binds is stored as
// sqlstore.SQLiteLayout's fixed-width UTC text, whose order is time order.
func TestDialectTimeIsSQLiteText(t *testing.T) {
	s, err := sqlite.Open(context.Background(), ":memory:", quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.FixedZone("x", -7*3600))
	var got string
	if err := s.Writer().QueryRow("SELECT ?", sqlite.Dialect.Time(at)).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := at.UTC().Format(sqlstore.SQLiteLayout); got != want {
		t.Fatalf("stored %q, want %q", got, want)
	}
}
