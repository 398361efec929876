package compat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/protocol"
)

func TestErrorCode(t *testing.T) {
	tests := []struct {
		err   error
		from  Origin
		want  string
		close int
	}{
		{pamerr.New(pamerr.RateLimited, "slow"), FromLimiter, ErrRateLimit, 0},
		{pamerr.New(pamerr.RateLimited, "blocked"), FromEngine, ErrSuspicious, CloseBlocked},
		{pamerr.New(pamerr.UnsafeInput, "no"), FromEngine, ErrSecurity, 0},
		{pamerr.Invalid("text", "empty"), FromEngine, ErrValidation, 0},
		{pamerr.New(pamerr.NotFound, "conversation"), FromEngine, ErrValidation, 0},
		{pamerr.New(pamerr.MessageTooLarge, "long"), FromEngine, ErrTooLarge, 0},
		{pamerr.New(pamerr.UpstreamUnavailable, "down"), FromEngine, ErrProcessing, 0},
		{errors.New("boom"), FromEngine, ErrProcessing, 0},
		{fmt.Errorf("wrapped: %w", pamerr.New(pamerr.UnsafeInput, "no")), FromEngine, ErrSecurity, 0},
	}
	for _, tt := range tests {
		got := ErrorCode(tt.err, tt.from)
		if got != tt.want || CloseFor(got) != tt.close {
			t.Errorf("ErrorCode(%v, %d) = %s (close %d), want %s (close %d)", tt.err, tt.from, got, CloseFor(got), tt.want, tt.close)
		}
	}
}

func TestUIActions(t *testing.T) {
	in := []protocol.UIAction{
		{Type: "reload_expenses", EntityID: "e1", EntityType: "expense", EntityTitle: "Fuel"},
		{Type: "reload_fuel", EntityID: "f1", EntityType: "fuel_entry", EntityTitle: "Shell"},
		{Type: "reload_fuel", EntityID: "f1", EntityType: "fuel_entry", EntityTitle: "Shell"},
		{Type: "reload_calendar", EntityID: "c1", EntityType: "calendar_event", EntityTitle: "Oil change"},
		{Type: "reload_trips", EntityID: "t1", EntityType: "trip", EntityTitle: "Zion"},
		{Type: "reload_budgets", EntityID: "fuel", EntityType: "budget", EntityTitle: "fuel budget"},
	}
	got := UIActions(in)
	want := []string{"reload_expenses", "reload_expenses", "reload_calendar", "reload_trips", "reload_expenses"}
	if len(got) != len(want) {
		t.Fatalf("UIActions = %+v", got)
	}
	for i, w := range want {
		if got[i].Type != w {
			t.Errorf("action %d = %+v, want %s", i, got[i], w)
		}
	}
	if got[1].EntityID != "f1" || got[1].EntityType != "fuel_entry" {
		t.Errorf("entity fields lost: %+v", got[1])
	}
	if UIActions(nil) == nil {
		t.Error("nil actions must encode as []")
	}
}

func TestFromMessage(t *testing.T) {
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	m := protocol.Message{Text: "Logged $45.20", MessageID: "m1", ConversationID: "c1", Source: "anthropic:claude-x", Degraded: true}
	r := FromMessage(TypeChatResponse, m, "s1", now)
	if r.Message != r.Content || r.Content != "Logged $45.20" || r.Source != "anthropic" || r.Model != "claude-x" ||
		r.SessionID != "s1" || !r.Degraded || r.Timestamp != "2026-11-24T08:00:00Z" || r.UIActions == nil {
		t.Fatalf("FromMessage = %+v", r)
	}
	if src, model := SourceModel("rules"); src != "rules" || model != "rules" {
		t.Fatalf("SourceModel(rules) = %s, %s", src, model)
	}
}

