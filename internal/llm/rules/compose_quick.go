package rules

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// quickToolResult decodes body as json.Unmarshal decodes it into a
// toolResult, for the bodies tools write: valid JSON, one object, keys in
// plain ASCII, the fields' strings without escapes. Their strings are then
// sliced from body instead of copied. ok is false for anything else, which
// is left to encoding/json (and for a body encoding/json would refuse).
func quickToolResult(body string) (r toolResult, ok bool) {
	if !json.Valid([]byte(body)) {
		return r, false
	}
	i := skipSpace(body, 0)
	if i == len(body) || body[i] != '{' {
		return r, false
	}
	i = skipSpace(body, i+1)
	if body[i] == '}' {
		return r, true
	}
	for {
		// The body is valid JSON: a key string, a colon and a value follow.
		end := strings.IndexByte(body[i+1:], '"') + i + 1
		key := body[i+1 : end]
		if !plainASCII(key) {
			return r, false
		}
		i = skipSpace(body, skipSpace(body, end+1)+1) // past the colon
		var str *string
		var flag *bool
		switch {
		case strings.EqualFold(key, "status"):
			str = &r.Status
		case strings.EqualFold(key, "summary"):
			str = &r.Summary
		case strings.EqualFold(key, "error"):
			str = &r.Error
		case strings.EqualFold(key, "disclaimer"):
			str = &r.Disclaimer
		case strings.EqualFold(key, "stale"):
			flag = &r.Stale
		case strings.EqualFold(key, "partial"):
			flag = &r.Partial
		}
		next := skipValue(body, i)
		v := body[i:next]
		switch {
		case str == nil && flag == nil, v == "null":
			// another key, or null: left as it is
		case str != nil && v[0] == '"':
			s := v[1 : len(v)-1]
			if strings.IndexByte(s, '\\') >= 0 || !utf8.ValidString(s) {
				return r, false // escapes and invalid bytes are the decoder's
			}
			*str = s
		case flag != nil && (v == "true" || v == "false"):
			*flag = v == "true"
		default:
			return r, false // a type error: the decoder reports it
		}
		i = skipSpace(body, next)
		if body[i] == '}' {
			return r, true
		}
		i = skipSpace(body, i+1) // past the comma
	}
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' || s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// skipValue returns the end of the valid JSON value starting at s[i].
func skipValue(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			i = stringEnd(s, i)
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // the end of a scalar before the object's close
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// stringEnd returns the index of the quote closing the string opening at s[i].
func stringEnd(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return i
}
