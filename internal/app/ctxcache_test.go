package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
)

func TestUserContextCacheInvalidatesOnCommittedWrites(t *testing.T) {
	ctx := context.Background()
	mem, writes, turns := ctxCacheFixture(t)
	u := &store.User{Email: "c@example.com", DisplayName: "C", Role: store.RoleUser, PasswordHash: "secret-hash", Settings: store.DefaultSettings()}
	if err := writes.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	cached := func() bool { _, ok, _ := mem.Get(ctx, ctxUserKey(u.ID)); return ok }

	// A login warms the entry; the turn path reads it without the password hash.
	if _, err := writes.UserByEmail(ctx, u.Email); err != nil || !cached() {
		t.Fatalf("login did not warm the context cache: %v", err)
	}
	got, err := turns.UserByID(ctx, u.ID)
	if err != nil || got.PasswordHash != "" || got.Settings.Currency != u.Settings.Currency {
		t.Fatalf("cached user = %+v %v", got, err)
	}
	// The write path never serves the hash-less copy.
	if full, _ := writes.UserByID(ctx, u.ID); full.PasswordHash != "secret-hash" {
		t.Fatal("write path read the cached copy")
	}

	tests := []struct {
		name  string
		write func() error
		clear bool
	}{
		{"profile update", func() error { u.Settings.Currency = "EUR"; return writes.UpdateUser(ctx, u) }, true},
		{"expense (not part of the cached row)", func() error {
			return writes.CreateExpense(ctx, &store.Expense{UserID: u.ID, Amount: money.MustParse("4.50", "USD"), Category: "food", Date: "2026-11-24"})
		}, false},
		{"update in a committed transaction", func() error {
			return writes.InTx(ctx, func(tx store.Store) error {
				u.Settings.Units = "metric"
				return tx.UpdateUser(ctx, u)
			})
		}, true},
		{"update in a nested transaction", func() error {
			return writes.InTx(ctx, func(tx store.Store) error {
				return tx.InTx(ctx, func(tx store.Store) error {
					u.Settings.Units = "imperial"
					return tx.UpdateUser(ctx, u)
				})
			})
		}, true},
		{"update in a committed context transaction", func() error {
			return writes.InTxContext(ctx, func(ctx context.Context) error {
				u.Settings.Units = "metric"
				return writes.UpdateUser(ctx, u)
			})
		}, true},
		{"update in a nested context transaction", func() error {
			return writes.InTxContext(ctx, func(ctx context.Context) error {
				return writes.InTxContext(ctx, func(ctx context.Context) error {
					u.Settings.Units = "imperial"
					return writes.UpdateUser(ctx, u)
				})
			})
		}, true},
		{"rolled back context transaction", func() error {
			err := writes.InTxContext(ctx, func(ctx context.Context) error {
				_ = writes.UpdateUser(ctx, &store.User{ID: u.ID, Email: u.Email, Role: u.Role, Settings: u.Settings})
				if _, ok, _ := mem.Get(ctx, ctxUserKey(u.ID)); !ok {
					return errors.New("cleared before the commit")
				}
				return errAbort
			})
			if !errors.Is(err, errAbort) {
				return fmt.Errorf("want the abort, got %v", err)
			}
			return nil
		}, false},
		{"rolled back transaction", func() error {
			err := writes.InTx(ctx, func(tx store.Store) error {
				_ = tx.UpdateUser(ctx, &store.User{ID: u.ID, Email: u.Email, Role: u.Role, Settings: u.Settings})
				return errors.New("abort")
			})
			if err == nil {
				return errors.New("no error from an aborted transaction")
			}
			return nil
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := turns.UserByID(ctx, u.ID); err != nil || !cached() {
				t.Fatalf("turn read did not cache: %v", err)
			}
			if err := tc.write(); err != nil {
				t.Fatal(err)
			}
			if cached() == tc.clear {
				t.Fatalf("after %s cached = %v, want %v", tc.name, cached(), !tc.clear)
			}
		})
	}
	if got, _ := turns.UserByID(ctx, u.ID); got.Settings.Currency != "EUR" {
		t.Fatalf("turn path sees currency %q after the update, want EUR", got.Settings.Currency)
	}
}

// A user's entry is under the prefix an invalidation clears.
func TestCtxUserKeyIsUnderTheUsersPrefix(t *testing.T) {
	for _, id := range []string{"u1", "", "a:b"} {
		if got := ctxUserKey(id); got != ctxKey(id)+"user" {
			t.Fatalf("ctxUserKey(%q) = %q, want %q", id, got, ctxKey(id)+"user")
		}
	}
}

