package tools

import "testing"

func TestFormatDay(t *testing.T) {
	for _, tc := range []struct {
		day  string
		year int
		want string
	}{
		{"2026-11-24", 2026, "Nov 24"},
		{"2026-01-05", 2026, "Jan 5"},
		{"2025-12-31", 2026, "Dec 31, 2025"},
		{"24/11/2026", 2026, "24/11/2026"}, // not a day: shown as given
	} {
		if got := FormatDay(tc.day, tc.year); got != tc.want {
			t.Errorf("FormatDay(%q, %d) = %q, want %q", tc.day, tc.year, got, tc.want)
		}
		if got := string(AppendDay([]byte("on "), tc.day, tc.year)); got != "on "+tc.want {
			t.Errorf("AppendDay after a prefix = %q, want %q", got, "on "+tc.want)
		}
	}
}
