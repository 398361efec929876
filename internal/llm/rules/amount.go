package rules

import (
	"errors"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
)

// amount is a sum of money found in a message.
type amount struct {
	value    decimal.Decimal // may be negative or zero: checkAmount decides
	currency string          // ISO 4217, resolved against the user's currency
	explicit bool            // a currency was written ("$", "€", "bucks", "AUD")
	tok, end int             // token span [tok, end)
}

// Reasons an amount is refused. The texts are shown to the user.
var (
	errAmountNegative  = errors.New("that amount is negative; I can only record amounts above zero")
	errAmountZero      = errors.New("that amount is zero; there is nothing to record")
	errAmountTooLarge  = errors.New("that amount is over 999,999.99, more than I can record at once; could you double-check it")
	errAmountPrecision = errors.New("that amount has more than two decimal places; could you give it in cents")
)

// currencyPrefixes are the markers written before a number, longest first.
var currencyPrefixes = [...]struct{ p, code string }{
	{"us$", "USD"}, {"au$", "AUD"}, {"ca$", "CAD"}, {"nz$", "NZD"}, {"a$", "AUD"}, {"c$", "CAD"},
	{"$", "$"}, {"€", "EUR"}, {"£", "GBP"},
}

// currencyWord maps a word written next to a number to a currency ("$" means the user's dollar).
func currencyWord(w string) string {
	switch w {
	case "bucks", "buck", "dollars", "dollar":
		return "$"
	case "usd":
		return "USD"
	case "aud":
		return "AUD"
	case "cad":
		return "CAD"
	case "nzd":
		return "NZD"
	case "eur", "euro", "euros":
		return "EUR"
	case "gbp", "pounds", "quid":
		return "GBP"
	}
	return ""
}

// dollarCurrency is what "$" means for a user: their currency when it is a dollar, else USD.
func dollarCurrency(user string) string {
	switch strings.ToUpper(user) {
	case "USD", "AUD", "CAD", "NZD":
		return strings.ToUpper(user)
	}
	return "USD"
}

// resolveCurrency turns a marker ("$", "EUR", "") into an ISO code for this user.
func resolveCurrency(marker, user string) string {
	switch marker {
	case "$":
		return dollarCurrency(user)
	case "":
		if len(user) == 3 {
			return strings.ToUpper(user)
		}
		return "USD"
	}
	return marker
}

// parseMoneyToken reads one token such as "$1,200", "-€30", "au$45.20", "1.2k" or "30€".
// It returns the value, the currency marker ("" when none was written) and ok.
func parseMoneyToken(s string) (decimal.Decimal, string, bool) {
	if !hasDigit(s) { // most words: answer without allocating
		return decimal.Decimal{}, "", false
	}
	neg := false
	trimSign := func() {
		switch {
		case strings.HasPrefix(s, "-"), strings.HasPrefix(s, "+"):
			neg = neg || s[0] == '-'
			s = s[1:]
		case strings.HasPrefix(s, "−"): // U+2212 minus sign
			neg = true
			s = s[len("−"):]
		}
	}
	trimSign()
	marker := ""
	for _, c := range currencyPrefixes {
		if len(s) > len(c.p) && strings.EqualFold(s[:len(c.p)], c.p) {
			marker, s = c.code, s[len(c.p):]
			break
		}
	}
	if marker != "" {
		trimSign()
	} else {
		for _, c := range [...]struct{ p, code string }{{"$", "$"}, {"€", "EUR"}, {"£", "GBP"}} {
			if len(s) > len(c.p) && strings.HasSuffix(s, c.p) {
				marker, s = c.code, s[:len(s)-len(c.p)]
				break
			}
		}
	}
	d, ok := parseNumber(s)
	if !ok {
		return decimal.Decimal{}, "", false
	}
	if neg {
		d = d.Neg()
	}
	return d, marker, true
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}

// parseNumber reads "1200", "1,200", "45.20", ".5" and "1.2k" exactly (no float).
// Thousands separators must group by three.
func parseNumber(s string) (decimal.Decimal, bool) {
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
	d, ok := digitsDecimal(digits, frac)
	if !ok {
		return decimal.Decimal{}, false
	}
	if thousand {
		d = d.Shift(3)
	}
	return d, true
}

