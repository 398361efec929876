package app_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

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
