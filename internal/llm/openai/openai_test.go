package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/llm/llmtest"
	"github.com/pamtravel/pam/internal/llm/openai"
)

func newModel(t *testing.T, f *llmtest.Fake, provider, key string) *openai.Model {
	t.Helper()
	m, err := openai.New(openai.Config{Provider: provider, APIKey: key, Model: "gpt-4.1-mini", BaseURL: f.BaseURL(), MaxTokens: 512})
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
			Parameters:  json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`),
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
	moab := llmtest.Call{ID: "call_1", Name: "get_weather_forecast", Input: `{"city":"Moab"}`}
	parks := llmtest.Call{ID: "call_2", Name: "find_rv_parks", Input: `{"near":"Moab, UT","max_price":"40.00","hookups":["30A","50A"]}`}
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
		{"tool call streamed", llmtest.ToolUse(moab), true, "", []llmtest.Call{moab}, llm.StopToolUse},
		{"parallel tool calls streamed", llmtest.Step{Text: "Checking both.", Calls: []llmtest.Call{moab, parks}}, true, "Checking both.", []llmtest.Call{moab, parks}, llm.StopToolUse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := llmtest.NewOpenAI(t)
			f.Push(tt.step)
			m := newModel(t, f, "", "sk-test")
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
			if resp.Model != "openai:gpt-4.1-mini" {
				t.Errorf("model = %q", resp.Model)
			}
			got := f.Requests()[0]
			if got.Stream != tt.stream {
				t.Errorf("stream = %v, want %v", got.Stream, tt.stream)
			}
			if tt.stream {
				var body struct {
					StreamOptions struct {
						IncludeUsage bool `json:"include_usage"`
					} `json:"stream_options"`
				}
				if err := got.Decode(&body); err != nil || !body.StreamOptions.IncludeUsage {
					t.Errorf("stream_options.include_usage not sent: %s", got.Body)
				}
			}
		})
	}
}

func TestCachedTokensAreSeparated(t *testing.T) {
	f := llmtest.NewOpenAI(t)
	f.Push(llmtest.Step{Text: "ok", Usage: llm.Usage{InputTokens: 30, OutputTokens: 5, CacheReadTokens: 1000}})
	resp, err := newModel(t, f, "", "sk-test").Generate(ctx(t), request(), func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if want := (llm.Usage{InputTokens: 30, OutputTokens: 5, CacheReadTokens: 1000}); resp.Usage != want {
		t.Errorf("usage = %+v, want %+v", resp.Usage, want)
	}
}

func TestRequestOnTheWire(t *testing.T) {
	tests := []struct {
		name, provider, key, wantAuth, wantMaxField string
	}{
		{"openai", llm.ProviderOpenAI, "sk-test", "Bearer sk-test", "max_completion_tokens"},
		{"compatible without key", llm.ProviderOpenAICompatible, "", "", "max_tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OPENAI_API_KEY", "sk-from-env-must-not-leak")
			f := llmtest.NewOpenAI(t)
			f.Push(llmtest.Text("Done."))
			req := request()
			req.Messages = append(req.Messages,
				llm.Message{Role: llm.RoleAssistant, Content: []llm.Block{
					{Type: llm.BlockText, Text: "Let me check."},
					{Type: llm.BlockToolUse, ToolUseID: "call_9", ToolName: "get_weather_forecast", Input: json.RawMessage(`{"city":"Moab"}`)},
				}},
				llm.Message{Role: llm.RoleUser, Content: []llm.Block{{Type: llm.BlockToolResult, ToolUseID: "call_9", Text: `{"temp_f":75}`}}},
			)
			m := newModel(t, f, tt.provider, tt.key)
			if m.Name() != tt.provider+":gpt-4.1-mini" {
				t.Errorf("name = %q", m.Name())
			}
			if _, err := m.Generate(ctx(t), req, nil); err != nil {
				t.Fatal(err)
			}
			got := f.Requests()[0]
			if h := got.Header.Get("X-Request-ID"); h != "req-123" {
				t.Errorf("X-Request-ID = %q", h)
			}
			if h := got.Header.Get("Authorization"); h != tt.wantAuth {
				t.Errorf("Authorization = %q, want %q", h, tt.wantAuth)
			}
			body := got.JSON()
			if body[tt.wantMaxField] != float64(512) {
				t.Errorf("%s not 512 in %s", tt.wantMaxField, got.Body)
			}
			var typed struct {
				Messages []struct {
					Role       string `json:"role"`
					Content    any    `json:"content"`
					ToolCallID string `json:"tool_call_id"`
					ToolCalls  []struct {
						ID       string `json:"id"`
						Type     string `json:"type"`
						Function struct {
							Name      string `json:"name"`
							Arguments string `json:"arguments"`
						} `json:"function"`
					} `json:"tool_calls"`
				} `json:"messages"`
				Tools []struct {
					Type     string `json:"type"`
					Function struct {
						Name        string         `json:"name"`
						Description string         `json:"description"`
						Parameters  map[string]any `json:"parameters"`
					} `json:"function"`
				} `json:"tools"`
			}
			if err := got.Decode(&typed); err != nil {
				t.Fatal(err)
			}
			roles := []string{}
			for _, m := range typed.Messages {
				roles = append(roles, m.Role)
			}
			if strings.Join(roles, ",") != "system,system,user,assistant,tool" {
				t.Fatalf("roles = %v", roles)
			}
			if typed.Messages[0].Content != "You are PAM." || !strings.Contains(typed.Messages[1].Content.(string), "user_context") {
				t.Errorf("system messages = %+v", typed.Messages[:2])
			}
			a := typed.Messages[3]
			if a.Content != "Let me check." || len(a.ToolCalls) != 1 || a.ToolCalls[0].ID != "call_9" || a.ToolCalls[0].Type != "function" ||
				a.ToolCalls[0].Function.Name != "get_weather_forecast" || a.ToolCalls[0].Function.Arguments != `{"city":"Moab"}` {
				t.Errorf("assistant = %+v", a)
			}
			if tm := typed.Messages[4]; tm.ToolCallID != "call_9" || tm.Content != `{"temp_f":75}` {
				t.Errorf("tool message = %+v", tm)
			}
			if len(typed.Tools) != 1 || typed.Tools[0].Type != "function" || typed.Tools[0].Function.Name != "get_weather_forecast" ||
				typed.Tools[0].Function.Parameters["type"] != "object" {
				t.Errorf("tools = %+v", typed.Tools)
			}
		})
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
		{"429 retry-after", llmtest.RateLimited("1"), false, llm.KindRateLimited, 429, time.Second},
		{"429 retry-after-ms streamed", llmtest.RateLimitedMs("250"), true, llm.KindRateLimited, 429, 250 * time.Millisecond},
		{"500", llmtest.Status(500), false, llm.KindServer, 500, 0},
		{"503 streamed", llmtest.Status(503), true, llm.KindServer, 503, 0},
		{"409", llmtest.Status(409), false, llm.KindConflict, 409, 0},
		{"401", llmtest.Status(401), false, llm.KindAuth, 401, 0},
		{"malformed body", llmtest.Malformed(), false, llm.KindMalformed, 0, 0},
		{"cut before first token", llmtest.Cut("Sunny in Moab", 0), true, llm.KindStreamCut, 0, 0},
		{"cut mid-way", llmtest.Cut("Sunny in Moab", 2), true, llm.KindStreamCut, 0, 0},
		{"body cut", llmtest.Cut("Sunny in Moab", 0), false, llm.KindStreamCut, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := llmtest.NewOpenAI(t)
			f.Push(tt.step)
			var onDelta llm.DeltaFunc
			if tt.stream {
				onDelta = func(string) {}
			}
			_, err := newModel(t, f, "", "sk-test").Generate(ctx(t), request(), onDelta)
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
	tests := []struct {
		name string
		cfg  openai.Config
	}{
		{"openai without key", openai.Config{Model: "gpt-4.1"}},
		{"without model", openai.Config{APIKey: "k"}},
		{"compatible without base URL", openai.Config{Provider: llm.ProviderOpenAICompatible, Model: "llama3"}},
		{"unknown provider", openai.Config{Provider: "azure", APIKey: "k", Model: "gpt-4.1"}},
	}
	for _, tt := range tests {
		if _, err := openai.New(tt.cfg); err == nil {
			t.Errorf("%s: want error", tt.name)
		}
	}
}
