package audit

import (
	"strings"
	"testing"
	"time"
)

// TestRedactArgsKeepsCanonicalInput: arguments already canonical and with
// nothing to redact come back as they are; anything else is a new slice
// with the encoding, and the input is left alone.
func TestRedactArgsKeepsCanonicalInput(t *testing.T) {
	l := New(nil, func(s string) string { return strings.ReplaceAll(s, "4111111111111111", "[CARD]") }, time.Now)
	tests := []struct {
		in, want string
		same     bool
	}{
		{`{"amount":"12.25","category":"groceries","inputs":{"a":"1"}}`, `{"amount":"12.25","category":"groceries","inputs":{"a":"1"}}`, true},
		{`{"category":"groceries","amount":"12.25"}`, `{"amount":"12.25","category":"groceries"}`, false},
		{`{"amount": "12.25"}`, `{"amount":"12.25"}`, false},
		{`{"card":"4111111111111111"}`, `{"card":"[CARD]"}`, false},
		{`{"password":"hunter2"}`, `{"password":"[REDACTED]"}`, false},
		{`[1,2.50,"x"]`, `[1,2.50,"x"]`, true},
	}
	for _, tc := range tests {
		in := []byte(tc.in)
		got := l.redactArgs(in)
		if string(got) != tc.want {
			t.Errorf("redactArgs(%s) = %s, want %s", tc.in, got, tc.want)
		}
		if string(in) != tc.in {
			t.Errorf("redactArgs(%s) changed its input to %s", tc.in, in)
		}
		if same := len(got) > 0 && &got[0] == &in[0]; same != tc.same {
			t.Errorf("redactArgs(%s): returned its input %v, want %v", tc.in, same, tc.same)
		}
	}
	// A pooled buffer reused for the next document never shows through.
	first := l.redactArgs([]byte(`{"b":"2","a":"1"}`))
	_ = l.redactArgs([]byte(`{"d":"4444","c":"3333"}`))
	if string(first) != `{"a":"1","b":"2"}` {
		t.Errorf("an earlier result changed to %s", first)
	}
	if raceEnabled || testing.CoverMode() != "" {
		return // allocation counts differ under the race detector and coverage
	}
	canonical := []byte(tests[0].in)
	if n := testing.AllocsPerRun(50, func() { _ = l.redactArgs(canonical) }); n > 1 {
		t.Errorf("redactArgs of canonical arguments: %v allocations, want 1 (the text it walks)", n)
	}
	shuffled := []byte(tests[1].in)
	if n := testing.AllocsPerRun(50, func() { _ = l.redactArgs(shuffled) }); n > 2 {
		t.Errorf("redactArgs of arguments to re-encode: %v allocations, want 2", n)
	}
}
