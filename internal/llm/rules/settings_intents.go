package rules

import "strings"

// currencyCode reads a currency the user names: "AUD", "euros", "australian dollars".
func (u *utterance) currencyCode() string {
	for i, tk := range u.toks {
		switch tk.s {
		case "usd", "aud", "cad", "nzd", "eur", "gbp", "jpy", "mxn", "inr", "chf", "zar", "sek", "nok", "dkk":
			return strings.ToUpper(tk.s)
		case "australian", "aussie":
			return "AUD"
		case "canadian":
			return "CAD"
		case "american":
			return "USD"
		case "us":
			if strings.HasPrefix(u.word(i+1), "dollar") {
				return "USD"
			}
		case "kiwi":
			return "NZD"
		case "new":
			if u.word(i+1) == "zealand" {
				return "NZD"
			}
		case "euro", "euros":
			return "EUR"
		case "pounds", "sterling", "british":
			return "GBP"
		case "yen":
			return "JPY"
		case "pesos", "peso", "mexican":
			return "MXN"
		}
	}
	return ""
}

// timeZone reads an IANA name ("America/Denver", typed in any case) or a common
// zone name ("mountain time").
func (u *utterance) timeZone() string {
	for k, tk := range u.toks {
		if tk.s != "/" || k == 0 || k+1 >= len(u.toks) {
			continue
		}
		end := k + 2
		for u.word(end) == "/" && end+1 < len(u.toks) {
			end += 2
		}
		return ianaCase(u.lower[u.toks[k-1].start:u.toks[end-1].end])
	}
	return u.namedZone()
}

// namedZone reads a common zone name ("mountain", "pacific", "UTC").
func (u *utterance) namedZone() string {
	for _, tk := range u.toks {
		switch tk.s {
		case "utc", "gmt":
			return "UTC"
		case "eastern", "est", "edt":
			return "America/New_York"
		case "central", "cst", "cdt":
			return "America/Chicago"
		case "mountain", "mst", "mdt":
			return "America/Denver"
		case "arizona":
			return "America/Phoenix"
		case "pacific", "pst", "pdt":
			return "America/Los_Angeles"
		case "alaska", "akst":
			return "America/Anchorage"
		case "hawaii", "hst":
			return "Pacific/Honolulu"
		case "atlantic":
			return "America/Halifax"
		}
	}
	return ""
}

// ianaCase restores the usual spelling of a lower-cased IANA name: "america/los_angeles" → "America/Los_Angeles".
func ianaCase(s string) string {
	b := []byte(s)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '/' || c == '_' || c == '-'
	}
	return string(b)
}

func (u *utterance) languageCode() string {
	for _, tk := range u.toks {
		switch tk.s {
		case "english":
			return "en"
		case "spanish", "español", "espanol":
			return "es"
		case "french", "français", "francais":
			return "fr"
		case "german", "deutsch":
			return "de"
		case "italian":
			return "it"
		case "portuguese":
			return "pt"
		}
	}
	return ""
}

func settingsIntent(t *turn) (plan, bool) {
	u := t.u
	zoneWords := u.has("timezone", "tz") || u.phrase("time", "zone") >= 0 || u.has("time") && u.namedZone() != ""
	wants := u.has("switch", "change", "set", "use", "prefer", "make", "convert", "update", "want", "is", "to", "units") ||
		u.word(0) == "metric" || u.word(0) == "imperial" || zoneWords && !u.isQuestion()
	if !wants || u.hasPrefix("budget", "spent", "paid", "remind") || u.maintenanceTask() != "" {
		return plan{}, false
	}
	a := newArgs()
	n := 0
	unitsChange := u.has("units", "use", "prefer") || u.phrase("switch", "to") >= 0 || u.phrase("change", "to") >= 0 ||
		u.phrase("convert", "to") >= 0 || u.phrase("set", "to") >= 0
	switch {
	case u.has("metric") || unitsChange && u.has("kilometers", "kilometres", "km", "celsius", "litres", "liters"):
		a.str("units", "metric")
		n++
	case u.has("imperial") || unitsChange && u.has("miles", "fahrenheit", "gallons"):
		a.str("units", "imperial")
		n++
	}
	if u.has("currency") || u.has("switch", "change", "use", "set") && !u.has("spent") {
		if c := u.currencyCode(); c != "" {
			a.str("currency", c)
			n++
		}
	}
	if zoneWords && !(u.isQuestion() && u.timeZone() == "") {
		if z := u.timeZone(); z != "" {
			a.str("time_zone", z)
			n++
		} else {
			return say("Which time zone? Please give its name, for example \"My time zone is America/Denver\"."), true
		}
	}
	if u.has("language") {
		if l := u.languageCode(); l != "" {
			a.str("language", l)
			n++
		}
	}
	if n == 0 {
		return plan{}, false
	}
	return call("update_settings", a), true
}

func profileIntent(t *turn) (plan, bool) {
	u := t.u
	if name := u.displayName(); name != "" {
		return call("update_profile", newArgs().str("display_name", clip(name, 100))), true
	}
	if u.has("profile", "settings", "preferences", "account") && (u.isQuestion() || u.has("my", "view", "see")) {
		return call("get_profile", newArgs()), true
	}
	return plan{}, false
}

// displayName reads "call me Bob", "my name is Bob", "set my name to Bob".
func (u *utterance) displayName() string {
	for _, p := range [...][]string{{"call", "me"}, {"my", "name", "is"}, {"my", "name", "to"}, {"name", "to"}} {
		if i := u.phrase(p...); i >= 0 && !u.isQuestion() {
			return u.span(i+len(p), min(i+len(p)+4, len(u.toks)))
		}
	}
	return ""
}

func knowledgeIntent(t *turn) (plan, bool) {
	u := t.u
	if u.phrase("get", "to") >= 0 {
		return plan{}, false // "how do I get to Moab" is a route question
	}
	if u.has("tips", "tip", "advice", "recommend", "recommendations") || u.phrase("how", "do", "i") >= 0 ||
		u.phrase("how", "to") >= 0 || u.phrase("how", "do", "you") >= 0 || u.phrase("best", "way") >= 0 {
		q := clip(strings.TrimSpace(u.orig), 200)
		return call("search_knowledge", newArgs().str("query", q)), true
	}
	return plan{}, false
}
