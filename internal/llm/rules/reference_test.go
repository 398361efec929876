package rules

// The number parsing and rendering before their fast paths, kept as the
// reference the fast paths must match exactly.

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func refParseNumber(s string) (decimal.Decimal, bool) {
	if s == "" || len(s) > 64 || !hasDigit(s) {
		return decimal.Decimal{}, false
	}
	thousand := false
	if c := s[len(s)-1]; c == 'k' || c == 'K' {
		thousand, s = true, s[:len(s)-1]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if (intPart == "" && frac == "") || strings.IndexByte(frac, '.') >= 0 || (hasDot && frac == "") {
		return decimal.Decimal{}, false
	}
	for i := 0; i < len(frac); i++ {
		if !isDigit(frac[i]) {
			return decimal.Decimal{}, false
		}
	}
	digits := intPart
	if strings.IndexByte(intPart, ',') >= 0 {
		groups := strings.Split(intPart, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return decimal.Decimal{}, false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return decimal.Decimal{}, false
			}
		}
		digits = strings.Join(groups, "")
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return decimal.Decimal{}, false
		}
	}
	num := digits
	if hasDot {
		if num == "" {
			num = "0"
		}
		num += "." + frac
	}
	d, err := decimal.NewFromString(num)
	if err != nil {
		return decimal.Decimal{}, false
	}
	if thousand {
		d = d.Shift(3)
	}
	return d, true
}

func refAmountString(d decimal.Decimal) string {
	switch {
	case d.Equal(d.Truncate(0)):
		return d.Truncate(0).String()
	case d.Equal(d.Round(2)):
		return d.StringFixed(2)
	}
	return d.String()
}

func sameDecimal(a, b decimal.Decimal) bool {
	return a.Exponent() == b.Exponent() && a.Coefficient().Cmp(b.Coefficient()) == 0
}

func FuzzNumbersMatchReference(f *testing.F) {
	for _, s := range []string{"12.25", "1,200", "45.20", ".5", "1.2k", "0.50", "007", "123456789012345678", "1234567890123456789",
		"12345678901234567.8", "99999999999999999.99", "1,234,567.891", "", "k", "1.", "1..2", "12,34"} {
		f.Add(s, int64(1225), int8(-2))
	}
	f.Add("3", int64(-25), int8(-2))
	f.Add("3", int64(math.MinInt64), int8(0))
	f.Add("3", int64(math.MaxInt64), int8(-2))
	f.Add("3", int64(-100), int8(-2))
	f.Fuzz(func(t *testing.T, s string, coef int64, exp int8) {
		got, ok := parseNumber(s)
		want, wantOK := refParseNumber(s)
		if ok != wantOK || (ok && !sameDecimal(got, want)) {
			t.Fatalf("parseNumber(%q) = %v %v (exp %d), reference %v %v (exp %d)", s, got, ok, got.Exponent(), want, wantOK, want.Exponent())
		}
		if ok {
			if a, b := amountString(got), refAmountString(want); a != b {
				t.Fatalf("amountString(%q) = %q, reference %q", s, a, b)
			}
		}
		for _, d := range []decimal.Decimal{decimal.New(coef, int32(exp)), decimal.New(coef, -2), decimal.New(coef, 0)} {
			if a, b := amountString(d), refAmountString(d); a != b {
				t.Fatalf("amountString(%v e%d) = %q, reference %q", d.Coefficient(), d.Exponent(), a, b)
			}
		}
	})
}

func FuzzASCIILowerMatchesReference(f *testing.F) {
	f.Add("I spent $12.25 at Walmart")
	f.Add("already lower")
	f.Add("ÜBER Straße \xff")
	f.Fuzz(func(t *testing.T, s string) {
		b := []byte(s)
		for i, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		if got := asciiLower(s); got != string(b) {
			t.Fatalf("asciiLower(%q) = %q, want %q", s, got, b)
		}
	})
}

func TestToolUseID(t *testing.T) {
	for n := -1; n < 70; n++ {
		if got, want := toolUseID(n), "rules_"+strconv.Itoa(n); got != want {
			t.Fatalf("toolUseID(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestNumbersAllocateLittle(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	var d decimal.Decimal
	if n := testing.AllocsPerRun(100, func() { d, _ = parseNumber("12.25") }); n > 2 {
		t.Fatalf("parseNumber: %v allocations, want at most 2 (the coefficient's big.Int)", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = amountString(d) }); n > 1 {
		t.Fatalf("amountString: %v allocations, want at most 1 (the string)", n)
	}
}
