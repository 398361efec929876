package tools

import (
	"math"
	"strconv"
	"unsafe"
)

// quickSane reports whether a tool result certainly passes the sanity
// bounds, walking its JSON bytes without decoding them: most results have
// nothing to drop, and decoding every one into maps only to find that out
// cost more than the rest of the check. It mirrors sanitize's rules (a bound
// applies to its key, and "amount" inside a bounded object to that object's
// key) and answers false whenever it is not sure — an escaped key or value,
// a value near a bound, anything it cannot parse — so the caller then runs
// the exact check. FuzzQuickSane holds it to "true means sanitize finds nothing".
func quickSane(raw []byte) bool {
	w := quickWalker{src: raw}
	w.space()
	return w.value("") && w.end()
}

type quickWalker struct {
	src   []byte
	pos   int
	depth int
}

// maxQuickDepth stops the walk on deeply nested input (the exact check decides).
const maxQuickDepth = 64

func (w *quickWalker) space() {
	for w.pos < len(w.src) {
		switch w.src[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

func (w *quickWalker) end() bool {
	w.space()
	return w.pos == len(w.src)
}

func (w *quickWalker) peek() byte {
	if w.pos < len(w.src) {
		return w.src[w.pos]
	}
	return 0
}

// value walks one value under parent (the bounded key of the enclosing
// object, "" for none).
func (w *quickWalker) value(parent string) bool {
	switch w.peek() {
	case '{':
		return w.object(parent)
	case '[':
		return w.array(parent)
	default:
		_, _, ok := w.scalar()
		return ok
	}
}

func (w *quickWalker) object(parent string) bool {
	return w.container('}', func() bool {
		key, ok := w.key()
		return ok && w.colon() && w.member(key, parent)
	})
}

// colon steps over the ':' after an object key and the space around it.
func (w *quickWalker) colon() bool {
	w.space()
	if w.peek() != ':' {
		return false
	}
	w.pos++
	w.space()
	return true
}

func (w *quickWalker) array(parent string) bool {
	return w.container(']', func() bool { return w.value(parent) })
}

// container walks an object or array from its opening byte to closing,
// calling item for each member or element.
func (w *quickWalker) container(closing byte, item func() bool) bool {
	if w.depth++; w.depth > maxQuickDepth {
		return false
	}
	w.pos++ // '{' or '['
	w.space()
	if w.peek() == closing {
		w.pos++
		w.depth--
		return true
	}
	for {
		if !item() {
			return false
		}
		w.space()
		switch w.peek() {
		case ',':
			w.pos++
			w.space()
		case closing:
			w.pos++
			w.depth--
			return true
		default:
			return false
		}
	}
}

// member walks the value of key, checking it when a bound applies.
func (w *quickWalker) member(key, parent string) bool {
	if c := w.peek(); c == '{' || c == '[' {
		inner := ""
		if _, ok := sanityBounds[key]; ok {
			inner = key
		}
		return w.value(inner)
	}
	rule := key
	if key == "amount" && parent != "" {
		rule = parent
	}
	start := w.pos
	text, escaped, ok := w.scalar()
	if !ok {
		return false
	}
	b, bounded := sanityBounds[rule]
	if !bounded {
		return true
	}
	if escaped {
		return false
	}
	if c := w.src[start]; c == 't' || c == 'f' || c == 'n' {
		return true // sanitize checks numbers and strings only
	}
	return comfortablyWithin(text, b)
}

// key reads an object key; keys with escapes or upper-case or non-ASCII
// letters are left to the exact check (it compares keys in lower case).
func (w *quickWalker) key() (string, bool) {
	text, escaped, ok := w.str()
	if !ok || escaped {
		return "", false
	}
	for _, c := range text {
		if c >= 'A' && c <= 'Z' || c >= 0x80 {
			return "", false
		}
	}
	return unsafe.String(unsafe.SliceData(text), len(text)), true
}

// scalar reads a string (its unescaped content), number, true, false or
// null, and returns its text.
func (w *quickWalker) scalar() (text []byte, escaped, ok bool) {
	if w.peek() == '"' {
		return w.str()
	}
	start := w.pos
	for w.pos < len(w.src) {
		c := w.src[w.pos]
		if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			break
		}
		w.pos++
	}
	text = w.src[start:w.pos]
	switch string(text) {
	case "true", "false", "null":
		return text, false, true
	}
	return text, false, isJSONNumber(text)
}

// str reads a string; escaped reports an escape in it, whose content is then
// not the raw bytes (such keys and bounded values go to the exact check).
func (w *quickWalker) str() (text []byte, escaped, ok bool) {
	if w.peek() != '"' {
		return nil, false, false
	}
	w.pos++
	start := w.pos
	for w.pos < len(w.src) {
		switch c := w.src[w.pos]; {
		case c == '"':
			text := w.src[start:w.pos]
			w.pos++
			return text, escaped, true
		case c == '\\':
			if !w.escape() {
				return nil, false, false
			}
			escaped = true
			continue
		case c < 0x20:
			return nil, false, false
		}
		w.pos++
	}
	return nil, false, false
}

// escape steps over one valid escape sequence at pos.
func (w *quickWalker) escape() bool {
	if w.pos+1 >= len(w.src) {
		return false
	}
	switch w.src[w.pos+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		w.pos += 2
		return true
	case 'u':
		if w.pos+6 > len(w.src) {
			return false
		}
		for _, h := range w.src[w.pos+2 : w.pos+6] {
			if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
				return false
			}
		}
		w.pos += 6
		return true
	}
	return false
}

// isJSONNumber reports whether b is a number as JSON spells it.
func isJSONNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}

// comfortablyWithin reports whether text is a number clearly inside b:
// values that parse only approximately near a bound are left to the exact
// decimal comparison.
func comfortablyWithin(text []byte, b bound) bool {
	if len(text) == 0 || !isJSONNumber(text) {
		return false // sanitize may still read it as a decimal; let it decide
	}
	v, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(text), len(text)), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	lo := b.min.InexactFloat64()
	if v <= lo+margin(lo) {
		return false
	}
	if b.hasMax {
		hi := b.max.InexactFloat64()
		if v >= hi-margin(hi) {
			return false
		}
	}
	return true
}

func margin(bound float64) float64 { return 1e-6 * math.Max(1, math.Abs(bound)) }
