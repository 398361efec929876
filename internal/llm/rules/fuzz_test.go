package rules

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/llm"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/.

func FuzzParseAmount(f *testing.F) {
	f.Add("$45.20")
	f.Fuzz(func(t *testing.T, s string) {
		if d, _, ok := parseMoneyToken(s); ok {
			if checkAmount(d) == nil {
				back, ok := parseNumber(amountString(d))
				if !ok || !back.Equal(d) {
					t.Fatalf("%q: %s renders as %q which reads back as %s", s, d, amountString(d), back)
				}
			}
		}
		u := newUtterance(s)
		for _, a := range u.findAmounts("AUD", nil) {
			if a.tok < 0 || a.end > len(u.toks) || a.tok >= a.end || len(a.currency) != 3 {
				t.Fatalf("%q: bad amount %+v", s, a)
			}
		}
	})
}

func FuzzParseDate(f *testing.F) {
	f.Add("last Friday at 10am")
	f.Fuzz(func(t *testing.T, s string) {
		for _, dir := range []dateDir{past, future} {
			u := newUtterance(s)
			c := clock{now: testNow, monthFirst: dir == past}
			if d, ok := u.findDate(c, dir); ok {
				if d.Year() < 1899 || d.Year() > 2201 || d.Hour() != 0 {
					t.Fatalf("%q: implausible date %v", s, d)
				}
				if _, err := time.Parse(time.DateOnly, isoDate(d)); err != nil {
					t.Fatalf("%q: %v", s, err)
				}
			}
			if h, m, ok := u.findTime(); ok && (h < 0 || h > 23 || m < 0 || m > 59) {
				t.Fatalf("%q: bad time %d:%d", s, h, m)
			}
		}
	})
}

// FuzzUnderstand runs whole messages through the brain without its panic guard.
func FuzzUnderstand(f *testing.F) {
	f.Add("I spent $45.20 on diesel at Shell today")
	m := New(Options{})
	f.Fuzz(func(t *testing.T, s string) {
		p := m.understand(s, testUser())
		if len(p.calls) == 0 && p.text == "" {
			t.Fatalf("%q: neither a call nor a reply", s)
		}
		for _, c := range p.calls {
			var obj map[string]any
			if err := json.Unmarshal(c.input, &obj); err != nil {
				t.Fatalf("%q: %s input %s is not a JSON object: %v", s, c.name, c.input, err)
			}
		}
	})
}

// FuzzCompose feeds arbitrary tool_result text to the reply composer.
func FuzzCompose(f *testing.F) {
	f.Add(`{"status":"ok","data":{"parks":[{"name":"A"}]}}`, false)
	f.Fuzz(func(t *testing.T, text string, isError bool) {
		out := composeOne("find_rv_parks", llm.Block{Type: llm.BlockToolResult, ToolUseID: "rules_1", Text: text, IsError: isError})
		if isError && out == "" {
			t.Fatalf("%q: an error produced no reply", text)
		}
	})
}