// Another instance re-warming the shared cache with a changed row is seen at
// once: the decoded copy a turn store keeps is tied to the cached bytes.
func TestUserContextCacheDecodesChangedBytes(t *testing.T) {
	ctx := context.Background()
	mem, writes, turns := ctxCacheFixture(t)
	u := &store.User{Email: "d@example.com", Role: store.RoleUser, Settings: store.DefaultSettings()}
	if err := writes.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, err := turns.UserByID(ctx, u.ID); err != nil || got.Settings.Currency != "USD" {
		t.Fatalf("first read: %+v %v", got, err)
	}
	changed := *u
	changed.Settings.Currency = "AUD"
	raw, _ := json.Marshal(changed)
	if err := mem.Set(ctx, ctxUserKey(u.ID), raw, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, err := turns.UserByID(ctx, u.ID)
	if err != nil || got.Settings.Currency != "AUD" {
		t.Fatalf("after another instance re-warmed the entry: %+v %v", got, err)
	}
	got.Settings.Currency = "XXX" // a caller's change never reaches the kept copy
	if again, _ := turns.UserByID(ctx, u.ID); again.Settings.Currency != "AUD" {
		t.Fatalf("kept copy was changed through a returned user: %q", again.Settings.Currency)
	}
}

// ctxCacheFixture opens a SQLite store in a temporary directory and wraps it
// with the user context cache over an in-process cache.
func ctxCacheFixture(t testing.TB) (mem *cache.Memory, writes, turns store.Store) {
	t.Helper()
	st, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "pam.db"), storage.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mem = cache.NewMemory(cache.MemoryOptions{})
	writes, turns = withUserContextCache(st, mem, time.Minute, slog.New(slog.DiscardHandler))
	return mem, writes, turns
}

// A turn reading its user from the cache uses the key kept with the memo
// entry; a user without one gets the key built.
func TestUserContextCacheKeepsTheKey(t *testing.T) {
	ctx := context.Background()
	_, writes, turns := ctxCacheFixture(t)
	u := &store.User{Email: "k@example.com", Role: store.RoleUser, Settings: store.DefaultSettings()}
	if err := writes.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	memo := turns.(*ctxStore).decoded
	if got := memo.cacheKey(u.ID); got != ctxUserKey(u.ID) {
		t.Fatalf("key before the first read %q, want %q", got, ctxUserKey(u.ID))
	}
	for range 2 { // the first read warms the cache, the second fills the memo
		if _, err := turns.UserByID(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := memo.cacheKey(u.ID); got != ctxUserKey(u.ID) {
		t.Fatalf("kept key %q, want %q", got, ctxUserKey(u.ID))
	}
	if raceEnabled || testing.CoverMode() != "" {
		return // allocation counts differ under the race detector and coverage
	}
	if n := testing.AllocsPerRun(20, func() { _ = memo.cacheKey(u.ID) }); n != 0 {
		t.Errorf("kept key: %v allocations, want 0", n)
	}
	read := testing.AllocsPerRun(20, func() { _, _ = turns.UserByID(ctx, u.ID) })
	if read > 1 {
		t.Errorf("a turn's read of a cached user: %v allocations, want at most 1 (its copy)", read)
	}
}

// A context transaction's pending users ride in its context: the cache
// tier adds one allocation to the store's transaction.
func TestUserContextCacheTxContextAllocations(t *testing.T) {
	if raceEnabled || testing.CoverMode() != "" {
		t.Skip("allocation counts differ under the race detector and coverage")
	}
	ctx := context.Background()
	_, writes, _ := ctxCacheFixture(t)
	fn := func(context.Context) error { return nil }
	inner := fewestAllocs(func() { _ = writes.(*ctxStore).Store.InTxContext(ctx, fn) })
	outer := fewestAllocs(func() { _ = writes.InTxContext(ctx, fn) })
	// One more: the context with its pending users (three when they were
	// apart and the transaction's function was wrapped). The margin of one
	// is for the store's background work, which now and then lands in a count.
	if outer > inner+2 {
		t.Errorf("InTxContext: %v allocations through the cache tier, %v without; want at most two more", outer, inner)
	}
}

var errAbort = errors.New("abort")

// fewestAllocs is the least of a few allocation counts of f: the store's
// background goroutines (connection opener, cache sweeper) only add to them.
func fewestAllocs(f func()) float64 {
	least := testing.AllocsPerRun(100, f)
	for range 4 {
		least = min(least, testing.AllocsPerRun(100, f))
	}
	return least
}
