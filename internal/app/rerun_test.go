package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/protocol"
)

// The traveller's phone loses the connection (or the instance stops) right
// after PAM logged the expense but before the answer was stored. When the
// turn runs again — here at the next start — PAM must answer it without
// logging the expense a second time.
func TestTurnInterruptedAfterItsToolWroteLogsOnce(t *testing.T) {
	c := startComponents(t, nil)
	tok := benchRegister(t, c.handler)
	claims, err := c.auth.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	in := delivery.Inbound{UserID: claims.UserID, Role: claims.Role, ClientMessageID: "phone-1", Text: "I spent $45.20 on diesel at Shell today"}
	acc, err := c.delivery.Accept(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cut := context.WithCancel(context.Background())
	_, err = c.delivery.Process(ctx, acc.Turn, in, func(f delivery.Frame) {
		var tool protocol.Tool
		if f.Type == protocol.TypeTool && json.Unmarshal(f.JSON, &tool) == nil && tool.Status == "ok" {
			cut() // the expense is stored; the connection drops before the answer
		}
	})
	if err == nil {
		t.Fatal("the cut turn was answered")
	}
	if n := countExpenses(t, c.handler, tok); n != 1 {
		t.Fatalf("%d expenses after the cut, want the one the tool stored", n)
	}

	c.delivery.ResumePending(context.Background())
	if n := countExpenses(t, c.handler, tok); n != 1 {
		t.Fatalf("%d expenses after the turn ran again, want 1", n)
	}
	again, err := c.delivery.Accept(context.Background(), in) // the phone retries
	if err != nil || !again.Duplicate || again.Turn.Status != "done" {
		t.Fatalf("retry after the answer: %+v %v", again, err)
	}
	res, err := c.delivery.WaitResult(context.Background(), again.Turn)
	if err != nil || !strings.Contains(res.Frame.Text, "45.20") {
		t.Fatalf("answer: %+v %v", res, err)
	}
}

func countExpenses(t testing.TB, h http.Handler, tok string) int {
	t.Helper()
	req := httptest.NewRequest("GET", "/api/v1/expenses", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out struct{ Items []json.RawMessage }
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("expenses: %d %s", rec.Code, rec.Body)
	}
	return len(out.Items)
}
