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

func (svc *service) savingsTools() []tools.Tool {
	return []tools.Tool{
		{
			Name:        "track_savings",
			Description: "Record money PAM helped save: what it would have cost (baseline) and what it cost (optimized).",
			Category:    tools.CategoryMoney,
			Writes:      true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"category":{"type":"string","enum":["fuel","camping","route","other"]},
				"description":{"type":"string","minLength":1,"maxLength":500},
				"baseline":{"type":["string","number"]},
				"optimized":{"type":["string","number"]}},
				"required":["category","description","baseline","optimized"],"additionalProperties":false}`),
			Handler: svc.trackSavings,
		},
		{
			Name:        "get_savings_summary",
			Description: "How much PAM has saved the user over a period (default this month), by category.",
			Category:    tools.CategoryMoney,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"period":{"type":"string","enum":` + periodEnum + `}},
				"additionalProperties":false}`),
			Handler: svc.savingsSummary,
		},
	}
}

func (svc *service) trackSavings(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		Category    string `json:"category"`
		Description string `json:"description"`
		Baseline    any    `json:"baseline"`
		Optimized   any    `json:"optimized"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	baseline, err := tools.AmountArg("baseline cost", a.Baseline)
	if err != nil {
		return nil, err
	}
	optimized, err := tools.DecimalArg(a.Optimized)
	if err != nil {
		return nil, tools.Invalid("The optimized cost must be a number like 38.50 (%v).", err)
	}
	optimized = optimized.Round(2)
	if optimized.IsNegative() || optimized.GreaterThan(money.MaxAmount) {
		return nil, tools.Invalid("The optimized cost must be between 0.00 and 999,999.99.")
	}
	saved := baseline.Sub(optimized)
	if !saved.IsPositive() {
		return nil, tools.Invalid("The optimized cost (%s) must be lower than the baseline (%s) to count as a saving.", optimized.StringFixed(2), baseline.StringFixed(2))
	}
	cur, _ := c.CurrencyArg("")
	ev := &store.SavingsEvent{
		UserID: c.UserID, Category: a.Category, Description: strings.TrimSpace(a.Description),
		Baseline: money.New(baseline, cur), Optimized: money.New(optimized, cur), Saved: money.New(saved, cur),
		Source: c.Tool,
	}
	if err := svc.s.RecordSavings(ctx, ev); err != nil {
		return nil, fmt.Errorf("record savings: %w", err)
	}
	svc.ledger.Calc(ctx, c, "savings", map[string]string{"baseline": baseline.String(), "optimized": optimized.String()}, saved.StringFixed(2))
	return &tools.Result{
		Data:      map[string]any{"savings": ev},
		Summary:   fmt.Sprintf("Recorded %s saved on %s (%s instead of %s).", ev.Saved.Format(), a.Category, ev.Optimized.Format(), ev.Baseline.Format()),
		UIActions: []tools.UIAction{tools.Reload(tools.ReloadBudgets, "savings", ev.ID, ev.Description)},
	}, nil
}

func (svc *service) savingsSummary(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a periodArgs
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	r, err := c.ResolvePeriod(a.Period, "", "")
	if err != nil {
		return nil, err
	}
	from, to := r.Instants(c.Settings.Location())
	events, err := svc.s.ListSavings(ctx, c.UserID, from, to)
	if err != nil {
		return nil, fmt.Errorf("list savings: %w", err)
	}
	cur, _ := c.CurrencyArg("")
	totals := map[string]decimal.Decimal{}
	counts := map[string]int{}
	sum := decimal.Zero
	for _, ev := range events {
		if !ev.Saved.Amount.Equal(ev.Baseline.Amount.Sub(ev.Optimized.Amount)) || ev.Saved.Amount.IsNegative() {
			svc.ledger.Raise(ctx, c, tools.Alert{Kind: "money_inconsistent", Message: "savings event whose saved amount is not baseline minus optimized",
				Details: map[string]string{"savings_id": ev.ID, "baseline": ev.Baseline.String(), "optimized": ev.Optimized.String(), "saved": ev.Saved.String()}})
			continue
		}
		totals[ev.Category] = totals[ev.Category].Add(ev.Saved.Amount)
		counts[ev.Category]++
		sum = sum.Add(ev.Saved.Amount)
	}
	type line struct {
		Category   string      `json:"category"`
		TotalSaved money.Money `json:"total_saved"`
		Count      int         `json:"count"`
	}
	by := make([]line, 0, len(totals))
	for cat, v := range totals {
		by = append(by, line{Category: cat, TotalSaved: money.New(v, cur), Count: counts[cat]})
	}
	sort.Slice(by, func(i, j int) bool { return by[i].Category < by[j].Category })
	svc.ledger.Calc(ctx, c, "savings_summary", map[string]string{"from": r.From, "to": r.To, "events": fmt.Sprint(len(events))}, sum.StringFixed(2))
	summary := fmt.Sprintf("PAM has saved you %s %s.", c.Format(sum), r.Label)
	if sum.IsZero() {
		summary = fmt.Sprintf("No savings recorded %s yet.", r.Label)
	}
	return &tools.Result{
		Data:    map[string]any{"from": r.From, "to": r.To, "total_saved": money.New(sum, cur), "by_category": by},
		Summary: summary,
	}, nil
}
