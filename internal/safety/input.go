package safety

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pamtravel/pam/internal/pamerr"
)

// Limits bound what a user may send. Zero fields take the defaults in brackets.
type Limits struct {
	MaxChars        int // characters in one message [10000]
	MaxContextKeys  int // keys (and array items) in the whole context object [50]
	MaxContextValue int // characters in one context string [1000]
	MaxContextDepth int // nesting of context objects; {"location":{"lat":1}} is 2 [2]
}

// DefaultLimits are the limits of the public contract.
func DefaultLimits() Limits { return Limits{}.withDefaults() }

func (l Limits) withDefaults() Limits {
	if l.MaxChars <= 0 {
		l.MaxChars = 10000
	}
	if l.MaxContextKeys <= 0 {
		l.MaxContextKeys = 50
	}
	if l.MaxContextValue <= 0 {
		l.MaxContextValue = 1000
	}
	if l.MaxContextDepth <= 0 {
		l.MaxContextDepth = 2
	}
	return l
}

// invisible reports whether r is removed from user text: control characters
// other than newline and tab, zero-width and bidirectional-override
// characters and the other format characters (category Cf).
func invisible(r rune) bool {
	if r == '\n' || r == '\t' {
		return false
	}
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || r == '\u034f' || r == '\u115f' || r == '\u1160' || r == '\u3164' || r == '\uffa0'
}

// emojiJoinerAt reports whether the zero-width joiner at s[i] joins two emoji
// (as in a family emoji), where it is part of the picture and kept.
func emojiJoinerAt(prev rune, rest string) bool {
	next, _ := utf8.DecodeRuneInString(rest)
	isEmoji := func(r rune) bool {
		return unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) || r == '\ufe0f' || (r >= 0x1f3fb && r <= 0x1f3ff)
	}
	return isEmoji(prev) && isEmoji(next)
}

// removeInvisible removes control and invisible characters from valid
// UTF-8 s but a zero-width joiner between two emoji, and makes CRLF and a
// lone CR LF. Most messages have none: they are returned as they are.
func removeInvisible(s string) string {
	clean := true
	for _, r := range s {
		if r == '\r' || r == '\u200d' || invisible(r) {
			clean = false
			break
		}
	}
	if clean {
		return s // what the loop below would write again, rune by rune
	}
	var b strings.Builder
	b.Grow(len(s))
	prev := rune(0)
	for i, r := range s {
		if r == '\r' {
			if !strings.HasPrefix(s[i+1:], "\n") {
				b.WriteByte('\n')
			}
			continue
		}
		if r == '\u200d' && emojiJoinerAt(prev, s[i+len("\u200d"):]) {
			b.WriteRune(r)
			continue
		}
		if invisible(r) {
			continue
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// CleanText validates and cleans a chat message: it must be valid UTF-8
// (INVALID_INPUT), control and invisible characters are removed (a
// zero-width joiner between two emoji is kept), CRLF becomes LF, space is
// trimmed, and the result must be non-empty (INVALID_INPUT) and at most
// MaxChars characters (MESSAGE_TOO_LARGE).
func CleanText(s string, l Limits) (string, error) {
	l = l.withDefaults()
	if len(s) > 4*l.MaxChars+1024 { // cheap bound before any per-rune work
		return "", tooLarge(l)
	}
	if !utf8.ValidString(s) {
		return "", pamerr.Invalid("text", "the message is not valid UTF-8 text")
	}
	out := strings.TrimSpace(removeInvisible(s))
	if out == "" {
		return "", pamerr.Invalid("text", "the message is empty")
	}
	if utf8.RuneCountInString(out) > l.MaxChars {
		return "", tooLarge(l)
	}
	return out, nil
}

func tooLarge(l Limits) error {
	return &pamerr.Error{Code: pamerr.MessageTooLarge, Field: "text", Message: fmt.Sprintf("the message is longer than %d characters", l.MaxChars)}
}

// CheckContext checks the optional context object of a chat message against
// the limits. Every violation is INVALID_INPUT naming the field, e.g.
// "context.location.note". Empty and null contexts pass.
func CheckContext(raw json.RawMessage, l Limits) error {
	l = l.withDefaults()
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return nil
	}
	if len(trimmed) > l.MaxContextKeys*(l.MaxContextValue+64)+1024 {
		return pamerr.Invalid("context", "the context is too large")
	}
	if !utf8.Valid(trimmed) {
		return pamerr.Invalid("context", "the context is not valid UTF-8")
	}
	if trimmed[0] != '{' {
		return pamerr.Invalid("context", "the context must be a JSON object")
	}
	c := &contextChecker{dec: json.NewDecoder(bytes.NewReader(trimmed)), l: l}
	c.dec.UseNumber()
	if err := c.value("context", 0); err != nil {
		return err
	}
	if _, err := c.dec.Token(); !errors.Is(err, io.EOF) {
		return pamerr.Invalid("context", "the context must be a single JSON object")
	}
	return nil
}

type contextChecker struct {
	dec  *json.Decoder
	l    Limits
	keys int
}

func (c *contextChecker) value(field string, depth int) error {
	tok, err := c.dec.Token()
	if err != nil {
		return pamerr.Invalid(field, "the context is not valid JSON")
	}
	switch t := tok.(type) {
	case json.Delim:
		if t != '{' && t != '[' {
			return pamerr.Invalid(field, "the context is not valid JSON")
		}
		if depth+1 > c.l.MaxContextDepth {
			return pamerr.Invalid(field, "nested deeper than %d levels", c.l.MaxContextDepth)
		}
		for i := 0; c.dec.More(); i++ {
			c.keys++
			if c.keys > c.l.MaxContextKeys {
				return pamerr.Invalid(field, "the context has more than %d keys", c.l.MaxContextKeys)
			}
			child := fmt.Sprintf("%s[%d]", field, i)
			if t == '{' {
				kt, err := c.dec.Token()
				key, ok := kt.(string)
				if err != nil || !ok {
					return pamerr.Invalid(field, "the context is not valid JSON")
				}
				if err := c.checkString(field, key); err != nil {
					return err
				}
				if len(key) > 64 {
					key = strings.ToValidUTF8(key[:64], "")
				}
				child = field + "." + key
			}
			if err := c.value(child, depth+1); err != nil {
				return err
			}
		}
		if _, err := c.dec.Token(); err != nil {
			return pamerr.Invalid(field, "the context is not valid JSON")
		}
		return nil
	case string:
		return c.checkString(field, t)
	default:
		return nil
	}
}

func (c *contextChecker) checkString(field, s string) error {
	if !utf8.ValidString(s) {
		return pamerr.Invalid(field, "not valid UTF-8 text")
	}
	if utf8.RuneCountInString(s) > c.l.MaxContextValue {
		return pamerr.Invalid(field, "longer than %d characters", c.l.MaxContextValue)
	}
	for _, r := range s {
		if unicode.Is(unicode.Cc, r) && r != '\n' && r != '\t' {
			return pamerr.Invalid(field, "contains control characters")
		}
	}
	return nil
}
