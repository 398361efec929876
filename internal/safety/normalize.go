package safety

import (
	"encoding/base64"
	"encoding/hex"
	"html"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// confusables maps letters that look like Latin ones (Cyrillic, Greek, IPA,
// small capitals) to the Latin letter, after lower-casing.
var confusables = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c',
	'т': 't', 'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w',
	'һ': 'h', 'ӏ': 'l', 'ɡ': 'g', 'ү': 'y', 'ց': 'g', 'ո': 'n', 'ս': 'u',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't',
	'υ': 'u', 'χ': 'x', 'ω': 'w', 'ϲ': 'c', 'ϳ': 'j', 'μ': 'u',
	// IPA and small capitals
	'ɑ': 'a', 'ɩ': 'i', 'ɪ': 'i', 'ʀ': 'r', 'ʏ': 'y', 'ᴀ': 'a', 'ʙ': 'b', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e',
	'ɢ': 'g', 'ʜ': 'h', 'ᴊ': 'j', 'ᴋ': 'k', 'ʟ': 'l', 'ᴍ': 'm', 'ɴ': 'n', 'ᴏ': 'o', 'ᴘ': 'p', 'ꜱ': 's',
	'ᴛ': 't', 'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ᴢ': 'z', 'ı': 'i', 'ȷ': 'j', 'ſ': 's',
}

// leet undoes digit and symbol substitutions inside words.
var leet = map[rune]rune{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's', '!': 'i', '|': 'l', '8': 'b', '9': 'g'}

var (
	// spacedLetters finds words written letter by letter: "i g n o r e", "i.g.n.o.r.e", "i-g-n".
	// A single separator between letters; two spaces separate spelt-out words.
	spacedLetters = regexp.MustCompile(`(?:(?:\b\pL|_)[ .\-*/+~]){2,}(?:\pL\b|_)`)
	spaces        = regexp.MustCompile(`[ \t]+`)
	// Encoded payloads worth decoding.
	base64Run = regexp.MustCompile(`[A-Za-z0-9+/_\-]{16,}={0,2}`)
	hexRun    = regexp.MustCompile(`(?i)\b(?:[0-9a-f]{2}[ :]?){8,}\b`)
	hexSep    = regexp.MustCompile(`[ :]`)
)

// Normalize returns the canonical form the detector reads: invisible
// characters removed, NFKC (full-width and "fancy" letters become plain),
// lower case, look-alike letters mapped to Latin, diacritics removed, HTML
// entities and percent-escapes decoded, words spelt letter by letter joined,
// and runs of spaces collapsed.
func Normalize(s string) string {
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
	s = joinSpacedWords(s)
	return collapseSpaces(s)
}

// joinSpacedWords joins the words s spells letter by letter. Most texts have
// none, and a match test is cheaper than a replacement that copies s.
func joinSpacedWords(s string) string {
	if !spacedLetters.MatchString(s) {
		return s
	}
	return spacedLetters.ReplaceAllStringFunc(s, joinSpaced)
}

// collapseSpaces turns runs of spaces and tabs into one space. Without a tab
// or two spaces in a row every run is already one space.
func collapseSpaces(s string) string {
	if strings.IndexByte(s, '\t') < 0 && !strings.Contains(s, "  ") {
		return s
	}
	return spaces.ReplaceAllString(s, " ")
}

// joinSpaced joins a word spelt letter by letter. When letters are separated
// by one mark ("p.r.i.n.t y.o.u.r") and words by spaces, the spaces stay.
func joinSpaced(m string) string {
	counts := map[rune]int{}
	for _, r := range m {
		if strings.ContainsRune(spacedMarks, r) {
			counts[r]++
		}
	}
	dominant, best := ' ', -1
	for r, n := range counts {
		if n > best || (n == best && r < dominant) {
			dominant, best = r, n
		}
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == dominant:
			return -1
		case strings.ContainsRune(spacedMarks, r):
			return ' '
		}
		return r
	}, m)
}

const spacedMarks = " .-*/+~"

