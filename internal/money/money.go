// Package money owns PAM's monetary values: exact decimals with a currency,
// bounded, parsed from user text and shown as two-decimal strings. No float
// ever holds an amount.
package money

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Bounds of a single amount a user may record.
var (
	MinAmount = decimal.RequireFromString("0.01")
	MaxAmount = decimal.RequireFromString("999999.99")
)

// Money is an amount in a currency (ISO 4217 code, upper case).
type Money struct {
	Amount   decimal.Decimal
	Currency string
}

// New returns Money rounded to cents.
func New(amount decimal.Decimal, currency string) Money {
	return Money{Amount: amount.Round(2), Currency: strings.ToUpper(currency)}
}

// MustParse parses a decimal string; it panics on error and is for tests and constants.
func MustParse(s, currency string) Money {
	return New(decimal.RequireFromString(s), currency)
}

// String renders "45.20 USD".
func (m Money) String() string { return m.Amount.StringFixed(2) + " " + m.Currency }

// Format renders the amount for a person: "$45.20", "€30.00", "45.20 CHF".
func (m Money) Format() string {
	amt := m.Amount.StringFixed(2)
	neg := strings.HasPrefix(amt, "-")
	amt = groupThousands(strings.TrimPrefix(amt, "-"))
	sign := ""
	if neg {
		sign = "-"
	}
	if sym, ok := symbols[m.Currency]; ok {
		return sign + sym + amt
	}
	return sign + amt + " " + m.Currency
}

var symbols = map[string]string{
	"USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "MXN": "MX$",
}

func groupThousands(s string) string {
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// CheckBounds reports whether m is a recordable amount (0.01 to 999,999.99).
func (m Money) CheckBounds() error {
	if m.Amount.LessThan(MinAmount) {
		return fmt.Errorf("amount must be at least %s", MinAmount.StringFixed(2))
	}
	if m.Amount.GreaterThan(MaxAmount) {
		return fmt.Errorf("amount must be at most %s", MaxAmount.StringFixed(2))
	}
	return nil
}

type wire struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// MarshalJSON writes {"amount":"45.20","currency":"USD"}.
func (m Money) MarshalJSON() ([]byte, error) {
	return json.Marshal(wire{Amount: m.Amount.StringFixed(2), Currency: m.Currency})
}

// UnmarshalJSON reads {"amount":"45.20","currency":"USD"}; a JSON number is refused.
func (m *Money) UnmarshalJSON(b []byte) error {
	var w wire
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("money must be {\"amount\":\"decimal string\",\"currency\":\"ISO code\"}: %w", err)
	}
	d, err := decimal.NewFromString(w.Amount)
	if err != nil {
		return fmt.Errorf("amount %q is not a decimal", w.Amount)
	}
	*m = New(d, w.Currency)
	return nil
}
