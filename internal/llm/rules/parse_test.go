package rules

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseMoneyToken(t *testing.T) {
	cases := []struct {
		in, value, marker string
		ok                bool
	}{
		{"$45.20", "45.2", "$", true},
		{"$1,200", "1200", "$", true},
		{"1.2k", "1200", "", true},
		{"AU$45.20", "45.2", "AUD", true},
		{"a$10", "10", "AUD", true},
		{"nz$5", "5", "NZD", true},
		{"us$7.5", "7.5", "USD", true},
		{"€30", "30", "EUR", true},
		{"30€", "30", "EUR", true},
		{"£12", "12", "GBP", true},
		{"-$20", "-20", "$", true},
		{"$-20", "-20", "$", true},
		{"−5", "-5", "", true},
		{".5", "0.5", "", true},
		{"12,34", "", "", false},
		{"1,2345", "", "", false},
		{"$", "", "", false},
		{"1.2.3", "", "", false},
		{"12.", "", "", false},
		{"abc", "", "", false},
		{"10am", "", "", false},
		{"11/02", "", "", false},
		{"$1e9", "", "", false},
	}
	for _, tc := range cases {
		d, marker, ok := parseMoneyToken(tc.in)
		if ok != tc.ok || (ok && (d.String() != tc.value || marker != tc.marker)) {
			t.Errorf("parseMoneyToken(%q) = %s %q %v, want %s %q %v", tc.in, d, marker, ok, tc.value, tc.marker, tc.ok)
		}
	}
}

func TestFindAmountsCurrency(t *testing.T) {
	cases := []struct {
		in, user, amount, currency string
		explicit                   bool
	}{
		{"12 bucks", "USD", "12", "USD", true},
		{"12 bucks", "AUD", "12", "AUD", true},
		{"$12", "EUR", "12", "USD", true},
		{"45.20 dollars", "CAD", "45.20", "CAD", true},
		{"AUD 45", "USD", "45", "AUD", true},
		{"30 euros", "USD", "30", "EUR", true},
		{"30", "GBP", "30", "GBP", false},
		{"drove 300 miles then paid $40", "USD", "40", "USD", true},
	}
	for _, tc := range cases {
		u := newUtterance(tc.in)
		as := u.findAmounts(tc.user, nil)
		var got *amount
		for i := range as {
			if as[i].explicit || got == nil {
				got = &as[i]
			}
		}
		if got == nil || amountString(got.value) != tc.amount || got.currency != tc.currency || got.explicit != tc.explicit {
			t.Errorf("findAmounts(%q, %s) = %+v, want %s %s explicit=%v", tc.in, tc.user, as, tc.amount, tc.currency, tc.explicit)
		}
	}
}

func TestFindDate(t *testing.T) {
	c := clock{now: testNow, monthFirst: true}
	cases := []struct {
		in   string
		dir  dateDir
		want string // "" means no date
	}{
		{"today", past, "2026-11-24"},
		{"yesterday", past, "2026-11-23"},
		{"tomorrow", future, "2026-11-25"},
		{"the day after tomorrow", future, "2026-11-26"},
		{"the day before yesterday", past, "2026-11-22"},
		{"last Friday", past, "2026-11-20"},
		{"last Tuesday", past, "2026-11-17"},
		{"on Friday", past, "2026-11-20"},
		{"on Friday", future, "2026-11-27"},
		{"next Friday", future, "2026-11-27"},
		{"next Tuesday", future, "2026-12-01"},
		{"this Tuesday", future, "2026-11-24"},
		{"on the 3rd", past, "2026-11-03"},
		{"on the 3rd", future, "2026-12-03"},
		{"on the 30th", past, "2026-10-30"},
		{"the 31st", past, "2026-10-31"},
		{"the 31st", future, ""},
		{"Nov 2", past, "2026-11-02"},
		{"Nov 2", future, "2027-11-02"},
		{"December 25th", past, "2025-12-25"},
		{"December 25th", future, "2026-12-25"},
		{"2nd of November 2025", past, "2025-11-02"},
		{"3 Jan", future, "2027-01-03"},
		{"2026-11-02", past, "2026-11-02"},
		{"2026-02-30", past, ""},
		{"11/2", past, "2026-11-02"},
		{"11/02/2026", future, "2026-11-02"},
		{"2/30", past, ""},
		{"Feb 29", past, ""},
		{"3 days ago", past, "2026-11-21"},
		{"a week ago", past, "2026-11-17"},
		{"in 3 days", future, "2026-11-27"},
		{"this morning", past, "2026-11-24"},
		{"nothing here", past, ""},
		{"may I ask", past, ""},
	}
	for _, tc := range cases {
		u := newUtterance(tc.in)
		d, ok := u.findDate(c, tc.dir)
		got := ""
		if ok {
			got = isoDate(d)
		}
		if got != tc.want {
			t.Errorf("findDate(%q, %v) = %q, want %q", tc.in, tc.dir, got, tc.want)
		}
	}
	// Outside the US, "2/11" is 2 November.
	u := newUtterance("2/11")
	if d, ok := u.findDate(clock{now: testNow}, past); !ok || isoDate(d) != "2026-11-02" {
		t.Errorf("day-first 2/11 = %v %v", d, ok)
	}
}

func TestFindTime(t *testing.T) {
	cases := []struct {
		in   string
		want string
	}{
		{"10am", "10:00"}, {"10 am", "10:00"}, {"10:30pm", "22:30"}, {"10:30 p.m.", "22:30"},
		{"12am", "00:00"}, {"12pm", "12:00"}, {"14:00", "14:00"}, {"noon", "12:00"}, {"midnight", "00:00"},
		{"at 3", "15:00"}, {"at 9", "09:00"}, {"at 5 o'clock", "17:00"}, {"25:00", ""}, {"13pm", ""}, {"at 300", ""},
	}
	for _, tc := range cases {
		h, m, ok := newUtterance(tc.in).findTime()
		got := ""
		if ok {
			got = time.Date(2026, 1, 1, h, m, 0, 0, time.UTC).Format("15:04")
		}
		if got != tc.want {
			t.Errorf("findTime(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestArgsJSONEscaping(t *testing.T) {
	a := newArgs().str("title", "say \"hi\"\n\x00\\ \xff é").int("days", 2).bool("all_day", true).strs("stops", []string{"A", "B"}).coord("lat", -33.5)
	var got map[string]any
	if err := json.Unmarshal(a.json(), &got); err != nil {
		t.Fatalf("%s: %v", a.json(), err)
	}
	if got["title"] != "say \"hi\"\n\x00\\ \ufffd é" || got["days"] != 2.0 || got["lat"] != -33.5 {
		t.Errorf("got %v", got)
	}
}
