package delivery

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
)

// flakyAgent fails its first n runs.
type flakyAgent struct{ failures, runs int32 }

func (a *flakyAgent) Run(_ context.Context, in agent.Input, _ agent.Emitter) (*agent.Output, error) {
	if atomic.AddInt32(&a.runs, 1) <= a.failures {
		return nil, errors.New("model and rules both unavailable")
	}
	return &agent.Output{Text: "re: " + in.Text, Source: "test"}, nil
}

// deadLetterFixture is a store with one user and a service running agent a.
func deadLetterFixture(t *testing.T, a Agent) (store.Store, *store.User, *Service) {
	t.Helper()
	ctx := context.Background()
	st, err := storage.Open(ctx, filepath.Join(t.TempDir(), "pam.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	u := &store.User{Email: "dl@example.com", Role: store.RoleUser, PasswordHash: "x", Settings: store.DefaultSettings()}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return st, u, NewService(st, a, passGuard{}, NewHub(64), slog.New(slog.DiscardHandler), Config{})
}

// A turn that fails three times is dead-lettered with a durable error frame;
// an admin's retry answers it once, and discard drops a letter for good.
func TestDeadLetterAfterThreeFailuresThenRetry(t *testing.T) {
	ctx := context.Background()
	a := &flakyAgent{failures: 3}
	st, u, svc := deadLetterFixture(t, a)
	_, _, err := svc.Chat(ctx, Inbound{UserID: u.ID, Role: store.RoleUser, ClientMessageID: "m1", Text: "hello"}, nil)
	if pamerr.CodeOf(err) != pamerr.UpstreamUnavailable || a.runs != 3 {
		t.Fatalf("err = %v after %d runs", err, a.runs)
	}
	letters, _, err := st.ListDeadLetters(ctx, store.Page{})
	if err != nil || len(letters) != 1 || letters[0].Attempts != 3 {
		t.Fatalf("dead letters = %+v, %v", letters, err)
	}
	evs, _ := st.EventsAfter(ctx, u.ID, 0, 10)
	if len(evs) != 1 || evs[0].Type != "error" {
		t.Fatalf("user was not told: %+v", evs)
	}
	res, err := svc.RetryDeadLetter(ctx, letters[0].ID)
	if err != nil || res.Frame.Text != "re: hello" || a.runs != 4 {
		t.Fatalf("retry = %+v, %v (runs %d)", res, err, a.runs)
	}
	if left, _, _ := st.ListDeadLetters(ctx, store.Page{}); len(left) != 0 {
		t.Fatalf("retried letter kept: %+v", left)
	}
	if err := svc.DiscardDeadLetter(ctx, letters[0].ID); !store.IsNotFound(err) {
		t.Fatalf("discarding a gone letter: %v", err)
	}
}

// Discarding a dead-lettered turn drops the tool results it kept for a
// rerun that will now never come.
func TestDiscardDeadLetterDropsKeptResults(t *testing.T) {
	ctx := context.Background()
	st, u, svc := deadLetterFixture(t, &flakyAgent{failures: 3})
	if _, _, err := svc.Chat(ctx, Inbound{UserID: u.ID, Role: store.RoleUser, ClientMessageID: "m1", Text: "log $5"}, nil); err == nil {
		t.Fatal("the failing turn was answered")
	}
	turn, err := st.TurnByClientID(ctx, u.ID, "m1")
	if err != nil {
		t.Fatal(err)
	}
	// What a tool that acted before the turn failed leaves behind.
	if err := st.SaveToolResult(ctx, turn.ID, "create_expense#1", []byte(`{"status":"ok"}`)); err != nil {
		t.Fatal(err)
	}
	letters, _, err := st.ListDeadLetters(ctx, store.Page{})
	if err != nil || len(letters) != 1 {
		t.Fatalf("dead letters = %+v, %v", letters, err)
	}
	if err := svc.DiscardDeadLetter(ctx, letters[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ToolResult(ctx, turn.ID, "create_expense#1"); !store.IsNotFound(err) {
		t.Fatalf("kept result after the discard: %v", err)
	}
	if left, _, _ := st.ListDeadLetters(ctx, store.Page{}); len(left) != 0 {
		t.Fatalf("discarded letter kept: %+v", left)
	}
}
