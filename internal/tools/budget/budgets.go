package budget

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

func (svc *service) budgetTools() []tools.Tool {
	summary := spendingSummaryTool
	summary.Handler = svc.spendingSummary
	report := exportReportTool
	report.Handler = svc.exportReport
	return []tools.Tool{
		summary,
		report,
		{
			Name:        "update_budget",
			Description: "Set the user's budget for a category (monthly by default, or weekly).",
			Category:    tools.CategoryMoney,
			Writes:      true,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"category":{"type":"string","enum":` + categoryEnum() + `},
				"amount":{"type":["string","number"]},
				"period":{"type":"string","enum":["monthly","weekly"]}},
				"required":["category","amount"],"additionalProperties":false}`),
			Handler: svc.updateBudget,
		},
		{
			Name:        "analyze_budget",
			Description: "How spending compares with every budget: spent, remaining and percent used per category, for the current (or previous) budget period.",
			Category:    tools.CategoryMoney,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"period":{"type":"string","enum":["this_month","last_month","this_week","last_week"],"description":"current (this_*) or previous (last_*) budget period"}},
				"additionalProperties":false}`),
			Handler: svc.analyzeBudget,
		},
		{
			Name:        "compare_vs_budget",
			Description: "Compare spending with the budget for one category, or all when none is given.",
			Category:    tools.CategoryMoney,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"category":{"type":"string","enum":` + categoryEnum() + `}},
				"additionalProperties":false}`),
			Handler: svc.compareVsBudget,
		},
		{
			Name:        "predict_end_of_month",
			Description: "Project this month's spending to the end of the month at the current pace, against the monthly budget.",
			Category:    tools.CategoryMoney,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"category":{"type":"string","enum":` + categoryEnum() + `}},
				"additionalProperties":false}`),
			Handler: svc.predictEndOfMonth,
		},
	}
}

