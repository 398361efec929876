package budget

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

func (svc *service) expenseTools() []tools.Tool {
	return []tools.Tool{
		{
			Name:        "create_expense",
			Description: "Log money the user spent (amount, category, optional merchant, description, date YYYY-MM-DD).",
			Category:    tools.CategoryMoney,
			Writes:      true,
			Keywords:    []string{"spent", "paid", "bought"},
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"amount":{"type":["string","number"],"description":"decimal amount, e.g. \"45.20\""},
				"category":{"type":"string","enum":` + categoryEnum() + `},
				"currency":{"type":"string","description":"ISO 4217 code; default the user's currency"},
				"merchant":{"type":"string","maxLength":200},
				"description":{"type":"string","maxLength":1000},
				"date":{"type":"string","description":"YYYY-MM-DD in the user's time zone; default today"}},
				"required":["amount","category"],"additionalProperties":false}`),
			Handler: svc.createExpense,
		},
		{
			Name:        "update_expense",
			Description: "Change an expense the user logged earlier, by its id.",
			Category:    tools.CategoryMoney,
			Writes:      true,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"expense_id":{"type":"string","minLength":1},
				"amount":{"type":["string","number"]},
				"category":{"type":"string","enum":` + categoryEnum() + `},
				"merchant":{"type":"string","maxLength":200},
				"description":{"type":"string","maxLength":1000},
				"date":{"type":"string"}},
				"required":["expense_id"],"additionalProperties":false}`),
			Handler: svc.updateExpense,
		},
		{
			Name:        "delete_expense",
			Description: "Delete an expense by id, or the most recent one with last=true. Asks the user to confirm.",
			Category:    tools.CategoryMoney,
			Writes:      true,
			Confirm:     true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"expense_id":{"type":"string","minLength":1},
				"last":{"type":"boolean"}},
				"additionalProperties":false}`),
			Prepare: svc.prepareDeleteExpense,
			Handler: svc.deleteExpense,
		},
	}
}

type expenseArgs struct {
	ExpenseID   string  `json:"expense_id"`
	Amount      any     `json:"amount"`
	Category    string  `json:"category"`
	Currency    string  `json:"currency"`
	Merchant    *string `json:"merchant"`
	Description *string `json:"description"`
	Date        string  `json:"date"`
	Last        bool    `json:"last"`
}

// expenseData is an expense tool's result data, {"expense":{…}}: a struct
// of one pointer goes into Result.Data without allocating, as a map would.
type expenseData struct {
	Expense *store.Expense `json:"expense"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// describe renders "$45.20 fuel expense at Shell on Nov 24" between prefix
// and suffix, building the sentence in one buffer.
func describe(prefix string, c *tools.Call, e *store.Expense, suffix string) string {
	var buf [160]byte
	b := e.Amount.AppendFormat(append(buf[:0], prefix...))
	b = append(append(append(b, ' '), e.Category...), " expense"...)
	if e.Merchant != "" {
		b = append(append(b, " at "...), e.Merchant...)
	}
	b = c.AppendDayText(append(b, " on "...), e.Date)
	return string(append(b, suffix...))
}

// createdExpense is what one create_expense call allocates, in one piece:
// its arguments (which Bind needs on the heap anyway), its result and the
// result's one UI action.
type createdExpense struct {
	args expenseArgs
	res  tools.Result
	ui   [1]tools.UIAction
}

func (svc *service) createExpense(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	x := new(createdExpense)
	a := &x.args
	if err := c.Bind(a); err != nil {
		return nil, err
	}
	amount, err := tools.AmountArg("amount", a.Amount)
	if err != nil {
		return nil, err
	}
	cur, err := c.CurrencyArg(a.Currency)
	if err != nil {
		return nil, err
	}
	day, err := c.DayArg(a.Date)
	if err != nil {
		return nil, err
	}
	e := &store.Expense{
		UserID:      c.UserID,
		Amount:      money.New(amount, cur),
		Category:    a.Category,
		Merchant:    strings.TrimSpace(deref(a.Merchant)),
		Description: strings.TrimSpace(deref(a.Description)),
		Date:        day,
	}
	if err := svc.s.CreateExpense(ctx, e); err != nil {
		return nil, fmt.Errorf("create expense: %w", err)
	}
	svc.ledger.Calc(ctx, c, "create_expense", map[string]string{"amount": tools.ArgText(a.Amount), "currency": cur}, e.Amount.String())
	title := e.Category
	if e.Merchant != "" {
		title += " at " + e.Merchant
	}
	x.ui[0] = tools.Reload(tools.ReloadExpenses, "expense", e.ID, title)
	x.res = tools.Result{
		Data:      expenseData{e},
		Summary:   describe("Logged ", c, e, "."),
		UIActions: x.ui[:],
		Cost:      e.Amount.Fixed(),
	}
	return &x.res, nil
}

