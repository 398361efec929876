package rules

import (
	"strings"
	"time"
)

// dateDir says which way an ambiguous date leans: "Friday" is the last one for
// an expense and the next one for a reminder.
type dateDir int

const (
	past dateDir = iota
	future
)

// clock is what date parsing needs to know about the user.
type clock struct {
	now        time.Time // in the user's zone
	monthFirst bool      // "11/02" is November 2 (US) rather than 11 February
}

// day returns midnight of now's date shifted by n days, in now's zone.
func (c clock) day(n int) time.Time {
	y, m, d := c.now.Date()
	return time.Date(y, m, d+n, 0, 0, 0, 0, c.now.Location())
}

// isoDate renders t as YYYY-MM-DD.
func isoDate(t time.Time) string { return t.Format(time.DateOnly) }

// findDate finds the first date expression in u, marks its tokens used and
// returns the date (midnight in the user's zone).
func (u *utterance) findDate(c clock, dir dateDir) (time.Time, bool) {
	for i := range u.toks {
		if u.used.has(i) {
			continue
		}
		if t, n, ok := u.dateAt(i, c, dir); ok {
			for k := i; k < i+n; k++ {
				u.used.set(k)
			}
			if w := u.word(i - 1); w == "on" || w == "by" || w == "for" {
				u.used.set(i - 1)
			}
			return t, true
		}
	}
	return time.Time{}, false
}

// dateAt matches a date expression starting at token i; n is how many tokens it spans.
func (u *utterance) dateAt(i int, c clock, dir dateDir) (t time.Time, n int, ok bool) {
	w := u.word(i)
	switch w {
	case "today", "tonight":
		return c.day(0), 1, true
	case "yesterday":
		return c.day(-1), 1, true

	case "tomorrow", "tmrw", "tmr":
		return c.day(1), 1, true
	case "day":
		if u.word(i+1) == "before" && u.word(i+2) == "yesterday" {
			return c.day(-2), 3, true
		}
		if u.word(i+1) == "after" && u.word(i+2) == "tomorrow" {
			return c.day(2), 3, true
		}
	case "last", "next", "this", "coming":
		if w == "last" && u.word(i+1) == "night" {
			return c.day(-1), 2, true
		}
		if w == "this" {
			switch u.word(i + 1) {
			case "morning", "afternoon", "evening":
				return c.day(0), 2, true
			}
		}
		if wd, ok := weekday(u.word(i + 1)); ok {
			return c.weekdayDate(wd, w), 2, true
		}
	case "in":
		if k, unit, ok := countUnit(u.word(i+1), u.word(i+2)); ok && (unit == "day" || unit == "week") {
			return c.day(k * unitDays(unit)), 3, true
		}
	case "the":
		if d, ok := ordinalDay(u.word(i + 1)); ok && !u.monthNear(i+2) {
			if t, ok := c.dayOfMonth(d, dir); ok {
				return t, 2, true
			}
		}
	}
	if wd, ok := weekday(w); ok {
		if dir == past {
			return c.weekdayDate(wd, "past"), 1, true
		}
		return c.weekdayDate(wd, "this"), 1, true
	}
	if k, unit, ok := countUnit(w, u.word(i+1)); ok && u.word(i+2) == "ago" && (unit == "day" || unit == "week") {
		return c.day(-k * unitDays(unit)), 3, true
	}
	if t, ok := parseISODate(w, c.now.Location()); ok {
		return t, 1, true
	}
	if t, ok := c.slashDate(w, dir); ok {
		return t, 1, true
	}
	// "Nov 2", "November 2nd, 2026"
	if m, ok := month(w); ok {
		if d, ok := dayNumber(u.word(i + 1)); ok {
			n := 2
			y, hasYear := yearNumber(u.word(i + 2))
			if hasYear {
				n = 3
			}
			if t, ok := c.monthDay(m, d, y, hasYear, dir); ok {
				return t, n, true
			}
		}
	}
	// "2 Nov", "2nd of November 2026"
	if d, ok := dayNumber(w); ok {
		j := i + 1
		if u.word(j) == "of" {
			j++
		}
		if m, ok := month(u.word(j)); ok {
			y, hasYear := yearNumber(u.word(j + 1))
			n := j - i + 1
			if hasYear {
				n++
			}
			if t, ok := c.monthDay(m, d, y, hasYear, dir); ok {
				return t, n, true
			}
		}
	}
	// "the 3rd" is handled above; a bare ordinal ("on 3rd") too.
	if d, ok := ordinalDay(w); ok && u.word(i-1) == "on" && !u.monthNear(i+1) {
		if t, ok := c.dayOfMonth(d, dir); ok {
			return t, 1, true
		}
	}
	return time.Time{}, 0, false
}

func (u *utterance) monthNear(i int) bool {
	if u.word(i) == "of" {
		i++
	}
	_, ok := month(u.word(i))
	return ok
}

