package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
	"github.com/pamtravel/pam/internal/tools"
)

type onceFixture struct {
	st    store.Store
	reg   *tools.Registry
	exec  *tools.Executor
	user  *store.User
	turn  *store.Turn
	runs  atomic.Int32
	audit []store.AuditRecord
}

// newOnceFixture registers log_thing (writes an expense, succeeds) and
// half_thing (writes an expense, then fails) over a real SQLite store, and
// accepts one turn to run them in.
func newOnceFixture(t *testing.T) *onceFixture {
	t.Helper()
	ctx := context.Background()
	st, err := storage.Open(ctx, filepath.Join(t.TempDir(), "pam.db"), storage.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &onceFixture{st: st}
	write := func(ctx context.Context, c *tools.Call) error {
		f.runs.Add(1)
		return st.CreateExpense(ctx, &store.Expense{UserID: c.UserID, Amount: money.MustParse("12.50", "USD"), Category: "food", Date: "2026-11-24"})
	}
	reg := tools.NewRegistry()
	params := json.RawMessage(`{"type":"object","properties":{}}`)
	reg.MustRegister(tools.Tool{Name: "log_thing", Description: "log", Parameters: params, Writes: true,
		Handler: func(ctx context.Context, c *tools.Call) (*tools.Result, error) {
			if err := write(ctx, c); err != nil {
				return nil, err
			}
			return &tools.Result{Summary: "Logged.", Cost: "12.50", UIActions: []tools.UIAction{tools.Reload(tools.ReloadExpenses, "expense", "e1", "food")}}, nil
		}})
	reg.MustRegister(tools.Tool{Name: "data_thing", Description: "data", Parameters: params, Writes: true,
		Handler: func(ctx context.Context, c *tools.Call) (*tools.Result, error) {
			if err := write(ctx, c); err != nil {
				return nil, err
			}
			return &tools.Result{Data: map[string]any{"n": json.Number("12345678901234567890.5"), "note": "<ok>"}}, nil
		}})
	reg.MustRegister(tools.Tool{Name: "half_thing", Description: "half", Parameters: params, Writes: true,
		Handler: func(ctx context.Context, c *tools.Call) (*tools.Result, error) {
			if err := write(ctx, c); err != nil {
				return nil, err
			}
			return nil, tools.Fail(tools.StatusFailed, "the second step failed")
		}})
	auditor := tools.AuditorFunc(func(ctx context.Context, r store.AuditRecord) error {
		f.audit = append(f.audit, r)
		return nil
	})
	f.reg = reg
	f.exec = tools.NewExecutor(reg, tools.ExecutorOptions{Auditor: auditor, Results: st, MaxRetries: -1})
	f.user = &store.User{Email: "once@example.com", Role: store.RoleUser, Settings: store.DefaultSettings()}
	if err := st.CreateUser(ctx, f.user); err != nil {
		t.Fatal(err)
	}
	f.turn = &store.Turn{UserID: f.user.ID, ClientMessageID: "m1", Text: "log it"}
	if _, _, err := st.AcceptTurn(ctx, f.turn); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *onceFixture) call(tool string, rerun bool) tools.Call {
	return tools.Call{Tool: tool, Args: json.RawMessage(`{}`), UserID: f.user.ID, Role: store.RoleUser,
		TurnID: f.turn.ID, CallKey: tool + "#1", Rerun: rerun}
}

func (f *onceFixture) expenses(t *testing.T) int {
	t.Helper()
	items, _, err := f.st.ListExpenses(context.Background(), f.user.ID, store.ExpenseFilter{}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	return len(items)
}

// A turn that runs again after its tool changed data (a crash, a retry, a
// database outage before the answer was stored) gets the kept result: the
// expense is logged once, the client still hears what to reload, and the
// audit trail shows the replay without counting its cost again.
func TestTurnRerunReplaysDataChange(t *testing.T) {
	f := newOnceFixture(t)
	ctx := context.Background()
	first := f.exec.Execute(ctx, f.call("log_thing", false))
	again := f.exec.Execute(ctx, f.call("log_thing", true))
	if first.Status != tools.StatusOK || again.Status != tools.StatusOK || again.Summary != first.Summary {
		t.Fatalf("first %+v, rerun %+v", first, again)
	}
	if n := f.runs.Load(); n != 1 {
		t.Fatalf("the tool ran %d times", n)
	}
	if n := f.expenses(t); n != 1 {
		t.Fatalf("%d expenses after a rerun, want 1", n)
	}
	if len(again.UIActions) != 1 || again.UIActions[0].EntityID != "e1" {
		t.Fatalf("replayed result lost its UI actions: %+v", again.UIActions)
	}
	if len(f.audit) != 2 || f.audit[0].Outcome != "ok" || f.audit[0].Cost != "12.50" || f.audit[1].Outcome != "replayed:ok" || f.audit[1].Cost != "" {
		t.Fatalf("audit = %+v", f.audit)
	}
	// Another call of the same tool in the turn is a new change.
	second := f.call("log_thing", true)
	second.CallKey = "log_thing#2"
	if r := f.exec.Execute(ctx, second); r.Status != tools.StatusOK || f.expenses(t) != 2 {
		t.Fatalf("second call: %+v, %d expenses", r, f.expenses(t))
	}
	// Once the turn is answered its kept results are gone.
	if err := f.st.CompleteTurn(ctx, f.turn.ID, "", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.ToolResult(ctx, f.turn.ID, "log_thing#1"); !store.IsNotFound(err) {
		t.Fatalf("kept result after the turn completed: %v", err)
	}
}

// A replayed result's data is the kept JSON byte for byte: numbers beyond a
// float64 are not rounded on the way back.
func TestReplayKeepsDataExact(t *testing.T) {
	f := newOnceFixture(t)
	ctx := context.Background()
	first := f.exec.Execute(ctx, f.call("data_thing", false))
	again := f.exec.Execute(ctx, f.call("data_thing", true))
	want, _ := json.Marshal(first)
	got, _ := json.Marshal(again)
	if first.Status != tools.StatusOK || string(got) != string(want) || f.runs.Load() != 1 {
		t.Fatalf("replayed %s, first %s (%d runs)", got, want, f.runs.Load())
	}
	if _, ok := again.Data.(json.RawMessage); !ok {
		t.Errorf("replayed data is %T, want the kept json.RawMessage", again.Data)
	}
}

// A call that fails after writing part of its change leaves nothing behind,
// and nothing is kept, so a rerun tries it afresh.
func TestFailedDataChangeRollsBack(t *testing.T) {
	f := newOnceFixture(t)
	ctx := context.Background()
	if r := f.exec.Execute(ctx, f.call("half_thing", false)); r.Status != tools.StatusFailed {
		t.Fatalf("half_thing: %+v", r)
	}
	if n := f.expenses(t); n != 0 {
		t.Fatalf("a failed call left %d expenses", n)
	}
	if _, err := f.st.ToolResult(ctx, f.turn.ID, "half_thing#1"); !store.IsNotFound(err) {
		t.Fatalf("a failed call kept a result: %v", err)
	}
	if len(f.audit) != 1 || f.audit[0].Outcome != "failed" {
		t.Fatalf("the failure is not audited once: %+v", f.audit)
	}
	if r := f.exec.Execute(ctx, f.call("half_thing", true)); r.Status != tools.StatusFailed || f.runs.Load() != 2 {
		t.Fatalf("rerun of a failed call: %+v, runs %d", r, f.runs.Load())
	}
}

// Calls outside a turn (the REST tool routes, tests) run as before.
func TestCallOutsideTurnRunsPlainly(t *testing.T) {
	f := newOnceFixture(t)
	c := f.call("log_thing", true)
	c.TurnID = ""
	for range 2 {
		if r := f.exec.Execute(context.Background(), c); r.Status != tools.StatusOK {
			t.Fatal(r)
		}
	}
	if n := f.expenses(t); n != 2 {
		t.Fatalf("%d expenses, want 2", n)
	}
}

// lostCommit reports its first transaction as failed by a lost connection
// although it committed — the case where nobody can tell.
type lostCommit struct {
	store.Store
	lost atomic.Bool
}

func (l *lostCommit) InTxContext(ctx context.Context, fn func(ctx context.Context) error) error {
	err := l.Store.InTxContext(ctx, fn)
	if err == nil && l.lost.CompareAndSwap(false, true) {
		return pamerr.Wrap(errors.New("commit: connection reset"), pamerr.Maintenance, "the database is unavailable")
	}
	return err
}

// A commit whose outcome was lost in a database blip is tried again, and
// the try finds the change already made instead of making it twice.
func TestLostCommitIsNotRepeated(t *testing.T) {
	f := newOnceFixture(t)
	exec := tools.NewExecutor(f.reg, tools.ExecutorOptions{Results: &lostCommit{Store: f.st}, MaxRetries: -1})
	if r := exec.Execute(context.Background(), f.call("log_thing", false)); r.Status != tools.StatusOK {
		t.Fatalf("call through a lost commit: %+v", r)
	}
	if n := f.expenses(t); n != 1 || f.runs.Load() != 1 {
		t.Fatalf("%d expenses, %d runs after a lost commit, want 1 and 1", n, f.runs.Load())
	}
}
