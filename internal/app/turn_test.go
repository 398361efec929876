package app_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/protocol"
)

// A delete needs the user's explicit confirmation, enforced by the server.
func TestDeleteNeedsConfirmation(t *testing.T) {
	s := apptest.Start(t, nil)
	u := s.Register(t)
	mustChat(t, s, u.AccessToken, "I spent $30 on groceries at Safeway")
	out := mustChat(t, s, u.AccessToken, "delete my last expense")
	if len(out.ToolCalls) != 1 || out.ToolCalls[0].Status != "needs_confirmation" {
		t.Fatalf("delete ran without confirmation: %+v", out)
	}
	countExpenses := func() int {
		var exp struct{ Items []any }
		s.Do(t, "GET", "/api/v1/expenses", u.AccessToken, nil).JSON(t, &exp)
		return len(exp.Items)
	}
	if countExpenses() != 1 {
		t.Fatal("expense deleted before confirmation")
	}
	// Another user's "yes" confirms nothing of this user's.
	other := s.Register(t)
	mustChat(t, s, other.AccessToken, "yes")
	if countExpenses() != 1 {
		t.Fatal("another user's yes confirmed the delete")
	}
	out = mustChat(t, s, u.AccessToken, "yes")
	if len(out.ToolCalls) != 1 || out.ToolCalls[0].Status != "ok" || countExpenses() != 0 {
		t.Fatalf("confirmed delete: %+v, %d left", out, countExpenses())
	}
}

// With Accept: text/event-stream the turn streams as Server-Sent Events,
// ending with the durable message frame.
func TestChatServerSentEvents(t *testing.T) {
	s := apptest.Start(t, nil)
	u := s.Register(t)
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/chat", strings.NewReader(`{"message":"I spent $9.99 on food at Subway"}`))
	req.Header.Set("Authorization", "Bearer "+u.AccessToken)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content type %q", ct)
	}
	var types []string
	var last protocol.Message
	sc := bufio.NewScanner(resp.Body)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
			types = append(types, event)
		case strings.HasPrefix(line, "data: ") && event == protocol.TypeMessage:
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &last); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(types) < 3 || types[0] != "accepted" || types[len(types)-1] != "message" {
		t.Fatalf("events %v", types)
	}
	if !contains(types, "tool") || !strings.Contains(last.Text, "9.99") || last.Seq == 0 {
		t.Fatalf("events %v, final %+v", types, last)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The context snapshot is versioned per conversation: a move mid-conversation is mentioned once.
func TestContextChangeIsMentioned(t *testing.T) {
	s := apptest.Start(t, nil)
	u := s.Register(t)
	// Boulder is ~38 km from Denver: a drive, not a GPS glitch (the chain rejects jumps over 500 mph).
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }
	denver := json.RawMessage(`{"location":{"lat":39.74,"lng":-104.99,"timestamp":"` + at(-8*time.Minute) + `"}}`)
	boulder := json.RawMessage(`{"location":{"lat":40.01,"lng":-105.27,"timestamp":"` + at(0) + `"}}`)
	first, r := chat(t, s, u.AccessToken, protocol.ChatRequest{Message: "I spent $5 on coffee", Context: denver})
	if r.Status != 200 || strings.Contains(first.Reply, "location changed") {
		t.Fatalf("first: %d %+v", r.Status, first)
	}
	same, _ := chat(t, s, u.AccessToken, protocol.ChatRequest{Message: "I spent $6 on coffee", ConversationID: first.ConversationID, Context: denver})
	if strings.Contains(same.Reply, "location changed") {
		t.Fatalf("no move, but: %q", same.Reply)
	}
	moved, _ := chat(t, s, u.AccessToken, protocol.ChatRequest{Message: "I spent $7 on coffee", ConversationID: first.ConversationID, Context: boulder})
	if !strings.HasPrefix(moved.Reply, "Note: your location changed") {
		t.Fatalf("move not mentioned: %q", moved.Reply)
	}
	again, _ := chat(t, s, u.AccessToken, protocol.ChatRequest{Message: "I spent $8 on coffee", ConversationID: first.ConversationID, Context: boulder})
	if strings.Contains(again.Reply, "location changed") {
		t.Fatalf("move mentioned twice: %q", again.Reply)
	}
}
