package audit

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// canon re-encodes one JSON document the way decoding it with encoding/json
// (UseNumber, into any) and marshalling the result again would, byte for byte,
// without building the tree: object keys sorted (the last of duplicate keys
// kept), strings unescaped and re-escaped as encoding/json escapes them,
// numbers kept literally. Walking the bytes once is what makes audit records
// cheap; audit_test.go keeps the decode-and-marshal oracle it must match.
type canon struct {
	src     string
	pos     int
	out     []byte
	tmp     []byte   // an object's encoded values while its members are sorted
	scratch []byte   // reusedOutput's output, kept with the pooled canon
	members []member // the members of the objects being encoded, innermost last
	redact  func(string) string
	mask    bool // values under secret-looking keys become "[REDACTED]"
	masking int  // > 0 while parsing a masked value: its strings are dropped unredacted
	depth   int
}

// member is one object member: its unescaped key, the span of its encoded
// value in out, and whether the value is masked.
type member struct {
	key        string
	start, end int
	masked     bool
}

// maxDepth is encoding/json's nesting limit: deeper documents are invalid.
const maxDepth = 10000

const redactedValue = `"[REDACTED]"`

var canonPool = sync.Pool{New: func() any { return new(canon) }}

// encodeCanonical encodes src with redact applied to every string value (nil
// keeps them) and, when mask is set, secret-looking keys' values masked. ok is
// false, as json.Decoder would fail, for invalid JSON or for a value followed
// by anything but space, ']' or '}'. The result is appended to dst.
func encodeCanonical(dst []byte, src string, redact func(string) string, mask bool) (_ []byte, ok bool) {
	c := canonPool.Get().(*canon)
	defer c.release()
	c.src, c.pos, c.out, c.redact, c.mask = src, 0, dst, redact, mask
	if !c.value() || !c.endOfDocument() {
		return dst, false
	}
	return c.out, true
}

// encodeCanonicalReuse is encodeCanonical into a pooled buffer: when the
// encoding is raw's bytes (as audit arguments usually are) it returns raw
// itself, otherwise a copy of the encoding, so an unchanged document costs
// no new slice.
func encodeCanonicalReuse(raw []byte, src string, redact func(string) string, mask bool) (_ []byte, ok bool) {
	c := canonPool.Get().(*canon)
	defer c.release()
	c.src, c.pos, c.out, c.redact, c.mask = src, 0, c.scratch[:0], redact, mask
	ok = c.value() && c.endOfDocument()
	c.scratch = c.out
	switch {
	case !ok:
		return nil, false
	case bytes.Equal(c.out, raw):
		return raw, true
	default:
		return bytes.Clone(c.out), true
	}
}

// maxPooledScratch bounds the scratch a pooled canon keeps, so one huge
// document does not pin its buffers for good.
const maxPooledScratch = 64 << 10

// release returns c to the pool, keeping only its scratch buffers, emptied
// (members' keys would otherwise keep the document alive).
func (c *canon) release() {
	clear(c.members[:cap(c.members)])
	keep := canon{tmp: c.tmp[:0], members: c.members[:0], scratch: c.scratch[:0]}
	if cap(keep.tmp) > maxPooledScratch || cap(keep.members) > maxPooledScratch/64 || cap(keep.scratch) > maxPooledScratch {
		keep = canon{}
	}
	*c = keep
	canonPool.Put(c)
}

// endOfDocument mirrors json.Decoder.More after one Decode: the value must be
// followed by nothing, or by space and then ']' or '}' (which More ignores).
func (c *canon) endOfDocument() bool {
	c.skipSpace()
	return c.pos == len(c.src) || c.src[c.pos] == ']' || c.src[c.pos] == '}'
}

