package anthropic_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/llm/anthropic"
	"github.com/pamtravel/pam/internal/llm/llmtest"
)

func newModel(t *testing.T, f *llmtest.Fake) *anthropic.Model {
	t.Helper()
	m, err := anthropic.New(anthropic.Config{APIKey: "test-key", Model: "claude-sonnet-4-5", BaseURL: f.BaseURL(), MaxTokens: 512})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func request() *llm.Request {
	return &llm.Request{
		System:    "You are PAM.",
		Context:   "<user_context>time: 09:00</user_context>",
		RequestID: "req-123",
		Tools: []llm.ToolDef{{
			Name:        "get_weather_forecast",
			Description: "Weather for a place",
			Parameters:  json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}`),
		}},
		Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Block{{Type: llm.BlockText, Text: "Weather in Moab?"}}}},
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestGenerateAnswers(t *testing.T) {
	moab := llmtest.Call{ID: "toolu_1", Name: "get_weather_forecast", Input: `{"city":"Moab"}`}
	parks := llmtest.Call{ID: "toolu_2", Name: "find_rv_parks", Input: `{"near":"Moab","max_price":"40.00"}`}
	tests := []struct {
		name      string
		step      llmtest.Step
		stream    bool
		wantText  string
		wantCalls []llmtest.Call
		wantStop  string
	}{
		{"text", llmtest.Text("Sunny and 75F in Moab."), false, "Sunny and 75F in Moab.", nil, llm.StopEnd},
		{"text streamed", llmtest.Text("Sunny and 75F in Moab."), true, "Sunny and 75F in Moab.", nil, llm.StopEnd},
		{"tool call", llmtest.ToolUse(moab), false, "", []llmtest.Call{moab}, llm.StopToolUse},
		{"parallel tool calls streamed", llmtest.Step{Text: "Checking both.", Calls: []llmtest.Call{moab, parks}}, true, "Checking both.", []llmtest.Call{moab, parks}, llm.StopToolUse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := llmtest.NewAnthropic(t)
			f.Push(tt.step)
			m := newModel(t, f)
			var deltas []string
			var onDelta llm.DeltaFunc
			if tt.stream {
				onDelta = func(s string) { deltas = append(deltas, s) }
			}
			resp, err := m.Generate(ctx(t), request(), onDelta)
			if err != nil {
				t.Fatal(err)
			}
			llmtest.CheckAnswer(t, resp, deltas, tt.stream, tt.wantText, tt.wantCalls, tt.wantStop)
			if resp.Usage.InputTokens != 100 || resp.Usage.OutputTokens != 20 {
				t.Errorf("usage = %+v", resp.Usage)
			}
			if resp.Model != "anthropic:claude-sonnet-4-5" {
				t.Errorf("model = %q", resp.Model)
			}
			if got := f.Requests()[0].Stream; got != tt.stream {
				t.Errorf("stream = %v, want %v", got, tt.stream)
			}
		})
	}
}

func TestRequestOnTheWire(t *testing.T) {
	f := llmtest.NewAnthropic(t)
	f.Push(llmtest.Text("Done."))
	req := request()
	req.Messages = append(req.Messages,
		llm.Message{Role: llm.RoleAssistant, Content: []llm.Block{{Type: llm.BlockToolUse, ToolUseID: "toolu_9", ToolName: "get_weather_forecast", Input: json.RawMessage(`{"city":"Moab"}`)}}},
		llm.Message{Role: llm.RoleUser, Content: []llm.Block{{Type: llm.BlockToolResult, ToolUseID: "toolu_9", Text: `{"temp_f":75}`, IsError: true}}},
	)
	if _, err := newModel(t, f).Generate(ctx(t), req, nil); err != nil {
		t.Fatal(err)
	}
	got := f.Requests()[0]
	if h := got.Header.Get("X-Request-ID"); h != "req-123" {
		t.Errorf("X-Request-ID = %q", h)
	}
	if h := got.Header.Get("X-Api-Key"); h != "test-key" {
		t.Errorf("x-api-key = %q", h)
	}
	var body struct {
		Model     string `json:"model"`
		MaxTokens int    `json:"max_tokens"`
		System    []struct {
			Type         string          `json:"type"`
			Text         string          `json:"text"`
			CacheControl json.RawMessage `json:"cache_control"`
		} `json:"system"`
		Tools []struct {
			Name        string         `json:"name"`
			Description string         `json:"description"`
			InputSchema map[string]any `json:"input_schema"`
		} `json:"tools"`
		Messages []struct {
			Role    string           `json:"role"`
			Content []map[string]any `json:"content"`
		} `json:"messages"`
	}
	if err := got.Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.Model != "claude-sonnet-4-5" || body.MaxTokens != 512 {
		t.Errorf("model/max_tokens = %q/%d", body.Model, body.MaxTokens)
	}
	if len(body.System) != 2 || body.System[0].Text != "You are PAM." || string(body.System[0].CacheControl) != `{"type":"ephemeral"}` ||
		!strings.Contains(body.System[1].Text, "user_context") || body.System[1].CacheControl != nil {
		t.Errorf("system = %+v", body.System)
	}
	if len(body.Tools) != 1 || body.Tools[0].Name != "get_weather_forecast" || body.Tools[0].Description != "Weather for a place" ||
		body.Tools[0].InputSchema["type"] != "object" || body.Tools[0].InputSchema["additionalProperties"] != false ||
		body.Tools[0].InputSchema["properties"] == nil {
		t.Errorf("tools = %+v", body.Tools)
	}
	if len(body.Messages) != 3 {
		t.Fatalf("messages = %+v", body.Messages)
	}
	use := body.Messages[1].Content[0]
	if use["type"] != "tool_use" || use["id"] != "toolu_9" || use["name"] != "get_weather_forecast" {
		t.Errorf("tool_use = %v", use)
	}
	res := body.Messages[2].Content[0]
	if res["type"] != "tool_result" || res["tool_use_id"] != "toolu_9" || res["is_error"] != true {
		t.Errorf("tool_result = %v", res)
	}
}

func TestErrorsAreClassified(t *testing.T) {
	tests := []struct {
		name       string
		step       llmtest.Step
		stream     bool
		kind       llm.ErrorKind
		status     int
		retryAfter time.Duration
	}{
		{"429 retry-after", llmtest.RateLimited("2"), false, llm.KindRateLimited, 429, 2 * time.Second},
		{"429 retry-after-ms", llmtest.RateLimitedMs("150"), true, llm.KindRateLimited, 429, 150 * time.Millisecond},
		{"529 overloaded", llmtest.Overloaded(), true, llm.KindOverloaded, 529, 0},
		{"500", llmtest.Status(500), false, llm.KindServer, 500, 0},
		{"503", llmtest.Status(503), true, llm.KindServer, 503, 0},
		{"400", llmtest.Status(400), false, llm.KindBadRequest, 400, 0},
		{"401", llmtest.Status(401), false, llm.KindAuth, 401, 0},
		{"malformed body", llmtest.Malformed(), false, llm.KindMalformed, 0, 0},
		{"cut before first token", llmtest.Cut("Sunny in Moab", 0), true, llm.KindStreamCut, 0, 0},
		{"body cut", llmtest.Cut("Sunny in Moab", 0), false, llm.KindStreamCut, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := llmtest.NewAnthropic(t)
			f.Push(tt.step)
			var onDelta llm.DeltaFunc
			if tt.stream {
				onDelta = func(string) {}
			}
			_, err := newModel(t, f).Generate(ctx(t), request(), onDelta)
			var pe *llm.ProviderError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *llm.ProviderError", err)
			}
			if pe.Kind != tt.kind || pe.Status != tt.status || pe.RetryAfter != tt.retryAfter {
				t.Errorf("got kind %s status %d retry-after %s, want %s %d %s (%v)", pe.Kind, pe.Status, pe.RetryAfter, tt.kind, tt.status, tt.retryAfter, err)
			}
			if f.Count() != 1 {
				t.Errorf("requests = %d, want 1: the SDK must not retry", f.Count())
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := anthropic.New(anthropic.Config{Model: "claude-sonnet-4-5"}); err == nil {
		t.Error("no API key: want error")
	}
	if _, err := anthropic.New(anthropic.Config{APIKey: "k"}); err == nil {
		t.Error("no model: want error")
	}
}