func (svc *service) updateExpense(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a expenseArgs
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	e, err := svc.s.ExpenseByID(ctx, c.UserID, a.ExpenseID)
	if store.IsNotFound(err) {
		return nil, tools.NotFound("expense")
	} else if err != nil {
		return nil, fmt.Errorf("load expense: %w", err)
	}
	before := e.Amount
	if a.Amount != nil {
		amount, err := tools.AmountArg("amount", a.Amount)
		if err != nil {
			return nil, err
		}
		e.Amount = money.New(amount, e.Amount.Currency)
	}
	if a.Category != "" {
		e.Category = a.Category
	}
	if a.Merchant != nil {
		e.Merchant = strings.TrimSpace(*a.Merchant)
	}
	if a.Description != nil {
		e.Description = strings.TrimSpace(*a.Description)
	}
	if a.Date != "" {
		if e.Date, err = c.DayArg(a.Date); err != nil {
			return nil, err
		}
	}
	if err := svc.s.UpdateExpense(ctx, e); err != nil {
		if store.IsNotFound(err) {
			return nil, tools.NotFound("expense")
		}
		return nil, fmt.Errorf("update expense: %w", err)
	}
	svc.ledger.Calc(ctx, c, "update_expense", map[string]string{"expense_id": e.ID, "before": before.String()}, e.Amount.String())
	return &tools.Result{
		Data:      expenseData{e},
		Summary:   describe("Updated the expense: now ", c, e, "."),
		UIActions: []tools.UIAction{tools.Reload(tools.ReloadExpenses, "expense", e.ID, e.Category)},
	}, nil
}

// resolve finds the expense a delete refers to: by id, or the newest with last.
func (svc *service) resolve(ctx context.Context, c *tools.Call, a expenseArgs) (*store.Expense, error) {
	if a.ExpenseID == "" {
		if !a.Last {
			return nil, tools.Invalid("Tell me which expense to delete (its id), or say the last one.")
		}
		list, _, err := svc.s.ListExpenses(ctx, c.UserID, store.ExpenseFilter{}, store.Page{Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("find last expense: %w", err)
		}
		if len(list) == 0 {
			return nil, tools.Fail(tools.StatusNoResults, "You have no expenses to delete.")
		}
		return &list[0], nil
	}
	e, err := svc.s.ExpenseByID(ctx, c.UserID, a.ExpenseID)
	if store.IsNotFound(err) {
		return nil, tools.NotFound("expense")
	} else if err != nil {
		return nil, fmt.Errorf("load expense: %w", err)
	}
	return e, nil
}

// prepareDeleteExpense pins "last" to a concrete id before asking, so that
// the user confirms exactly the expense they were shown.
func (svc *service) prepareDeleteExpense(ctx context.Context, c *tools.Call) (string, error) {
	var a expenseArgs
	if err := c.Bind(&a); err != nil {
		return "", err
	}
	e, err := svc.resolve(ctx, c, a)
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(map[string]string{"expense_id": e.ID})
	if err != nil {
		return "", fmt.Errorf("encode args: %w", err)
	}
	c.Args = raw
	return describe("Delete the ", c, e, "?"), nil
}

func (svc *service) deleteExpense(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a expenseArgs
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	e, err := svc.resolve(ctx, c, a)
	if err != nil {
		return nil, err
	}
	if err := svc.s.DeleteExpense(ctx, c.UserID, e.ID); err != nil {
		if store.IsNotFound(err) {
			return nil, tools.NotFound("expense")
		}
		return nil, fmt.Errorf("delete expense: %w", err)
	}
	svc.ledger.Calc(ctx, c, "delete_expense", map[string]string{"expense_id": e.ID, "amount": e.Amount.String()}, "deleted")
	return &tools.Result{
		Data:      map[string]any{"deleted_id": e.ID},
		Summary:   describe("Deleted the ", c, e, "."),
		UIActions: []tools.UIAction{tools.Reload(tools.ReloadExpenses, "expense", e.ID, e.Category)},
	}, nil
}
