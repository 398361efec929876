package rules

import "strings"

// maxTokens bounds how much of a message the rules brain reads: the requests it
// understands are short, and a bound keeps every parse cheap whatever arrives.
const maxTokens = 96

// token is one word of the message: lower-cased text plus its byte span in the
// original, so names (merchants, places, titles) keep the user's spelling.
type token struct {
	s          string // ASCII lower-cased
	start, end int    // span in utterance.orig
}

// utterance is a tokenized user message.
type utterance struct {
	orig  string
	lower string
	toks  []token
	used  uint128 // tokens consumed by a parser (dates, amounts…), excluded from names
}

// uint128 is a small bit set over token indexes (maxTokens ≤ 128).
type uint128 [2]uint64

func (b *uint128) set(i int) {
	if i >= 0 && i < 128 {
		b[i/64] |= 1 << (uint(i) % 64)
	}
}

func (b *uint128) has(i int) bool {
	return i >= 0 && i < 128 && b[i/64]&(1<<(uint(i)%64)) != 0
}

// newUtterance tokenizes s: words split on spaces and sentence punctuation,
// trailing commas, stops and colons trimmed, and "$3.45/gal" split at the slash.
func newUtterance(s string) *utterance { return new(utteranceRoom).init(s) }

// utteranceRoom holds an utterance and room for its first tokens, so one
// allocation (or none, inside another) makes both.
type utteranceRoom struct {
	utterance
	buf [16]token
}

// init tokenizes s into r as newUtterance does.
func (r *utteranceRoom) init(s string) *utterance {
	r.utterance = utterance{orig: s, lower: asciiLower(s)}
	u := &r.utterance
	u.toks = r.buf[:0]
	l := u.lower
	i := 0
	for i < len(l) && len(u.toks) < maxTokens {
		for i < len(l) && isSep(l[i]) {
			i++
		}
		j := i
		for j < len(l) && !isSep(l[j]) {
			j++
		}
		if j > i {
			u.addWord(i, j)
		}
		i = j
	}
	return u
}

func (u *utterance) addWord(i, j int) {
	l := u.lower
	for j > i && strings.IndexByte(".,:'`", l[j-1]) >= 0 {
		j--
	}
	for i < j && strings.IndexByte("'`", l[i]) >= 0 {
		i++
	}
	if i >= j {
		return
	}
	// Split at a slash touching a letter ("$3.45/gal", "and/or"), not in "11/02".
	if k := strings.IndexByte(l[i:j], '/'); k >= 0 {
		k += i
		if (k > i && isLetter(l[k-1])) || (k+1 < j && isLetter(l[k+1])) {
			if k > i {
				u.addWord(i, k)
			}
			u.push(k, k+1)
			if k+1 < j {
				u.addWord(k+1, j)
			}
			return
		}
	}
	u.push(i, j)
}

func (u *utterance) push(i, j int) {
	if len(u.toks) < maxTokens {
		u.toks = append(u.toks, token{s: u.lower[i:j], start: i, end: j})
	}
}

func isSep(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f', '!', '?', ';', '(', ')', '[', ']', '{', '}', '"', '<', '>', '*', '|':
		return true
	}
	return false
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// asciiLower lower-cases ASCII letters only, so byte offsets stay valid in the original.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			var b strings.Builder
			b.Grow(len(s))
			b.WriteString(s[:i])
			for k := i; k < len(s); k++ {
				c := s[k]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				b.WriteByte(c)
			}
			return b.String()
		}
	}
	return s
}

// word returns the lower-cased token i, or "" past either end.
func (u *utterance) word(i int) string {
	if i < 0 || i >= len(u.toks) {
		return ""
	}
	return u.toks[i].s
}

// find returns the index of the first token equal to w at or after from, or -1.
func (u *utterance) find(from int, w string) int {
	for i := max(from, 0); i < len(u.toks); i++ {
		if u.toks[i].s == w {
			return i
		}
	}
	return -1
}

// has reports whether any of ws is a token.
func (u *utterance) has(ws ...string) bool {
	for _, t := range u.toks {
		for _, w := range ws {
			if t.s == w {
				return true
			}
		}
	}
	return false
}

// hasPrefix reports whether a token starts with any of ps ("camp" finds "campground").
func (u *utterance) hasPrefix(ps ...string) bool {
	for _, t := range u.toks {
		for _, p := range ps {
			if strings.HasPrefix(t.s, p) {
				return true
			}
		}
	}
	return false
}

// phrase returns the index of the first occurrence of the consecutive words ws, or -1.
func (u *utterance) phrase(ws ...string) int {
	for i := 0; i+len(ws) <= len(u.toks); i++ {
		ok := true
		for k, w := range ws {
			if u.toks[i+k].s != w {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

// clip shortens s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// span returns the original text of tokens [i, j), trimmed of trailing punctuation.
func (u *utterance) span(i, j int) string {
	if i < 0 || j > len(u.toks) || i >= j {
		return ""
	}
	s := u.orig[u.toks[i].start:u.toks[j-1].end]
	return strings.TrimRight(clip(s, 200), " ,.;:-") // tools take names up to 200 bytes
}
