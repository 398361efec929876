package tools

import (
	"sort"
	"strings"
	"unicode"
)

// Definitions returns the tools role may use whose outside sources are up:
// a tool with Sources stays while at least one of them is available.
// available may be nil (everything is up).
func (e *Executor) Definitions(role string, available func(source string) bool) []*Tool {
	all := e.reg.ForRole(role)
	out := all[:0] // filtered in place: ForRole's slice is the caller's own
	for _, t := range all {
		if available != nil && len(t.Sources) > 0 {
			up := false
			for _, s := range t.Sources {
				if available(s) {
					up = true
					break
				}
			}
			if !up {
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// DefaultPrefilterMax is how many tools the prefilter keeps when max <= 0.
const DefaultPrefilterMax = 15

// categoryWords are words that point at a category of tools.
var categoryWords = map[string][]string{
	CategoryMoney:     {"spend", "spent", "spending", "expense", "expenses", "budget", "budgets", "cost", "paid", "pay", "bought", "money", "save", "saved", "savings", "dollars", "bucks", "receipt", "afford", "report", "groceries", "food"},
	CategoryFuel:      {"fuel", "gas", "diesel", "petrol", "fill", "filled", "fillup", "gallons", "gallon", "liters", "litres", "mpg", "tank", "pump"},
	CategoryVehicle:   {"vehicle", "rv", "truck", "trailer", "maintenance", "oil", "tire", "tires", "service", "brakes", "odometer", "repair", "due", "motorhome"},
	CategoryTrip:      {"trip", "route", "drive", "driving", "miles", "km", "park", "parks", "campground", "camp", "camping", "weather", "forecast", "rain", "attractions", "visit", "travel", "directions", "far", "long", "spot"},
	CategoryCalendar:  {"calendar", "appointment", "remind", "reminder", "event", "events", "schedule", "meeting", "tomorrow", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"},
	CategoryProfile:   {"profile", "settings", "currency", "units", "metric", "imperial", "timezone", "zone", "language", "name", "export", "data"},
	CategoryKnowledge: {"how", "what", "why", "tips", "advice", "guide", "rules", "help"},
	CategoryAdmin:     {"users", "user", "account", "accounts", "admin", "knowledge"},
}

// Prefilter returns at most max (DefaultPrefilterMax when max <= 0) of ts
// most relevant to text: first every tool one of whose Keywords appears, then
// by words shared with the tool's name, category and description. Ties keep
// ts's order.
func Prefilter(ts []*Tool, text string, max int) []*Tool {
	if max <= 0 {
		max = DefaultPrefilterMax
	}
	if len(ts) <= max {
		return append([]*Tool(nil), ts...)
	}
	lower := strings.ToLower(text)
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		words[w] = true
	}
	type scored struct {
		t       *Tool
		keyword bool
		score   int
		idx     int
	}
	list := make([]scored, len(ts))
	for i, t := range ts {
		s := scored{t: t, idx: i}
		for _, k := range t.Keywords {
			if k != "" && strings.Contains(lower, strings.ToLower(k)) {
				s.keyword = true
				break
			}
		}
		for _, part := range strings.Split(t.Name, "_") {
			if len(part) > 2 && words[part] {
				s.score += 3
			}
		}
		for _, w := range categoryWords[t.Category] {
			if words[w] {
				s.score += 2
			}
		}
		for _, w := range strings.Fields(strings.ToLower(t.Description)) {
			w = strings.Trim(w, ".,;:()\"'")
			if len(w) > 3 && words[w] {
				s.score++
			}
		}
		list[i] = s
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].keyword != list[j].keyword {
			return list[i].keyword
		}
		if list[i].score != list[j].score {
			return list[i].score > list[j].score
		}
		return list[i].idx < list[j].idx
	})
	out := make([]*Tool, 0, max)
	for _, s := range list[:max] {
		out = append(out, s.t)
	}
	return out
}
