package observe

import (
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// Spend totals model spend per UTC day and month, in decimal dollars, against
// optional budgets (zero: none).
type Spend struct {
	DailyBudget   decimal.Decimal
	MonthlyBudget decimal.Decimal

	mu         sync.Mutex
	day, month string
	dayTotal   decimal.Decimal
	monthTotal decimal.Decimal
}

// Add records amount spent at.
func (s *Spend) Add(amount decimal.Decimal, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollLocked(at)
	s.dayTotal = s.dayTotal.Add(amount)
	s.monthTotal = s.monthTotal.Add(amount)
}

func (s *Spend) rollLocked(at time.Time) {
	at = at.UTC()
	if d := at.Format("2006-01-02"); d != s.day {
		s.day, s.dayTotal = d, decimal.Zero
	}
	if m := at.Format("2006-01"); m != s.month {
		s.month, s.monthTotal = m, decimal.Zero
	}
}

// SpendStatus is the spend of the current day and month.
type SpendStatus struct {
	Day           string          `json:"day"`
	DayTotal      decimal.Decimal `json:"day_total"`
	DailyBudget   decimal.Decimal `json:"daily_budget"`
	DayRatio      float64         `json:"day_ratio"`
	Month         string          `json:"month"`
	MonthTotal    decimal.Decimal `json:"month_total"`
	MonthlyBudget decimal.Decimal `json:"monthly_budget"`
	MonthRatio    float64         `json:"month_ratio"`
}

// Status returns the totals as of at.
func (s *Spend) Status(at time.Time) SpendStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollLocked(at)
	return SpendStatus{
		Day: s.day, DayTotal: s.dayTotal, DailyBudget: s.DailyBudget, DayRatio: ratio(s.dayTotal, s.DailyBudget),
		Month: s.month, MonthTotal: s.monthTotal, MonthlyBudget: s.MonthlyBudget, MonthRatio: ratio(s.monthTotal, s.MonthlyBudget),
	}
}

// ratio is spent over budget, 0 without a budget; a float only for display
// and alert thresholds, never for accounting.
func ratio(spent, budget decimal.Decimal) float64 {
	if !budget.IsPositive() {
		return 0
	}
	return spent.Div(budget).InexactFloat64()
}
