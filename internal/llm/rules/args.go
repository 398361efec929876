package rules

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// args builds a tool call's JSON arguments in the order they are added, without
// reflection: the rules brain answers in microseconds.
type args struct{ b []byte }

func newArgs() *args { return &args{b: append(make([]byte, 0, 128), '{')} }

func (a *args) key(k string) {
	if len(a.b) > 1 {
		a.b = append(a.b, ',')
	}
	a.b = appendJSONString(a.b, k)
	a.b = append(a.b, ':')
}

// str adds a string argument; an empty value is left out.
func (a *args) str(k, v string) *args {
	if v == "" {
		return a
	}
	a.key(k)
	a.b = appendJSONString(a.b, v)
	return a
}

// date adds a day as isoDate spells it, appended where it renders (its
// digits and dashes need no escaping).
func (a *args) date(k string, t time.Time) *args {
	a.key(k)
	a.b = append(t.AppendFormat(append(a.b, '"'), time.DateOnly), '"')
	return a
}

// amount adds money as amountString spells it, the common whole or cents
// amount appended where it renders.
func (a *args) amount(k string, d decimal.Decimal) *args {
	a.key(k)
	if b, ok := appendCents(append(a.b, '"'), d); ok {
		a.b = append(b, '"')
		return a
	}
	a.b = appendJSONString(a.b, amountString(d))
	return a
}

func (a *args) int(k string, v int) *args {
	a.key(k)
	a.b = strconv.AppendInt(a.b, int64(v), 10)
	return a
}

// coord adds a latitude or longitude (a position, not money, so a float is right).
func (a *args) coord(k string, v float64) *args {
	a.key(k)
	a.b = strconv.AppendFloat(a.b, v, 'f', -1, 64)
	return a
}

func (a *args) bool(k string, v bool) *args {
	a.key(k)
	a.b = strconv.AppendBool(a.b, v)
	return a
}

// strs adds a list of strings; an empty list is left out.
func (a *args) strs(k string, vs []string) *args {
	if len(vs) == 0 {
		return a
	}
	a.key(k)
	a.b = append(a.b, '[')
	for i, v := range vs {
		if i > 0 {
			a.b = append(a.b, ',')
		}
		a.b = appendJSONString(a.b, v)
	}
	a.b = append(a.b, ']')
	return a
}

func (a *args) json() json.RawMessage { return json.RawMessage(append(a.b, '}')) }

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
