package safety

// The detector's readings before their allocation-free fast paths, kept as
// the reference the fast paths must match exactly (see
// FuzzReadingsMatchReference and TestScanMatchesReferenceOnCorpora).

import (
	"html"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func refNormalize(s string) string {
	s = strings.ToValidUTF8(s, "")
	if strings.ContainsAny(s, "&%") {
		s = html.UnescapeString(s)
		if u, err := url.PathUnescape(s); err == nil && utf8.ValidString(u) {
			s = u
		}
	}
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if invisible(r) || r == '\u200d' || unicode.Is(unicode.Mn, r) && r >= 0xfe00 && r <= 0xfe0f {
			return -1
		}
		return r
	}, s)
	s = norm.NFKC.String(s)
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if c, ok := confusables[r]; ok {
			return c
		}
		return r
	}, s)
	s = stripMarks(s)
	s = spacedLetters.ReplaceAllStringFunc(s, joinSpaced)
	s = spaces.ReplaceAllString(s, " ")
	return s
}

func refUnleet(s string) string {
	words := strings.Fields(s)
	mixed := func(w string) (hasLetter, hasLeet bool) {
		for _, r := range w {
			if unicode.IsLetter(r) {
				hasLetter = true
			} else if _, ok := leet[r]; ok {
				hasLeet = true
			}
		}
		return
	}
	nMixed := 0
	for _, w := range words {
		if l, d := mixed(w); l && d {
			nMixed++
		}
	}
	changed := false
	for i, w := range words {
		hasLetter, hasLeet := mixed(w)
		if !hasLeet || (!hasLetter && nMixed < 2) {
			continue
		}
		words[i] = strings.Map(func(r rune) rune {
			if c, ok := leet[r]; ok {
				return c
			}
			return r
		}, w)
		changed = true
	}
	if !changed {
		return s
	}
	return strings.Join(words, " ")
}

func refDepunct(s string) string {
	s = strings.Map(func(r rune) rune {
		if r != '\'' && r != '_' && (unicode.IsPunct(r) || unicode.IsSymbol(r)) {
			return ' '
		}
		return r
	}, s)
	s = spacedLetters.ReplaceAllStringFunc(s, joinSpaced)
	return strings.Join(strings.Fields(s), " ")
}

func refReadings(raw string) []variant {
	n := refNormalize(raw)
	out := []variant{{text: n}}
	if u := refUnleet(n); u != n {
		out = append(out, variant{text: u})
	}
	if p := refDepunct(n); p != n && strings.Count(n, ".")+strings.Count(n, ",")+strings.Count(n, ";") >= 3 {
		out = append(out, variant{text: p})
	}
	for _, p := range decodePayloads(raw) {
		out = append(out, variant{text: refNormalize(p), decoded: true})
		// One more layer: base64 of hex, hex of base64, rot13 of base64.
		for _, q := range decodePayloads(p) {
			out = append(out, variant{text: refNormalize(q), decoded: true})
		}
	}
	if t, ok := decodeTags(raw); ok {
		out = append(out, variant{text: refNormalize(t), decoded: true})
	}
	if refLooksLikeRot13(n) {
		out = append(out, variant{text: rot13(n), decoded: true})
	}
	return out
}

func refLooksLikeRot13(s string) bool {
	count := func(t string) int {
		n := 0
		for _, w := range strings.FieldsFunc(t, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if commonWords[w] {
				n++
			}
		}
		return n
	}
	before, after := count(s), count(rot13(s))
	return after >= 2 && after > before
}

func refFamilyScores(text string) map[string]float64 {
	out := map[string]float64{}
	lits := newLiteralCache(text)
	for fam, sigs := range signals {
		if sc := familyScore(sigs, text, lits); sc > 0 {
			out[fam] = sc
		}
	}
	return out
}

func refScan(d *Detector, text string) Verdict {
	if len(text) > d.cfg.MaxScanChars {
		half := d.cfg.MaxScanChars / 2
		text = strings.ToValidUTF8(text[:half]+"\n"+text[len(text)-half:], "")
	}
	best := map[string]float64{}
	hidden := map[string]string{}
	for _, v := range refReadings(text) {
		for fam, s := range refFamilyScores(v.text) {
			if s > best[fam] {
				best[fam] = s
				if v.decoded {
					hidden[fam] = CategoryEncoded
				} else {
					delete(hidden, fam)
				}
			}
		}
	}
	// An attack that only shows after normalization was disguised; the plain
	// lower-cased text is scored only for the families that need it.
	plain := strings.ToLower(text)
	var plainLits *literalCache
	for fam, s := range best {
		if s < d.cfg.FlagThreshold {
			continue
		}
		if hidden[fam] == "" && plainLits == nil {
			plainLits = newLiteralCache(plain)
		}
		if hidden[fam] == "" && familyScore(signals[fam], plain, plainLits) < d.cfg.FlagThreshold {
			hidden[fam] = CategoryObfuscated
		}
		if hidden[fam] != "" { // disguising an attack is itself a strong signal
			best[fam] = 1 - (1-s)*0.4
		}
	}
	miss := 1.0
	for _, s := range best {
		miss *= 1 - s
	}
	v := Verdict{Score: 1 - miss, Decision: Allow}
	switch {
	case v.Score >= d.cfg.BlockThreshold:
		v.Decision = Block
	case v.Score >= d.cfg.FlagThreshold:
		v.Decision = Flag
	}
	if v.Decision != Allow {
		v.Categories = categories(best, hidden, 0.3)
	}
	return v
}