// stripMarks removes combining marks: "instruções" → "instrucoes".
func stripMarks(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	d := norm.NFD.String(s)
	d = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, d)
	return norm.NFC.String(d)
}

// unleet undoes digit/symbol substitutions in words that mix them with
// letters; when two or more words do, the text is leetspeak throughout and
// all-digit words ("4n" beside "45") are converted too. Words are split as
// strings.Fields splits them and, when any changes, joined by one space.
// Unchanged text (most of it) is returned without a copy.
func unleet(s string) string {
	nMixed := 0
	for rest := s; ; {
		var w string
		if w, rest = nextField(rest); w == "" {
			break
		}
		if l, d := leetMix(w); l && d {
			nMixed++
		}
	}
	// A word changes when it has a substitution and a letter, or when the text
	// is leetspeak throughout (nMixed >= 2, so some word has both): no mixed
	// word, no change.
	if nMixed == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for rest := s; ; {
		var w string
		if w, rest = nextField(rest); w == "" {
			break
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		hasLetter, hasLeet := leetMix(w)
		if !hasLeet || (!hasLetter && nMixed < 2) {
			b.WriteString(w)
			continue
		}
		for _, r := range w {
			if c, ok := leet[r]; ok {
				r = c
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// leetMix reports whether w has a letter and a leet substitution.
func leetMix(w string) (hasLetter, hasLeet bool) {
	for _, r := range w {
		if unicode.IsLetter(r) {
			hasLetter = true
		} else if _, ok := leet[r]; ok {
			hasLeet = true
		}
	}
	return
}

// nextField returns the first field of s as strings.Fields splits it (at
// Unicode white space) and the text after it; w is "" when none is left.
func nextField(s string) (w, rest string) {
	start := -1
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if unicode.IsSpace(r) {
			if start >= 0 {
				return s[start:i], s[i:]
			}
		} else if start < 0 {
			start = i
		}
		i += size
	}
	if start < 0 {
		return "", ""
	}
	return s[start:], ""
}

// depunct turns punctuation between words into single spaces, undoing
// "i.g.n.o.r.e. a.l.l." and "ignore, all, previous" splits.
func depunct(s string) string {
	s = strings.Map(func(r rune) rune {
		if r != '\'' && r != '_' && (unicode.IsPunct(r) || unicode.IsSymbol(r)) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(joinSpacedWords(s)), " ")
}

// rot13 rotates ASCII letters.
func rot13(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return 'a' + (r-'a'+13)%26
		case r >= 'A' && r <= 'Z':
			return 'A' + (r-'A'+13)%26
		}
		return r
	}, s)
}

// variant is one reading of a message; decoded marks readings that undo an encoding.
type variant struct {
	text    string
	decoded bool
}

// readings appends to out the texts the detector scores: the normalized
// message, its de-leeted form, and every base64, hex or rot13 payload it
// hides that decodes to readable text (normalized too).
func readings(raw string, out []variant) []variant {
	n := Normalize(raw)
	out = append(out, variant{text: n})
	if u := unleet(n); u != n {
		out = append(out, variant{text: u})
	}
	// Counted first: depunct copies the text and few messages have the punctuation.
	if strings.Count(n, ".")+strings.Count(n, ",")+strings.Count(n, ";") >= 3 {
		if p := depunct(n); p != n {
			out = append(out, variant{text: p})
		}
	}
	for _, p := range decodePayloads(raw) {
		out = append(out, variant{text: Normalize(p), decoded: true})
		// One more layer: base64 of hex, hex of base64, rot13 of base64.
		for _, q := range decodePayloads(p) {
			out = append(out, variant{text: Normalize(q), decoded: true})
		}
	}
	if t, ok := decodeTags(raw); ok {
		out = append(out, variant{text: Normalize(t), decoded: true})
	}
	if looksLikeRot13(n) {
		out = append(out, variant{text: rot13(n), decoded: true})
	}
	return out
}

// decodeTags reads text hidden in Unicode tag characters (U+E0020–U+E007E
// mirror printable ASCII and render as nothing, yet models read them).
func decodeTags(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		if r >= 0xE0020 && r <= 0xE007E {
			b.WriteRune(r - 0xE0000)
		}
	}
	return b.String(), b.Len() >= 6
}

// maxPayloads bounds the decoding work for one message.
const maxPayloads = 8

func decodePayloads(s string) []string {
	var out []string
	for _, m := range base64Run.FindAllString(s, maxPayloads) {
		if !strings.ContainsAny(m, "0123456789+/=_-") && !hasMixedCase(m) {
			continue // an ordinary long word
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(m); err == nil && readable(b) {
				out = append(out, string(b))
				break
			}
		}
	}
	for _, m := range hexRun.FindAllString(s, maxPayloads) {
		if b, err := hex.DecodeString(hexSep.ReplaceAllString(m, "")); err == nil && readable(b) {
			out = append(out, string(b))
		}
	}
	return out
}

func hasMixedCase(s string) bool {
	return strings.ToLower(s) != s && strings.ToUpper(s) != s
}

// readable reports whether decoded bytes are text with some words in it.
func readable(b []byte) bool {
	if len(b) < 6 || !utf8.Valid(b) {
		return false
	}
	letters, spaces, bad := 0, 0, 0
	for _, r := range string(b) {
		switch {
		case unicode.IsLetter(r):
			letters++
		case r == ' ':
			spaces++
		case unicode.IsControl(r) && r != '\n' && r != '\t':
			bad++
		}
	}
	n := utf8.RuneCount(b)
	return bad == 0 && letters*10 >= n*6 && spaces >= 1
}

// commonWords are frequent English words; text without them that turns into
// text with them under rot13 is probably rot13.
var commonWords = map[string]bool{
	"the": true, "and": true, "you": true, "to": true, "a": true, "of": true, "is": true, "in": true,
	"your": true, "all": true, "my": true, "for": true, "me": true, "i": true, "it": true, "what": true,
	"are": true, "now": true, "tell": true, "show": true, "with": true, "this": true, "that": true,
	"previous": true, "instructions": true, "ignore": true, "system": true, "prompt": true,
	"have": true, "no": true, "rules": true, "every": true, "user": true, "say": true, "just": true,
	"any": true, "an": true, "be": true, "not": true, "do": true, "from": true, "give": true,
}

// longestCommonWord bounds the words looksLikeRot13 looks up.
var longestCommonWord = func() int {
	n := 0
	for w := range commonWords {
		n = max(n, len(w))
	}
	return n
}()

// looksLikeRot13 reports whether at least two words of s, and more than s
// has as written, are common words once rot13 is undone. It reads s's runs
// of letters in place and rotates each in a small buffer: rot13 keeps
// letters letters and everything else as it is, so the runs are the same.
func looksLikeRot13(s string) bool {
	var buf [16]byte
	before, after := 0, 0
	start := -1
	for i := 0; i <= len(s); {
		r, size := utf8.RuneError, 0
		if i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if size > 0 && unicode.IsLetter(r) {
			if start < 0 {
				start = i
			}
			i += size
			continue
		}
		if start >= 0 {
			w := s[start:i]
			if commonWords[w] {
				before++
			}
			if len(w) <= longestCommonWord && len(w) <= len(buf) {
				rw := buf[:len(w)]
				for j := 0; j < len(w); j++ {
					rw[j] = rot13Byte(w[j])
				}
				if commonWords[string(rw)] {
					after++
				}
			}
			start = -1
		}
		if size == 0 {
			break
		}
		i += size
	}
	return after >= 2 && after > before
}

// rot13Byte rotates an ASCII letter; every other byte (UTF-8 included) stays.
func rot13Byte(c byte) byte {
	switch {
	case c >= 'a' && c <= 'z':
		return 'a' + (c-'a'+13)%26
	case c >= 'A' && c <= 'Z':
		return 'A' + (c-'A'+13)%26
	}
	return c
}