func TestContext(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		wantLat float64
		wantTZ  string
		wantErr bool
		noNativ bool
	}{
		{name: "lat lng", raw: `{"userLocation":{"lat":44.4,"lng":-110.5}}`, wantLat: 44.4},
		{name: "latitude longitude strings", raw: `{"userLocation":{"latitude":"44.4","longitude":"-110.5","accuracy":12}}`, wantLat: 44.4},
		{name: "location key and timezone", raw: `{"location":{"lat":1,"lon":2},"timezone":"America/Denver"}`, wantLat: 1, wantTZ: "America/Denver"},
		{name: "vehicle only", raw: `{"vehicleInfo":{"type":"class_a"},"travelStyle":"slow"}`, noNativ: true},
		{name: "null", raw: `null`, noNativ: true},
		{name: "lat out of range", raw: `{"userLocation":{"lat":91,"lng":0}}`, wantErr: true},
		{name: "NaN string", raw: `{"userLocation":{"lat":"NaN","lng":0}}`, wantErr: true},
		{name: "missing lng", raw: `{"userLocation":{"lat":1}}`, wantErr: true},
		{name: "bad zone", raw: `{"timezone":"Mars/Olympus"}`, wantErr: true},
		{name: "array", raw: `[1]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseContext(json.RawMessage(tt.raw))
			if tt.wantErr {
				if pamerr.CodeOf(err) != pamerr.InvalidInput {
					t.Fatalf("err = %v, want INVALID_INPUT", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			n, err := c.Native()
			if err != nil {
				t.Fatal(err)
			}
			if tt.noNativ {
				if n != nil {
					t.Fatalf("native = %+v, want nil", n)
				}
				return
			}
			if n == nil || (tt.wantLat != 0 && (n.Location == nil || n.Location.Lat != tt.wantLat)) || n.Timezone != tt.wantTZ {
				t.Fatalf("native = %+v", n)
			}
		})
	}
}

func TestContextMerge(t *testing.T) {
	a, _ := ParseContext(json.RawMessage(`{"userLocation":{"lat":1,"lng":2},"travelStyle":"slow"}`))
	b, _ := ParseContext(json.RawMessage(`{"userLocation":{"lat":3,"lng":4},"travelStyle":null,"vehicleInfo":{"fuel":"diesel"}}`))
	m, err := a.Merge(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m["travelStyle"]; ok || len(m) != 2 {
		t.Fatalf("merged = %v", m)
	}
	n, _ := m.Native()
	if n.Location.Lat != 3 {
		t.Fatalf("merged location = %+v", n.Location)
	}
	if _, ok := a["vehicleInfo"]; ok {
		t.Fatal("Merge changed its receiver")
	}
	big := Context{}
	for i := range maxContextKeys + 1 {
		big[fmt.Sprint("k", i)] = json.RawMessage(`1`)
	}
	if _, err := (Context{}).Merge(big); err == nil {
		t.Fatal("merge over the key limit accepted")
	}
}

// fakeTurns is the store's TurnByClientID as Dedupe sees it.
type fakeTurns map[string]time.Time

func (f fakeTurns) find(_ context.Context, _, id string) (time.Time, bool, error) {
	at, ok := f[id]
	return at, ok, nil
}

func TestDedupeWindow(t *testing.T) {
	turns := fakeTurns{}
	d := Dedupe{Window: time.Minute, Find: turns.find}
	n := 0
	fresh := func() string { n++; return fmt.Sprint("fresh-", n) }
	ctx := context.Background()
	t0 := time.Date(2026, 11, 24, 8, 0, 50, 0, time.UTC) // 10 s before a slot boundary
	id := func(sess, text string, at time.Time) string {
		got, err := d.ID(ctx, "u1", sess, text, at, fresh)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := id("s1", "I spent $5 on coffee", t0)
	turns[first] = t0 // accepted
	tests := []struct {
		name       string
		sess, text string
		at         time.Time
		same       bool
	}{
		{"re-send at once", "s1", "I spent $5 on coffee", t0.Add(time.Second), true},
		{"re-send across the slot boundary", "s1", "I spent $5 on coffee", t0.Add(30 * time.Second), true},
		{"re-send with other spacing", "s1", "  I spent $5   on coffee ", t0.Add(20 * time.Second), true},
		{"other session", "s2", "I spent $5 on coffee", t0.Add(time.Second), false},
		{"other text", "s1", "I spent $6 on coffee", t0.Add(time.Second), false},
		{"after the window", "s1", "I spent $5 on coffee", t0.Add(61 * time.Second), false},
		{"long after", "s1", "I spent $5 on coffee", t0.Add(time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := id(tt.sess, tt.text, tt.at); (got == first) != tt.same {
				t.Fatalf("id = %s, first %s, want same=%v", got, first, tt.same)
			}
		})
	}
	if a, b := id("", "hi", t0), id("", "hi", t0); a == b {
		t.Fatal("without a session_id two chats got one id")
	}
	other, _ := d.ID(ctx, "u2", "s1", "I spent $5 on coffee", t0, fresh)
	if other == first {
		t.Fatal("two users share an id")
	}
}

func TestMemo(t *testing.T) {
	m := NewMemo[string](time.Minute, 2)
	t0 := time.Now()
	m.Put("a", "1", t0)
	m.Put("b", "2", t0.Add(time.Second))
	m.Put("c", "3", t0.Add(2*time.Second)) // evicts a, the closest to expiry
	if _, ok := m.Get("a", t0); ok {
		t.Fatal("a survived eviction")
	}
	if v, ok := m.Get("c", t0.Add(3*time.Second)); !ok || v != "3" {
		t.Fatalf("c = %q %v", v, ok)
	}
	if _, ok := m.Get("b", t0.Add(2*time.Minute)); ok {
		t.Fatal("b outlived its ttl")
	}
	m.Delete("c")
	if _, ok := m.Get("c", t0); ok {
		t.Fatal("c survived Delete")
	}
}
