package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/audit"
	"github.com/pamtravel/pam/internal/compat"
	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

// The app's savings guarantee: PAM should save at least its monthly price.
var (
	compatSubscriptionCost = decimal.RequireFromString("14.00")
	compatHundred          = decimal.NewFromInt(100)
)

// jsonAmount writes an exact decimal as a JSON number literal, two places:
// the app reads numbers, and no float is involved on PAM's side.
func jsonAmount(d decimal.Decimal) json.Number { return json.Number(d.StringFixed(2)) }

type compatSavingsEvent struct {
	ID          string      `json:"id"`
	AmountSaved json.Number `json:"amount_saved"`
	Category    string      `json:"category"`
	Description string      `json:"description"`
	EventType   string      `json:"event_type"`
	Baseline    json.Number `json:"baseline_cost"`
	Optimized   json.Number `json:"optimized_cost"`
	Currency    string      `json:"currency"`
	CreatedAt   string      `json:"created_at"`
}

func toCompatSavings(e store.SavingsEvent) compatSavingsEvent {
	typ := e.Source
	if typ == "" {
		typ = "manual"
	}
	return compatSavingsEvent{ID: e.ID, AmountSaved: jsonAmount(e.Saved.Amount), Category: e.Category, Description: e.Description,
		EventType: typ, Baseline: jsonAmount(e.Baseline.Amount), Optimized: jsonAmount(e.Optimized.Amount),
		Currency: e.Saved.Currency, CreatedAt: compat.Timestamp(e.CreatedAt)}
}

type compatMonthly struct {
	TotalSavings       json.Number `json:"total_savings"`
	SavingsCount       int         `json:"savings_count"`
	SubscriptionCost   json.Number `json:"subscription_cost"`
	SavingsShortfall   json.Number `json:"savings_shortfall"`
	PercentageAchieved json.Number `json:"percentage_achieved"`
	GuaranteeMet       bool        `json:"guarantee_met"`
	Currency           string      `json:"currency"`
	BillingPeriodStart string      `json:"billing_period_start"`
	BillingPeriodEnd   string      `json:"billing_period_end"`
}

// monthly totals this calendar month's savings in the user's time zone.
func (a *compatAPI) monthly(r *http.Request) (compatMonthly, error) {
	c := claimsFrom(r.Context())
	u, err := a.s.store.UserByID(r.Context(), c.UserID)
	if err != nil {
		return compatMonthly{}, err
	}
	now := time.Now().In(u.Settings.Location())
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	evs, err := a.s.store.ListSavings(r.Context(), c.UserID, start, time.Time{})
	if err != nil {
		return compatMonthly{}, err
	}
	total := decimal.Zero
	for _, e := range evs {
		total = total.Add(e.Saved.Amount)
	}
	short := decimal.Max(decimal.Zero, compatSubscriptionCost.Sub(total))
	pct := total.Mul(compatHundred).Div(compatSubscriptionCost)
	return compatMonthly{
		TotalSavings: jsonAmount(total), SavingsCount: len(evs), SubscriptionCost: jsonAmount(compatSubscriptionCost),
		SavingsShortfall: jsonAmount(short), PercentageAchieved: jsonAmount(pct), GuaranteeMet: !total.LessThan(compatSubscriptionCost),
		Currency: u.Settings.Currency, BillingPeriodStart: compat.Timestamp(start), BillingPeriodEnd: compat.Timestamp(now),
	}, nil
}

// handleSavingsMonthly answers GET /savings/monthly.
func (a *compatAPI) handleSavingsMonthly(w http.ResponseWriter, r *http.Request) error {
	m, err := a.monthly(r)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, m)
	return nil
}

// handleGuarantee answers GET /savings/guarantee-status.
func (a *compatAPI) handleGuarantee(w http.ResponseWriter, r *http.Request) error {
	m, err := a.monthly(r)
	if err != nil {
		return err
	}
	msg := "PAM has saved you " + string(m.TotalSavings) + " of its " + string(m.SubscriptionCost) + " monthly cost so far."
	if m.GuaranteeMet {
		msg = "PAM has paid for itself this month."
	}
	encode(w, http.StatusOK, map[string]any{
		"guarantee_met": m.GuaranteeMet, "total_savings": m.TotalSavings, "subscription_cost": m.SubscriptionCost,
		"savings_shortfall": m.SavingsShortfall, "percentage_achieved": m.PercentageAchieved, "currency": m.Currency,
		"billing_period_start": m.BillingPeriodStart, "billing_period_end": m.BillingPeriodEnd, "message": msg,
	})
	return nil
}

