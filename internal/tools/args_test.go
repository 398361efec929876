package tools

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

func TestDecimalArg(t *testing.T) {
	tests := []struct {
		in   any
		want string
		ok   bool
	}{
		{"45.20", "45.2", true},
		{" $1,250.00 ", "1250", true},
		{"€30", "30", true},
		{json.Number("0.1"), "0.1", true},
		{json.Number("1e2"), "100", true},
		{12, "12", true},
		{"45,20", "", false},
		{"1,2345", "", false},
		{"", "", false},
		{"abc", "", false},
		{nil, "", false},
		{0.1, "", false}, // floats refused
		{true, "", false},
	}
	for _, tt := range tests {
		d, err := DecimalArg(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("DecimalArg(%#v) err = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && d.String() != tt.want {
			t.Errorf("DecimalArg(%#v) = %s, want %s", tt.in, d, tt.want)
		}
	}
}

func FuzzDecimalArg(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "decimal_seeds.txt"))
	for _, p := range seeds {
		b, _ := os.ReadFile(p)
		for _, line := range splitLines(string(b)) {
			f.Add(line)
		}
	}
	f.Add("45.20")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := DecimalArg(s)
		if err != nil {
			return
		}
		// Whatever parses must survive a round trip through its own string.
		d2, err := DecimalArg(d.String())
		if err != nil || !d.Equal(d2) {
			t.Fatalf("%q -> %s -> %v %v", s, d, d2, err)
		}
	})
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func TestResolvePeriod(t *testing.T) {
	// Monday 2026-11-02 00:30 in Denver is still Sunday-night UTC+... check zone use.
	now := time.Date(2026, 11, 2, 6, 30, 0, 0, time.UTC) // 23:30 Nov 1 in Denver (MST, UTC-7)
	c := &Call{Now: now, Settings: store.Settings{TimeZone: "America/Denver"}}
	tests := []struct {
		period, from, to string
		wantFrom, wantTo string
		ok               bool
	}{
		{"", "", "", "2026-11-01", "2026-11-01", true},
		{"today", "", "", "2026-11-01", "2026-11-01", true},
		{"yesterday", "", "", "2026-10-31", "2026-10-31", true},
		{"this_week", "", "", "2026-10-26", "2026-11-01", true},
		{"last_week", "", "", "2026-10-19", "2026-10-25", true},
		{"last_month", "", "", "2026-10-01", "2026-10-31", true},
		{"this_year", "", "", "2026-01-01", "2026-11-01", true},
		{"all", "", "", "", "", true},
		{"", "2026-10-05", "2026-10-09", "2026-10-05", "2026-10-09", true},
		{"", "2026-10-09", "2026-10-05", "", "", false},
		{"", "10/05/2026", "", "", "", false},
		{"fortnight", "", "", "", "", false},
	}
	for _, tt := range tests {
		r, err := c.ResolvePeriod(tt.period, tt.from, tt.to)
		if (err == nil) != tt.ok {
			t.Errorf("%q %q %q: err %v", tt.period, tt.from, tt.to, err)
			continue
		}
		if tt.ok && (r.From != tt.wantFrom || r.To != tt.wantTo) {
			t.Errorf("%q %q %q = %s..%s, want %s..%s", tt.period, tt.from, tt.to, r.From, r.To, tt.wantFrom, tt.wantTo)
		}
	}
}
