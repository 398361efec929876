package agent

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/pamtravel/pam/internal/tools"
)

// resultText is res as the model reads it: its JSON, as json.Marshal
// encodes it, built on the stack when appendResult can and copied once.
func resultText(res *tools.Result) string {
	var buf [1024]byte
	if b, ok := appendResult(buf[:0], res); ok {
		return string(b)
	}
	body, err := json.Marshal(*res) // a copy: res itself stays off the heap
	if err != nil {
		return `{"status":"failed","error":"the tool's result could not be encoded"}`
	}
	return string(body)
}

// appendResult appends res as json.Marshal encodes it, for the results
// tools return: data absent or JSON already compact (as the executor keeps
// it) and text that needs no escaping. ok is false for anything else, which
// is left to encoding/json.
func appendResult(b []byte, res *tools.Result) (_ []byte, ok bool) {
	b = append(b, `{"status":`...)
	if b, ok = appendPlainString(b, string(res.Status)); !ok {
		return b, false
	}
	if res.Data != nil {
		raw, isRaw := res.Data.(json.RawMessage)
		if !isRaw || !compactPlain(raw) {
			return b, false
		}
		b = append(append(b, `,"data":`...), raw...)
	}
	for _, f := range [...]struct {
		key   string
		value string
	}{{`,"summary":`, res.Summary}, {`,"error":`, res.Error}} {
		if f.value != "" {
			if b, ok = appendPlainString(append(b, f.key...), f.value); !ok {
				return b, false
			}
		}
	}
	if res.Stale {
		b = append(b, `,"stale":true`...)
	}
	if res.Disclaimer != "" {
		if b, ok = appendPlainString(append(b, `,"disclaimer":`...), res.Disclaimer); !ok {
			return b, false
		}
	}
	if res.Partial {
		b = append(b, `,"partial":true`...)
	}
	return append(b, '}'), true
}

// appendPlainString appends s quoted when encoding/json would write it
// unescaped: valid UTF-8 without control characters, quotes, backslashes,
// the HTML characters <, > and & or the line and paragraph separators.
func appendPlainString(b []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < ' ' || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return b, false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			return b, false
		}
		i += size
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), true
}

// compactPlain reports whether raw is valid JSON that encoding/json writes
// as it is: no white space outside strings, none of the characters it
// escapes for HTML, no line or paragraph separator.
func compactPlain(raw json.RawMessage) bool {
	if !json.Valid(raw) {
		return false
	}
	inString := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '<' || c == '>' || c == '&':
			return false
		case c == 0xE2 && i+2 < len(raw) && raw[i+1] == 0x80 && raw[i+2]&^1 == 0xA8:
			return false // U+2028 or U+2029
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return false
		}
	}
	return true
}
