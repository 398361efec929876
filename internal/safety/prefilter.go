package safety

import (
	"bytes"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Go's regexp has no DFA, so running hundreds of patterns over every reading
// of a message is slow. A prefilter lists literals of which every match must
// contain at least one; when none occurs in the text the pattern is skipped.
// It is derived from the parsed pattern, so it can never skip a real match.
type prefilter struct {
	ids []int // literal ids (see literals); nil: no requirement, always run the pattern
}

// literals interns every prefilter literal, so one text's lookups are
// memoized in a slice indexed by id. Folded literals are looked up in the
// lower-cased text and interned with a leading NUL.
var (
	literals     []string
	literalBytes [][]byte // literals as bytes, for lookups in a cache's ASCII buffer
	literalID    = map[string]int{}
)

func internLiteral(l string, fold bool) int {
	key := l
	if fold {
		key = "\x00" + l
	}
	if id, ok := literalID[key]; ok {
		return id
	}
	literals = append(literals, key)
	literalBytes = append(literalBytes, []byte(key))
	literalID[key] = len(literals) - 1
	return len(literals) - 1
}

// minUsefulLiteral is the shortest literal worth checking for.
const minUsefulLiteral = 3

func newPrefilter(expr string) prefilter {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return prefilter{}
	}
	lits, fold, ok := required(re.Simplify())
	if !ok {
		return prefilter{}
	}
	ids := make([]int, len(lits))
	for i, l := range lits {
		if len(l) < minUsefulLiteral {
			return prefilter{}
		}
		ids[i] = internLiteral(l, fold)
	}
	return prefilter{ids: ids}
}

// required returns literals one of which every match of re contains.
func required(re *syntax.Regexp) (lits []string, fold, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		s := string(re.Rune)
		if re.Flags&syntax.FoldCase != 0 {
			return []string{strings.ToLower(s)}, true, true
		}
		return []string{s}, false, true
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		var bestFold, found bool
		for _, sub := range re.Sub {
			l, f, ok := required(sub)
			if ok && (!found || better(l, best)) {
				best, bestFold, found = l, f, true
			}
		}
		return best, bestFold, found
	case syntax.OpAlternate:
		var all []string
		anyFold := false
		for _, sub := range re.Sub {
			l, f, ok := required(sub)
			if !ok {
				return nil, false, false
			}
			all = append(all, l...)
			anyFold = anyFold || f
		}
		if anyFold { // mixed case sensitivity: compare everything folded
			for i := range all {
				all[i] = strings.ToLower(all[i])
			}
		}
		return all, anyFold, true
	}
	return nil, false, false
}

// better prefers sets whose shortest literal is longer, then smaller sets.
func better(a, b []string) bool {
	sa, sb := shortest(a), shortest(b)
	if sa != sb {
		return sa > sb && (sa >= minUsefulLiteral || sb < minUsefulLiteral)
	}
	return len(a) < len(b)
}

func shortest(ls []string) int {
	m := -1
	for _, l := range ls {
		if n := len(strings.TrimFunc(l, unicode.IsSpace)); m < 0 || n < m {
			m = n
		}
	}
	return m
}

// literalCache memoizes substring lookups for one text.
type literalCache struct {
	text, lower string
	lowered     bool    // lower (or lowerASCII) is set for text
	lowerASCII  []byte  // an ASCII text with capitals, lower-cased in a buffer a pooled cache reuses
	state       []uint8 // per literal id: 0 unknown, 1 present, 2 absent
}

func newLiteralCache(text string) *literalCache {
	return &literalCache{text: text, state: make([]uint8, len(literals))}
}

// literalCaches are reused by Redact, which runs for every string of every
// audit record, and by Scan, once per reading: a fresh cache per call was a
// good part of their garbage.
var literalCaches = sync.Pool{New: func() any { return newLiteralCache("") }}

// pooledLiteralCache returns an empty cache for text; release it after use.
func pooledLiteralCache(text string) *literalCache {
	c := literalCaches.Get().(*literalCache)
	c.text = text
	return c
}

// maxPooledLower bounds the lower-case buffer a pooled cache keeps.
const maxPooledLower = 64 << 10

// release forgets c's text and results and returns it to the pool.
func (c *literalCache) release() {
	c.text, c.lower, c.lowered = "", "", false
	if cap(c.lowerASCII) > maxPooledLower {
		c.lowerASCII = nil
	}
	c.lowerASCII = c.lowerASCII[:0]
	clear(c.state)
	literalCaches.Put(c)
}

// lowerText lower-cases the text once: in place of strings.ToLower, an ASCII
// text with capitals is lower-cased into the cache's buffer (the same bytes
// strings.ToLower gives, without a new string per text).
func (c *literalCache) lowerText() {
	c.lowered = true
	hasUpper := false
	for i := 0; i < len(c.text); i++ {
		b := c.text[i]
		if b >= utf8.RuneSelf {
			c.lower = strings.ToLower(c.text)
			return
		}
		hasUpper = hasUpper || ('A' <= b && b <= 'Z')
	}
	if !hasUpper {
		c.lower = c.text
		return
	}
	buf := append(c.lowerASCII[:0], c.text...)
	for i, b := range buf {
		if 'A' <= b && b <= 'Z' {
			buf[i] = b + 'a' - 'A'
		}
	}
	c.lowerASCII = buf
}

// containsFolded reports whether the lower-cased text contains literal id (without its NUL).
func (c *literalCache) containsFolded(id int) bool {
	if !c.lowered {
		c.lowerText()
	}
	if c.lower == "" && len(c.lowerASCII) > 0 {
		return bytes.Contains(c.lowerASCII, literalBytes[id][1:])
	}
	return strings.Contains(c.lower, literals[id][1:])
}

func (c *literalCache) mayMatch(p prefilter) bool {
	if p.ids == nil {
		return true
	}
	for _, id := range p.ids {
		switch c.state[id] {
		case 1:
			return true
		case 2:
			continue
		}
		l := literals[id]
		var found bool
		if l[0] == 0 {
			found = c.containsFolded(id)
		} else {
			found = strings.Contains(c.text, l)
		}
		if found {
			c.state[id] = 1
			return true
		}
		c.state[id] = 2
	}
	return false
}
