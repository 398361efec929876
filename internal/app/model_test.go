package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/llm/llmtest"
	"github.com/pamtravel/pam/protocol"
)

// A real model (Anthropic's wire protocol, the official SDK) drives PAM's tools
// through two rounds; the system prompt, tools and results reach it.
func TestAnthropicTurnWithTools(t *testing.T) {
	f := llmtest.NewAnthropic(t)
	f.Push(
		llmtest.ToolUse(llmtest.Call{ID: "t1", Name: "create_expense", Input: `{"amount":"18.40","category":"food","merchant":"Denny's"}`}),
		llmtest.ToolUse(llmtest.Call{ID: "t2", Name: "get_spending_summary", Input: `{"period":"this_month","category":"food"}`}),
		llmtest.Text("Logged $18.40 at Denny's; food this month is $18.40."),
	)
	s := apptest.Start(t, map[string]string{"PAM_MODEL": "anthropic:claude-sonnet-4-5,rules", "ANTHROPIC_API_KEY": "test-key-generated", "PAM_ANTHROPIC_BASE_URL": f.BaseURL()})
	u := s.Register(t)
	out := mustChat(t, s, u.AccessToken, "I had breakfast at Denny's for 18.40, and what's my food total?")
	if out.Degraded || !strings.HasPrefix(out.Source, "anthropic:") || !strings.Contains(out.Reply, "18.40") {
		t.Fatalf("reply = %+v", out)
	}
	if len(out.ToolCalls) != 2 || out.ToolCalls[0].Status != "ok" || out.ToolCalls[1].Status != "ok" {
		t.Fatalf("tool calls = %+v", out.ToolCalls)
	}
	reqs := f.Requests()
	if len(reqs) != 3 {
		t.Fatalf("model called %d times", len(reqs))
	}
	third := string(reqs[2].Body)
	for _, want := range []string{"You are PAM", "user_context", `"tool_use_id":"t2"`, "create_expense", "untrusted-data"} {
		if !strings.Contains(third, want) {
			t.Errorf("third request lacks %s", want)
		}
	}
	if got := reqs[0].Header.Get("X-Request-ID"); got == "" {
		t.Error("request id did not travel to the model")
	}
	// The reply keeps the provider's token usage for the cost view.
	var msgs struct {
		Items []struct {
			Role string `json:"role"`
			Meta struct {
				Usage struct {
					InputTokens int `json:"input_tokens"`
				} `json:"usage"`
			} `json:"meta"`
		} `json:"items"`
	}
	s.Do(t, "GET", "/api/v1/conversations/"+out.ConversationID+"/messages", u.AccessToken, nil).JSON(t, &msgs)
	if n := len(msgs.Items); n != 2 || msgs.Items[1].Role != "assistant" || msgs.Items[1].Meta.Usage.InputTokens == 0 {
		t.Fatalf("stored reply lacks usage: %+v", msgs.Items)
	}
}

// When the model keeps failing, the rules brain answers and says so.
func TestModelDownFallsBackToRules(t *testing.T) {
	f := llmtest.NewAnthropic(t)
	f.Always(llmtest.Overloaded())
	s := apptest.Start(t, map[string]string{"PAM_MODEL": "anthropic:claude-sonnet-4-5,rules", "ANTHROPIC_API_KEY": "test-key-generated",
		"PAM_ANTHROPIC_BASE_URL": f.BaseURL(), "PAM_ATTEMPT_TIMEOUT": "2s"})
	u := s.Register(t)
	out, r := chat(t, s, u.AccessToken, protocol.ChatRequest{Message: "I spent $45.20 on diesel at Shell today"})
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if !out.Degraded || out.Source != "rules" || !strings.Contains(out.Reply, "45.20") {
		t.Fatalf("fallback reply = %+v", out)
	}
	var exp struct{ Items []any }
	s.Do(t, "GET", "/api/v1/expenses", u.AccessToken, nil).JSON(t, &exp)
	if len(exp.Items) != 1 {
		t.Fatalf("fallback stored %d expenses", len(exp.Items))
	}
}

// A session revoked mid-turn stops acting: the tool call after logout is refused.
func TestLogoutMidTurnStopsTools(t *testing.T) {
	f := llmtest.NewAnthropic(t)
	slow := llmtest.ToolUse(llmtest.Call{ID: "t1", Name: "create_expense", Input: `{"amount":"99.00","category":"food"}`})
	slow.Delay = 700 * time.Millisecond
	f.Push(slow, llmtest.Text("Your session ended, so I did not log it."))
	s := apptest.Start(t, map[string]string{"PAM_MODEL": "anthropic:claude-sonnet-4-5,rules", "ANTHROPIC_API_KEY": "test-key-generated", "PAM_ANTHROPIC_BASE_URL": f.BaseURL()})
	u := s.Register(t)
	done := make(chan protocol.ChatResponse)
	go func() {
		out, _ := chat(t, s, u.AccessToken, protocol.ChatRequest{Message: "log $99 for food"})
		done <- out
	}()
	time.Sleep(200 * time.Millisecond)
	if r := s.Do(t, "POST", "/api/v1/auth/logout", u.AccessToken, map[string]string{"refresh_token": u.RefreshToken}); r.Status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	out := <-done
	if len(out.ToolCalls) != 1 || out.ToolCalls[0].Status != "unauthorized" {
		t.Fatalf("tool ran after logout: %+v", out)
	}
	var login struct {
		AccessToken string `json:"access_token"`
	}
	s.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "correct horse battery"}).JSON(t, &login)
	var exp struct{ Items []any }
	s.Do(t, "GET", "/api/v1/expenses", login.AccessToken, nil).JSON(t, &exp)
	if len(exp.Items) != 0 {
		t.Fatalf("%d expenses written after logout", len(exp.Items))
	}
}

// Past the user's daily model-spend ceiling, PAM answers with the rules brain.
func TestSpendCeilingSwitchesToRules(t *testing.T) {
	f := llmtest.NewAnthropic(t)
	expensive := llmtest.Text("Hello from Claude.")
	expensive.Usage = llm.Usage{InputTokens: 2_000_000, OutputTokens: 100_000}
	f.Always(expensive)
	s := apptest.Start(t, map[string]string{"PAM_MODEL": "anthropic:claude-sonnet-4-5,rules", "ANTHROPIC_API_KEY": "test-key-generated",
		"PAM_ANTHROPIC_BASE_URL": f.BaseURL(), "PAM_MODEL_CEILING_USER_DAILY": "1.00"})
	u := s.Register(t)
	first := mustChat(t, s, u.AccessToken, "hello there")
	if first.Degraded || !strings.HasPrefix(first.Source, "anthropic:") {
		t.Fatalf("first turn = %+v", first)
	}
	second := mustChat(t, s, u.AccessToken, "I spent $3 on coffee")
	if second.Source != "rules" || !second.Degraded || f.Count() != 1 {
		t.Fatalf("past the ceiling: %+v (model called %d times)", second, f.Count())
	}
	other := s.Register(t)
	if out := mustChat(t, s, other.AccessToken, "hello there"); !strings.HasPrefix(out.Source, "anthropic:") {
		t.Fatalf("another user was cut off too: %+v", out)
	}
}
