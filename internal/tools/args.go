package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Bind decodes the call's arguments into v, keeping numbers exact (UseNumber):
// amount fields declared as any or json.Number reach DecimalArg untouched.
func (c *Call) Bind(v any) error {
	raw := c.Args
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage(`{}`)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return Fail(StatusInvalidArguments, "the arguments could not be read: "+err.Error())
	}
	return nil
}

// DecimalArg parses an amount given as a decimal string ("45.20", "$45.20",
// "1,250.00") or a JSON number decoded with UseNumber. Floats are refused so
// that no amount ever passes through binary floating point.
func DecimalArg(v any) (decimal.Decimal, error) {
	switch x := v.(type) {
	case nil:
		return decimal.Decimal{}, errors.New("no value given")
	case json.Number:
		d, err := decimal.NewFromString(x.String())
		if err != nil {
			return decimal.Decimal{}, fmt.Errorf("%q is not a number", x.String())
		}
		return d, nil
	case string:
		s := strings.TrimSpace(x)
		for _, sym := range []string{"US$", "A$", "C$", "NZ$", "MX$", "$", "€", "£", "¥", "₹"} {
			s = strings.TrimPrefix(s, sym)
		}
		s = strings.TrimSpace(s)
		if strings.Count(s, ",") > 0 && validThousands(s) {
			s = strings.ReplaceAll(s, ",", "")
		}
		d, err := decimal.NewFromString(s)
		if err != nil || s == "" {
			return decimal.Decimal{}, fmt.Errorf("%q is not a number", x)
		}
		return d, nil
	case int:
		return decimal.NewFromInt(int64(x)), nil
	case int64:
		return decimal.NewFromInt(x), nil
	case decimal.Decimal:
		return x, nil
	default:
		return decimal.Decimal{}, fmt.Errorf("a number must be given as a decimal string, not %T", v)
	}
}

// validThousands reports whether the commas in s group thousands ("1,250.00").
func validThousands(s string) bool {
	intPart, _, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	groups := strings.Split(intPart, ",")
	if len(groups[0]) == 0 || len(groups[0]) > 3 {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

// OptionalDecimal is DecimalArg for an argument that may be absent (nil).
func OptionalDecimal(v any) (d decimal.Decimal, present bool, err error) {
	if v == nil {
		return decimal.Decimal{}, false, nil
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
		return decimal.Decimal{}, false, nil
	}
	d, err = DecimalArg(v)
	return d, err == nil, err
}

// Invalid returns an invalid_arguments *Error with a sentence the model can relay.
func Invalid(format string, args ...any) *Error {
	return Fail(StatusInvalidArguments, fmt.Sprintf(format, args...))
}

// NotFound returns a no_results *Error; it never says whether the record
// exists for someone else.
func NotFound(what string) *Error {
	return Fail(StatusNoResults, "I couldn't find that "+what+".")
}

// ArgText renders a raw argument for the audit trail.
func ArgText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}
