package budget_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
	"github.com/pamtravel/pam/internal/tools/budget"
	"github.com/pamtravel/pam/internal/tools/toolstest"
)

func setup(t *testing.T) (*toolstest.Harness, *store.User) {
	t.Helper()
	h := toolstest.New(t, budget.Register)
	return h, h.User(t, "ann@example.com", store.Settings{TimeZone: "America/Denver"})
}

func TestCreateExpense(t *testing.T) {
	h, u := setup(t)
	tests := []struct {
		name    string
		args    string
		status  tools.Status
		summary string
		errText string
	}{
		{"string amount", `{"amount":"45.20","category":"fuel","merchant":"Shell"}`, tools.StatusOK, "Logged $45.20 fuel expense at Shell on Nov 24.", ""},
		{"number amount kept exact", `{"amount":19.99,"category":"food","date":"2026-11-20"}`, tools.StatusOK, "Logged $19.99 food expense on Nov 20.", ""},
		{"currency symbol", `{"amount":"$1,250.00","category":"repairs"}`, tools.StatusOK, "$1,250.00", ""},
		{"other currency", `{"amount":"30","category":"camping","currency":"eur"}`, tools.StatusOK, "€30.00", ""},
		{"too small", `{"amount":"0","category":"food"}`, tools.StatusInvalidArguments, "", "between 0.01 and 999,999.99"},
		{"too large", `{"amount":"1000000","category":"food"}`, tools.StatusInvalidArguments, "", "between 0.01 and 999,999.99"},
		{"negative", `{"amount":"-5","category":"food"}`, tools.StatusInvalidArguments, "", "between 0.01"},
		{"not a number", `{"amount":"lots","category":"food"}`, tools.StatusInvalidArguments, "", "number like 45.20"},
		{"unknown category", `{"amount":"5","category":"bribes"}`, tools.StatusInvalidArguments, "", "category"},
		{"bad currency", `{"amount":"5","category":"food","currency":"XYZQ"}`, tools.StatusInvalidArguments, "", "currency"},
		{"bad date", `{"amount":"5","category":"food","date":"24/11/2026"}`, tools.StatusInvalidArguments, "", "2026-11-24"},
		{"missing amount", `{"category":"food"}`, tools.StatusInvalidArguments, "", "amount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.Call(t, u, "create_expense", tt.args)
			if res.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", res.Status, res.Error, tt.status)
			}
			if !strings.Contains(res.Summary, tt.summary) || !strings.Contains(res.Error, tt.errText) {
				t.Errorf("summary %q error %q", res.Summary, res.Error)
			}
			if tt.status == tools.StatusOK {
				if len(res.UIActions) != 1 || res.UIActions[0].Type != tools.ReloadExpenses || res.UIActions[0].EntityID == "" {
					t.Errorf("ui actions %+v", res.UIActions)
				}
				if res.Cost == "" {
					t.Error("no cost for the audit trail")
				}
			}
		})
	}
	list, _, err := h.S.ListExpenses(context.Background(), u.ID, store.ExpenseFilter{}, store.Page{Limit: 100})
	if err != nil || len(list) != 4 {
		t.Fatalf("stored %d expenses (%v), want 4", len(list), err)
	}
	money := h.Audit.Kind(tools.AuditKindMoney)
	if len(money) != 4 || money[0].Action != "create_expense" || !strings.Contains(string(money[0].Args), `"result"`) {
		t.Errorf("money audit: %+v", money)
	}
}

func TestExpenseDefaultsToTodayInUserZone(t *testing.T) {
	h := toolstest.New(t, budget.Register)
	// 18:00 UTC on Nov 24 is already 07:00 on Nov 25 in Auckland.
	u := h.User(t, "kiwi@example.com", store.Settings{TimeZone: "Pacific/Auckland", Currency: "NZD"})
	res := toolstest.MustOK(t, h.Call(t, u, "create_expense", `{"amount":"12","category":"food"}`))
	exp := toolstest.Data(t, res)["expense"].(map[string]any)
	if exp["date"] != "2026-11-25" || !strings.Contains(res.Summary, "NZ$12.00") {
		t.Errorf("date %v summary %q", exp["date"], res.Summary)
	}
}

