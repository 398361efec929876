package pamclient

import (
	"encoding/json"
	"testing"
)

// FuzzHandleFrame feeds arbitrary server frames to the client: it must never
// panic, never move its position backwards, and never deliver a seq twice.
func FuzzHandleFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"message","seq":3,"id":"a","text":"hi"}`,
		`{"type":"error","seq":4,"id":"a","code":"UPSTREAM_UNAVAILABLE","message":"x"}`,
		`{"type":"error","id":"a","code":"OVERLOADED","retry_after_ms":20}`,
		`{"type":"delta","turn_id":"t","text":"x"}`,
		`{"type":"welcome","user_id":"u","last_seq":9,"recovered":false,"heartbeat_ms":25000}`,
		`{"type":"message","seq":-1}`, `{"seq":"x"}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c := New("http://example.invalid", Options{})
		c.pending = append(c.pending, &outgoing{})
		before := c.LastSeq()
		c.handleFrame(json.RawMessage(raw))
		c.handleFrame(json.RawMessage(raw)) // a repeat is never delivered twice
		if c.LastSeq() < before {
			t.Fatalf("last seq went back: %d → %d", before, c.LastSeq())
		}
		if n := len(c.messages); n > 1 {
			t.Fatalf("%d messages delivered from one frame sent twice", n)
		}
	})
}