func (svc *service) updateBudget(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		Category string `json:"category"`
		Amount   any    `json:"amount"`
		Period   string `json:"period"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	amount, err := tools.AmountArg("budget", a.Amount)
	if err != nil {
		return nil, err
	}
	if a.Period == "" {
		a.Period = "monthly"
	}
	cur, _ := c.CurrencyArg("")
	b := &store.Budget{UserID: c.UserID, Category: a.Category, Amount: money.New(amount, cur), Period: a.Period}
	if err := svc.s.SetBudget(ctx, b); err != nil {
		return nil, fmt.Errorf("set budget: %w", err)
	}
	svc.ledger.Calc(ctx, c, "set_budget", map[string]string{"category": a.Category, "period": a.Period, "amount": tools.ArgText(a.Amount)}, b.Amount.String())
	return &tools.Result{
		Data:      map[string]any{"budget": b},
		Summary:   fmt.Sprintf("Your %s %s budget is now %s.", a.Period, a.Category, b.Amount.Format()),
		UIActions: []tools.UIAction{tools.Reload(tools.ReloadBudgets, "budget", a.Category, a.Category+" budget")},
	}, nil
}

// Budget statuses.
const (
	statusOnTrack      = "on_track"
	statusWarning      = "warning" // 80 % used or more
	statusOver         = "over"
	statusInconsistent = "inconsistent"
)

// budgetLine is one category's budget against its spending. Remaining is
// omitted when spending went past the budget (OverBy says by how much) and
// every number is omitted when the budget itself is inconsistent.
type budgetLine struct {
	Category    string       `json:"category"`
	Period      string       `json:"period"`
	From        string       `json:"from"`
	To          string       `json:"to"`
	Budget      *money.Money `json:"budget,omitempty"`
	Spent       *money.Money `json:"spent,omitempty"`
	Remaining   *money.Money `json:"remaining,omitempty"`
	OverBy      *money.Money `json:"over_by,omitempty"`
	PercentUsed string       `json:"percent_used,omitempty"`
	Status      string       `json:"status"`
}

// window is the day range of a budget period: the current or previous month or week.
func window(c *tools.Call, budgetPeriod string, previous bool) (tools.DayRange, error) {
	p := "this_month"
	switch {
	case budgetPeriod == "weekly" && previous:
		p = "last_week"
	case budgetPeriod == "weekly":
		p = "this_week"
	case previous:
		p = "last_month"
	}
	return c.ResolvePeriod(p, "", "")
}

// lines compares each of the user's budgets (only category's when given) with its spending.
func (svc *service) lines(ctx context.Context, c *tools.Call, category string, previous bool) ([]budgetLine, error) {
	budgets, err := svc.s.ListBudgets(ctx, c.UserID)
	if err != nil {
		return nil, fmt.Errorf("list budgets: %w", err)
	}
	sums := map[string]map[string]decimal.Decimal{} // by period
	var out []budgetLine
	for _, b := range budgets {
		if category != "" && b.Category != category {
			continue
		}
		r, err := window(c, b.Period, previous)
		if err != nil {
			return nil, err
		}
		if sums[b.Period] == nil {
			s, err := svc.s.SumExpenses(ctx, c.UserID, store.ExpenseFilter{From: r.From, To: r.To})
			if err != nil {
				return nil, fmt.Errorf("sum expenses: %w", err)
			}
			sums[b.Period] = s
		}
		out = append(out, svc.line(ctx, c, b, sums[b.Period][b.Category], r))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Category < out[j].Category })
	return out, nil
}

func (svc *service) line(ctx context.Context, c *tools.Call, b store.Budget, spent decimal.Decimal, r tools.DayRange) budgetLine {
	l := budgetLine{Category: b.Category, Period: b.Period, From: r.From, To: r.To}
	cur := b.Amount.Currency
	if b.Amount.Amount.LessThan(money.MinAmount) || b.Amount.Amount.GreaterThan(money.MaxAmount) || spent.IsNegative() {
		l.Status = statusInconsistent
		svc.ledger.Raise(ctx, c, tools.Alert{Kind: "money_inconsistent", Message: "budget or spending outside the possible range",
			Details: map[string]string{"category": b.Category, "budget": b.Amount.String(), "spent": spent.String()}})
		return l
	}
	budget, spentM := money.New(b.Amount.Amount, cur), money.New(spent, cur)
	l.Budget, l.Spent = &budget, &spentM
	remaining := b.Amount.Amount.Sub(spent).Round(2)
	percent := spent.Mul(decimal.NewFromInt(100)).Div(b.Amount.Amount).Round(1)
	l.PercentUsed = percent.StringFixed(1)
	svc.ledger.Calc(ctx, c, "budget_remaining", map[string]string{"category": b.Category, "budget": b.Amount.Amount.String(), "spent": spent.String(), "from": r.From, "to": r.To}, remaining.StringFixed(2))
	switch {
	case remaining.IsNegative():
		over := money.New(remaining.Neg(), cur)
		l.OverBy = &over
		l.Status = statusOver
		svc.ledger.Raise(ctx, c, tools.Alert{Kind: "money_negative_balance", Message: "spending exceeded the budget; remaining would be negative",
			Details: map[string]string{"category": b.Category, "budget": b.Amount.Amount.String(), "spent": spent.String(), "remaining": remaining.String()}})
	default:
		rem := money.New(remaining, cur)
		l.Remaining = &rem
		l.Status = statusOnTrack
		if percent.GreaterThanOrEqual(decimal.NewFromInt(80)) {
			l.Status = statusWarning
		}
	}
	return l
}

func (svc *service) analysis(ctx context.Context, c *tools.Call, category string, previous bool) (*tools.Result, error) {
	lines, err := svc.lines(ctx, c, category, previous)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		msg := "You haven't set any budgets yet; tell me something like \"set my fuel budget to $400 a month\"."
		if category != "" {
			msg = fmt.Sprintf("You don't have a %s budget yet; tell me something like \"set my %s budget to $400 a month\".", category, category)
		}
		return &tools.Result{Status: tools.StatusNoResults, Summary: msg, Data: map[string]any{"categories": []budgetLine{}}}, nil
	}
	cur, _ := c.CurrencyArg("")
	totalBudget, totalSpent := decimal.Zero, decimal.Zero
	var sentences []string
	for _, l := range lines {
		switch l.Status {
		case statusInconsistent:
			sentences = append(sentences, fmt.Sprintf("your %s budget looks inconsistent, so I've flagged it for review", l.Category))
			continue
		case statusOver:
			sentences = append(sentences, fmt.Sprintf("%s is over budget by %s (%s of %s)", l.Category, l.OverBy.Format(), l.Spent.Format(), l.Budget.Format()))
		default:
			sentences = append(sentences, fmt.Sprintf("%s: spent %s of %s, %s left (%s%% used)", l.Category, l.Spent.Format(), l.Budget.Format(), l.Remaining.Format(), l.PercentUsed))
		}
		if l.Period == "monthly" {
			totalBudget = totalBudget.Add(l.Budget.Amount)
			totalSpent = totalSpent.Add(l.Spent.Amount)
		}
	}
	svc.ledger.Calc(ctx, c, "budget_totals", map[string]string{"categories": fmt.Sprint(len(lines))}, totalBudget.Sub(totalSpent).StringFixed(2))
	summary := strings.ToUpper(sentences[0][:1]) + sentences[0][1:]
	if len(sentences) > 1 {
		summary += "; " + strings.Join(sentences[1:], "; ")
	}
	return &tools.Result{
		Data: map[string]any{
			"categories":   lines,
			"total_budget": money.New(totalBudget, cur),
			"total_spent":  money.New(totalSpent, cur),
		},
		Summary: summary + ".",
	}, nil
}

func (svc *service) analyzeBudget(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		Period string `json:"period"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	return svc.analysis(ctx, c, "", strings.HasPrefix(a.Period, "last_"))
}

