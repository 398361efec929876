package llm

import (
	"context"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// Spend records what model calls cost, per user and in total, per UTC day.
// MemorySpend keeps it in process; a Redis implementation can share it
// between instances.
type Spend interface {
	// Add records amount for userID on the day of at and returns the day's
	// totals after it, for the user and for everyone.
	Add(ctx context.Context, userID string, amount decimal.Decimal, at time.Time) (user, global decimal.Decimal, err error)
	// Totals returns the day's totals for userID and for everyone.
	Totals(ctx context.Context, userID string, at time.Time) (user, global decimal.Decimal, err error)
}

// SpendLimits are the daily ceilings, in US dollars; zero means no ceiling.
type SpendLimits struct {
	UserDaily   decimal.Decimal
	GlobalDaily decimal.Decimal
	// AlertAt is the fraction of a ceiling that calls OnAlert; 0 means 0.8.
	AlertAt decimal.Decimal
	// OnAlert is called once when a total crosses AlertAt of its ceiling.
	OnAlert func(SpendAlert)
}

// SpendAlert says a daily total crossed the alert fraction of its ceiling.
type SpendAlert struct {
	Scope   string // "user" or "global"
	UserID  string
	Spent   decimal.Decimal
	Ceiling decimal.Decimal
}

// exceeded reports whether either day total has reached its ceiling.
func (l SpendLimits) exceeded(user, global decimal.Decimal) bool {
	return (l.UserDaily.IsPositive() && user.GreaterThanOrEqual(l.UserDaily)) ||
		(l.GlobalDaily.IsPositive() && global.GreaterThanOrEqual(l.GlobalDaily))
}

// alerts returns the alerts for totals that moved from before to after.
func (l SpendLimits) alerts(userID string, userBefore, userAfter, globalBefore, globalAfter decimal.Decimal) []SpendAlert {
	frac := l.AlertAt
	if !frac.IsPositive() {
		frac = decimal.RequireFromString("0.8")
	}
	var out []SpendAlert
	crossed := func(scope string, ceiling, before, after decimal.Decimal) {
		if !ceiling.IsPositive() {
			return
		}
		mark := ceiling.Mul(frac)
		if before.LessThan(mark) && after.GreaterThanOrEqual(mark) {
			out = append(out, SpendAlert{Scope: scope, UserID: userID, Spent: after, Ceiling: ceiling})
		}
	}
	crossed("user", l.UserDaily, userBefore, userAfter)
	crossed("global", l.GlobalDaily, globalBefore, globalAfter)
	return out
}

// MemorySpend is an in-process Spend. It keeps only the current day.
type MemorySpend struct {
	mu     sync.Mutex
	day    string
	users  map[string]decimal.Decimal
	global decimal.Decimal
}

// NewMemorySpend returns an empty in-process Spend.
func NewMemorySpend() *MemorySpend { return &MemorySpend{} }

var _ Spend = (*MemorySpend)(nil)

// roll starts a new day when at is on a later day than the one kept.
func (s *MemorySpend) roll(at time.Time) {
	day := at.UTC().Format(time.DateOnly)
	if day != s.day {
		s.day, s.users, s.global = day, map[string]decimal.Decimal{}, decimal.Zero
	}
}

// Add implements Spend.
func (s *MemorySpend) Add(_ context.Context, userID string, amount decimal.Decimal, at time.Time) (decimal.Decimal, decimal.Decimal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roll(at)
	s.users[userID] = s.users[userID].Add(amount)
	s.global = s.global.Add(amount)
	return s.users[userID], s.global, nil
}

// Totals implements Spend.
func (s *MemorySpend) Totals(_ context.Context, userID string, at time.Time) (decimal.Decimal, decimal.Decimal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roll(at)
	return s.users[userID], s.global, nil
}
