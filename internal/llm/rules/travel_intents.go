package rules

import (
	"time"

	"github.com/pamtravel/pam/internal/geo"
)

// notPlaceStart reports verbs that follow "to" without naming a place ("want to go to Moab").
func notPlaceStart(w string) bool {
	switch w {
	case "go", "drive", "visit", "head", "get", "travel", "plan", "know", "see", "be", "do", "find", "make", "take", "camp", "stay":
		return true
	}
	return false
}

// destination reads the place after "to" (skipping "want to go to"), or "".
func (u *utterance) destination() (string, int) {
	for i := u.find(0, "to"); i >= 0; i = u.find(i+1, "to") {
		if u.used.has(i) || notPlaceStart(u.word(i+1)) {
			continue
		}
		if s, end := u.placeFrom(i + 1); s != "" {
			return s, end
		}
	}
	return "", -1
}

// hereMaxKm is how far the nearest town may be to stand for "here" as a trip's start.
const hereMaxKm = 40

// here names the town the user is at ("Denver, CO, US") when they named no start:
// the trip tools resolve place names, not coordinates. "" when unknown.
func (t *turn) here() string {
	if t.user.Location == nil || t.towns == nil {
		return ""
	}
	towns := t.towns()
	if towns == nil {
		return ""
	}
	p, _, ok := towns.Nearest(geo.Point{Lat: t.user.Location.Lat, Lng: t.user.Location.Lng}, 0, hereMaxKm)
	if !ok {
		return ""
	}
	return p.Label()
}

func travelTimeIntent(t *turn) (plan, bool) {
	u := t.u
	asks := (u.phrase("how", "long") >= 0 || u.phrase("how", "far") >= 0 || u.phrase("travel", "time") >= 0 ||
		u.phrase("drive", "time") >= 0 || u.phrase("driving", "time") >= 0 || u.phrase("how", "many", "miles") >= 0 ||
		u.phrase("how", "many", "hours") >= 0 || u.has("distance", "eta") || u.isQuestion() && u.phrase("get", "to") >= 0) &&
		!u.has("spent", "budget")
	if !asks {
		return plan{}, false
	}
	origin, _ := u.placeAfter(0, "from")
	dest, _ := u.destination()
	// "how far is Moab from Denver"
	if i := u.find(0, "is"); dest == "" && i >= 0 && u.word(i+1) != "it" {
		dest, _ = u.placeFrom(i + 1)
	}
	if dest == "" {
		return plan{}, false
	}
	if origin == "" {
		if origin = t.here(); origin == "" {
			return say(askStart + " For example: \"How long to drive from Denver to " + dest + "?\""), true
		}
	}
	return call("estimate_travel_time", newArgs().str("origin", origin).str("destination", dest)), true
}

func tripIntent(t *turn) (plan, bool) {
	u := t.u
	asks := (u.has("plan", "planning", "map", "route", "plot", "itinerary") && u.hasPrefix("trip", "route", "drive", "journey", "itinerary", "road")) ||
		u.phrase("trip", "to") >= 0 || u.phrase("trip", "from") >= 0 || u.phrase("route", "from") >= 0 || u.phrase("route", "to") >= 0 ||
		(u.has("want", "wanna", "plan", "planning", "thinking", "like", "let's", "lets") && u.has("go", "head", "drive", "travel") && u.has("to")) ||
		(u.has("drive", "driving", "head", "heading", "going") && u.has("from") && u.has("to") && !u.isQuestion())
	if !asks {
		return plan{}, false
	}
	start, hasStart := u.findDate(t.c, future)
	a := newArgs()
	var budget string
	if u.hasPrefix("budget") {
		am, refusal, ok := t.amount()
		if ok && refusal != "" {
			return say(refusal), true
		}
		if ok {
			budget = amountString(am.value)
		}
	}
	origin, _ := u.placeAfter(0, "from")
	dest, _ := u.destination()
	var stops []string
	for i := range u.toks {
		if w := u.word(i); (w == "via" || w == "through") && !u.used.has(i) {
			for j := i + 1; j < len(u.toks); {
				s, end := u.placeFrom(j)
				if s == "" {
					break
				}
				stops = append(stops, s)
				j = end
				if u.word(j) != "and" {
					break
				}
				j++
			}
			break
		}
	}
	if dest == "" {
		return say(askDestination + " For example: \"Plan a trip from Denver to Moab\"."), true
	}
	if origin == "" {
		if origin = t.here(); origin == "" {
			return say(askStart + " For example: \"Plan a trip from Denver to " + dest + "\"."), true
		}
	}
	a.str("origin", origin).str("destination", dest).strs("stops", stops)
	if hasStart {
		a.date("start_date", start)
	}
	a.str("budget", budget)
	return call("plan_trip", a), true
}

