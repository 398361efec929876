package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// NewOpenAI starts a fake of OpenAI's Chat Completions API
// (POST /v1/chat/completions). Configure the SDK with BaseURL(), which ends in /v1.
func NewOpenAI(t testing.TB) *Fake {
	t.Helper()
	return newFake(t, "/v1/chat/completions", "/v1", writeOpenAI)
}

func openAIErrorType(st Step) string {
	if st.ErrorType != "" {
		return st.ErrorType
	}
	switch {
	case st.Status == http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	case st.Status >= 500:
		return "server_error"
	default:
		return "invalid_request_error"
	}
}

func openAIFinish(st Step) string {
	if len(st.Calls) > 0 {
		return "tool_calls"
	}
	return "stop"
}

func openAIUsage(st Step) map[string]any {
	u := st.usage()
	prompt := u.InputTokens + u.CacheReadTokens
	return map[string]any{
		"prompt_tokens":         prompt,
		"completion_tokens":     u.OutputTokens,
		"total_tokens":          prompt + u.OutputTokens,
		"prompt_tokens_details": map[string]any{"cached_tokens": u.CacheReadTokens},
	}
}

func writeOpenAI(w http.ResponseWriter, st Step, c call) {
	id := fmt.Sprintf("chatcmpl-fake%d", c.n)
	if st.Status != 0 {
		writeJSON(w, st.Status, map[string]any{"error": map[string]any{
			"message": http.StatusText(st.Status), "type": openAIErrorType(st), "param": nil, "code": nil,
		}})
		return
	}
	if !c.stream {
		msg := map[string]any{"role": "assistant", "content": nil, "refusal": nil}
		if st.Text != "" {
			msg["content"] = st.Text
		}
		var calls []map[string]any
		for _, tc := range st.Calls {
			calls = append(calls, map[string]any{"id": tc.ID, "type": "function",
				"function": map[string]any{"name": tc.Name, "arguments": orEmptyObject(tc.Input)}})
		}
		if calls != nil {
			msg["tool_calls"] = calls
		}
		body := map[string]any{
			"id": id, "object": "chat.completion", "created": 1700000000, "model": c.model,
			"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": openAIFinish(st), "logprobs": nil}},
			"usage":   openAIUsage(st),
		}
		if st.Cut {
			b, _ := json.Marshal(body)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", fmt.Sprint(len(b)))
			w.Write(b[:len(b)/2])
			abort(w)
		}
		writeJSON(w, http.StatusOK, body)
		return
	}

	s := startSSE(w)
	chunk := func(delta map[string]any, finish any) {
		s.event("", map[string]any{
			"id": id, "object": "chat.completion.chunk", "created": 1700000000, "model": c.model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": nil}},
		})
	}
	chunk(map[string]any{"role": "assistant", "content": ""}, nil)
	for i, text := range st.chunks() {
		if st.Cut && i == st.CutAfter {
			c.cut(w, st)
			return
		}
		chunk(map[string]any{"content": text}, nil)
		time.Sleep(st.ChunkDelay)
	}
	if st.Cut {
		c.cut(w, st)
		return
	}
	for i, tc := range st.Calls {
		chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i, "id": tc.ID, "type": "function",
			"function": map[string]any{"name": tc.Name, "arguments": ""}}}}, nil)
	}
	// Argument fragments of parallel calls interleave, as OpenAI sends them.
	frags := make([][]string, len(st.Calls))
	for i, tc := range st.Calls {
		frags[i] = fragments(orEmptyObject(tc.Input))
	}
	for round := 0; ; round++ {
		sent := false
		for i := range frags {
			if round < len(frags[i]) {
				chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i,
					"function": map[string]any{"arguments": frags[i][round]}}}}, nil)
				sent = true
			}
		}
		if !sent {
			break
		}
	}
	chunk(map[string]any{}, openAIFinish(st))
	s.event("", map[string]any{"id": id, "object": "chat.completion.chunk", "created": 1700000000,
		"model": c.model, "choices": []any{}, "usage": openAIUsage(st)})
	s.raw("", "[DONE]")
}
