package budget_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
	"github.com/pamtravel/pam/internal/tools/budget"
)

// expenseOnly is a store that only creates expenses, so that counting a
// handler's allocations counts the handler's own.
type expenseOnly struct{ store.Store }

func (expenseOnly) CreateExpense(_ context.Context, e *store.Expense) error {
	e.ID, e.CreatedAt = "e-1", time.Unix(0, 0)
	return nil
}

type discardAudits struct{}

func (discardAudits) Record(context.Context, store.AuditRecord) error { return nil }

// TestCreateExpenseAllocations holds create_expense's own work, done on
// every logged expense, to its allocation count.
func TestCreateExpenseAllocations(t *testing.T) {
	if raceEnabled || testing.CoverMode() != "" {
		t.Skip("allocation counts differ under the race detector and coverage")
	}
	reg := tools.NewRegistry()
	if err := budget.Register(reg, expenseOnly{}, discardAudits{}); err != nil {
		t.Fatal(err)
	}
	tool, ok := reg.Get("create_expense")
	if !ok {
		t.Fatal("create_expense not registered")
	}
	call := &tools.Call{Tool: "create_expense", UserID: "u1", Role: store.RoleUser,
		Args: json.RawMessage(`{"amount":"12.25","category":"groceries","merchant":"Walmart"}`),
		Now:  time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	res, err := tool.Handler(ctx, call)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.UIActions) != 1 || res.UIActions[0].EntityTitle != "groceries at Walmart" || res.UIActions[0].EntityID != "e-1" || res.Summary != "Logged $12.25 groceries expense at Walmart on Nov 24." {
		t.Fatalf("result %+v", res)
	}
	const max = 23 // 25 with the arguments, result and UI action allocated apart; 11 of them are Bind's JSON decoding
	if n := testing.AllocsPerRun(50, func() { _, _ = tool.Handler(ctx, call) }); n > max {
		t.Errorf("create_expense: %v allocations, want at most %d", n, max)
	}
}
