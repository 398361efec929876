// Package budget owns PAM's money tools: expenses (create, update, delete),
// spending summaries, budgets and their analysis, end-of-month prediction,
// savings tracking and the budget report export. Every calculation is decimal
// and written to the audit trail; a negative balance or inconsistent budget
// raises an alert instead of being shown as a number.
package budget

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

// Categories are the expense categories (CATALOG.md).
var Categories = []string{"fuel", "food", "groceries", "camping", "maintenance", "repairs", "insurance", "utilities", "entertainment", "shopping", "transport", "health", "fees", "other"}

type service struct {
	s      store.Store
	ledger *tools.Ledger
}

// Register adds the money tools to r. a receives the money audit trail;
// tools.WithAlerter sends integrity alerts somewhere other than the log.
func Register(r *tools.Registry, s store.Store, a tools.Auditor, opts ...tools.RegisterOption) error {
	svc := &service{s: s, ledger: tools.NewLedger(a, opts...)}
	if err := tools.RegisterAll(r, svc.expenseTools()...); err != nil {
		return fmt.Errorf("budget: %w", err)
	}
	if err := tools.RegisterAll(r, svc.budgetTools()...); err != nil {
		return fmt.Errorf("budget: %w", err)
	}
	if err := tools.RegisterAll(r, svc.savingsTools()...); err != nil {
		return fmt.Errorf("budget: %w", err)
	}
	return nil
}

// maxListed bounds how many expenses one call reads (counts, exports).
const maxListed = 5000

// listExpenses reads up to maxListed expenses matching f, newest first.
func (svc *service) listExpenses(ctx context.Context, userID string, f store.ExpenseFilter) ([]store.Expense, bool, error) {
	var out []store.Expense
	cursor := ""
	for {
		page, next, err := svc.s.ListExpenses(ctx, userID, f, store.Page{Limit: 100, Cursor: cursor})
		if err != nil {
			return nil, false, fmt.Errorf("list expenses: %w", err)
		}
		out = append(out, page...)
		if next == "" {
			return out, false, nil
		}
		if len(out) >= maxListed {
			return out, true, nil
		}
		cursor = next
	}
}

func total(m map[string]decimal.Decimal) decimal.Decimal {
	sum := decimal.Zero
	for _, v := range m {
		sum = sum.Add(v)
	}
	return sum
}

func categoryEnum() string {
	out := `[`
	for i, c := range Categories {
		if i > 0 {
			out += ","
		}
		out += `"` + c + `"`
	}
	return out + `]`
}

const periodEnum = `["today","yesterday","this_week","last_week","this_month","last_month","this_year","all"]`
