package rules

import "time"

// period is a reporting window: a named period ("this_month") or explicit dates.
type period struct {
	name     string // today, yesterday, this_week, last_week, this_month, last_month, this_year, all
	from, to string // YYYY-MM-DD, for windows without a name ("in October")
}

func (p period) set(a *args) {
	a.str("period", p.name)
	a.str("from", p.from)
	a.str("to", p.to)
}

// findPeriod finds a reporting window in u; ok is false when none is written.
func (u *utterance) findPeriod(c clock) (period, bool) {
	for i := range u.toks {
		if u.used.has(i) {
			continue
		}
		w, next := u.word(i), u.word(i+1)
		var p period
		n := 1
		switch w {
		case "today":
			p.name = "today"
		case "yesterday":
			p.name = "yesterday"
		case "this", "current":
			n = 2
			switch next {
			case "week":
				p.name = "this_week"
			case "month":
				p.name = "this_month"
			case "year":
				p.name = "this_year"
			}
		case "last", "past", "previous":
			n = 2
			switch next {
			case "week":
				p.name = "last_week"
			case "month":
				p.name = "last_month"
			case "year":
				y := c.now.Year() - 1
				p.from, p.to = isoDate(time.Date(y, 1, 1, 0, 0, 0, 0, c.now.Location())), isoDate(time.Date(y, 12, 31, 0, 0, 0, 0, c.now.Location()))
			}
		case "weekly":
			p.name = "this_week"
		case "monthly":
			p.name = "this_month"
		case "ytd":
			p.name = "this_year"
		case "all":
			if next == "time" || next == "together" {
				n = 2
				p.name = "all"
			}
		case "ever", "overall", "altogether":
			p.name = "all"
		case "so":
			if next == "far" {
				n = 2
				p.name = "this_month"
			}
		case "in", "during", "for":
			if m, ok := month(next); ok && (next != "may" || i+2 == len(u.toks)) {
				n = 2
				y := c.now.Year()
				if m > c.now.Month() {
					y--
				}
				if yy, ok := yearNumber(u.word(i + 2)); ok {
					y, n = yy, 3
				}
				first := time.Date(y, m, 1, 0, 0, 0, 0, c.now.Location())
				p.from, p.to = isoDate(first), isoDate(first.AddDate(0, 1, -1))
			}
		}
		if p.name != "" || p.from != "" {
			for k := i; k < i+n; k++ {
				u.used.set(k)
			}
			return p, true
		}
	}
	return period{}, false
}