func weatherIntent(t *turn) (plan, bool) {
	u := t.u
	wi := -1
	for i, tk := range u.toks {
		switch tk.s {
		case "weather", "forecast", "rain", "raining", "snow", "snowing", "temperature", "temperatures", "temp",
			"windy", "wind", "storm", "storms", "sunny", "freezing", "frost", "hail", "cold", "hot", "warm", "chilly", "rainy", "snowy":
			wi = i
		}
		if wi >= 0 {
			break
		}
	}
	if wi < 0 {
		return plan{}, false
	}
	days := 1
	if u.word(wi) == "forecast" {
		days = 3
	}
	if d, ok := u.findDate(t.c, future); ok {
		diff := int(d.Sub(t.c.day(0)).Round(24*time.Hour) / (24 * time.Hour))
		if days = diff + 1; days > 7 {
			return say("I can only look at the weather from today up to a week ahead."), true
		}
	} else if i := u.find(0, "weekend"); i >= 0 {
		u.used.set(i)
		days = int(time.Sunday-t.c.now.Weekday()+7)%7 + 1
	} else if i := u.find(0, "week"); i >= 0 {
		u.used.set(i)
		days = 7
	} else {
		for i := range u.toks {
			if n, unit, ok := countUnit(u.word(i), u.word(i+1)); ok && unit == "day" {
				days = n
				u.used.set(i)
				u.used.set(i + 1)
				break
			}
			if w := u.word(i); len(w) > 4 && w[len(w)-4:] == "-day" {
				if n, ok := smallInt(w[:len(w)-4]); ok {
					days = n
					u.used.set(i)
					break
				}
			}
		}
	}
	if days < 1 {
		return say("I can only look at the weather from today up to a week ahead."), true
	}
	days = min(days, 7)
	a := newArgs()
	place, _ := u.placeAfter(0, "in", "for", "at", "near", "around", "over")
	if place == "" && u.namesBefore(wi) {
		place = u.span(0, wi) // "Moab weather tomorrow"
	}
	a.str("location", place).int("days", days)
	return call("get_weather_forecast", a), true
}

