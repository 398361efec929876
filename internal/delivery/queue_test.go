package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
)

// gatedAgent answers each turn with its text once release is closed (or its
// context ends), recording the order it started turns in.
type gatedAgent struct {
	release chan struct{}
	mu      sync.Mutex
	order   []string
}

func (a *gatedAgent) Run(ctx context.Context, in agent.Input, _ agent.Emitter) (*agent.Output, error) {
	a.mu.Lock()
	a.order = append(a.order, in.Text)
	a.mu.Unlock()
	select {
	case <-a.release:
		return &agent.Output{Text: "re: " + in.Text, Source: "test"}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// openTestStore opens a SQLite store in a temporary directory with one user.
func openTestStore(t *testing.T) (store.Store, *store.User) {
	t.Helper()
	ctx := context.Background()
	st, err := storage.Open(ctx, filepath.Join(t.TempDir(), "pam.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	u := &store.User{Email: "q@example.com", DisplayName: "Q", Role: store.RoleUser, PasswordHash: "x"}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return st, u
}

type passGuard struct{}

func (passGuard) CleanText(t string) (string, error)                       { return t, nil }
func (passGuard) CheckContext(json.RawMessage) error                       { return nil }
func (passGuard) Screen(context.Context, string, string) ([]string, error) { return nil, nil }
func (passGuard) Flagged(string, []string)                                 {}

func newQueueService(t *testing.T, workers, depth int) (*Service, *gatedAgent, store.Store, string) {
	t.Helper()
	st, u := openTestStore(t)
	a := &gatedAgent{release: make(chan struct{})}
	svc := NewService(st, a, passGuard{}, NewHub(64), slog.New(slog.DiscardHandler), Config{Workers: workers, QueueDepth: depth, MaxAttempts: 1})
	return svc, a, st, u.ID
}

func TestSubmitRefusesWhenFullBeforeStoring(t *testing.T) {
	svc, a, st, user := newQueueService(t, 1, 1)
	ctx := context.Background()
	for i := range 2 {
		if _, err := svc.Submit(ctx, Inbound{UserID: user, ClientMessageID: fmt.Sprint("m", i), Text: "hello"}, nil); err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
	}
	_, err := svc.Submit(ctx, Inbound{UserID: user, ClientMessageID: "m2", Text: "hello"}, nil)
	if pamerr.CodeOf(err) != pamerr.Overloaded || pamerr.RetryAfterOf(err) <= 0 {
		t.Fatalf("third submit: %v, want OVERLOADED with a retry delay", err)
	}
	if _, err := st.TurnByClientID(ctx, user, "m2"); !store.IsNotFound(err) {
		t.Fatalf("refused message was stored: %v", err)
	}
	// A duplicate of an accepted one takes no place and runs nothing.
	var calls int
	acc, err := svc.Submit(ctx, Inbound{UserID: user, ClientMessageID: "m0", Text: "hello"}, func(*Accepted) { calls++ })
	if err != nil || !acc.Duplicate || calls != 1 {
		t.Fatalf("duplicate: %+v %v (accepted callbacks %d)", acc, err, calls)
	}
	close(a.release)
	svc.Drain(context.Background())
}

func TestSubmitKeepsEachUsersOrder(t *testing.T) {
	svc, a, st, user := newQueueService(t, 4, 20)
	ctx := context.Background()
	sub := svc.Hub().Subscribe(user)
	defer sub.Close()
	var want []string
	for i := range 6 {
		text := fmt.Sprint("message ", i)
		want = append(want, text)
		if _, err := svc.Submit(ctx, Inbound{UserID: user, ClientMessageID: fmt.Sprint("o", i), Text: text}, nil); err != nil {
			t.Fatal(err)
		}
	}
	close(a.release)
	for range 6 {
		select {
		case <-sub.C:
		case <-time.After(10 * time.Second):
			t.Fatal("answers did not arrive")
		}
	}
	a.mu.Lock()
	got := a.order
	a.mu.Unlock()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("turns ran in order %q, want %q", got, want)
	}
	evs, err := st.EventsAfter(ctx, user, 0, 10)
	if err != nil || len(evs) != 6 {
		t.Fatalf("events: %d %v", len(evs), err)
	}
	svc.Drain(ctx)
}

func TestDrainLeavesUnfinishedTurnsPending(t *testing.T) {
	svc, _, st, user := newQueueService(t, 1, 5)
	ctx := context.Background()
	for i := range 3 {
		if _, err := svc.Submit(ctx, Inbound{UserID: user, ClientMessageID: fmt.Sprint("d", i), Text: "slow"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	svc.Drain(dctx)
	pending, err := st.PendingTurns(ctx, 10)
	if err != nil || len(pending) != 3 {
		t.Fatalf("pending after drain: %d %v, want all 3 left for the restart", len(pending), err)
	}
	for _, p := range pending {
		if p.Attempts != 0 {
			t.Fatalf("drain counted a failed attempt: %+v", p)
		}
	}
	if _, err := svc.Submit(ctx, Inbound{UserID: user, ClientMessageID: "late", Text: "x"}, nil); pamerr.CodeOf(err) != pamerr.Overloaded {
		t.Fatalf("submit after drain: %v", err)
	}
}

// A turn refused by a busy or unreachable database tries again soon, then
// less and less often, never more rarely than the refusal's hint.
func TestRetryWaitBacksOffToTheHint(t *testing.T) {
	refusal := &pamerr.Error{Code: pamerr.Maintenance, RetryAfter: 5 * time.Second}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second, 5 * time.Second}
	for waits, w := range want {
		if got := retryWait(refusal, waits); got != w {
			t.Errorf("wait %d = %v, want %v", waits, got, w)
		}
	}
	if got := retryWait(&pamerr.Error{Code: pamerr.Overloaded, RetryAfter: 300 * time.Millisecond}, 4); got != 300*time.Millisecond {
		t.Errorf("a shorter hint caps the wait: %v", got)
	}
}
