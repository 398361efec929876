package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

func testFeedback(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u, other := newUser(t, s), newUser(t, s)
	c := &store.Conversation{UserID: u.ID, Title: "trip"}
	must(t, s.CreateConversation(ctx, c))
	m := &store.Message{ConversationID: c.ID, UserID: u.ID, Role: store.MessageAssistant, Content: "Fuel is cheaper in Moab."}
	must(t, s.AppendMessage(ctx, m))

	f := &store.Feedback{UserID: u.ID, MessageID: m.ID, Rating: store.RatingDown, Note: "wrong town"}
	must(t, s.SaveFeedback(ctx, f))
	if f.ID == "" || f.ConversationID != c.ID || f.CreatedAt.IsZero() {
		t.Fatalf("SaveFeedback did not fill the record: %+v", f)
	}
	// Giving feedback again replaces it: one row per (user, message).
	again := &store.Feedback{UserID: u.ID, MessageID: m.ID, Rating: store.RatingUp}
	must(t, s.SaveFeedback(ctx, again))
	list, _, err := s.ListFeedback(ctx, store.Page{Limit: 10})
	must(t, err)
	if len(list) != 1 || list[0].Rating != store.RatingUp || list[0].Note != "" || list[0].UserID != u.ID {
		t.Fatalf("ListFeedback = %+v, want one replaced up vote", list)
	}

	tests := []struct {
		name string
		f    store.Feedback
		code pamerr.Code
	}{
		{"another user's message", store.Feedback{UserID: other.ID, MessageID: m.ID, Rating: store.RatingUp}, pamerr.NotFound},
		{"unknown message", store.Feedback{UserID: u.ID, MessageID: "nope", Rating: store.RatingUp}, pamerr.NotFound},
		{"bad rating", store.Feedback{UserID: u.ID, MessageID: m.ID, Rating: "meh"}, pamerr.InvalidInput},
	}
	for _, tc := range tests {
		if err := s.SaveFeedback(ctx, &tc.f); pamerr.CodeOf(err) != tc.code {
			t.Errorf("%s: SaveFeedback err = %v, want %s", tc.name, err, tc.code)
		}
	}
}

func testUsage(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	start := time.Now().Add(-time.Second)
	u := newUser(t, s)
	c := &store.Conversation{UserID: u.ID}
	must(t, s.CreateConversation(ctx, c))
	_, _, err := s.AcceptTurn(ctx, &store.Turn{UserID: u.ID, ConversationID: c.ID, ClientMessageID: "m1", Text: "hi", Status: store.TurnPending})
	must(t, err)
	must(t, s.AppendMessage(ctx, &store.Message{ConversationID: c.ID, UserID: u.ID, Role: store.MessageUser, Content: "hi"}))
	must(t, s.AppendMessage(ctx, &store.Message{ConversationID: c.ID, UserID: u.ID, Role: store.MessageAssistant, Content: "hello",
		Source: "rules", Degraded: true, Meta: json.RawMessage(`{"usage":{"input_tokens":3}}`)}))
	must(t, s.AppendAudit(ctx, &store.AuditRecord{UserID: u.ID, Kind: "tool", Action: "find_cheap_gas", Outcome: "error"}, testHash))
	must(t, s.AppendAudit(ctx, &store.AuditRecord{UserID: u.ID, Kind: "security", Action: "login", Outcome: "ok"}, testHash))
	events := []store.ClientEvent{{UserID: u.ID, Name: "speak_clicked", Props: json.RawMessage(`{"voice":"default"}`)}, {UserID: u.ID, Name: "page_view"}}
	must(t, s.RecordClientEvents(ctx, events))
	if events[0].ID == "" || events[1].CreatedAt.IsZero() {
		t.Errorf("RecordClientEvents did not fill ids and times: %+v", events)
	}
	if err := s.RecordClientEvents(ctx, []store.ClientEvent{{UserID: "nobody", Name: "x"}}); pamerr.CodeOf(err) != pamerr.NotFound {
		t.Errorf("RecordClientEvents for an unknown user: err = %v, want NOT_FOUND", err)
	}

	got := map[string][]store.UsageFact{}
	must(t, s.ScanUsage(ctx, start, time.Time{}, func(f store.UsageFact) error {
		got[f.Kind] = append(got[f.Kind], f)
		return nil
	}))
	if len(got[store.UsageTurn]) != 1 || got[store.UsageTurn][0].Failed {
		t.Errorf("turn facts = %+v, want one pending turn", got[store.UsageTurn])
	}
	if r := got[store.UsageReply]; len(r) != 1 || r[0].Name != "rules" || !r[0].Failed || len(r[0].Meta) == 0 {
		t.Errorf("reply facts = %+v, want one degraded rules reply with meta", r)
	}
	if tl := got[store.UsageTool]; len(tl) != 1 || tl[0].Name != "find_cheap_gas" || !tl[0].Failed {
		t.Errorf("tool facts = %+v, want one failed find_cheap_gas (security rows excluded)", tl)
	}
	if len(got[store.UsageClient]) != 2 {
		t.Errorf("client facts = %+v, want 2", got[store.UsageClient])
	}
	n := 0
	must(t, s.ScanUsage(ctx, time.Now().Add(time.Hour), time.Time{}, func(store.UsageFact) error { n++; return nil }))
	if n != 0 {
		t.Errorf("ScanUsage after now saw %d facts", n)
	}
}
