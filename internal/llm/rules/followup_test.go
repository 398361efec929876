package rules

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/pamtravel/pam/internal/llm"
)

// TestAnswersToQuestionsCompleteTheRequest: the reply to a question the brain asked is
// read together with the request it completes.
func TestAnswersToQuestionsCompleteTheRequest(t *testing.T) {
	cases := []struct {
		first, answer string
		tool, args    string
	}{
		{"I spent money on diesel", "$45", "create_expense", `{"amount":"45","currency":"USD","category":"fuel","date":"2026-11-24"}`},
		{"plan a trip to Moab", "Denver", "plan_trip", `{"origin":"Denver","destination":"Moab"}`},
		{"plan a trip from Denver", "Moab", "plan_trip", `{"origin":"Denver","destination":"Moab"}`},
		{"remind me to call mom", "Friday at 10am", "create_calendar_event", `{"title":"Call mom","start":"2026-11-27T10:00"}`},
		{"set my budget to $2000", "groceries", "update_budget", `{"category":"groceries","amount":"2000","period":"monthly"}`},
		{"filled up 20 gallons", "for $70", "add_fuel_entry", `{"volume":"20","volume_unit":"gal","total":"70"}`},
		{"I spent money on diesel", "what's the weather in Moab", "get_weather_forecast", `{"location":"Moab","days":1}`},
	}
	m := New(Options{Towns: noTowns{}})
	for _, tc := range cases {
		t.Run(tc.first+" / "+tc.answer, func(t *testing.T) {
			req := userRequest(tc.first, testUser())
			first, err := m.Generate(context.Background(), req, nil)
			if err != nil || len(first.ToolCalls()) != 0 {
				t.Fatalf("first turn: %v %v, want a question", err, first.ToolCalls())
			}
			req.Messages = append(req.Messages,
				llm.Message{Role: llm.RoleAssistant, Content: first.Content},
				llm.Message{Role: llm.RoleUser, Content: []llm.Block{{Type: llm.BlockText, Text: tc.answer}}})
			resp, err := m.Generate(context.Background(), req, nil)
			if err != nil {
				t.Fatal(err)
			}
			calls := resp.ToolCalls()
			if len(calls) != 1 || calls[0].ToolName != tc.tool {
				t.Fatalf("calls = %v (text %q), want %s", calls, resp.Text(), tc.tool)
			}
			var got, want map[string]any
			_ = json.Unmarshal(calls[0].Input, &got)
			_ = json.Unmarshal([]byte(tc.args), &want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("args = %s, want %s", calls[0].Input, tc.args)
			}
		})
	}
}
