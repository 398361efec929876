package safety

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/pamerr"
)

func TestCleanText(t *testing.T) {
	l := Limits{MaxChars: 20}
	tests := []struct {
		name, in, want string
		code           pamerr.Code
	}{
		{"plain", "plan a trip", "plan a trip", ""},
		{"trimmed", "  hi there \n", "hi there", ""},
		{"zero-width removed", "ig\u200bnore\u200c the\ufeff rain", "ignore the rain", ""},
		{"bidi override removed", "abc\u202edcba", "abcdcba", ""},
		{"controls removed", "a\x00b\x07c\x1bd", "abcd", ""},
		{"CRLF", "a\r\nb\rc", "a\nb\nc", ""},
		{"tab and newline kept", "a\tb\nc", "a\tb\nc", ""},
		{"emoji joiner kept", "👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧", ""},
		{"joiner between letters removed", "a\u200db", "ab", ""},
		{"invalid utf-8", "abc\xff", "", pamerr.InvalidInput},
		{"empty", "", "", pamerr.InvalidInput},
		{"only invisible", "\u200b\u200b \u2060", "", pamerr.InvalidInput},
		{"exactly the limit in runes", strings.Repeat("é", 20), strings.Repeat("é", 20), ""},
		{"over the limit", strings.Repeat("a", 21), "", pamerr.MessageTooLarge},
		{"limit counts after cleaning", strings.Repeat("a\u200b", 20), strings.Repeat("a", 20), ""},
		{"huge input rejected early", strings.Repeat("a", 1<<20), "", pamerr.MessageTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CleanText(tt.in, l)
			if pamerr.CodeOf(err) != tt.code {
				t.Fatalf("CleanText(%q) error %v, want code %q", tt.in, err, tt.code)
			}
			if got != tt.want {
				t.Fatalf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if _, err := CleanText(strings.Repeat("a", 10001), Limits{}); pamerr.CodeOf(err) != pamerr.MessageTooLarge {
		t.Fatalf("default limit not 10000: %v", err)
	}
}

func TestCheckContext(t *testing.T) {
	l := Limits{MaxContextKeys: 5, MaxContextValue: 10, MaxContextDepth: 2}
	tests := []struct {
		name, in, field string
		ok              bool
	}{
		{"empty", ``, "", true},
		{"null", `null`, "", true},
		{"location", `{"location":{"lat":39.7,"lng":-104.9,"accuracy_m":10},"timezone":"UTC"}`, "", true},
		{"not an object", `[1,2]`, "context", false},
		{"string", `"x"`, "context", false},
		{"too deep", `{"a":{"b":{"c":1}}}`, "context.a.b", false},
		{"array too deep", `{"a":[[1]]}`, "context.a[0]", false},
		{"too many keys", `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}`, "context", false},
		{"nested keys count", `{"a":{"b":1,"c":2,"d":3},"e":{"f":1}}`, "context.e", false},
		{"long value", `{"locale":"aaaaaaaaaaa"}`, "context.locale", false},
		{"long key", `{"aaaaaaaaaaa":1}`, "context", false},
		{"control char", `{"tz":"a\u0000b"}`, "context.tz", false},
		{"invalid json", `{"a":`, "context.a", false},
		{"trailing data", `{"a":1}{"b":2}`, "context", false},
		{"invalid utf-8", "{\"a\":\"\xff\"}", "context", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckContext(json.RawMessage(tt.in), l)
			if tt.ok {
				if err != nil {
					t.Fatalf("CheckContext(%s) = %v", tt.in, err)
				}
				return
			}
			var pe *pamerr.Error
			if !asPamErr(err, &pe) || pe.Code != pamerr.InvalidInput {
				t.Fatalf("CheckContext(%s) = %v, want INVALID_INPUT", tt.in, err)
			}
			if pe.Field != tt.field {
				t.Fatalf("CheckContext(%s) field %q, want %q", tt.in, pe.Field, tt.field)
			}
		})
	}
}

func asPamErr(err error, pe **pamerr.Error) bool {
	e, ok := err.(*pamerr.Error)
	*pe = e
	return ok
}
