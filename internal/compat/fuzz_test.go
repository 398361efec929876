package compat

import (
	"encoding/json"
	"testing"
)

// FuzzParseContext: any input is an error or a context whose native form
// is valid and whose merge with itself is stable.
func FuzzParseContext(f *testing.F) {
	for _, s := range []string{`{"userLocation":{"lat":44.4,"lng":-110.5}}`, `{"location":{"latitude":"1","longitude":"2"}}`,
		`{"timezone":"UTC","locale":"en-US"}`, `null`, `{}`, `{"userLocation":{"lat":"1e400","lng":0}}`, `{"userLocation":{"timestamp":1732435200000,"lat":1,"lng":1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := ParseContext(json.RawMessage(raw))
		if err != nil {
			return
		}
		n, err := c.Native()
		if err != nil {
			t.Fatalf("parsed context has an invalid native form: %v", err)
		}
		if n != nil {
			if err := n.Validate(); err != nil {
				t.Fatalf("native context invalid: %v", err)
			}
		}
		if _, err := c.Merge(c); err != nil {
			t.Fatalf("self-merge: %v", err)
		}
	})
}

// FuzzClientFrame: decoding never panics, and a chat's text is message or content.
func FuzzClientFrame(f *testing.F) {
	for _, s := range []string{`{"type":"chat","message":"hi","session_id":"s"}`, `{"type":"chat","content":"hi","stream":true}`,
		`{"type":"init","context":{"userLocation":{"lat":1,"lng":2}}}`, `{"type":"pong"}`, `{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var fr ClientFrame
		if json.Unmarshal(raw, &fr) != nil {
			return
		}
		if txt := fr.Text(); txt != fr.Message && txt != fr.Content {
			t.Fatalf("Text() = %q, neither message nor content", txt)
		}
	})
}
