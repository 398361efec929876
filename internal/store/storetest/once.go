package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

// testInTxContext: operations made with the transaction's ctx join it — on
// the store itself and on a wrapper of it, as the tools hold — so they commit
// or roll back together; other operations see none of it until the commit.
func testInTxContext(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u := newUser(t, s)
	held := wrapped{s} // a wrapper, as the tools' store chain is
	boom := errors.New("boom")
	err := s.InTxContext(ctx, func(ctx context.Context) error {
		must(t, held.CreateExpense(ctx, &store.Expense{UserID: u.ID, Amount: usd("3.00"), Category: "food", Date: "2026-01-02"}))
		must(t, s.SetBudget(ctx, &store.Budget{UserID: u.ID, Category: "food", Period: "monthly", Amount: usd("50.00")}))
		if list, _, err := held.ListExpenses(ctx, u.ID, store.ExpenseFilter{}, store.Page{}); err != nil || len(list) != 1 {
			return errors.New("the transaction does not see its own write")
		}
		// Joining again (a nested call) stays in the same transaction.
		return s.InTxContext(ctx, func(ctx context.Context) error {
			must(t, s.SetBudget(ctx, &store.Budget{UserID: u.ID, Category: "fuel", Period: "monthly", Amount: usd("80.00")}))
			return boom
		})
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTxContext returned %v, want fn's error", err)
	}
	if list, _, _ := s.ListExpenses(ctx, u.ID, store.ExpenseFilter{}, store.Page{}); len(list) != 0 {
		t.Fatalf("a joined write survived the rollback: %+v", list)
	}
	if bs, _ := s.ListBudgets(ctx, u.ID); len(bs) != 0 {
		t.Fatalf("budgets survived the rollback: %+v", bs)
	}
	must(t, s.InTxContext(ctx, func(ctx context.Context) error {
		return held.CreateExpense(ctx, &store.Expense{UserID: u.ID, Amount: usd("4.00"), Category: "food", Date: "2026-01-02"})
	}))
	if list, _, _ := s.ListExpenses(ctx, u.ID, store.ExpenseFilter{}, store.Page{}); len(list) != 1 {
		t.Fatalf("committed joined write: %d expenses, want 1", len(list))
	}
}

// wrapped is a Store wrapper that adds nothing.
type wrapped struct{ store.Store }

// testToolResults: a turn's kept tool results — first write wins, another
// turn's are not visible, completing the turn removes them.
func testToolResults(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u := newUser(t, s)
	turn := &store.Turn{UserID: u.ID, ClientMessageID: "tr-1", Text: "log it"}
	_, _, err := s.AcceptTurn(ctx, turn)
	must(t, err)
	_, err = s.ToolResult(ctx, turn.ID, "create_expense#1")
	wantNotFound(t, "tool result before any", err)
	must(t, s.SaveToolResult(ctx, turn.ID, "create_expense#1", json.RawMessage(`{"status":"ok","summary":"first"}`)))
	must(t, s.SaveToolResult(ctx, turn.ID, "create_expense#1", json.RawMessage(`{"status":"ok","summary":"second"}`)))
	got, err := s.ToolResult(ctx, turn.ID, "create_expense#1")
	must(t, err)
	var r struct{ Summary string }
	must(t, json.Unmarshal(got, &r))
	if r.Summary != "first" {
		t.Fatalf("kept %q, want the first write", r.Summary)
	}
	if err := s.SaveToolResult(ctx, "no-such-turn", "k", json.RawMessage(`{}`)); !store.IsNotFound(err) {
		t.Fatalf("result for an unknown turn: %v", err)
	}
	if err := s.SaveToolResult(ctx, turn.ID, "k", json.RawMessage(`{`)); err == nil {
		t.Fatal("an invalid JSON result was kept")
	}
	must(t, s.CompleteTurn(ctx, turn.ID, "", 0))
	_, err = s.ToolResult(ctx, turn.ID, "create_expense#1")
	wantNotFound(t, "tool result after the turn completed", err)

	// A turn that will not run again (its dead letter discarded) drops its
	// results; another turn's stay.
	dropped := &store.Turn{UserID: u.ID, ClientMessageID: "tr-2", Text: "log it"}
	kept := &store.Turn{UserID: u.ID, ClientMessageID: "tr-3", Text: "log it"}
	for _, tr := range []*store.Turn{dropped, kept} {
		_, _, err = s.AcceptTurn(ctx, tr)
		must(t, err)
		must(t, s.SaveToolResult(ctx, tr.ID, "create_expense#1", json.RawMessage(`{"status":"ok"}`)))
	}
	must(t, s.DeleteToolResults(ctx, dropped.ID))
	_, err = s.ToolResult(ctx, dropped.ID, "create_expense#1")
	wantNotFound(t, "tool result of a dropped turn", err)
	if _, err := s.ToolResult(ctx, kept.ID, "create_expense#1"); err != nil {
		t.Fatalf("another turn's result went too: %v", err)
	}
}

// testPendingActions: held actions are the user's alone, taken at most once
// (of concurrent takers exactly one wins), and gone once expired.
func testPendingActions(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u, other := newUser(t, s), newUser(t, s)
	now := time.Now().UTC().Truncate(time.Microsecond)
	put := func(id string, created time.Time, ttl time.Duration) {
		must(t, s.PutPendingAction(ctx, &store.PendingAction{ID: id, UserID: u.ID, Tool: "delete_expense", Question: "Delete it?",
			Call: json.RawMessage(`{"Tool":"delete_expense"}`), CreatedAt: created, ExpiresAt: created.Add(ttl)}))
	}
	put("act-1", now, time.Minute)
	put("act-2", now.Add(time.Second), time.Minute)
	put("act-old", now.Add(-time.Hour), time.Minute) // already expired
	list, err := s.ListPendingActions(ctx, u.ID, now.Add(2*time.Second))
	must(t, err)
	if len(list) != 2 || list[0].ID != "act-1" || list[1].ID != "act-2" || string(list[0].Call) != `{"Tool":"delete_expense"}` {
		t.Fatalf("pending = %+v", list)
	}
	if l, _ := s.ListPendingActions(ctx, other.ID, now); len(l) != 0 {
		t.Fatalf("another user sees pending actions: %+v", l)
	}
	_, err = s.TakePendingAction(ctx, other.ID, "act-1", now)
	wantNotFound(t, "another user's action", err)
	_, err = s.TakePendingAction(ctx, u.ID, "act-old", now)
	wantNotFound(t, "an expired action", err)

	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if a, err := s.TakePendingAction(ctx, u.ID, "act-1", now); err == nil && a.ID == "act-1" {
				wins.Add(1)
			} else if !store.IsNotFound(err) {
				t.Errorf("take: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d takers got the action, want exactly 1", wins.Load())
	}
	if l, _ := s.ListPendingActions(ctx, u.ID, now); len(l) != 1 || l[0].ID != "act-2" {
		t.Fatalf("after the take: %+v", l)
	}
	if l, _ := s.ListPendingActions(ctx, u.ID, now.Add(2*time.Minute)); len(l) != 0 {
		t.Fatalf("expired actions listed: %+v", l)
	}
}

// testMessagePresetID: a message named before its insert (a turn names its
// user message) keeps that id; others get a fresh one.
func testMessagePresetID(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u := newUser(t, s)
	c := &store.Conversation{UserID: u.ID}
	must(t, s.CreateConversation(ctx, c))
	id := store.NewID()
	m := &store.Message{ID: id, ConversationID: c.ID, UserID: u.ID, Role: store.MessageUser, Content: "named first"}
	must(t, s.AppendMessage(ctx, m))
	n := &store.Message{ConversationID: c.ID, UserID: u.ID, Role: store.MessageAssistant, Content: "named by the store"}
	must(t, s.AppendMessage(ctx, n))
	msgs, err := s.RecentMessages(ctx, u.ID, c.ID, 10)
	must(t, err)
	if m.ID != id || len(msgs) != 2 || msgs[0].ID != id || msgs[1].ID != n.ID || n.ID == "" || n.ID == id {
		t.Fatalf("ids: preset %s kept as %s, store gave %s; stored %+v", id, m.ID, n.ID, msgs)
	}
}
