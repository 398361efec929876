package safety

import (
	"regexp/syntax"
	"strings"
	"sync"
	"unicode"
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
	literals  []string
	literalID = map[string]int{}
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
	state       []uint8 // per literal id: 0 unknown, 1 present, 2 absent
}

func newLiteralCache(text string) *literalCache {
	return &literalCache{text: text, state: make([]uint8, len(literals))}
}

// literalCaches are reused by Redact, which runs for every string of every
// audit record: a fresh cache per call was a good part of an audit's garbage.
var literalCaches = sync.Pool{New: func() any { return newLiteralCache("") }}

// pooledLiteralCache returns an empty cache for text; release it after use.
func pooledLiteralCache(text string) *literalCache {
	c := literalCaches.Get().(*literalCache)
	c.text = text
	return c
}

// release forgets c's text and results and returns it to the pool.
func (c *literalCache) release() {
	c.text, c.lower = "", ""
	clear(c.state)
	literalCaches.Put(c)
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
		hay := c.text
		if l[0] == 0 {
			if c.lower == "" {
				c.lower = strings.ToLower(c.text)
			}
			hay, l = c.lower, l[1:]
		}
		if strings.Contains(hay, l) {
			c.state[id] = 1
			return true
		}
		c.state[id] = 2
	}
	return false
}