func TestHostileTextStoredVerbatim(t *testing.T) {
	h, u := setup(t)
	merchant := `Bob's'; DROP TABLE expenses;-- <script>alert(1)</script>`
	args, _ := json.Marshal(map[string]any{"amount": "3.50", "category": "food", "merchant": merchant})
	res := toolstest.MustOK(t, h.Call(t, u, "create_expense", string(args)))
	id := res.UIActions[0].EntityID
	e, err := h.S.ExpenseByID(context.Background(), u.ID, id)
	if err != nil || e.Merchant != merchant {
		t.Fatalf("stored merchant %q (%v)", e.Merchant, err)
	}
	csvRes := toolstest.MustOK(t, h.Call(t, u, "export_budget_report", `{"format":"csv"}`))
	if !strings.Contains(toolstest.Data(t, csvRes)["content"].(string), "DROP TABLE") {
		t.Error("export lost the text")
	}
}

func TestCrossUserIsolation(t *testing.T) {
	h, ann := setup(t)
	bob := h.User(t, "bob@example.com", store.Settings{})
	res := toolstest.MustOK(t, h.Call(t, ann, "create_expense", `{"amount":"45.20","category":"fuel","merchant":"Shell"}`))
	id := res.UIActions[0].EntityID
	for _, tc := range []struct{ tool, args string }{
		{"update_expense", `{"expense_id":"` + id + `","amount":"1.00"}`},
		{"delete_expense", `{"expense_id":"` + id + `"}`},
	} {
		r := h.Call(t, bob, tc.tool, tc.args)
		if r.Status != tools.StatusNoResults || strings.Contains(r.Error+r.Summary, "45.20") || strings.Contains(r.Error+r.Summary, "Shell") {
			t.Errorf("%s by another user: %s %q %q", tc.tool, r.Status, r.Error, r.Summary)
		}
	}
	sum := toolstest.MustOK(t, h.Call(t, bob, "get_spending_summary", `{"period":"all"}`))
	if d := toolstest.Data(t, sum); d["count"].(float64) != 0 {
		t.Errorf("bob sees ann's spending: %v", d)
	}
	e, err := h.S.ExpenseByID(context.Background(), ann.ID, id)
	if err != nil || e.Amount.Amount.StringFixed(2) != "45.20" {
		t.Fatalf("ann's expense changed: %+v %v", e, err)
	}
}

func TestUpdateAndDeleteExpense(t *testing.T) {
	h, u := setup(t)
	toolstest.MustOK(t, h.Call(t, u, "create_expense", `{"amount":"10","category":"food","date":"2026-11-01"}`))
	res := toolstest.MustOK(t, h.Call(t, u, "create_expense", `{"amount":"45.20","category":"fuel","merchant":"Shell"}`))
	id := res.UIActions[0].EntityID

	up := toolstest.MustOK(t, h.Call(t, u, "update_expense", `{"expense_id":"`+id+`","amount":"50","merchant":"Chevron"}`))
	if !strings.Contains(up.Summary, "$50.00 fuel expense at Chevron") {
		t.Errorf("update summary %q", up.Summary)
	}
	ask := h.Ask(t, u, "delete_expense", `{"last":true}`)
	if ask.Status != tools.StatusNeedsConfirmation || !strings.Contains(ask.Summary, "Delete the $50.00 fuel expense at Chevron on Nov 24?") {
		t.Fatalf("delete ask: %s %q", ask.Status, ask.Summary)
	}
	// A newer expense arrives before the user confirms: the confirmed delete
	// still removes the one the user was shown.
	toolstest.MustOK(t, h.Call(t, u, "create_expense", `{"amount":"7","category":"food"}`))
	done := toolstest.MustOK(t, h.Exec.Confirm(context.Background(), u.ID, ask.Data.(map[string]any)["action_id"].(string)))
	if toolstest.Data(t, done)["deleted_id"] != id {
		t.Errorf("deleted %v, want %s", done.Data, id)
	}
	if _, err := h.S.ExpenseByID(context.Background(), u.ID, id); !store.IsNotFound(err) {
		t.Errorf("expense still there: %v", err)
	}
}

func TestSpendingSummary(t *testing.T) {
	h, u := setup(t)
	for _, a := range []string{
		`{"amount":"45.20","category":"fuel","date":"2026-11-03"}`,
		`{"amount":"54.80","category":"fuel","date":"2026-11-20"}`,
		`{"amount":"0.10","category":"food","date":"2026-11-21"}`,
		`{"amount":"0.20","category":"food","date":"2026-11-21"}`,
		`{"amount":"99","category":"camping","date":"2026-10-31"}`,
	} {
		toolstest.MustOK(t, h.Call(t, u, "create_expense", a))
	}
	tests := []struct {
		args, total string
		count       float64
		summary     string
	}{
		{`{}`, "100.30", 4, "You spent $100.30 this month across 4 expenses. Biggest: fuel $100.00, food $0.30."},
		{`{"category":"food"}`, "0.30", 2, "You spent $0.30 on food this month"},
		{`{"period":"last_month"}`, "99.00", 1, "$99.00 last month"},
		{`{"from":"2026-10-31","to":"2026-11-03"}`, "144.20", 2, "from Oct 31 to Nov 3"},
		{`{"period":"yesterday"}`, "0.00", 0, "You haven't logged any expenses yesterday."},
	}
	for _, tt := range tests {
		res := toolstest.MustOK(t, h.Call(t, u, "get_spending_summary", tt.args))
		d := toolstest.Data(t, res)
		if d["total"].(map[string]any)["amount"] != tt.total || d["count"].(float64) != tt.count || !strings.Contains(res.Summary, tt.summary) {
			t.Errorf("%s: total %v count %v summary %q", tt.args, d["total"], d["count"], res.Summary)
		}
	}
}

