package compat

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/pamtravel/pam/protocol"
)

// BenchmarkDedupeID is the per-chat cost of the durable id, without the store lookup.
func BenchmarkDedupeID(b *testing.B) {
	d := Dedupe{Window: time.Minute, Find: func(context.Context, string, string) (time.Time, bool, error) { return time.Time{}, false, nil }}
	ctx, now := context.Background(), time.Now()
	fresh := func() string { return "x" }
	for b.Loop() {
		if _, err := d.ID(ctx, "user-1", "session-1", "I spent $45.20 on diesel at Shell today", now, fresh); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnswerFrame is the per-answer cost of turning the native message into chat_response JSON.
func BenchmarkAnswerFrame(b *testing.B) {
	m := protocol.Message{Text: "Logged $45.20 for fuel at Shell.", MessageID: "m1", ConversationID: "c1", Source: "rules",
		UIActions: []protocol.UIAction{{Type: "reload_expenses", EntityID: "e1", EntityType: "expense", EntityTitle: "Shell"}}}
	now := time.Now()
	for b.Loop() {
		if _, err := json.Marshal(FromMessage(TypeChatResponse, m, "s1", now)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkContextNative is the per-chat cost of the app's context to the native one.
func BenchmarkContextNative(b *testing.B) {
	raw := json.RawMessage(`{"userLocation":{"latitude":44.43,"longitude":-110.59,"accuracy":20},"vehicleInfo":{"type":"class_a"},"travelStyle":"slow","timezone":"America/Denver"}`)
	for b.Loop() {
		c, err := ParseContext(raw)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.NativeJSON(); err != nil {
			b.Fatal(err)
		}
	}
}