// digitsDecimal is the decimal digits "." frac spell (both all digits, not
// both empty). Up to 18 digits it is built as decimal.NewFromString builds
// it (an int64 coefficient, the exponent minus the fraction's length)
// without joining the parts into a new string first.
func digitsDecimal(digits, frac string) (decimal.Decimal, bool) {
	if len(digits)+len(frac) > 18 {
		num := digits
		if frac != "" {
			if num == "" {
				num = "0"
			}
			num += "." + frac
		}
		d, err := decimal.NewFromString(num)
		return d, err == nil
	}
	var v int64
	for _, part := range [2]string{digits, frac} {
		for i := 0; i < len(part); i++ {
			v = v*10 + int64(part[i]-'0')
		}
	}
	return decimal.New(v, -int32(len(frac))), true
}

// isUnitWord reports words that follow a number that is not money ("62 litres", "300 miles", "10 am").
func isUnitWord(w string) bool {
	switch w {
	case "mi", "mile", "miles", "km", "kms", "kilometers", "kilometres", "gal", "gallon", "gallons",
		"l", "litre", "litres", "liter", "liters", "am", "pm", "a.m", "p.m", "day", "days", "week", "weeks",
		"hour", "hours", "hr", "hrs", "minute", "minutes", "min", "mins", "mpg", "%", "percent", "people",
		"nights", "night", "o'clock", "st", "nd", "rd", "th", "year", "years", "month", "months":
		return true
	}
	return false
}

// findAmounts returns the amounts written in u, in order, skipping tokens already used.
// Bare numbers (no currency) are included with explicit=false unless a unit follows them.
func (u *utterance) findAmounts(userCurrency string, out []amount) []amount {
	for i := 0; i < len(u.toks); i++ {
		if u.used.has(i) {
			continue
		}
		d, marker, ok := parseMoneyToken(u.toks[i].s)
		if !ok {
			if m := currencyWord(u.word(i)); m != "" && !u.used.has(i+1) {
				// "AUD 45", "usd 12.50"
				if d2, mk, ok2 := parseMoneyToken(u.word(i + 1)); ok2 && mk == "" {
					out = append(out, amount{value: d2, currency: resolveCurrency(m, userCurrency), explicit: true, tok: i, end: i + 2})
					i++
				}
			}
			continue
		}
		a := amount{value: d, tok: i, end: i + 1, explicit: marker != ""}
		if marker == "" {
			if m := currencyWord(u.word(i + 1)); m != "" {
				marker, a.explicit, a.end = m, true, i+2
			} else if isUnitWord(u.word(i+1)) || u.word(i+1) == "/" {
				continue
			}
		}
		a.currency = resolveCurrency(marker, userCurrency)
		out = append(out, a)
		i = a.end - 1
	}
	return out
}

// checkAmount refuses amounts a person cannot mean to record.
func checkAmount(d decimal.Decimal) error {
	switch {
	case d.IsNegative():
		return errAmountNegative
	case d.IsZero():
		return errAmountZero
	case d.GreaterThan(money.MaxAmount):
		return errAmountTooLarge
	case !d.Equal(d.Round(2)):
		return errAmountPrecision
	}
	return nil
}

// amountString renders an amount or a price for a tool argument: "45.20", "400",
// "1200", and a fuel price's third decimal kept ("3.899").
func amountString(d decimal.Decimal) string {
	if s, ok := centsString(d); ok {
		return s
	}
	switch {
	case d.Equal(d.Truncate(0)):
		return d.Truncate(0).String()
	case d.Equal(d.Round(2)):
		return d.StringFixed(2)
	}
	return d.String()
}

// centsString is amountString for the amounts people write, whole or with
// cents (exponent 0 or -2, an int64 coefficient), formatted from the
// coefficient instead of with decimal's rounding and big-number printing.
func centsString(d decimal.Decimal) (string, bool) {
	var buf [24]byte
	b, ok := appendCents(buf[:0], d)
	if !ok {
		return "", false
	}
	return string(b), true
}

// appendCents appends what centsString returns, when it does.
func appendCents(b []byte, d decimal.Decimal) ([]byte, bool) {
	e := d.Exponent()
	if (e != 0 && e != -2) || d.NumDigits() > 18 {
		return b, false
	}
	c := d.CoefficientInt64()
	switch {
	case e == 0:
		return strconv.AppendInt(b, c, 10), true
	case c%100 == 0:
		return strconv.AppendInt(b, c/100, 10), true
	}
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	b = strconv.AppendInt(b, c/100, 10)
	return append(b, '.', byte('0'+c%100/10), byte('0'+c%10)), true
}

// numberString renders a measured quantity (volume, price per unit, odometer) as written,
// without thousands separators: "62.3", "1.899", "48210".
func numberString(d decimal.Decimal) string { return d.String() }
