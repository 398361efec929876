package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
)

const expenseCols = "id, user_id, amount, currency, category, merchant, description, date, created_at"

func scanExpense(r scanner) (store.Expense, error) {
	var e store.Expense
	var amt decimal.Decimal
	var cur string
	err := r.Scan(&e.ID, &e.UserID, &amt, &cur, &e.Category, &e.Merchant, &e.Description, dateScan{&e.Date}, timeScan{&e.CreatedAt})
	e.Amount = money.New(amt, cur)
	return e, err
}

// CreateExpense stores e for e.UserID, filling ID and CreatedAt.
func (s *Store) CreateExpense(ctx context.Context, e *store.Expense) error {
	id, t := NewID(), now()
	defaultDay(&e.Date, t)
	err := s.write(ctx, "create expense", func(q querier) error {
		_, err := s.exec(ctx, q, "INSERT INTO expenses ("+expenseCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			id, &e.UserID, amount(e.Amount), &e.Amount.Currency, &e.Category, &e.Merchant, &e.Description, &e.Date, s.ts(t))
		return s.fkAsNotFound("user", err)
	})
	if err == nil {
		e.ID, e.CreatedAt = id, t
	}
	return err
}

// defaultDay sets an empty day to t's (UTC) day.
func defaultDay(day *string, t time.Time) {
	if *day == "" {
		*day = t.Format(time.DateOnly)
	}
}

// UpdateExpense saves amount, category, merchant, description and date of the user's expense.
func (s *Store) UpdateExpense(ctx context.Context, e *store.Expense) error {
	return s.write(ctx, "update expense", func(q querier) error {
		n, err := s.exec(ctx, q, `UPDATE expenses SET amount = ?, currency = ?, category = ?, merchant = ?, description = ?, date = ?
			WHERE id = ? AND user_id = ?`,
			amount(e.Amount), e.Amount.Currency, e.Category, e.Merchant, e.Description, e.Date, e.ID, e.UserID)
		if err == nil && n == 0 {
			return notFound("expense")
		}
		return err
	})
}

// DeleteExpense removes the user's expense.
func (s *Store) DeleteExpense(ctx context.Context, userID, id string) error {
	return s.deleteOwned(ctx, "expenses", "expense", userID, id)
}

func (s *Store) deleteOwned(ctx context.Context, table, what, userID, id string) error {
	return s.write(ctx, "delete "+what, func(q querier) error {
		n, err := s.exec(ctx, q, "DELETE FROM "+table+" WHERE id = ? AND user_id = ?", id, userID)
		if err == nil && n == 0 {
			return notFound(what)
		}
		return err
	})
}

// ExpenseByID returns the user's expense.
func (s *Store) ExpenseByID(ctx context.Context, userID, id string) (*store.Expense, error) {
	return getOne(ctx, s, "expense by id", "expense", scanExpense, "SELECT "+expenseCols+" FROM expenses WHERE id = ? AND user_id = ?", id, userID)
}

// expenseWhere renders the filter as a WHERE condition over bound parameters.
func expenseWhere(userID string, f store.ExpenseFilter) (string, []any) {
	var b strings.Builder
	args := []any{userID}
	b.WriteString("user_id = ?")
	if f.From != "" {
		b.WriteString(" AND date >= ?")
		args = append(args, f.From)
	}
	if f.To != "" {
		b.WriteString(" AND date <= ?")
		args = append(args, f.To)
	}
	if f.Category != "" {
		b.WriteString(" AND category = ?")
		args = append(args, f.Category)
	}
	return b.String(), args
}

// ListExpenses lists the user's expenses matching f, newest first.
func (s *Store) ListExpenses(ctx context.Context, userID string, f store.ExpenseFilter, p store.Page) ([]store.Expense, string, error) {
	where, args := expenseWhere(userID, f)
	return getPage(ctx, s, "list expenses", p, true, scanExpense, func(e *store.Expense) string { return e.ID },
		"SELECT "+expenseCols+" FROM expenses", where, args...)
}

// SumExpenses totals the user's expenses per category, exactly: PostgreSQL sums
// NUMERIC, SQLite's rows are summed in Go with decimal (never a float SUM).
func (s *Store) SumExpenses(ctx context.Context, userID string, f store.ExpenseFilter) (map[string]decimal.Decimal, error) {
	where, args := expenseWhere(userID, f)
	query := "SELECT category, amount FROM expenses WHERE " + where
	if s.db.d.SQLSum {
		query = "SELECT category, SUM(amount) FROM expenses WHERE " + where + " GROUP BY category"
	}
	out := map[string]decimal.Decimal{}
	err := s.read(ctx, "sum expenses", func(q querier) error {
		rows, err := s.query(ctx, q, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var cat string
			var amt decimal.Decimal
			if err := rows.Scan(&cat, &amt); err != nil {
				return err
			}
			out[cat] = out[cat].Add(amt)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

const budgetCols = "user_id, category, period, amount, currency, updated_at"

// SetBudget upserts the budget by (user, category, period).
func (s *Store) SetBudget(ctx context.Context, b *store.Budget) error {
	t := now()
	err := s.write(ctx, "set budget", func(q querier) error {
		_, err := s.exec(ctx, q, "INSERT INTO budgets ("+budgetCols+`) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (user_id, category, period) DO UPDATE SET amount = excluded.amount, currency = excluded.currency, updated_at = excluded.updated_at`,
			b.UserID, b.Category, b.Period, amount(b.Amount), b.Amount.Currency, s.ts(t))
		return s.fkAsNotFound("user", err)
	})
	if err == nil {
		b.UpdatedAt = t
	}
	return err
}

// ListBudgets lists the user's budgets by category and period.
func (s *Store) ListBudgets(ctx context.Context, userID string) ([]store.Budget, error) {
	return getAll(ctx, s, "list budgets", func(r scanner) (store.Budget, error) {
		var b store.Budget
		var amt decimal.Decimal
		var cur string
		err := r.Scan(&b.UserID, &b.Category, &b.Period, &amt, &cur, timeScan{&b.UpdatedAt})
		b.Amount = money.New(amt, cur)
		return b, err
	}, "SELECT "+budgetCols+" FROM budgets WHERE user_id = ? ORDER BY category, period", userID)
}

// DeleteBudget removes the user's budgets for the category (every period).
func (s *Store) DeleteBudget(ctx context.Context, userID, category string) error {
	return s.write(ctx, "delete budget", func(q querier) error {
		n, err := s.exec(ctx, q, "DELETE FROM budgets WHERE user_id = ? AND category = ?", userID, category)
		if err == nil && n == 0 {
			return notFound("budget")
		}
		return err
	})
}
