package budget

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

type periodArgs struct {
	Period   string `json:"period"`
	From     string `json:"from"`
	To       string `json:"to"`
	Category string `json:"category"`
	Format   string `json:"format"`
}

var spendingSummaryTool = tools.Tool{
	Name:        "get_spending_summary",
	Description: "Total spending for a period (default this month), by category, optionally for one category.",
	Category:    tools.CategoryMoney,
	Idempotent:  true,
	Parameters: json.RawMessage(`{"type":"object","properties":{
		"period":{"type":"string","enum":` + periodEnum + `},
		"from":{"type":"string","description":"YYYY-MM-DD"},
		"to":{"type":"string","description":"YYYY-MM-DD"},
		"category":{"type":"string","enum":` + categoryEnum() + `}},
		"additionalProperties":false}`),
}

type categoryTotal struct {
	Category string      `json:"category"`
	Total    money.Money `json:"total"`
	Count    int         `json:"count"`
}

func (svc *service) spendingSummary(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a periodArgs
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	r, err := c.ResolvePeriod(a.Period, a.From, a.To)
	if err != nil {
		return nil, err
	}
	f := store.ExpenseFilter{From: r.From, To: r.To, Category: a.Category}
	sums, err := svc.s.SumExpenses(ctx, c.UserID, f)
	if err != nil {
		return nil, fmt.Errorf("sum expenses: %w", err)
	}
	list, truncated, err := svc.listExpenses(ctx, c.UserID, f)
	if err != nil {
		return nil, err
	}
	cur, _ := c.CurrencyArg("")
	counts := map[string]int{}
	listed := map[string]decimal.Decimal{}
	for _, e := range list {
		counts[e.Category]++
		listed[e.Category] = listed[e.Category].Add(e.Amount.Amount)
	}
	grand := total(sums)
	if !truncated && !grand.Equal(total(listed)) {
		// The store's exact total and the rows disagree: do not show either.
		svc.ledger.Raise(ctx, c, tools.Alert{Kind: "money_inconsistent", Message: "expense total differs from the sum of the expense rows",
			Details: map[string]string{"sum_expenses": grand.String(), "rows": total(listed).String(), "from": r.From, "to": r.To}})
		return nil, tools.Fail(tools.StatusFailed, "Your spending totals don't add up right now, so I've flagged it for review instead of showing a wrong number.")
	}
	by := make([]categoryTotal, 0, len(sums))
	for cat, v := range sums {
		by = append(by, categoryTotal{Category: cat, Total: money.New(v, cur), Count: counts[cat]})
	}
	sort.Slice(by, func(i, j int) bool {
		if !by[i].Total.Amount.Equal(by[j].Total.Amount) {
			return by[i].Total.Amount.GreaterThan(by[j].Total.Amount)
		}
		return by[i].Category < by[j].Category
	})
	svc.ledger.Calc(ctx, c, "spending_summary", map[string]string{"from": r.From, "to": r.To, "category": a.Category, "rows": fmt.Sprint(len(list))}, grand.StringFixed(2))
	on := ""
	if a.Category != "" {
		on = " on " + a.Category
	}
	var summary string
	if len(list) == 0 && grand.IsZero() {
		summary = fmt.Sprintf("You haven't logged any%s expenses %s.", strings.TrimPrefix(on, " on"), r.Label)
	} else {
		summary = fmt.Sprintf("You spent %s%s %s across %s.", c.Format(grand), on, r.Label, tools.Plural(len(list), "expense", "expenses"))
		if a.Category == "" && len(by) > 1 {
			var top []string
			for _, b := range by[:min(3, len(by))] {
				top = append(top, b.Category+" "+b.Total.Format())
			}
			summary += " Biggest: " + strings.Join(top, ", ") + "."
		}
	}
	res := &tools.Result{
		Data: map[string]any{
			"from": r.From, "to": r.To, "total": money.New(grand, cur), "count": len(list), "by_category": by,
		},
		Summary: summary,
	}
	if truncated {
		res.Disclaimer = fmt.Sprintf("Counts cover the newest %d expenses; totals cover all.", len(list))
	}
	return res, nil
}
