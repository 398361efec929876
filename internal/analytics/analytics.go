// Package analytics owns PAM's savings analytics — monthly and recent
// savings, breakdowns by category and month, the savings guarantee (this
// month's savings against the subscription price) and the celebration event
// when a configurable threshold is passed — and the admin usage view (turns,
// tools, models and costs per day).
package analytics

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

// Store is the part of store.Store analytics reads.
type Store interface {
	ListSavings(ctx context.Context, userID string, from, to time.Time) ([]store.SavingsEvent, error)
	ScanUsage(ctx context.Context, from, to time.Time, fn func(f store.UsageFact) error) error
}

// Notifier delivers a celebration to the user (a durable event on their stream).
type Notifier interface {
	Celebrate(ctx context.Context, userID string, c Celebration) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, userID string, c Celebration) error

// Celebrate implements Notifier.
func (f NotifierFunc) Celebrate(ctx context.Context, userID string, c Celebration) error {
	return f(ctx, userID, c)
}

// Config tunes the Service; zero fields take the defaults in brackets.
type Config struct {
	// SubscriptionPrice is what PAM costs a month; the guarantee is that
	// savings cover it [9.99 USD].
	SubscriptionPrice money.Money
	// CelebrateAt is the month's savings that trigger a celebration, in the
	// price's currency [the subscription price].
	CelebrateAt decimal.Decimal
	Now         func() time.Time
}

// Service computes savings analytics and usage. Safe for concurrent use.
type Service struct {
	st     Store
	cfg    Config
	notify Notifier
	log    *slog.Logger
}

// New returns a Service; notify may be nil (no celebrations are sent).
func New(st Store, cfg Config, notify Notifier, log *slog.Logger) *Service {
	if cfg.SubscriptionPrice.Currency == "" {
		cfg.SubscriptionPrice = money.MustParse("9.99", "USD")
	}
	if !cfg.CelebrateAt.IsPositive() {
		cfg.CelebrateAt = cfg.SubscriptionPrice.Amount
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{st: st, cfg: cfg, notify: notify, log: log}
}

// Config returns the effective configuration.
func (s *Service) Config() Config { return s.cfg }

// monthRange is [first day of month, first day of next month) in loc.
func monthRange(month string, loc *time.Location) (time.Time, time.Time, error) {
	m, err := time.ParseInLocation("2006-01", month, loc)
	if err != nil {
		return time.Time{}, time.Time{}, pamerr.Invalid("month", "month must look like 2026-07")
	}
	return m, m.AddDate(0, 1, 0), nil
}

// Totals sums amounts per currency, exactly.
type Totals map[string]decimal.Decimal

func (t Totals) add(m money.Money) { t[m.Currency] = t[m.Currency].Add(m.Amount) }

// List renders the totals as money, largest first, for JSON.
func (t Totals) List() []money.Money {
	out := make([]money.Money, 0, len(t))
	for cur, amt := range t {
		out = append(out, money.New(amt, cur))
	}
	sort.Slice(out, func(i, j int) bool {
		if c := out[i].Amount.Cmp(out[j].Amount); c != 0 {
			return c > 0
		}
		return out[i].Currency < out[j].Currency
	})
	return out
}

// CategoryTotal is the savings of one category.
type CategoryTotal struct {
	Category string        `json:"category"`
	Count    int           `json:"count"`
	Saved    []money.Money `json:"saved"`
}

// MonthSummary is one month of a user's savings.
type MonthSummary struct {
	Month      string          `json:"month"` // 2006-01 in the user's time zone
	Count      int             `json:"count"`
	Saved      []money.Money   `json:"saved"` // one per currency
	Baseline   []money.Money   `json:"baseline"`
	Optimized  []money.Money   `json:"optimized"`
	Categories []CategoryTotal `json:"categories"`
}

func summarize(month string, evs []store.SavingsEvent) MonthSummary {
	saved, base, opt := Totals{}, Totals{}, Totals{}
	cats := map[string]Totals{}
	counts := map[string]int{}
	for _, e := range evs {
		saved.add(e.Saved)
		base.add(e.Baseline)
		opt.add(e.Optimized)
		if cats[e.Category] == nil {
			cats[e.Category] = Totals{}
		}
		cats[e.Category].add(e.Saved)
		counts[e.Category]++
	}
	ms := MonthSummary{Month: month, Count: len(evs), Saved: saved.List(), Baseline: base.List(), Optimized: opt.List(), Categories: []CategoryTotal{}}
	for c, t := range cats {
		ms.Categories = append(ms.Categories, CategoryTotal{Category: c, Count: counts[c], Saved: t.List()})
	}
	sort.Slice(ms.Categories, func(i, j int) bool { return ms.Categories[i].Category < ms.Categories[j].Category })
	return ms
}

// Monthly summarizes the user's savings in month ("2006-01"; empty is this
// month) of the time zone loc.
func (s *Service) Monthly(ctx context.Context, userID string, loc *time.Location, month string) (MonthSummary, error) {
	if month == "" {
		month = s.cfg.Now().In(loc).Format("2006-01")
	}
	from, to, err := monthRange(month, loc)
	if err != nil {
		return MonthSummary{}, err
	}
	evs, err := s.st.ListSavings(ctx, userID, from, to)
	if err != nil {
		return MonthSummary{}, fmt.Errorf("monthly savings: %w", err)
	}
	return summarize(month, evs), nil
}

// Recent returns the user's latest savings events of the last days, newest first, at most limit.
func (s *Service) Recent(ctx context.Context, userID string, days, limit int) ([]store.SavingsEvent, error) {
	evs, err := s.st.ListSavings(ctx, userID, s.cfg.Now().AddDate(0, 0, -days), time.Time{})
	if err != nil {
		return nil, fmt.Errorf("recent savings: %w", err)
	}
	out := make([]store.SavingsEvent, 0, min(limit, len(evs)))
	for i := len(evs) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, evs[i])
	}
	return out, nil
}

// Breakdown is savings by category and by month over the last months.
type Breakdown struct {
	From       string          `json:"from"`
	To         string          `json:"to"`
	Total      []money.Money   `json:"total"`
	Categories []CategoryTotal `json:"categories"`
	Months     []MonthSummary  `json:"months"` // oldest first, every month present
}

// Analytics breaks the user's savings of the last months (this one included)
// down by category and month, in the time zone loc.
func (s *Service) Analytics(ctx context.Context, userID string, loc *time.Location, months int) (Breakdown, error) {
	now := s.cfg.Now().In(loc)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, 1-months, 0)
	end := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, 1, 0)
	evs, err := s.st.ListSavings(ctx, userID, first, end)
	if err != nil {
		return Breakdown{}, fmt.Errorf("savings analytics: %w", err)
	}
	byMonth := map[string][]store.SavingsEvent{}
	for _, e := range evs {
		m := e.CreatedAt.In(loc).Format("2006-01")
		byMonth[m] = append(byMonth[m], e)
	}
	all := summarize("", evs)
	b := Breakdown{From: first.Format("2006-01"), To: end.AddDate(0, -1, 0).Format("2006-01"), Total: all.Saved, Categories: all.Categories}
	for m := first; m.Before(end); m = m.AddDate(0, 1, 0) {
		key := m.Format("2006-01")
		b.Months = append(b.Months, summarize(key, byMonth[key]))
	}
	return b, nil
}
