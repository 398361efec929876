package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

func testExpenses(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u := newUser(t, s)
	sqlish := `Robert'); DROP TABLE expenses;-- 50% off_sale \ "quoted"`
	e := &store.Expense{UserID: u.ID, Amount: usd("45.20"), Category: "fuel", Merchant: "Pilot", Description: sqlish, Date: "2026-03-04"}
	must(t, s.CreateExpense(ctx, e))
	got, err := s.ExpenseByID(ctx, u.ID, e.ID)
	must(t, err)
	if got.Description != sqlish || got.Amount.Amount.StringFixed(2) != "45.20" || got.Amount.Currency != "USD" ||
		got.Date != "2026-03-04" || got.Merchant != "Pilot" || !got.CreatedAt.Equal(e.CreatedAt) {
		t.Fatalf("expense round trip: got %+v, want %+v", got, e)
	}
	e.Amount, e.Category, e.Date = usd("12.34"), "food", "2026-03-05"
	must(t, s.UpdateExpense(ctx, e))
	got, _ = s.ExpenseByID(ctx, u.ID, e.ID)
	if got.Amount.Amount.StringFixed(2) != "12.34" || got.Category != "food" || got.Date != "2026-03-05" {
		t.Errorf("after UpdateExpense: %+v", got)
	}
	e2 := &store.Expense{UserID: u.ID, Amount: usd("1.00"), Category: "fuel", Date: "2026-03-10"}
	must(t, s.CreateExpense(ctx, e2))

	tests := []struct {
		name string
		f    store.ExpenseFilter
		want []string
	}{
		{"all newest first", store.ExpenseFilter{}, []string{e2.ID, e.ID}},
		{"from inclusive", store.ExpenseFilter{From: "2026-03-10"}, []string{e2.ID}},
		{"to inclusive", store.ExpenseFilter{To: "2026-03-05"}, []string{e.ID}},
		{"category", store.ExpenseFilter{Category: "food"}, []string{e.ID}},
		{"empty range", store.ExpenseFilter{From: "2026-03-06", To: "2026-03-09"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, _, err := s.ListExpenses(ctx, u.ID, tc.f, store.Page{})
			must(t, err)
			if fmt.Sprint(expenseIDs(list)) != fmt.Sprint(tc.want) {
				t.Errorf("ListExpenses(%+v) = %v, want %v", tc.f, expenseIDs(list), tc.want)
			}
		})
	}
	must(t, s.DeleteExpense(ctx, u.ID, e.ID))
	_, err = s.ExpenseByID(ctx, u.ID, e.ID)
	wantNotFound(t, "ExpenseByID after delete", err)
	wantNotFound(t, "DeleteExpense twice", s.DeleteExpense(ctx, u.ID, e.ID))
}

func expenseIDs(es []store.Expense) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func testExpenseSums(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u := newUser(t, s)
	// 0.10 ten times is 1.00 exactly (a float sum is 0.9999999999999999);
	// 33.33 three times is 99.99.
	for range 10 {
		must(t, s.CreateExpense(ctx, &store.Expense{UserID: u.ID, Amount: usd("0.10"), Category: "snacks", Date: "2026-01-15"}))
	}
	for range 3 {
		must(t, s.CreateExpense(ctx, &store.Expense{UserID: u.ID, Amount: usd("33.33"), Category: "camping", Date: "2026-01-20"}))
	}
	must(t, s.CreateExpense(ctx, &store.Expense{UserID: u.ID, Amount: usd("999999.99"), Category: "rv", Date: "2026-02-01"}))
	must(t, s.CreateExpense(ctx, &store.Expense{UserID: u.ID, Amount: usd("999999.99"), Category: "rv", Date: "2026-02-02"}))
	other := newUser(t, s)
	must(t, s.CreateExpense(ctx, &store.Expense{UserID: other.ID, Amount: usd("7.00"), Category: "snacks", Date: "2026-01-15"}))

	sums, err := s.SumExpenses(ctx, u.ID, store.ExpenseFilter{})
	must(t, err)
	want := map[string]string{"snacks": "1.00", "camping": "99.99", "rv": "1999999.98"}
	if len(sums) != len(want) {
		t.Fatalf("SumExpenses = %v, want %v", sums, want)
	}
	for cat, w := range want {
		if !sums[cat].Equal(d(w)) {
			t.Errorf("sum[%s] = %s, want %s", cat, sums[cat], w)
		}
	}
	jan, err := s.SumExpenses(ctx, u.ID, store.ExpenseFilter{From: "2026-01-01", To: "2026-01-31"})
	must(t, err)
	if len(jan) != 2 || !jan["camping"].Equal(d("99.99")) {
		t.Errorf("January sums = %v", jan)
	}
	cat, err := s.SumExpenses(ctx, u.ID, store.ExpenseFilter{Category: "snacks"})
	must(t, err)
	if len(cat) != 1 || !cat["snacks"].Equal(d("1.00")) {
		t.Errorf("snacks sum = %v", cat)
	}
}

