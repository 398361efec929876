package rules

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/llm"
)

// TestTextAnswers covers messages the rules brain must answer without calling a tool.
func TestTextAnswers(t *testing.T) {
	nowhere := testUser()
	nowhere.Location = nil
	cases := []struct {
		in   string
		user *llm.UserContext
		want []string // substrings of the reply
	}{
		{in: "I spent -$20 on diesel", want: []string{"negative"}},
		{in: "spent $0 on lunch", want: []string{"zero"}},
		{in: "I spent $5,000,000 on a new RV", want: []string{"999,999.99"}},
		{in: "spent 2000k on fuel", want: []string{"999,999.99"}},
		{in: "spent $99999999999999999999999999 on fuel", want: []string{"999,999.99"}},
		{in: "rv parks near Moab under $0", want: []string{"price limit"}},
		{in: "I saved $30 by boondocking", want: []string{"can't log a saving"}},
		{in: "cancel my reminder", want: []string{"can't remove calendar events"}},
		{in: "spent $12.345 on coffee", want: []string{"two decimal"}},
		{in: "set my fuel budget to -400", want: []string{"negative"}},
		{in: "set my fuel budget to $0", want: []string{"zero"}},
		{in: "filled up 20 gallons for $1,000,000", want: []string{"999,999.99"}},
		{in: "filled up 20 gallons", want: []string{"two of"}},
		{in: "I spent money on diesel", want: []string{"How much"}},
		{in: "set my budget to $2000", want: []string{"Which category"}},
		{in: "remind me to call mom", want: []string{"When should"}},
		{in: "remind me to call mom today at 8am", want: []string{"already passed"}},
		{in: "plan a trip to Moab", user: &nowhere, want: []string{"Where are you starting from"}},
		{in: "save this spot", user: &nowhere, want: []string{"don't know where you are"}},
		{in: "what's the weather like last Friday", want: []string{"up to a week"}},
		{in: "weather in Moab on Dec 20", want: []string{"up to a week"}},
		{in: "my time zone is weird", want: []string{"Which time zone"}},
		{in: "help", want: []string{"I can help with", "Expenses"}},
		{in: "what can you do?", want: []string{"I can help with"}},
		{in: "hello", want: []string{"Hi! I'm PAM"}},
		{in: "thanks!", want: []string{"welcome"}},
		{in: "no thanks", want: []string{"Let me know"}},
		{in: "I drove 280 miles today", want: []string{"didn't understand"}},
		{in: "sing me a song about the moon", want: []string{"didn't understand", "I can help with"}},
		{in: "¿Dónde está la biblioteca?", want: []string{"didn't understand"}},
		{in: "   ", want: []string{"I can help with"}},
		{in: "", want: []string{"I can help with"}},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			user := testUser()
			if tc.user != nil {
				user = *tc.user
			}
			resp := generate(t, userRequest(tc.in, user))
			if calls := resp.ToolCalls(); len(calls) != 0 {
				t.Fatalf("called %s %s, want a text answer", calls[0].ToolName, calls[0].Input)
			}
			if resp.StopReason != llm.StopEnd {
				t.Errorf("StopReason = %q, want end_turn", resp.StopReason)
			}
			for _, w := range tc.want {
				if !strings.Contains(resp.Text(), w) {
					t.Errorf("reply %q lacks %q", resp.Text(), w)
				}
			}
		})
	}
}

func TestAbsentToolIsTemporarilyUnavailable(t *testing.T) {
	req := userRequest("what's the weather in Moab tomorrow", testUser())
	var kept []llm.ToolDef
	for _, d := range req.Tools {
		if d.Name != "get_weather_forecast" {
			kept = append(kept, d)
		}
	}
	req.Tools = kept
	resp := generate(t, req)
	if len(resp.ToolCalls()) != 0 {
		t.Fatalf("called %v although the tool was not offered", resp.ToolCalls())
	}
	if got := resp.Text(); !strings.Contains(got, "weather forecast is temporarily unavailable") {
		t.Errorf("reply = %q", got)
	}
}

func TestToolUseIDsContinueTheConversation(t *testing.T) {
	req := userRequest("switch to metric", testUser())
	earlier := []llm.Message{
		{Role: llm.RoleUser, Content: []llm.Block{{Type: llm.BlockText, Text: "fuel stats"}}},
		{Role: llm.RoleAssistant, Content: []llm.Block{{Type: llm.BlockToolUse, ToolUseID: "rules_1", ToolName: "get_fuel_stats", Input: []byte(`{}`)}}},
		{Role: llm.RoleUser, Content: []llm.Block{{Type: llm.BlockToolResult, ToolUseID: "rules_1", Text: `{"status":"ok","summary":"No fill-ups yet."}`}}},
		{Role: llm.RoleAssistant, Content: []llm.Block{{Type: llm.BlockText, Text: "No fill-ups yet."}}},
	}
	req.Messages = append(earlier, req.Messages...)
	calls := generate(t, req).ToolCalls()
	if len(calls) != 1 || calls[0].ToolUseID != "rules_2" {
		t.Fatalf("calls = %+v, want one with id rules_2", calls)
	}
}

func TestStreamsTextAnswers(t *testing.T) {
	var got strings.Builder
	resp, err := New(Options{}).Generate(context.Background(), userRequest("help", testUser()), func(s string) { got.WriteString(s) })
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != resp.Text() || got.Len() == 0 {
		t.Errorf("streamed %q, reply %q", got.String(), resp.Text())
	}
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(Options{}).Generate(ctx, userRequest("help", testUser()), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestNameAndZeroNow(t *testing.T) {
	m := New(Options{Now: func() time.Time { return testNow }})
	if m.Name() != "rules" {
		t.Errorf("Name = %q", m.Name())
	}
	user := testUser()
	user.Now = time.Time{}
	resp, err := m.Generate(context.Background(), userRequest("spent $5 on coffee", user), nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls := resp.ToolCalls(); len(calls) != 1 || !strings.Contains(string(calls[0].Input), `"date":"2026-11-24"`) {
		t.Errorf("calls = %+v, want today's date from Options.Now", calls)
	}
}

// TestConcurrentUse runs many turns at once on one Model (run with -race).
func TestConcurrentUse(t *testing.T) {
	m := New(Options{})
	done := make(chan error, len(utteranceCases))
	for _, tc := range utteranceCases {
		go func() {
			_, err := m.Generate(context.Background(), userRequest(tc.in, testUser()), nil)
			done <- err
		}()
	}
	for range utteranceCases {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