// weekdayDate resolves a weekday: "last" is strictly before today, "next" strictly
// after, "this"/"coming" today or later, "past" today or earlier.
func (c clock) weekdayDate(wd time.Weekday, mode string) time.Time {
	diff := int(wd) - int(c.now.Weekday())
	switch mode {
	case "last":
		if diff >= 0 {
			diff -= 7
		}
	case "next":
		if diff <= 0 {
			diff += 7
		}
	case "past":
		if diff > 0 {
			diff -= 7
		}
	default: // this, coming
		if diff < 0 {
			diff += 7
		}
	}
	return c.day(diff)
}

// dayOfMonth resolves "the 3rd": this month, or the previous (past) or next (future)
// month when this month's one lies the other way.
func (c clock) dayOfMonth(d int, dir dateDir) (time.Time, bool) {
	y, m, today := c.now.Date()
	switch {
	case dir == past && d > today:
		m--
	case dir == future && d < today:
		m++
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, c.now.Location())
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// monthDay resolves a month and day; without a year, the nearest one in dir.
func (c clock) monthDay(m time.Month, d, y int, hasYear bool, dir dateDir) (time.Time, bool) {
	if !hasYear {
		y = c.now.Year()
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, c.now.Location())
	if t.Day() != d || t.Month() != m {
		return time.Time{}, false
	}
	if !hasYear {
		today := c.day(0)
		if dir == past && t.After(today) {
			t = t.AddDate(-1, 0, 0)
		} else if dir == future && t.Before(today) {
			t = t.AddDate(1, 0, 0)
		}
		if t.Day() != d { // Feb 29 moved to a common year
			return time.Time{}, false
		}
	}
	return t, true
}

// slashDate reads "11/2", "11/02/2026" or "2/11/26" (day first outside the US).
func (c clock) slashDate(w string, dir dateDir) (time.Time, bool) {
	if strings.Count(w, "/") != 1 && strings.Count(w, "/") != 2 {
		return time.Time{}, false
	}
	parts := strings.Split(w, "/")
	a, err1 := smallInt(parts[0])
	b, err2 := smallInt(parts[1])
	if !err1 || !err2 {
		return time.Time{}, false
	}
	m, d := a, b
	if !c.monthFirst {
		m, d = b, a
	}
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	y, hasYear := 0, false
	if len(parts) == 3 {
		v, ok := smallInt(parts[2])
		switch {
		case !ok:
			return time.Time{}, false
		case len(parts[2]) == 2:
			y = 2000 + v
		case len(parts[2]) == 4 && v >= 1900 && v <= 2200:
			y = v
		default:
			return time.Time{}, false
		}
		hasYear = true
	}
	return c.monthDay(time.Month(m), d, y, hasYear, dir)
}

// parseISODate reads YYYY-MM-DD.
func parseISODate(w string, loc *time.Location) (time.Time, bool) {
	if len(w) != 10 || w[4] != '-' || w[7] != '-' {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(time.DateOnly, w, loc)
	if err != nil || t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, false
	}
	return t, true
}

// smallInt parses 1 to 4 ASCII digits.
func smallInt(s string) (int, bool) {
	if len(s) == 0 || len(s) > 4 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// dayNumber reads "2", "02", "2nd", "23rd" as a day of the month.
func dayNumber(w string) (int, bool) {
	if d, ok := ordinalDay(w); ok {
		return d, true
	}
	if len(w) > 2 {
		return 0, false
	}
	d, ok := smallInt(w)
	return d, ok && d >= 1 && d <= 31
}

// ordinalDay reads "1st", "2nd", "3rd", "24th" (a suffix is required).
func ordinalDay(w string) (int, bool) {
	if len(w) < 3 || len(w) > 4 {
		return 0, false
	}
	switch w[len(w)-2:] {
	case "st", "nd", "rd", "th":
	default:
		return 0, false
	}
	d, ok := smallInt(w[:len(w)-2])
	return d, ok && d >= 1 && d <= 31
}

func yearNumber(w string) (int, bool) {
	if len(w) != 4 {
		return 0, false
	}
	y, ok := smallInt(w)
	return y, ok && y >= 1900 && y <= 2200
}

func weekday(w string) (time.Weekday, bool) {
	switch w {
	case "sunday", "sundays":
		return time.Sunday, true
	case "monday", "mondays":
		return time.Monday, true
	case "tuesday", "tuesdays", "tues":
		return time.Tuesday, true
	case "wednesday", "wednesdays", "weds":
		return time.Wednesday, true
	case "thursday", "thursdays", "thurs":
		return time.Thursday, true
	case "friday", "fridays":
		return time.Friday, true
	case "saturday", "saturdays":
		return time.Saturday, true
	}
	return 0, false
}

func month(w string) (time.Month, bool) {
	switch w {
	case "january", "jan":
		return time.January, true
	case "february", "feb":
		return time.February, true
	case "march", "mar":
		return time.March, true
	case "april", "apr":
		return time.April, true
	case "may":
		return time.May, true
	case "june", "jun":
		return time.June, true
	case "july", "jul":
		return time.July, true
	case "august", "aug":
		return time.August, true
	case "september", "sept", "sep":
		return time.September, true
	case "october", "oct":
		return time.October, true
	case "november", "nov":
		return time.November, true
	case "december", "dec":
		return time.December, true
	}
	return 0, false
}

// countUnit reads "3 days", "a week", "two hours".
func countUnit(n, unit string) (int, string, bool) {
	k, ok := smallCount(n)
	if !ok {
		return 0, "", false
	}
	switch strings.TrimSuffix(unit, "s") {
	case "day":
		return k, "day", true
	case "week":
		return k, "week", true
	case "hour", "hr":
		return k, "hour", true
	case "minute", "min":
		return k, "minute", true
	}
	return 0, "", false
}

func unitDays(unit string) int {
	if unit == "week" {
		return 7
	}
	return 1
}

// smallCount reads "3", "a", "an", "one" … "ten".
func smallCount(w string) (int, bool) {
	switch w {
	case "a", "an", "one":
		return 1, true
	case "two":
		return 2, true
	case "three":
		return 3, true
	case "four":
		return 4, true
	case "five":
		return 5, true
	case "six":
		return 6, true
	case "seven":
		return 7, true
	case "ten":
		return 10, true
	}
	if n, ok := smallInt(w); ok && n <= 1000 {
		return n, true
	}
	return 0, false
}

// findTime finds a time of day ("10am", "10:30 pm", "14:00", "noon", "at 3"),
// marks its tokens used and returns hour and minute.
func (u *utterance) findTime() (h, m int, ok bool) {
	for i := range u.toks {
		if u.used.has(i) {
			continue
		}
		h, m, n, ok := u.timeAt(i)
		if !ok {
			continue
		}
		for k := i; k < i+n; k++ {
			u.used.set(k)
		}
		if u.word(i-1) == "at" || u.word(i-1) == "by" {
			u.used.set(i - 1)
		}
		return h, m, true
	}
	return 0, 0, false
}

func (u *utterance) timeAt(i int) (h, m, n int, ok bool) {
	w := u.word(i)
	switch w {
	case "noon", "midday":
		return 12, 0, 1, true
	case "midnight":
		return 0, 0, 1, true
	}
	// "10am", "10:30pm"
	for _, suf := range [...]string{"am", "pm", "a.m", "p.m"} {
		if len(w) > len(suf) && strings.HasSuffix(w, suf) {
			if h, m, ok := clockTime(w[:len(w)-len(suf)], suf[0] == 'p'); ok {
				return h, m, 1, true
			}
		}
	}
	next := u.word(i + 1)
	switch next {
	case "am", "pm", "a.m", "p.m":
		if h, m, ok := clockTime(w, next[0] == 'p'); ok {
			return h, m, 2, true
		}
	}
	// "14:00"
	if strings.IndexByte(w, ':') > 0 {
		if h, m, ok := clock24(w); ok {
			return h, m, 1, true
		}
	}
	// "at 3", "at 7 o'clock": 1–6 read as afternoon, 7–11 as morning.
	if u.word(i-1) == "at" {
		if h, ok := smallInt(w); ok && len(w) <= 2 && h >= 1 && h <= 12 && (!isUnitWord(next) || next == "o'clock") && currencyWord(next) == "" {
			n := 1
			if next == "o'clock" {
				n = 2
			}
			if h >= 1 && h <= 6 {
				h += 12
			}
			return h, 0, n, true
		}
	}
	return 0, 0, 0, false
}

// clockTime reads "10" or "10:30" on a 12-hour clock.
func clockTime(s string, pm bool) (int, int, bool) {
	hs, ms, hasMin := strings.Cut(s, ":")
	h, ok := smallInt(hs)
	if !ok || len(hs) > 2 || h < 1 || h > 12 {
		return 0, 0, false
	}
	m := 0
	if hasMin {
		if m, ok = smallInt(ms); !ok || len(ms) != 2 || m > 59 {
			return 0, 0, false
		}
	}
	if h == 12 {
		h = 0
	}
	if pm {
		h += 12
	}
	return h, m, true
}

// clock24 reads "14:00".
func clock24(s string) (int, int, bool) {
	hs, ms, _ := strings.Cut(s, ":")
	h, ok1 := smallInt(hs)
	m, ok2 := smallInt(ms)
	if !ok1 || !ok2 || len(hs) > 2 || len(ms) != 2 || h > 23 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// findIn finds "in 2 hours" / "in 30 minutes" / "in an hour" and returns the offset.
func (u *utterance) findIn() (time.Duration, bool) {
	for i := range u.toks {
		if u.word(i) != "in" || u.used.has(i) {
			continue
		}
		k, unit, ok := countUnit(u.word(i+1), u.word(i+2))
		if !ok || (unit != "hour" && unit != "minute") {
			continue
		}
		u.used.set(i)
		u.used.set(i + 1)
		u.used.set(i + 2)
		if unit == "hour" {
			return time.Duration(k) * time.Hour, true
		}
		return time.Duration(k) * time.Minute, true
	}
	return 0, false
}