func testExpensesCrossUser(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	owner, intruder := newUser(t, s), newUser(t, s)
	e := &store.Expense{UserID: owner.ID, Amount: usd("10.00"), Category: "food", Date: "2026-01-01"}
	must(t, s.CreateExpense(ctx, e))
	_, err := s.ExpenseByID(ctx, intruder.ID, e.ID)
	wantNotFound(t, "ExpenseByID as another user", err)
	hijack := *e
	hijack.UserID, hijack.Amount = intruder.ID, usd("0.01")
	wantNotFound(t, "UpdateExpense as another user", s.UpdateExpense(ctx, &hijack))
	wantNotFound(t, "DeleteExpense as another user", s.DeleteExpense(ctx, intruder.ID, e.ID))
	list, _, err := s.ListExpenses(ctx, intruder.ID, store.ExpenseFilter{}, store.Page{})
	must(t, err)
	if len(list) != 0 {
		t.Errorf("another user's listing shows %d expenses", len(list))
	}
	sums, err := s.SumExpenses(ctx, intruder.ID, store.ExpenseFilter{})
	must(t, err)
	if len(sums) != 0 {
		t.Errorf("another user's sums = %v", sums)
	}
	got, err := s.ExpenseByID(ctx, owner.ID, e.ID)
	must(t, err)
	if !got.Amount.Amount.Equal(d("10.00")) {
		t.Errorf("owner's expense changed to %s", got.Amount)
	}
	err = s.CreateExpense(ctx, &store.Expense{UserID: "no-such-user", Amount: usd("1.00"), Category: "x", Date: "2026-01-01"})
	wantNotFound(t, "CreateExpense for an unknown user", err)
}

