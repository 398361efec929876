package rules

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/llm"
)

// followUp builds the request after the tools answered: the user's message, the
// assistant's tool calls, then one tool_result per call.
func followUp(results ...llm.Block) *llm.Request {
	var uses []llm.Block
	for i := range results {
		results[i].Type = llm.BlockToolResult
		uses = append(uses, llm.Block{Type: llm.BlockToolUse, ToolUseID: results[i].ToolUseID, ToolName: results[i].ToolName, Input: json.RawMessage(`{}`)})
		results[i].ToolName = ""
	}
	return &llm.Request{
		Messages: []llm.Message{
			{Role: llm.RoleUser, Content: []llm.Block{{Type: llm.BlockText, Text: "…"}}},
			{Role: llm.RoleAssistant, Content: uses},
			{Role: llm.RoleUser, Content: results},
		},
		Tools: allTools(),
		User:  testUser(),
	}
}

func TestComposeFromToolResults(t *testing.T) {
	cases := []struct {
		name    string
		results []llm.Block
		want    []string
		notWant []string
	}{
		{name: "summary is the reply",
			results: []llm.Block{{ToolUseID: "rules_1", ToolName: "create_expense",
				Text: `{"status":"ok","data":{"expense":{"id":"e1"}},"summary":"Logged $45.20 for fuel at Shell on Nov 24."}`}},
			want: []string{"Logged $45.20 for fuel at Shell on Nov 24."}, notWant: []string{"e1"}},
		{name: "data when no summary",
			results: []llm.Block{{ToolUseID: "rules_1", ToolName: "get_spending_summary",
				Text: `{"status":"ok","data":{"from":"2026-11-01","to":"2026-11-30","total":{"amount":"312.40","currency":"USD"},"count":7,"by_category":[{"category":"fuel","total":"200.00","count":3}]}}`}},
			want: []string{"Total: $312.40", "Count: 7", "By category: fuel", "From: 2026-11-01"}},
		{name: "list of names",
			results: []llm.Block{{ToolUseID: "rules_1", ToolName: "find_rv_parks",
				Text: `{"status":"ok","data":{"parks":[{"name":"Sun Outdoors Arches","lat":38.6},{"name":"Canyonlands RV"}]}}`}},
			want: []string{"Parks: Sun Outdoors Arches, Canyonlands RV"}},
		{name: "not available",
			results: []llm.Block{{ToolUseID: "rules_1", ToolName: "get_weather_forecast", IsError: true,
				Text: `{"status":"not_available","error":"the weather service is down"}`}},
			want: []string{"The weather forecast is temporarily unavailable.", "The weather service is down.", "try again later"}},
		{name: "no results",
			results: []llm.Block{{ToolUseID: "rules_1", ToolName: "find_cheap_gas",
				Text: `{"status":"no_results","summary":"No fuel stations found within 25 km of Moab."}`}},
			want: []string{"No fuel stations found within 25 km of Moab."}},
		{name: "invalid arguments",
			results: []llm.Block{{ToolUseID: "rules_1", ToolName: "update_budget", IsError: true,
				Text: `{"status":"invalid_arguments","error":"category must be one of fuel, food, …"}`}},
			want: []string{"I couldn't do that: Category must be one of fuel, food, …", "rephrase"}},
		{name: "needs confirmation",
			results: []llm.Block{{ToolUseID: "rules_1", ToolName: "delete_expense",
				Text: `{"status":"needs_confirmation","summary":"Delete the $45.20 fuel expense from Nov 24?"}`}},
			want: []string{"Delete the $45.20 fuel expense from Nov 24?"}},
		{name: "stale and disclaimer",
			results: []llm.Block{{ToolUseID: "rules_1", ToolName: "get_weather_forecast",
				Text: `{"status":"ok","summary":"Moab tomorrow: sunny, high 54°F.","stale":true,"disclaimer":"forecasts can change"}`}},
			want: []string{"Moab tomorrow: sunny, high 54°F.", "may be out of date", "Forecasts can change."}},
		{name: "partial",
			results: []llm.Block{{ToolUseID: "rules_1", ToolName: "find_attractions",
				Text: `{"status":"partial","summary":"Found 2 attractions near Moab."}`}},
			want: []string{"Found 2 attractions near Moab.", "Some results may be missing."}},
		{name: "timeout",
			results: []llm.Block{{ToolUseID: "rules_1", ToolName: "plan_trip", IsError: true, Text: `{"status":"timeout"}`}},
			want:    []string{"Trip planning took too long"}},
		{name: "failed",
			results: []llm.Block{{ToolUseID: "rules_1", ToolName: "add_fuel_entry", IsError: true,
				Text: `{"status":"failed","error":"the database is busy"}`}},
			want: []string{"Sorry, fuel logging didn't work: The database is busy."}},
		{name: "unauthorized",
			results: []llm.Block{{ToolUseID: "rules_1", ToolName: "list_users", IsError: true, Text: `{"status":"unauthorized"}`}},
			want:    []string{"don't have permission"}},
		{name: "non-JSON error",
			results: []llm.Block{{ToolUseID: "rules_1", ToolName: "plan_trip", IsError: true, Text: `upstream reset`}},
			want:    []string{"Sorry, trip planning didn't work: upstream reset"}},
		{name: "two results",
			results: []llm.Block{
				{ToolUseID: "rules_1", ToolName: "update_settings", Text: `{"status":"ok","summary":"Units set to metric."}`},
				{ToolUseID: "rules_2", ToolName: "get_weather_forecast", Text: `{"status":"ok","summary":"Moab: 12°C."}`}},
			want: []string{"Units set to metric.\nMoab: 12°C."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := generate(t, followUp(tc.results...))
			if resp.StopReason != llm.StopEnd || len(resp.ToolCalls()) != 0 {
				t.Fatalf("StopReason %q calls %v, want end_turn and no calls", resp.StopReason, resp.ToolCalls())
			}
			got := resp.Text()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("reply %q lacks %q", got, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("reply %q contains %q", got, w)
				}
			}
		})
	}
}

// TestRoundTrip runs a whole turn: message → tool call → result → reply.
func TestRoundTrip(t *testing.T) {
	req := userRequest("I spent $45.20 on diesel at Shell today", testUser())
	resp := generate(t, req)
	calls := resp.ToolCalls()
	if len(calls) != 1 {
		t.Fatalf("calls = %v", calls)
	}
	req.Messages = append(req.Messages,
		llm.Message{Role: llm.RoleAssistant, Content: resp.Content},
		llm.Message{Role: llm.RoleUser, Content: []llm.Block{{Type: llm.BlockToolResult, ToolUseID: calls[0].ToolUseID,
			Text: `{"status":"ok","summary":"Logged $45.20 for fuel at Shell on Nov 24."}`}}})
	final := generate(t, req)
	if final.Text() != "Logged $45.20 for fuel at Shell on Nov 24." || final.StopReason != llm.StopEnd {
		t.Errorf("final = %q (%s)", final.Text(), final.StopReason)
	}
}