// namesBefore reports whether the words before token i are a capitalized place name,
// as in "Salt Lake City weather", rather than a request ("Check the weather").
func (u *utterance) namesBefore(i int) bool {
	if i <= 0 || i > 4 || u.isQuestion() {
		return false
	}
	for k := 0; k < i; k++ {
		switch u.word(k) {
		case "check", "show", "get", "give", "current", "local", "today's", "tomorrow's", "the", "my", "weather", "please", "any":
			return false
		}
		if c := u.orig[u.toks[k].start]; c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func rvParksIntent(t *turn) (plan, bool) {
	u := t.u
	asks := u.hasPrefix("campground", "campsite", "rv-park", "boondock", "caravan") || u.phrase("rv", "park") >= 0 ||
		u.phrase("rv", "parks") >= 0 || u.phrase("place", "to", "camp") >= 0 || u.phrase("place", "to", "stay") >= 0 ||
		u.phrase("somewhere", "to", "camp") >= 0 || u.phrase("place", "to", "park") >= 0 || u.phrase("rv", "spot") >= 0 ||
		(u.has("camp", "camping", "stay", "park") && u.has("where", "somewhere", "tonight") && !u.has("parked")) ||
		(u.phrase("dump", "station") >= 0 || u.has("hookups")) && u.has("near", "where", "find", "any", "nearest", "nearby")
	if !asks {
		return plan{}, false
	}
	a := newArgs()
	if near, _ := u.placeAfter(0, "near", "in", "around", "at", "outside", "by"); near != "" {
		a.str("near", near)
	}
prices:
	for i := range u.toks {
		switch u.word(i) {
		case "under", "below", "max", "cheaper", "less", "maximum":
			var buf [2]amount
			sub := utterance{orig: u.orig, lower: u.lower, toks: u.toks[i+1 : min(i+4, len(u.toks))]}
			if as := sub.findAmounts(t.user.Currency, buf[:0]); len(as) > 0 {
				if err := checkAmount(as[0].value); err != nil {
					return say("A price limit must be between 0.01 and 999,999.99; could you give another?"), true
				}
				a.amount("max_price", as[0].value)
				break prices
			}
		}
	}
	var amen []string // the values find_rv_parks accepts: power water dump showers toilets wifi pets rv
	for _, tk := range u.toks {
		switch tk.s {
		case "hookups", "hookup", "hook-ups":
			amen = appendOnce(appendOnce(amen, "power"), "water")
		case "electric", "electricity", "power", "30amp", "50amp":
			amen = appendOnce(amen, "power")
		case "water":
			amen = appendOnce(amen, "water")
		case "dump", "sewer":
			amen = appendOnce(amen, "dump")
		case "showers", "shower":
			amen = appendOnce(amen, "showers")
		case "toilets", "toilet", "restrooms", "restroom", "bathrooms", "bathroom":
			amen = appendOnce(amen, "toilets")
		case "wifi", "wi-fi", "internet":
			amen = appendOnce(amen, "wifi")
		case "pets", "pet", "dog", "dogs", "pet-friendly":
			amen = appendOnce(amen, "pets")
		}
	}
	a.strs("amenities", amen)
	return call("find_rv_parks", a), true
}

func appendOnce(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}

func attractionsIntent(t *turn) (plan, bool) {
	u := t.u
	kind, topic := "", false // kind is one of find_attractions' kinds: museum viewpoint park historic attraction
	for _, tk := range u.toks {
		switch tk.s {
		case "museum", "museums", "gallery", "galleries":
			kind = "museum"
		case "viewpoint", "viewpoints", "views", "scenic", "lookout", "overlook":
			kind = "viewpoint"
		case "hiking", "hikes", "hike", "trails", "trail", "nature", "wildlife", "national":
			kind = "park"
		case "parks", "park":
			if !u.has("rv") {
				kind = "park"
			}
		case "historic", "history", "historical", "monument", "monuments", "ruins", "fort", "memorial":
			kind = "historic"
		case "zoo", "aquarium", "theme":
			kind = "attraction"
		case "restaurants", "restaurant", "eat":
			topic = true
		}
	}
	topic = topic || kind != ""
	asks := u.phrase("things", "to", "do") >= 0 || u.phrase("what", "to", "see") >= 0 || u.phrase("what", "to", "do") >= 0 ||
		u.hasPrefix("attraction", "sightsee", "sights", "landmark") || u.phrase("points", "of", "interest") >= 0 ||
		(topic && (u.has("near", "around", "find", "any", "where", "best", "good") || u.isQuestion())) ||
		(u.has("see", "visit", "explore") && u.isQuestion() && u.has("in", "near", "around"))
	if !asks {
		return plan{}, false
	}
	a := newArgs()
	if near, _ := u.placeAfter(0, "near", "in", "around", "at", "outside", "by"); near != "" {
		a.str("near", near)
	}
	a.str("kind", kind)
	return call("find_attractions", a), true
}

func saveSpotIntent(t *turn) (plan, bool) {
	u := t.u
	if !(u.has("save", "bookmark", "favorite", "favourite", "remember", "mark") && u.has("spot", "place", "location", "site", "here", "campsite", "this")) {
		return plan{}, false
	}
	if t.user.Location == nil {
		return say("I don't know where you are right now, so I can't save this spot. Share your location and ask again."), true
	}
	name, nameAt := "", len(u.toks)
	for i, tk := range u.toks {
		if tk.s == "as" || tk.s == "called" || tk.s == "named" {
			name, nameAt = u.span(i+1, len(u.toks)), i
			break
		}
	}
	if name == "" {
		name = "Favorite spot (" + t.c.now.Format("Jan 2") + ")"
	}
	category := ""
	head := utterance{toks: u.toks[:nameAt]} // the spot's own name does not set its category
	if head.hasPrefix("camp", "boondock") {
		category = "camping"
	}
	a := newArgs().str("name", name).coord("lat", t.user.Location.Lat).coord("lng", t.user.Location.Lng).str("category", category)
	return call("save_favorite_spot", a), true
}
