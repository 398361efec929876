package budget

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

var exportReportTool = tools.Tool{
	Name:        "export_budget_report",
	Description: "Export the user's expenses and totals for a period as CSV or JSON text.",
	Category:    tools.CategoryMoney,
	Idempotent:  true,
	Keywords:    []string{"csv", "export"},
	Timeout:     20 * time.Second,
	Parameters: json.RawMessage(`{"type":"object","properties":{
		"format":{"type":"string","enum":["csv","json"]},
		"period":{"type":"string","enum":` + periodEnum + `},
		"from":{"type":"string"},
		"to":{"type":"string"}},
		"additionalProperties":false}`),
}

func (svc *service) exportReport(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a periodArgs
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	if a.Format == "" {
		a.Format = "csv"
	}
	r, err := c.ResolvePeriod(a.Period, a.From, a.To)
	if err != nil {
		return nil, err
	}
	f := store.ExpenseFilter{From: r.From, To: r.To}
	list, truncated, err := svc.listExpenses(ctx, c.UserID, f)
	if err != nil {
		return nil, err
	}
	sums, err := svc.s.SumExpenses(ctx, c.UserID, f)
	if err != nil {
		return nil, fmt.Errorf("sum expenses: %w", err)
	}
	cur, _ := c.CurrencyArg("")
	grand := total(sums)
	var content string
	switch a.Format {
	case "csv":
		content, err = reportCSV(list)
	default:
		totals := map[string]money.Money{}
		for k, v := range sums {
			totals[k] = money.New(v, cur)
		}
		var b []byte
		b, err = json.Marshal(map[string]any{"from": r.From, "to": r.To, "expenses": list, "totals": totals, "total": money.New(grand, cur)})
		content = string(b)
	}
	if err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	svc.ledger.Calc(ctx, c, "export_budget_report", map[string]string{"from": r.From, "to": r.To, "rows": fmt.Sprint(len(list))}, grand.StringFixed(2))
	res := &tools.Result{
		Data:    map[string]any{"format": a.Format, "from": r.From, "to": r.To, "rows": len(list), "content": content},
		Summary: fmt.Sprintf("Here is your %s report %s: %s totalling %s.", strings.ToUpper(a.Format), r.Label, tools.Plural(len(list), "expense", "expenses"), c.Format(grand)),
	}
	if truncated {
		res.Status, res.Partial = tools.StatusPartial, true
		res.Disclaimer = fmt.Sprintf("The report lists the newest %d expenses; narrow the dates for the rest.", len(list))
	}
	return res, nil
}

func reportCSV(list []store.Expense) (string, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write([]string{"date", "category", "amount", "currency", "merchant", "description"}); err != nil {
		return "", err
	}
	for _, e := range list {
		row := []string{e.Date, e.Category, e.Amount.Amount.StringFixed(2), e.Amount.Currency, cell(e.Merchant), cell(e.Description)}
		if err := w.Write(row); err != nil {
			return "", err
		}
	}
	w.Flush()
	return buf.String(), w.Error()
}

// cell keeps spreadsheet programs from running user text as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