func (c *canon) skipSpace() {
	for c.pos < len(c.src) {
		switch c.src[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

func (c *canon) value() bool {
	c.skipSpace()
	if c.pos == len(c.src) {
		return false
	}
	switch ch := c.src[c.pos]; {
	case ch == '{':
		return c.nested(c.object)
	case ch == '[':
		return c.nested(c.array)
	case ch == '"':
		return c.stringValue()
	case ch == '-' || ch >= '0' && ch <= '9':
		return c.number()
	default:
		return c.literal("true") || c.literal("false") || c.literal("null")
	}
}

// nested parses an object or array one level deeper, failing past maxDepth.
func (c *canon) nested(parse func() bool) bool {
	if c.depth++; c.depth > maxDepth {
		return false
	}
	ok := parse()
	c.depth--
	return ok
}

func (c *canon) literal(lit string) bool {
	if !strings.HasPrefix(c.src[c.pos:], lit) {
		return false
	}
	c.pos += len(lit)
	c.out = append(c.out, lit...)
	return true
}

// number copies a JSON number literally: json.Number marshals as written.
func (c *canon) number() bool {
	start := c.pos
	if c.src[c.pos] == '-' {
		c.pos++
	}
	if c.peek() == '0' {
		c.pos++
	} else if !c.digits() {
		return false
	}
	if c.peek() == '.' {
		c.pos++
		if !c.digits() {
			return false
		}
	}
	if p := c.peek(); p == 'e' || p == 'E' {
		c.pos++
		if p := c.peek(); p == '+' || p == '-' {
			c.pos++
		}
		if !c.digits() {
			return false
		}
	}
	c.out = append(c.out, c.src[start:c.pos]...)
	return true
}

// peek returns the next byte, or 0 at the end.
func (c *canon) peek() byte {
	if c.pos < len(c.src) {
		return c.src[c.pos]
	}
	return 0
}

// digits skips one or more decimal digits.
func (c *canon) digits() bool {
	start := c.pos
	for c.pos < len(c.src) && c.src[c.pos] >= '0' && c.src[c.pos] <= '9' {
		c.pos++
	}
	return c.pos > start
}

func (c *canon) stringValue() bool {
	s, ok := c.parseString()
	if !ok {
		return false
	}
	if c.redact != nil && c.masking == 0 {
		s = c.redact(s)
	}
	c.out = AppendString(c.out, s)
	return true
}

func (c *canon) array() bool {
	c.pos++ // '['
	c.out = append(c.out, '[')
	if c.skipSpace(); c.peek() == ']' {
		c.pos++
		c.out = append(c.out, ']')
		return true
	}
	for {
		if !c.value() {
			return false
		}
		c.skipSpace()
		switch c.peek() {
		case ',':
			c.pos++
			c.out = append(c.out, ',')
		case ']':
			c.pos++
			c.out = append(c.out, ']')
			return true
		default:
			return false
		}
	}
}

// object encodes the members' values in input order, then rewrites them
// sorted by key (as encoding/json sorts a map's keys).
func (c *canon) object() bool {
	c.pos++ // '{'
	c.out = append(c.out, '{')
	base, start := len(c.members), len(c.out)
	defer func() { c.members = c.members[:base] }()
	if c.skipSpace(); c.peek() == '}' {
		c.pos++
		c.out = append(c.out, '}')
		return true
	}
	for {
		if !c.objectMember() {
			return false
		}
		c.skipSpace()
		switch c.peek() {
		case ',':
			c.pos++
		case '}':
			c.pos++
			c.writeSorted(c.members[base:], start)
			return true
		default:
			return false
		}
	}
}

// objectMember parses `"key": value`, encoding the value at the end of out.
func (c *canon) objectMember() bool {
	if c.skipSpace(); c.peek() != '"' {
		return false
	}
	key, ok := c.parseString()
	if !ok {
		return false
	}
	if c.skipSpace(); c.peek() != ':' {
		return false
	}
	c.pos++
	m := member{key: key, start: len(c.out), masked: c.mask && sensitiveKey(key)}
	if m.masked {
		c.masking++
	}
	ok = c.value()
	if m.masked {
		c.masking--
	}
	m.end = len(c.out)
	c.members = append(c.members, m)
	return ok
}

// writeSorted replaces out[start:] (the values of ms, in input order) with
// the members sorted by key, keeping the last of equal keys as a map would.
func (c *canon) writeSorted(ms []member, start int) {
	c.tmp = append(c.tmp[:0], c.out[start:]...)
	c.out = c.out[:start]
	slices.SortStableFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	for i, m := range ms {
		if i+1 < len(ms) && ms[i+1].key == m.key {
			continue
		}
		if len(c.out) > start {
			c.out = append(c.out, ',')
		}
		c.out = AppendString(c.out, m.key)
		c.out = append(c.out, ':')
		if m.masked {
			c.out = append(c.out, redactedValue...)
		} else {
			c.out = append(c.out, c.tmp[m.start-start:m.end-start]...)
		}
	}
	c.out = append(c.out, '}')
}

// parseString parses the string at pos and returns it unescaped as
// encoding/json decodes it: invalid UTF-8 and lone surrogates become U+FFFD.
// A string without escapes and with valid UTF-8 is returned without copying.
func (c *canon) parseString() (string, bool) {
	c.pos++ // '"'
	start := c.pos
	for c.pos < len(c.src) {
		switch ch := c.src[c.pos]; {
		case ch == '"':
			s := c.src[start:c.pos]
			c.pos++
			return s, true
		case ch == '\\' || ch < 0x20:
			return c.unescape(start)
		case ch < utf8.RuneSelf:
			c.pos++
		default:
			r, size := utf8.DecodeRuneInString(c.src[c.pos:])
			if r == utf8.RuneError && size == 1 {
				return c.unescape(start)
			}
			c.pos += size
		}
	}
	return "", false
}

// unescape decodes the string that started at start, pos being at its first
// byte that needs work.
func (c *canon) unescape(start int) (string, bool) {
	b := make([]byte, 0, c.pos-start+16)
	b = append(b, c.src[start:c.pos]...)
	for c.pos < len(c.src) {
		ch := c.src[c.pos]
		switch {
		case ch == '"':
			c.pos++
			return string(b), true
		case ch < 0x20:
			return "", false
		case ch == '\\':
			var ok bool
			if b, ok = c.escape(b); !ok {
				return "", false
			}
		case ch < utf8.RuneSelf:
			b = append(b, ch)
			c.pos++
		default:
			r, size := utf8.DecodeRuneInString(c.src[c.pos:])
			b = utf8.AppendRune(b, r) // RuneError for an invalid byte
			c.pos += size
		}
	}
	return "", false
}

// escape decodes the escape sequence at pos onto b.
func (c *canon) escape(b []byte) ([]byte, bool) {
	if c.pos+1 >= len(c.src) {
		return b, false
	}
	ch := c.src[c.pos+1]
	c.pos += 2
	switch ch {
	case '"', '\\', '/':
		return append(b, ch), true
	case 'b':
		return append(b, '\b'), true
	case 'f':
		return append(b, '\f'), true
	case 'n':
		return append(b, '\n'), true
	case 'r':
		return append(b, '\r'), true
	case 't':
		return append(b, '\t'), true
	case 'u':
		return c.unicodeEscape(b)
	}
	return b, false
}

// unicodeEscape decodes \uXXXX (pos after the 'u'), joining a surrogate pair;
// a surrogate without its pair becomes U+FFFD and the next escape stands alone.
func (c *canon) unicodeEscape(b []byte) ([]byte, bool) {
	r, ok := hex4(c.src[c.pos:])
	if !ok {
		return b, false
	}
	c.pos += 4
	if r >= 0xd800 && r < 0xe000 {
		if r < 0xdc00 && strings.HasPrefix(c.src[c.pos:], `\u`) {
			if r2, ok := hex4(c.src[c.pos+2:]); ok && r2 >= 0xdc00 && r2 < 0xe000 {
				c.pos += 6
				return utf8.AppendRune(b, (r-0xd800)<<10+(r2-0xdc00)+0x10000), true
			}
		}
		r = utf8.RuneError
	}
	return utf8.AppendRune(b, r), true
}

// hex4 reads four hex digits.
func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for i := range 4 {
		ch := s[i]
		switch {
		case ch >= '0' && ch <= '9':
			ch -= '0'
		case ch >= 'a' && ch <= 'f':
			ch -= 'a' - 10
		case ch >= 'A' && ch <= 'F':
			ch -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(ch)
	}
	return r, true
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as json.Marshal encodes a string: HTML characters,
// control characters, U+2028 and U+2029 escaped, invalid UTF-8 as \ufffd.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		ch := s[i]
		if ch < utf8.RuneSelf {
			if ch >= 0x20 && ch != '"' && ch != '\\' && ch != '<' && ch != '>' && ch != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendEscapedByte(dst, ch)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendEscapedByte(dst []byte, ch byte) []byte {
	switch ch {
	case '\\', '"':
		return append(dst, '\\', ch)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[ch>>4], hexDigits[ch&0xf])
}
