package money

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// oracle renders m the plain way, with decimal's StringFixed and
// encoding/json: what the appending code must match byte for byte.
func oracle(m Money) (str, format, js string) {
	amt := m.Amount.StringFixed(2)
	neg := strings.HasPrefix(amt, "-")
	amt = strings.TrimPrefix(amt, "-")
	intPart, frac, _ := strings.Cut(amt, ".")
	var g strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			g.WriteByte(',')
		}
		g.WriteRune(r)
	}
	if frac != "" {
		g.WriteString("." + frac)
	}
	sign := ""
	if neg {
		sign = "-"
	}
	if sym, ok := symbols[m.Currency]; ok {
		format = sign + sym + g.String()
	} else {
		format = sign + g.String() + " " + m.Currency
	}
	b, _ := json.Marshal(wire{Amount: m.Amount.StringFixed(2), Currency: m.Currency})
	return m.Amount.StringFixed(2) + " " + m.Currency, format, string(b)
}

func checkRendering(t *testing.T, m Money) {
	t.Helper()
	str, format, js := oracle(m)
	got, err := m.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(m.AppendFormat([]byte("Logged "))); got != "Logged "+format {
		t.Fatalf("%#v: AppendFormat after a prefix %q, want %q", m, got, "Logged "+format)
	}
	if m.String() != str || m.Format() != format || string(got) != js || m.Fixed() != m.Amount.StringFixed(2) {
		t.Fatalf("%#v: String %q Format %q JSON %s Fixed %q, want %q %q %s %q",
			m, m.String(), m.Format(), got, m.Fixed(), str, format, js, m.Amount.StringFixed(2))
	}
}

func TestRendering(t *testing.T) {
	for _, tc := range []struct{ amount, cur string }{
		{"45.2", "USD"}, {"0", "EUR"}, {"-0.05", "GBP"}, {"1250", "CHF"}, {"-1234567.891", "usd"},
		{"999999.99", "JPY"}, {"0.005", "AUD"}, {"12345678901234567890.5", "USD"}, {"1e3", "MXN"},
		{"-7", `<&>"`}, {"3.10", "\u2028"}, {"1.5", ""}, {"100000", "INR"},
	} {
		checkRendering(t, Money{Amount: decimal.RequireFromString(tc.amount), Currency: tc.cur})
		checkRendering(t, MustParse(tc.amount, tc.cur))
	}
	checkRendering(t, Money{Currency: "USD"}) // the zero decimal
}

// FuzzRendering holds String, Format, Fixed and MarshalJSON to StringFixed
// and encoding/json, across coefficients, exponents and currency codes.
func FuzzRendering(f *testing.F) {
	f.Add(int64(4520), int8(-2), "USD")
	f.Add(int64(-5), int8(-2), "EUR")
	f.Add(int64(123456789012345678), int8(-2), "CHF")
	f.Add(int64(-9223372036854775808), int8(0), "X")
	f.Add(int64(7), int8(1), "<")
	f.Add(int64(12345), int8(-4), "GBP")
	f.Fuzz(func(t *testing.T, coef int64, exp int8, cur string) {
		m := Money{Amount: decimal.New(coef, int32(exp)), Currency: cur}
		checkRendering(t, m)
		checkRendering(t, New(m.Amount, cur))
	})
}

func TestRenderingAllocations(t *testing.T) {
	m := MustParse("1234.5", "USD")
	for name, run := range map[string]func(){
		"String": func() { _ = m.String() },
		"Format": func() { _ = m.Format() },
		"Fixed":  func() { _ = m.Fixed() },
		"JSON":   func() { _, _ = m.MarshalJSON() },
	} {
		if n := testing.AllocsPerRun(50, run); n > 1 {
			t.Errorf("%s: %v allocations, want 1", name, n)
		}
	}
}
