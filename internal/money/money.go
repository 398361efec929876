// Package money owns PAM's monetary values: exact decimals with a currency,
// bounded, parsed from user text and shown as two-decimal strings. No float
// ever holds an amount.
package money

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
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
func (m Money) String() string {
	var buf [48]byte
	b := append(AppendFixed(buf[:0], m.Amount), ' ')
	return string(append(b, m.Currency...))
}

// Fixed renders the amount alone with two decimals: "45.20".
func (m Money) Fixed() string {
	var buf [32]byte
	return string(AppendFixed(buf[:0], m.Amount))
}

// AppendFixed appends d as d.StringFixed(2) renders it ("45.20"), without
// allocating for amounts of up to 16 digits with at most two decimals.
func AppendFixed(b []byte, d decimal.Decimal) []byte {
	exp := d.Exponent()
	if exp < -2 || exp > 0 || d.NumDigits() > 16 {
		return append(b, d.StringFixed(2)...)
	}
	cents := d.CoefficientInt64()
	switch exp {
	case 0:
		cents *= 100
	case -1:
		cents *= 10
	}
	if cents < 0 {
		b = append(b, '-')
		cents = -cents
	}
	b = strconv.AppendInt(b, cents/100, 10)
	return append(b, '.', byte('0'+cents/10%10), byte('0'+cents%10))
}

// Format renders the amount for a person: "$45.20", "€30.00", "45.20 CHF".
func (m Money) Format() string {
	var buf [48]byte
	return string(m.AppendFormat(buf[:0]))
}

// AppendFormat appends the amount as Format renders it.
func (m Money) AppendFormat(b []byte) []byte {
	var buf [48]byte
	amt := AppendFixed(buf[:0], m.Amount)
	if len(amt) > 0 && amt[0] == '-' {
		b = append(b, '-')
		amt = amt[1:]
	}
	sym, ok := symbols[m.Currency]
	if ok {
		b = append(b, sym...)
	}
	b = appendGrouped(b, amt)
	if !ok {
		b = append(append(b, ' '), m.Currency...)
	}
	return b
}

var symbols = map[string]string{
	"USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "MXN": "MX$",
}

// appendGrouped appends the decimal number s with commas between thousands.
func appendGrouped(b, s []byte) []byte {
	intPart := s
	if i := bytes.IndexByte(s, '.'); i >= 0 {
		intPart = s[:i]
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	return append(b, s[len(intPart):]...)
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
	if !plainCode(m.Currency) {
		return json.Marshal(wire{Amount: m.Amount.StringFixed(2), Currency: m.Currency})
	}
	b := make([]byte, 0, 40+len(m.Currency))
	b = AppendFixed(append(b, `{"amount":"`...), m.Amount)
	b = append(append(b, `","currency":"`...), m.Currency...)
	return append(b, `"}`...), nil
}

// plainCode reports whether JSON writes code as it is (letters and digits).
func plainCode(code string) bool {
	for i := 0; i < len(code); i++ {
		if c := code[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
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
