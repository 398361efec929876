package tools

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"golang.org/x/text/currency"

	"github.com/pamtravel/pam/internal/money"
)

// RegisterAll registers ts in r, stopping at the first bad definition.
func RegisterAll(r *Registry, ts ...Tool) error {
	for _, t := range ts {
		if err := r.Register(t); err != nil {
			return err
		}
	}
	return nil
}

// AmountArg parses a required money amount and checks the recordable bounds
// (0.01 to 999,999.99), answering with a sentence the model can relay.
func AmountArg(field string, v any) (decimal.Decimal, error) {
	d, err := DecimalArg(v)
	if err != nil {
		return decimal.Decimal{}, Invalid("The %s must be a number like 45.20 (%v).", field, err)
	}
	if d.LessThan(money.MinAmount) || d.GreaterThan(money.MaxAmount) {
		return decimal.Decimal{}, Invalid("The %s must be between 0.01 and 999,999.99; %s is not.", field, d.String())
	}
	return d.Round(2), nil
}

// CurrencyArg returns s as an upper-case ISO 4217 code, or the user's
// currency when s is empty.
func (c *Call) CurrencyArg(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		s = c.Settings.Currency
		if s == "" {
			s = "USD"
		}
		return s, nil
	}
	if err := CheckCurrency(s); err != nil {
		return "", err
	}
	return s, nil
}

// CheckCurrency reports whether code is an ISO 4217 currency code.
func CheckCurrency(code string) error {
	if len(code) != 3 {
		return Invalid("%q is not a currency code; use three letters such as USD, EUR or AUD.", code)
	}
	if _, err := currency.ParseISO(code); err != nil {
		return Invalid("%q is not a currency code I know; use an ISO code such as USD, EUR or AUD.", code)
	}
	return nil
}

// DayArg returns s validated as "YYYY-MM-DD", or today in the user's zone when empty.
func (c *Call) DayArg(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return c.Today(), nil
	}
	if _, err := ParseDay(s); err != nil {
		return "", err
	}
	return s, nil
}

// Format renders an amount in the user's currency for a summary ("$45.20").
func (c *Call) Format(d decimal.Decimal) string {
	cur := c.Settings.Currency
	if cur == "" {
		cur = "USD"
	}
	return money.New(d, cur).Format()
}

// DayText renders a day for a summary ("Nov 24"; with the year when not this year).
func (c *Call) DayText(day string) string { return FormatDay(day, c.LocalNow().Year()) }

// AppendDayText appends day as DayText renders it.
func (c *Call) AppendDayText(b []byte, day string) []byte {
	return AppendDay(b, day, c.LocalNow().Year())
}

// Reload returns a UIAction telling clients to refresh after a write.
func Reload(kind, entityType, id, title string) UIAction {
	return UIAction{Type: kind, EntityID: id, EntityType: entityType, EntityTitle: title}
}

// UI action types.
const (
	ReloadExpenses = "reload_expenses"
	ReloadBudgets  = "reload_budgets"
	ReloadFuel     = "reload_fuel"
	ReloadCalendar = "reload_calendar"
	ReloadProfile  = "reload_profile"
)

// Plural returns "1 expense" or "3 expenses".
func Plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
