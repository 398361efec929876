package tools

import (
	"strings"
	"time"
)

// DayLayout is how tools write calendar days.
const DayLayout = "2006-01-02"

// Periods accepted by the `period` argument.
var Periods = []string{"today", "yesterday", "this_week", "last_week", "this_month", "last_month", "this_year", "all"}

// DayRange is an inclusive range of calendar days in the user's zone; empty
// From/To mean unbounded (the "all" period).
type DayRange struct {
	From, To string
	Label    string // "this month", "Nov 1 – Nov 24, 2026"
}

// Today returns the call's current day in the user's zone.
func (c *Call) Today() string { return c.LocalNow().Format(DayLayout) }

// LocalNow returns the call's time in the user's zone.
func (c *Call) LocalNow() time.Time {
	now := c.Now
	if now.IsZero() {
		now = time.Now()
	}
	return now.In(c.Settings.Location())
}

// ParseDay parses "YYYY-MM-DD".
func ParseDay(s string) (time.Time, error) {
	t, err := time.Parse(DayLayout, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, Invalid("Dates must look like 2026-11-24; %q does not.", s)
	}
	return t, nil
}

// ResolvePeriod turns period (default this_month) or explicit from/to days
// into a DayRange, relative to the call's day in the user's zone. Weeks start on Monday.
func (c *Call) ResolvePeriod(period, from, to string) (DayRange, error) {
	today := c.LocalNow()
	day := func(t time.Time) string { return t.Format(DayLayout) }
	if from != "" || to != "" {
		r := DayRange{From: from, To: to}
		if from != "" {
			if _, err := ParseDay(from); err != nil {
				return DayRange{}, err
			}
		}
		if to == "" {
			r.To = day(today)
		} else if _, err := ParseDay(to); err != nil {
			return DayRange{}, err
		}
		if r.From != "" && r.From > r.To {
			return DayRange{}, Invalid("The start date %s is after the end date %s.", r.From, r.To)
		}
		r.Label = labelRange(r.From, r.To, today.Year())
		return r, nil
	}
	y, m, d := today.Date()
	loc := today.Location()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, loc)
	weekday := (int(midnight.Weekday()) + 6) % 7 // Monday = 0
	monday := midnight.AddDate(0, 0, -weekday)
	first := time.Date(y, m, 1, 0, 0, 0, 0, loc)
	switch period {
	case "today":
		return DayRange{From: day(midnight), To: day(midnight), Label: "today"}, nil
	case "yesterday":
		yd := midnight.AddDate(0, 0, -1)
		return DayRange{From: day(yd), To: day(yd), Label: "yesterday"}, nil
	case "this_week":
		return DayRange{From: day(monday), To: day(midnight), Label: "this week"}, nil
	case "last_week":
		return DayRange{From: day(monday.AddDate(0, 0, -7)), To: day(monday.AddDate(0, 0, -1)), Label: "last week"}, nil
	case "", "this_month":
		return DayRange{From: day(first), To: day(midnight), Label: "this month"}, nil
	case "last_month":
		return DayRange{From: day(first.AddDate(0, -1, 0)), To: day(first.AddDate(0, 0, -1)), Label: "last month"}, nil
	case "this_year":
		return DayRange{From: day(time.Date(y, 1, 1, 0, 0, 0, 0, loc)), To: day(midnight), Label: "this year"}, nil
	case "all":
		return DayRange{Label: "in total"}, nil
	}
	return DayRange{}, Invalid("Unknown period %q; use one of %s.", period, strings.Join(Periods, ", "))
}

// Instants returns the range as [start, end) instants in loc (end is the
// midnight after To); unbounded ends are far past/future.
func (r DayRange) Instants(loc *time.Location) (time.Time, time.Time) {
	start := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if t, err := time.ParseInLocation(DayLayout, r.From, loc); err == nil {
		start = t
	}
	if t, err := time.ParseInLocation(DayLayout, r.To, loc); err == nil {
		end = t.AddDate(0, 0, 1)
	}
	return start, end
}

// FormatDay renders "2026-11-24" as "Nov 24" (with the year when it is not thisYear).
func FormatDay(day string, thisYear int) string {
	var buf [32]byte
	return string(AppendDay(buf[:0], day, thisYear))
}

// AppendDay appends day as FormatDay renders it.
func AppendDay(b []byte, day string, thisYear int) []byte {
	t, err := time.Parse(DayLayout, day)
	if err != nil {
		return append(b, day...)
	}
	if t.Year() != thisYear {
		return t.AppendFormat(b, "Jan 2, 2006")
	}
	return t.AppendFormat(b, "Jan 2")
}

func labelRange(from, to string, year int) string {
	if from == "" {
		return "up to " + FormatDay(to, year)
	}
	if from == to {
		return "on " + FormatDay(from, year)
	}
	return "from " + FormatDay(from, year) + " to " + FormatDay(to, year)
}
