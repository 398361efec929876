package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
)

// Guarantee is the savings guarantee for one month: did PAM save the user at
// least what it costs?
type Guarantee struct {
	Month             string      `json:"month"`
	Saved             money.Money `json:"saved"` // in the price's currency
	SubscriptionPrice money.Money `json:"subscription_price"`
	Met               bool        `json:"met"`              // Saved ≥ SubscriptionPrice
	ProgressPercent   string      `json:"progress_percent"` // of the price, decimal string, capped at 999
	Remaining         money.Money `json:"remaining"`        // still to save; zero when met
	CelebrateAt       money.Money `json:"celebrate_at"`
	Celebrated        bool        `json:"celebrated"` // the month's savings passed CelebrateAt
	Events            int         `json:"events"`
}

// Celebration is the event sent when the month's savings pass the threshold.
type Celebration struct {
	Month             string      `json:"month"`
	Saved             money.Money `json:"saved"`
	Threshold         money.Money `json:"threshold"`
	SubscriptionPrice money.Money `json:"subscription_price"`
	Message           string      `json:"message"`
}

func (s *Service) monthSaved(ctx context.Context, userID string, loc *time.Location, at time.Time) (string, decimal.Decimal, int, error) {
	month := at.In(loc).Format("2006-01")
	from, to, err := monthRange(month, loc)
	if err != nil {
		return "", decimal.Zero, 0, err
	}
	evs, err := s.st.ListSavings(ctx, userID, from, to)
	if err != nil {
		return "", decimal.Zero, 0, fmt.Errorf("guarantee: %w", err)
	}
	total, n := decimal.Zero, 0
	for _, e := range evs {
		if e.Saved.Currency == s.cfg.SubscriptionPrice.Currency {
			total = total.Add(e.Saved.Amount)
			n++
		}
	}
	return month, total, n, nil
}

// Guarantee reports this month's guarantee status in the time zone loc.
// Savings in other currencies than the price's are not converted or counted.
func (s *Service) Guarantee(ctx context.Context, userID string, loc *time.Location) (Guarantee, error) {
	month, saved, n, err := s.monthSaved(ctx, userID, loc, s.cfg.Now())
	if err != nil {
		return Guarantee{}, err
	}
	price, cur := s.cfg.SubscriptionPrice, s.cfg.SubscriptionPrice.Currency
	g := Guarantee{Month: month, Saved: money.New(saved, cur), SubscriptionPrice: price, Met: saved.GreaterThanOrEqual(price.Amount),
		CelebrateAt: money.New(s.cfg.CelebrateAt, cur), Celebrated: saved.GreaterThanOrEqual(s.cfg.CelebrateAt), Events: n,
		Remaining: money.New(decimal.Max(decimal.Zero, price.Amount.Sub(saved)), cur)}
	pct := decimal.NewFromInt(999)
	if price.Amount.IsPositive() {
		pct = decimal.Min(pct, saved.Mul(decimal.NewFromInt(100)).Div(price.Amount))
	}
	g.ProgressPercent = pct.StringFixed(1)
	return g, nil
}

// SavingsRecorded is told about each new savings event; when it carries the
// month's savings across the threshold it sends one celebration. Only the
// event that crosses fires, so the celebration is sent once a month (two
// events recorded at the same instant could both see the crossing; a repeat
// is harmless).
func (s *Service) SavingsRecorded(ctx context.Context, e *store.SavingsEvent, loc *time.Location) {
	if s.notify == nil || e.Saved.Currency != s.cfg.SubscriptionPrice.Currency || !e.Saved.Amount.IsPositive() {
		return
	}
	month, total, _, err := s.monthSaved(ctx, e.UserID, loc, e.CreatedAt)
	if err != nil {
		s.log.Warn("celebration check failed", "error", err)
		return
	}
	before := total.Sub(e.Saved.Amount)
	if before.GreaterThanOrEqual(s.cfg.CelebrateAt) || total.LessThan(s.cfg.CelebrateAt) {
		return
	}
	cur := s.cfg.SubscriptionPrice.Currency
	c := Celebration{Month: month, Saved: money.New(total, cur), Threshold: money.New(s.cfg.CelebrateAt, cur), SubscriptionPrice: s.cfg.SubscriptionPrice,
		Message: fmt.Sprintf("🎉 PAM has saved you %s this month — more than the %s it costs.", money.New(total, cur).Format(), s.cfg.SubscriptionPrice.Format())}
	if s.cfg.CelebrateAt.LessThan(s.cfg.SubscriptionPrice.Amount) {
		c.Message = fmt.Sprintf("🎉 PAM has saved you %s this month.", money.New(total, cur).Format())
	}
	if err := s.notify.Celebrate(ctx, e.UserID, c); err != nil {
		s.log.Warn("celebration not delivered", "user_id", e.UserID, "error", err)
	}
}