func TestBudgetAnalysis(t *testing.T) {
	h, u := setup(t)
	toolstest.MustOK(t, h.Call(t, u, "update_budget", `{"category":"fuel","amount":"100"}`))
	toolstest.MustOK(t, h.Call(t, u, "update_budget", `{"category":"food","amount":"200"}`))
	toolstest.MustOK(t, h.Call(t, u, "update_budget", `{"category":"camping","amount":"50","period":"weekly"}`))
	if r := h.Call(t, u, "update_budget", `{"category":"food","amount":"0"}`); r.Status != tools.StatusInvalidArguments {
		t.Fatalf("zero budget accepted: %s", r.Status)
	}
	for _, a := range []string{
		`{"amount":"120.50","category":"fuel","date":"2026-11-10"}`, // over
		`{"amount":"170","category":"food","date":"2026-11-02"}`,    // warning (85 %)
		`{"amount":"10","category":"camping","date":"2026-11-23"}`,  // this week (Mon 23rd)
		`{"amount":"40","category":"camping","date":"2026-11-22"}`,  // last week
	} {
		toolstest.MustOK(t, h.Call(t, u, "create_expense", a))
	}
	res := toolstest.MustOK(t, h.Call(t, u, "analyze_budget", `{}`))
	d := toolstest.Data(t, res)
	lines := map[string]map[string]any{}
	for _, l := range d["categories"].([]any) {
		m := l.(map[string]any)
		lines[m["category"].(string)] = m
	}
	fuel, food, camp := lines["fuel"], lines["food"], lines["camping"]
	if fuel["status"] != "over" || fuel["remaining"] != nil || fuel["over_by"].(map[string]any)["amount"] != "20.50" {
		t.Errorf("fuel line %v", fuel)
	}
	if food["status"] != "warning" || food["percent_used"] != "85.0" || food["remaining"].(map[string]any)["amount"] != "30.00" {
		t.Errorf("food line %v", food)
	}
	if camp["status"] != "on_track" || camp["spent"].(map[string]any)["amount"] != "10.00" {
		t.Errorf("camping line %v", camp)
	}
	if d["total_budget"].(map[string]any)["amount"] != "300.00" || d["total_spent"].(map[string]any)["amount"] != "290.50" {
		t.Errorf("totals %v %v", d["total_budget"], d["total_spent"])
	}
	if strings.Contains(res.Summary, "-$") || !strings.Contains(res.Summary, "over budget by $20.50") {
		t.Errorf("summary %q", res.Summary)
	}
	if !slices.Contains(h.Alerts.Kinds(), "money_negative_balance") {
		t.Errorf("no negative-balance alert: %v", h.Alerts.Kinds())
	}
	if len(h.Audit.Kind(tools.AuditKindMoney)) == 0 {
		t.Error("no money audit")
	}
	last := toolstest.MustOK(t, h.Call(t, u, "analyze_budget", `{"period":"last_week"}`))
	for _, l := range toolstest.Data(t, last)["categories"].([]any) {
		if m := l.(map[string]any); m["category"] == "camping" && m["spent"].(map[string]any)["amount"] != "40.00" {
			t.Errorf("last week camping %v", m)
		}
	}
	one := toolstest.MustOK(t, h.Call(t, u, "compare_vs_budget", `{"category":"food"}`))
	if n := len(toolstest.Data(t, one)["categories"].([]any)); n != 1 {
		t.Errorf("compare food gave %d lines", n)
	}
	if r := h.Call(t, u, "compare_vs_budget", `{"category":"health"}`); r.Status != tools.StatusNoResults || !strings.Contains(r.Summary, "health budget") {
		t.Errorf("no budget: %s %q", r.Status, r.Summary)
	}
}

