package rules

import (
	"strings"
	"time"
)

// localDateTime renders the catalog's local date-time: "2026-11-27T10:00".
func localDateTime(t time.Time) string { return t.Format("2006-01-02T15:04") }

// connective words are dropped from the edges of a title.
func connective(w string) bool {
	switch w {
	case "at", "on", "by", "for", "to", "this", "next", "in", "the", "please", "and", "about", "that", "of", "from", "-", "":
		return true
	}
	return false
}

// title joins the unused tokens of [i, j) in their original spelling, trimmed of connectives.
func (u *utterance) title(i, j int) string {
	j = min(j, len(u.toks))
	for i < j && (u.used.has(i) || connective(u.word(i))) {
		i++
	}
	for j > i && (u.used.has(j-1) || connective(u.word(j-1))) {
		j--
	}
	var b strings.Builder
	for k := i; k < j; k++ {
		if u.used.has(k) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(u.orig[u.toks[k].start:u.toks[k].end])
	}
	return capitalize(strings.TrimRight(b.String(), ",.;:"))
}

// calendarSpan finds where a reminder's title starts and ends.
func (u *utterance) calendarSpan() (start, end int, ok bool) {
	end = len(u.toks)
	if c := u.find(0, "calendar"); c >= 0 {
		k := c - 1
		for k > 0 && (u.word(k) == "my" || u.word(k) == "the" || u.word(k) == "our") {
			k--
		}
		if w := u.word(k); w == "to" || w == "on" || w == "in" || w == "onto" {
			end = k
		} else {
			end = c
		}
	}
	for i, tk := range u.toks {
		switch tk.s {
		case "remind":
			j := i + 1
			if w := u.word(j); w == "me" || w == "us" {
				j++
			}
			if w := u.word(j); w == "to" || w == "about" || w == "that" || w == "of" {
				j++
			}
			return j, end, true
		case "reminder":
			j := i + 1
			if w := u.word(j); w == "to" || w == "for" || w == "about" || w == "that" {
				j++
			}
			return j, end, true
		case "schedule", "add", "put", "book":
			j := i + 1
			for isArticle(u.word(j)) {
				j++
			}
			if u.word(j) == "reminder" || u.word(j) == "event" {
				continue
			}
			return j, end, true
		}
	}
	return 0, end, false
}

func calendarAddIntent(t *turn) (plan, bool) {
	u := t.u
	remind := u.has("remind", "reminder")
	toCalendar := u.has("calendar") && u.has("add", "put", "schedule", "create", "book")
	schedule := u.has("schedule", "book") && !u.isQuestion()
	if !remind && !toCalendar && !schedule {
		return plan{}, false
	}
	if u.has("cancel", "delete", "remove", "clear") {
		return say("I can't remove calendar events on my own yet. Open the event in your calendar to delete it, or ask me what's on your calendar to find it."), true
	}
	if !remind && !toCalendar && u.has("maintenance") && !u.hasPrefix("appoint") {
		return plan{}, false
	}
	start, end, _ := u.calendarSpan()
	var at time.Time
	allDay := false
	if d, ok := u.findIn(); ok {
		at = t.c.now.Add(d).Truncate(time.Minute)
	} else {
		date, hasDate := u.findDate(t.c, future)
		h, m, hasTime := u.findTime()
		if !hasTime {
			h, m, hasTime = u.partOfDay()
		}
		switch {
		case hasDate && hasTime:
			at = date.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
		case hasTime:
			at = t.c.day(0).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
			if !at.After(t.c.now) {
				at = at.AddDate(0, 0, 1)
			}
		case hasDate:
			at, allDay = date, true
		default:
			return say(askWhen + " For example: \"Remind me to dump tanks Friday at 10am\"."), true
		}
		if !allDay && at.Before(t.c.now) {
			return say("That time has already passed. When should it be instead?"), true
		}
		if allDay && at.Before(t.c.day(0)) {
			return say("That date has already passed. When should it be instead?"), true
		}
	}
	title := u.title(start, end)
	if title == "" {
		return say(askTitle + " For example: \"Remind me to dump tanks Friday at 10am\"."), true
	}
	a := newArgs().str("title", clip(title, 200))
	if allDay {
		a.date("start", at).bool("all_day", true)
	} else {
		a.str("start", localDateTime(at))
	}
	return call("create_calendar_event", a), true
}

// partOfDay reads "morning", "afternoon", "evening" as 09:00, 14:00, 18:00.
func (u *utterance) partOfDay() (int, int, bool) {
	for i, tk := range u.toks {
		if u.used.has(i) {
			continue
		}
		h := -1
		switch tk.s {
		case "morning":
			h = 9
		case "afternoon":
			h = 14
		case "evening":
			h = 18
		}
		if h >= 0 {
			u.used.set(i)
			if w := u.word(i - 1); w == "in" || w == "the" || w == "this" {
				u.used.set(i - 1)
				if u.word(i-2) == "in" {
					u.used.set(i - 2)
				}
			}
			return h, 0, true
		}
	}
	return 0, 0, false
}

func calendarListIntent(t *turn) (plan, bool) {
	u := t.u
	asks := u.hasPrefix("calendar", "schedule", "agenda", "event", "appointment", "reminders", "plans") &&
		(u.isQuestion() || u.has("upcoming", "next", "coming")) ||
		u.phrase("coming", "up") >= 0 || u.has("upcoming") ||
		u.isQuestion() && (u.phrase("do", "i", "have") >= 0 || u.phrase("do", "we", "have") >= 0 || u.has("planned")) && !u.has("budget", "spent", "saved")
	if !asks {
		return plan{}, false
	}
	a := newArgs()
	today := t.c.day(0)
	wd := (int(t.c.now.Weekday()) + 6) % 7 // days since Monday
	switch {
	case u.phrase("next", "week") >= 0:
		mon := today.AddDate(0, 0, 7-wd)
		a.date("from", mon).date("to", mon.AddDate(0, 0, 6))
	case u.phrase("this", "week") >= 0:
		a.date("from", today).date("to", today.AddDate(0, 0, 6-wd))
	case u.has("weekend"):
		sat := today.AddDate(0, 0, (5-wd+7)%7)
		if wd == 6 {
			sat = today
		}
		a.date("from", sat).date("to", today.AddDate(0, 0, 6-wd))
	case u.phrase("this", "month") >= 0:
		y, m, _ := today.Date()
		a.date("from", today).date("to", time.Date(y, m+1, 0, 0, 0, 0, 0, today.Location()))
	default:
		if d, ok := u.findDate(t.c, future); ok {
			a.date("from", d).date("to", d)
		}
	}
	return call("get_calendar_events", a), true
}