func testPageLimits(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u := newUser(t, s)
	must(t, s.InTx(ctx, func(tx store.Store) error {
		for range 120 {
			if err := tx.CreateExpense(ctx, &store.Expense{UserID: u.ID, Amount: usd("1.00"), Category: "x", Date: "2026-01-01"}); err != nil {
				return err
			}
		}
		return nil
	}))
	for _, tc := range []struct{ limit, want int }{{0, 50}, {-3, 50}, {7, 7}, {1000, 100}} {
		list, next, err := s.ListExpenses(ctx, u.ID, store.ExpenseFilter{}, store.Page{Limit: tc.limit})
		must(t, err)
		if len(list) != tc.want || next == "" {
			t.Errorf("Limit %d gave %d rows (next %q), want %d and a cursor", tc.limit, len(list), next, tc.want)
		}
	}
	seen := map[string]bool{}
	cursor := ""
	for {
		list, next, err := s.ListExpenses(ctx, u.ID, store.ExpenseFilter{}, store.Page{Limit: 100, Cursor: cursor})
		must(t, err)
		for _, e := range list {
			if seen[e.ID] {
				t.Fatalf("expense %s on two pages", e.ID)
			}
			seen[e.ID] = true
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 120 {
		t.Errorf("paging saw %d expenses, want 120", len(seen))
	}
	_, _, err := s.ListExpenses(ctx, u.ID, store.ExpenseFilter{}, store.Page{Cursor: "!!"})
	if pamerr.CodeOf(err) != pamerr.InvalidInput {
		t.Errorf("bad cursor: err = %v, want INVALID_INPUT", err)
	}
}

func testBudgets(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u := newUser(t, s)
	must(t, s.SetBudget(ctx, &store.Budget{UserID: u.ID, Category: "fuel", Period: "monthly", Amount: usd("300.00")}))
	must(t, s.SetBudget(ctx, &store.Budget{UserID: u.ID, Category: "fuel", Period: "monthly", Amount: usd("350.50")}))
	must(t, s.SetBudget(ctx, &store.Budget{UserID: u.ID, Category: "food", Period: "weekly", Amount: usd("100.00")}))
	bs, err := s.ListBudgets(ctx, u.ID)
	must(t, err)
	if len(bs) != 2 || bs[0].Category != "food" || bs[1].Category != "fuel" || !bs[1].Amount.Amount.Equal(d("350.50")) {
		t.Fatalf("ListBudgets after upsert = %+v", bs)
	}
	other := newUser(t, s)
	if bs, _ := s.ListBudgets(ctx, other.ID); len(bs) != 0 {
		t.Errorf("another user sees budgets: %+v", bs)
	}
	wantNotFound(t, "DeleteBudget as another user", s.DeleteBudget(ctx, other.ID, "fuel"))
	must(t, s.DeleteBudget(ctx, u.ID, "fuel"))
	wantNotFound(t, "DeleteBudget twice", s.DeleteBudget(ctx, u.ID, "fuel"))
}

func testSavings(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u := newUser(t, s)
	bad := []*store.SavingsEvent{
		{UserID: u.ID, Category: "fuel", Baseline: usd("50.00"), Optimized: usd("45.00"), Saved: usd("5.01")},
		{UserID: u.ID, Category: "fuel", Baseline: usd("50.00"), Optimized: usd("45.00"), Saved: money5EUR()},
	}
	for _, b := range bad {
		if err := s.RecordSavings(ctx, b); pamerr.CodeOf(err) != pamerr.InvalidInput {
			t.Errorf("RecordSavings(%+v) err = %v, want INVALID_INPUT", b, err)
		}
	}
	ok := &store.SavingsEvent{UserID: u.ID, Category: "fuel", Description: "cheaper station", Baseline: usd("50.00"),
		Optimized: usd("45.01"), Saved: usd("4.99"), Source: "find_cheap_gas"}
	must(t, s.RecordSavings(ctx, ok))
	list, err := s.ListSavings(ctx, u.ID, ok.CreatedAt.Add(-time.Second), ok.CreatedAt.Add(time.Second))
	must(t, err)
	if len(list) != 1 || !list[0].Saved.Amount.Equal(d("4.99")) || list[0].Source != "find_cheap_gas" {
		t.Fatalf("ListSavings = %+v", list)
	}
	if list, _ := s.ListSavings(ctx, u.ID, ok.CreatedAt.Add(time.Second), ok.CreatedAt.Add(2*time.Second)); len(list) != 0 {
		t.Errorf("ListSavings outside the range = %+v", list)
	}
	other := newUser(t, s)
	if list, _ := s.ListSavings(ctx, other.ID, ok.CreatedAt.Add(-time.Second), ok.CreatedAt.Add(time.Second)); len(list) != 0 {
		t.Errorf("another user sees savings")
	}
	if !errors.Is(s.RecordSavings(ctx, &store.SavingsEvent{UserID: "nobody", Baseline: usd("2.00"), Optimized: usd("1.00"), Saved: usd("1.00")}), store.ErrNotFound) {
		t.Error("RecordSavings for an unknown user: want ErrNotFound")
	}
}
