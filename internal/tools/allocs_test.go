package tools

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

// skipAllocationCounts skips a test of allocation counts where they differ.
func skipAllocationCounts(t *testing.T) {
	if raceEnabled || testing.CoverMode() != "" {
		t.Skip("allocation counts differ under the race detector and coverage")
	}
}

// createExpenseSchema is create_expense's parameters schema, the first of
// testdata/args_schemas.txt (toolstest keeps it the real one).
func createExpenseSchema(t testing.TB) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("testdata/args_schemas.txt")
	if err != nil {
		t.Fatal(err)
	}
	return json.RawMessage(splitLines(string(b))[0])
}

// TestHotPathAllocations holds the per-call work of the tool path to its
// allocation counts: each of these runs on every tool call.
func TestHotPathAllocations(t *testing.T) {
	skipAllocationCounts(t)
	quick := compileQuickArgs(createExpenseSchema(t))
	args := []byte(`{"amount":"12.25","category":"groceries","merchant":"Walmart"}`)
	inputs := map[string]string{"amount": "12.25", "currency": "USD"}
	tests := []struct {
		name string
		max  float64
		run  func()
	}{
		{"quick argument check", 0, func() { quick.accepts(args) }},
		{"ledger args", 1, func() { ledgerArgs("create_expense", inputs, "12.25 USD") }},
	}
	for _, tc := range tests {
		if got := testing.AllocsPerRun(100, tc.run); got > tc.max {
			t.Errorf("%s: %v allocations, want at most %v", tc.name, got, tc.max)
		}
	}
}

func TestLedgerArgsManyInputs(t *testing.T) {
	inputs := map[string]string{}
	for i := range 20 {
		inputs["k"+strconv.Itoa(i)] = strconv.Itoa(i * i)
	}
	got := ledgerArgs("sum", inputs, "1")
	if want := mustJSON(map[string]any{"tool": "sum", "inputs": inputs, "result": "1"}); string(got) != string(want) {
		t.Errorf("ledgerArgs\n got %s\nwant %s", got, want)
	}
}

type discardAuditor struct{}

func (discardAuditor) Record(context.Context, store.AuditRecord) error      { return nil }
func (discardAuditor) RecordAll(context.Context, []store.AuditRecord) error { return nil }

// TestExecuteAllocations bounds a whole tool call through the executor
// (arguments checked against create_expense's schema, a ledger row, the
// result checked and audited): a regression to decoding the arguments for
// the schema library, or re-encoding the result, shows here.
func TestExecuteAllocations(t *testing.T) {
	skipAllocationCounts(t)
	reg := NewRegistry()
	ledger := NewLedger(discardAuditor{})
	reg.MustRegister(Tool{Name: "create_expense", Description: "x", Parameters: createExpenseSchema(t),
		Handler: func(ctx context.Context, c *Call) (*Result, error) {
			ledger.Calc(ctx, c, "create_expense", map[string]string{"amount": "12.25", "currency": "USD"}, "12.25 USD")
			return &Result{Data: struct {
				Amount string `json:"amount"`
			}{"12.25"}, Summary: "Logged."}, nil
		}})
	e := NewExecutor(reg, ExecutorOptions{Auditor: discardAuditor{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	call := userCall("create_expense", `{"amount":"12.25","category":"groceries","merchant":"Walmart"}`)
	ctx := context.Background()
	if res := e.Execute(ctx, call); res.Status != StatusOK {
		t.Fatalf("status %s: %s", res.Status, res.Error)
	}
	const max = 14 // 16 with the call's copy, its ledger collector and the rows' array apart; about 50 with the arguments decoded for the schema library
	n := testing.AllocsPerRun(50, func() { e.Execute(ctx, call) })
	if n > max {
		t.Errorf("one tool call: %v allocations, want at most %d", n, max)
	}
	// Under a caller's deadline that comes before the tool's timeout (a
	// turn's), the attempt makes no timer context of its own.
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second) // the default timeout is 8s
	defer cancel()
	if d := testing.AllocsPerRun(50, func() { e.Execute(dctx, call) }); d > n-4 {
		t.Errorf("one tool call under an earlier deadline: %v allocations, want at most %v", d, n-4)
	}
}

// memResults keeps results in memory; its transaction only runs fn.
type memResults struct{ kept map[string]json.RawMessage }

func (m *memResults) InTxContext(ctx context.Context, fn func(context.Context) error) error {
	return fn(ctx)
}

func (m *memResults) SaveToolResult(_ context.Context, turnID, key string, r json.RawMessage) error {
	m.kept[turnID+"/"+key] = r
	return nil
}

func (m *memResults) ToolResult(_ context.Context, turnID, key string) (json.RawMessage, error) {
	if r, ok := m.kept[turnID+"/"+key]; ok {
		return r, nil
	}
	return nil, store.ErrNotFound
}

// TestRunOnceAllocations bounds a data-changing call of a turn: its result
// is made and kept in the transaction without allocations of their own.
func TestRunOnceAllocations(t *testing.T) {
	skipAllocationCounts(t)
	reg := NewRegistry()
	reg.MustRegister(Tool{Name: "log_thing", Description: "x", Parameters: json.RawMessage(`{"type":"object","properties":{}}`), Writes: true,
		Handler: func(context.Context, *Call) (*Result, error) {
			return &Result{Summary: "Logged.", Banner: "b"}, nil
		}})
	results := &memResults{kept: map[string]json.RawMessage{}}
	e := NewExecutor(reg, ExecutorOptions{Auditor: discardAuditor{}, Results: results, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	call := userCall("log_thing", `{}`)
	call.TurnID, call.CallKey = "t1", "log_thing#1"
	ctx := context.Background()
	if res := e.Execute(ctx, call); res.Status != StatusOK {
		t.Fatalf("status %s: %s", res.Status, res.Error)
	}
	if got := string(results.kept["t1/log_thing#1"]); got != `{"status":"ok","summary":"Logged.","banner":"b"}` {
		t.Fatalf("kept %s", got)
	}
	const max = 15 // 17 with changeOnce's result and keep's keptResult on the heap apart
	if n := testing.AllocsPerRun(50, func() { e.Execute(ctx, call) }); n > max {
		t.Errorf("one data-changing call: %v allocations, want at most %d", n, max)
	}
}