func TestPredictEndOfMonth(t *testing.T) {
	h, u := setup(t)
	toolstest.MustOK(t, h.Call(t, u, "update_budget", `{"category":"food","amount":"250"}`))
	toolstest.MustOK(t, h.Call(t, u, "create_expense", `{"amount":"240","category":"food","date":"2026-11-05"}`))
	res := toolstest.MustOK(t, h.Call(t, u, "predict_end_of_month", `{"category":"food"}`))
	d := toolstest.Data(t, res)
	// 240 over 24 of 30 days -> 300.00.
	if d["projected"].(map[string]any)["amount"] != "300.00" || d["days_elapsed"].(float64) != 24 || d["days_in_month"].(float64) != 30 {
		t.Errorf("prediction %v", d)
	}
	if !strings.Contains(res.Summary, "$50.00 over your $250.00 budget") {
		t.Errorf("summary %q", res.Summary)
	}
}

func TestSavings(t *testing.T) {
	h, u := setup(t)
	res := toolstest.MustOK(t, h.Call(t, u, "track_savings", `{"category":"fuel","description":"cheaper station","baseline":"60.10","optimized":"52.35"}`))
	if !strings.Contains(res.Summary, "$7.75 saved") {
		t.Errorf("summary %q", res.Summary)
	}
	toolstest.MustOK(t, h.Call(t, u, "track_savings", `{"category":"camping","description":"free boondocking","baseline":"35","optimized":"0"}`))
	if r := h.Call(t, u, "track_savings", `{"category":"fuel","description":"x","baseline":"10","optimized":"12"}`); r.Status != tools.StatusInvalidArguments {
		t.Errorf("negative saving accepted: %s", r.Status)
	}
	sum := toolstest.MustOK(t, h.Call(t, u, "get_savings_summary", `{}`))
	if d := toolstest.Data(t, sum); d["total_saved"].(map[string]any)["amount"] != "42.75" {
		t.Errorf("total saved %v", d)
	}
}

func TestExportReport(t *testing.T) {
	h, u := setup(t)
	toolstest.MustOK(t, h.Call(t, u, "create_expense", `{"amount":"12.5","category":"food","merchant":"=HYPERLINK(\"http://evil\")"}`))
	toolstest.MustOK(t, h.Call(t, u, "create_expense", `{"amount":"30","category":"fuel"}`))
	csvRes := toolstest.MustOK(t, h.Call(t, u, "export_budget_report", `{}`))
	content := toolstest.Data(t, csvRes)["content"].(string)
	if !strings.HasPrefix(content, "date,category,amount,currency,merchant,description\n") || !strings.Contains(content, `'=HYPERLINK`) || !strings.Contains(content, "2026-11-24,food,12.50,USD") {
		t.Errorf("csv:\n%s", content)
	}
	jsonRes := toolstest.MustOK(t, h.Call(t, u, "export_budget_report", `{"format":"json"}`))
	var doc struct {
		Total    struct{ Amount string }
		Expenses []any
	}
	if err := json.Unmarshal([]byte(toolstest.Data(t, jsonRes)["content"].(string)), &doc); err != nil || doc.Total.Amount != "42.50" || len(doc.Expenses) != 2 {
		t.Errorf("json report %+v %v", doc, err)
	}
}

func TestInconsistentBudgetIsFlaggedNotShown(t *testing.T) {
	h, u := setup(t)
	// A budget that bypassed validation (imported, or written by an older version).
	bad := &store.Budget{UserID: u.ID, Category: "fuel", Amount: money.MustParse("0", "USD"), Period: "monthly"}
	if err := h.S.SetBudget(context.Background(), bad); err != nil {
		t.Skipf("the store itself refuses a zero budget: %v", err)
	}
	toolstest.MustOK(t, h.Call(t, u, "create_expense", `{"amount":"20","category":"fuel"}`))
	res := toolstest.MustOK(t, h.Call(t, u, "analyze_budget", `{}`))
	line := toolstest.Data(t, res)["categories"].([]any)[0].(map[string]any)
	if line["status"] != "inconsistent" || line["budget"] != nil || line["remaining"] != nil || line["percent_used"] != nil {
		t.Errorf("inconsistent line shows numbers: %v", line)
	}
	if !strings.Contains(res.Summary, "flagged it for review") || !slices.Contains(h.Alerts.Kinds(), "money_inconsistent") {
		t.Errorf("summary %q alerts %v", res.Summary, h.Alerts.Kinds())
	}
	var alertAudited bool
	for _, r := range h.Audit.Kind(tools.AuditKindMoney) {
		alertAudited = alertAudited || r.Outcome == "alert"
	}
	if !alertAudited {
		t.Error("alert not written to the money audit trail")
	}
}
