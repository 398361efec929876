package rules

import "strings"

// placeStop ends a place name: "Moab tomorrow", "Denver to Moab", "Flagstaff under $40".
func placeStop(w string) bool {
	switch w {
	case "to", "from", "via", "through", "in", "near", "around", "at", "for", "on", "with", "under", "below",
		"and", "that", "which", "please", "within", "by", "starting", "leaving", "departing", "next", "this",
		"tomorrow", "today", "tonight", "weekend", "week", "budget", "over", "the", "during", "then", "after",
		"before", "is", "will", "be", "like", "going", "tomorrow's", "today's", "right", "now", "cost", "costs",
		"using", "taking", "avoiding", "max", "less", "cheaper", "-", "&", "/", "or", "a", "an", "last",
		"if", "when", "so", "i", "we", "it", "stop", "stops", "":
		return true
	}
	return false
}

// nearHere reports words that mean "where I am" rather than a place.
func nearHere(w string) bool {
	switch w {
	case "me", "here", "us", "my", "current", "our", "this", "nearby", "where":
		return true
	}
	return false
}

// placeFrom reads a place name starting at token i (up to five words), returning
// its original spelling and the index after it. "" means no place there.
func (u *utterance) placeFrom(i int) (string, int) {
	if i >= len(u.toks) || nearHere(u.word(i)) {
		return "", i
	}
	if u.word(i) == "the" && !placeStop(u.word(i+1)) {
		i++
	}
	j := i
	for j < len(u.toks) && j-i < 5 && !u.used.has(j) && (!placeStop(u.word(j)) || u.isStateCode(j)) {
		if _, ok := weekday(u.word(j)); ok {
			break
		}
		j++
	}
	if j == i {
		return "", i
	}
	c := u.orig[u.toks[i].start]
	if !(isLetter(c) || isDigit(c) || c >= 0x80) {
		return "", i
	}
	return u.span(i, j), j
}

// isStateCode reports a region code written after a comma: "Portland, OR", "Moab, UT".
func (u *utterance) isStateCode(j int) bool {
	t := u.toks[j]
	if j == 0 || t.end-t.start != 2 || !strings.HasSuffix(u.orig[u.toks[j-1].start:u.toks[j-1].end+1], ",") {
		return false
	}
	return u.orig[t.start] >= 'A' && u.orig[t.start] <= 'Z' && u.orig[t.start+1] >= 'A' && u.orig[t.start+1] <= 'Z'
}

// placeAfter finds the first of preps at or after from and reads the place after it.
func (u *utterance) placeAfter(from int, preps ...string) (string, int) {
	for i := max(from, 0); i < len(u.toks); i++ {
		if u.used.has(i) {
			continue
		}
		for _, p := range preps {
			if u.toks[i].s == p {
				if place, end := u.placeFrom(i + 1); place != "" {
					return place, end
				}
			}
		}
	}
	return "", -1
}