func (svc *service) compareVsBudget(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		Category string `json:"category"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	return svc.analysis(ctx, c, a.Category, false)
}

func (svc *service) predictEndOfMonth(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		Category string `json:"category"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	now := c.LocalNow()
	r, err := c.ResolvePeriod("this_month", "", "")
	if err != nil {
		return nil, err
	}
	sums, err := svc.s.SumExpenses(ctx, c.UserID, store.ExpenseFilter{From: r.From, To: r.To, Category: a.Category})
	if err != nil {
		return nil, fmt.Errorf("sum expenses: %w", err)
	}
	spent := total(sums)
	elapsed := now.Day()
	days := time.Date(now.Year(), now.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	projected := spent.Div(decimal.NewFromInt(int64(elapsed))).Mul(decimal.NewFromInt(int64(days))).Round(2)
	budgets, err := svc.s.ListBudgets(ctx, c.UserID)
	if err != nil {
		return nil, fmt.Errorf("list budgets: %w", err)
	}
	var budget *decimal.Decimal
	for _, b := range budgets {
		if b.Period != "monthly" || (a.Category != "" && b.Category != a.Category) {
			continue
		}
		sum := b.Amount.Amount
		if budget != nil {
			sum = sum.Add(*budget)
		}
		budget = &sum
	}
	cur, _ := c.CurrencyArg("")
	inputs := map[string]string{"spent": spent.String(), "days_elapsed": fmt.Sprint(elapsed), "days_in_month": fmt.Sprint(days), "category": a.Category}
	svc.ledger.Calc(ctx, c, "predict_end_of_month", inputs, projected.StringFixed(2))
	data := map[string]any{
		"spent_so_far":  money.New(spent, cur),
		"projected":     money.New(projected, cur),
		"budget":        nil,
		"days_elapsed":  elapsed,
		"days_in_month": days,
	}
	on := ""
	if a.Category != "" {
		on = " on " + a.Category
	}
	summary := fmt.Sprintf("You've spent %s%s so far this month (day %d of %d); at this pace you'll reach about %s.", c.Format(spent), on, elapsed, days, c.Format(projected))
	if budget != nil {
		data["budget"] = money.New(*budget, cur)
		if projected.GreaterThan(*budget) {
			summary += fmt.Sprintf(" That's %s over your %s budget.", c.Format(projected.Sub(*budget)), c.Format(*budget))
		} else {
			summary += fmt.Sprintf(" That's within your %s budget.", c.Format(*budget))
		}
	}
	return &tools.Result{Data: data, Summary: summary}, nil
}