// handleSavingsRecent answers GET /savings/recent?limit=10&days=30: newest first.
func (a *compatAPI) handleSavingsRecent(w http.ResponseWriter, r *http.Request) error {
	limit, err := intQuery(r, "limit", 10, 1, 100)
	if err != nil {
		return err
	}
	days, err := intQuery(r, "days", 30, 1, 366)
	if err != nil {
		return err
	}
	c := claimsFrom(r.Context())
	evs, err := a.s.store.ListSavings(r.Context(), c.UserID, time.Now().AddDate(0, 0, -days), time.Time{})
	if err != nil {
		return err
	}
	out := make([]compatSavingsEvent, 0, min(limit, len(evs)))
	for i := len(evs) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, toCompatSavings(evs[i]))
	}
	encode(w, http.StatusOK, out)
	return nil
}

// compatRecordSavings is POST /savings/record: amount_saved alone, or the
// baseline and optimized costs it is the difference of.
type compatRecordSavings struct {
	AmountSaved   json.Number `json:"amount_saved"`
	BaselineCost  json.Number `json:"baseline_cost"`
	OptimizedCost json.Number `json:"optimized_cost"`
	Category      string      `json:"category"`
	Description   string      `json:"description"`
	EventType     string      `json:"event_type"`
}

var compatSavingsCategories = map[string]bool{"fuel": true, "camping": true, "route": true, "other": true}

func decimalField(field string, n json.Number) (decimal.Decimal, bool, error) {
	if n == "" {
		return decimal.Zero, false, nil
	}
	d, err := decimal.NewFromString(string(n))
	if err != nil {
		return decimal.Zero, false, pamerr.Invalid(field, "%s must be a number", field)
	}
	return d, true, nil
}

// handleSavingsRecord records a saving (audited as a money write).
func (a *compatAPI) handleSavingsRecord(w http.ResponseWriter, r *http.Request) error {
	req, err := decode[compatRecordSavings](r)
	if err != nil {
		return err
	}
	saved, hasSaved, err := decimalField("amount_saved", req.AmountSaved)
	if err != nil {
		return err
	}
	base, hasBase, err := decimalField("baseline_cost", req.BaselineCost)
	if err != nil {
		return err
	}
	opt, hasOpt, err := decimalField("optimized_cost", req.OptimizedCost)
	if err != nil {
		return err
	}
	switch {
	case hasBase && hasOpt:
		if hasSaved && !saved.Equal(base.Sub(opt)) {
			return pamerr.Invalid("amount_saved", "amount_saved must be baseline_cost minus optimized_cost")
		}
		saved = base.Sub(opt)
	case hasSaved:
		base, opt = saved, decimal.Zero
	default:
		return pamerr.Invalid("amount_saved", "amount_saved (or baseline_cost and optimized_cost) is required")
	}
	c := claimsFrom(r.Context())
	u, err := a.s.store.UserByID(r.Context(), c.UserID)
	if err != nil {
		return err
	}
	cur := u.Settings.Currency
	savedM := money.New(saved, cur)
	if err := savedM.CheckBounds(); err != nil {
		return pamerr.Invalid("amount_saved", "%v", err)
	}
	cat := strings.ToLower(strings.TrimSpace(req.Category))
	if cat == "" {
		cat = "other"
	}
	if !compatSavingsCategories[cat] {
		return pamerr.Invalid("category", "category must be fuel, camping, route or other")
	}
	desc := strings.TrimSpace(req.Description)
	if desc == "" || len([]rune(desc)) > 500 {
		return pamerr.Invalid("description", "description is required, at most 500 characters")
	}
	ev := &store.SavingsEvent{UserID: c.UserID, Category: cat, Description: desc, Baseline: money.New(base, cur),
		Optimized: money.New(opt, cur), Saved: savedM, Source: "compat"}
	if t := strings.ToLower(strings.TrimSpace(req.EventType)); t != "" {
		ev.Source += ":" + t
	}
	if len(ev.Source) > 64 {
		return pamerr.Invalid("event_type", "event_type is too long")
	}
	if err := a.s.store.RecordSavings(r.Context(), ev); err != nil {
		return err
	}
	args, _ := json.Marshal(map[string]string{"savings_id": ev.ID, "saved": savedM.Amount.StringFixed(2), "currency": cur, "category": cat})
	rec := &store.AuditRecord{Time: time.Now().UTC(), UserID: c.UserID, RequestID: requestID(r.Context()), Kind: "money",
		Action: "record_savings", Args: args, Outcome: "ok", ClientAddr: clientAddr(r), UserAgent: r.UserAgent()}
	if err := a.s.store.AppendAudit(r.Context(), rec, audit.Hash); err != nil {
		loggerFrom(r.Context()).Error("audit savings", "error", err)
	}
	encode(w, http.StatusCreated, map[string]any{"success": true, "id": ev.ID, "amount_saved": jsonAmount(savedM.Amount), "currency": cur})
	return nil
}
