package postgres_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/postgres"
	"github.com/pamtravel/pam/internal/store/storage/sqlstore"
	"github.com/pamtravel/pam/internal/store/storetest"
	"github.com/pamtravel/pam/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var quiet = sqlstore.Options{Logger: slog.New(slog.DiscardHandler)}

func open(tb testing.TB, url string, o sqlstore.Options) *sqlstore.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, url, o)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, testenv.Postgres(t), quiet) })
}

func TestMigrateIdempotentAndConcurrent(t *testing.T) {
	url := testenv.Postgres(t)
	ctx := context.Background()
	// Several instances starting at once apply each migration exactly once.
	var wg sync.WaitGroup
	stores := make([]*sqlstore.Store, 4)
	errs := make([]error, 4)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(ctx, url, quiet) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	if n, err := postgres.Migrate(ctx, stores[0]); err != nil || n != 0 {
		t.Fatalf("Migrate again applied %d, %v", n, err)
	}
	var dups int
	if err := stores[0].Writer().QueryRow("SELECT COUNT(*) - COUNT(DISTINCT version) FROM schema_migrations").Scan(&dups); err != nil {
		t.Fatal(err)
	}
	if dups != 0 {
		t.Errorf("schema_migrations records %d migrations more than once", dups)
	}
}

func TestTruncateAuditForbidden(t *testing.T) {
	s := open(t, testenv.Postgres(t), quiet)
	if _, err := s.Writer().Exec("TRUNCATE audit_log"); err == nil {
		t.Fatal("TRUNCATE audit_log succeeded")
	}
}

// TestRetriesAcrossRestart stops the server and starts it again while a call
// waits: the call succeeds through the retry with backoff, and a constraint
// violation is never retried.
func TestRetriesAcrossRestart(t *testing.T) {
	srv := testenv.StartPostgres(t)
	s := open(t, srv.CreateDatabase(t), quiet)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	u := &store.User{Email: "retry@example.com"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	// While down: a MAINTENANCE error once the retries are spent.
	if _, err := s.UserByID(ctx, u.ID); pamerr.CodeOf(err) != pamerr.Maintenance {
		t.Errorf("read while down: err = %v, want MAINTENANCE", err)
	}
	go func() {
		time.Sleep(150 * time.Millisecond)
		_ = srv.Start()
	}()
	var got *store.User
	var err error
	for range 20 { // the restart takes a moment; each call retries 3 times with backoff
		if got, err = s.UserByID(ctx, u.ID); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || got.Email != u.Email {
		t.Fatalf("read after restart = %v, %v", got, err)
	}
	err = s.CreateUser(ctx, &store.User{Email: "RETRY@example.com"})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate after restart: err = %v, want ErrConflict", err)
	}
	if err := s.CreateExpense(ctx, &store.Expense{UserID: u.ID, Amount: money.MustParse("1.00", "USD"), Category: "x"}); err != nil {
		t.Errorf("write after restart: %v", err)
	}
}

// BenchmarkCreateExpenseAppendMessage measures the two hottest writes of a chat turn on PostgreSQL.
func BenchmarkCreateExpenseAppendMessage(b *testing.B) {
	storetest.BenchTurnWrites(b, open(b, testenv.Postgres(b), quiet))
}

// BenchmarkUserByIDRecentMessages measures the two reads of every chat turn on PostgreSQL.
func BenchmarkUserByIDRecentMessages(b *testing.B) {
	storetest.BenchTurnReads(b, open(b, testenv.Postgres(b), quiet))
}
