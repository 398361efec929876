package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// NewAnthropic starts a fake of Anthropic's Messages API (POST /v1/messages).
// Configure the SDK with BaseURL(), the host root.
func NewAnthropic(t testing.TB) *Fake {
	t.Helper()
	return newFake(t, "/v1/messages", "", writeAnthropic)
}

func anthropicErrorType(st Step) string {
	if st.ErrorType != "" {
		return st.ErrorType
	}
	switch {
	case st.Status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case st.Status == 529:
		return "overloaded_error"
	case st.Status >= 500:
		return "api_error"
	case st.Status == http.StatusUnauthorized:
		return "authentication_error"
	default:
		return "invalid_request_error"
	}
}

func anthropicStop(st Step) string {
	if len(st.Calls) > 0 {
		return "tool_use"
	}
	return "end_turn"
}

func anthropicUsage(st Step) map[string]any {
	u := st.usage()
	return map[string]any{
		"input_tokens":                u.InputTokens,
		"output_tokens":               u.OutputTokens,
		"cache_read_input_tokens":     u.CacheReadTokens,
		"cache_creation_input_tokens": u.CacheWriteTokens,
	}
}

func writeAnthropic(w http.ResponseWriter, st Step, c call) {
	id := fmt.Sprintf("msg_fake_%d", c.n)
	if st.Status != 0 {
		writeJSON(w, st.Status, map[string]any{
			"type":  "error",
			"error": map[string]any{"type": anthropicErrorType(st), "message": http.StatusText(st.Status)},
		})
		return
	}
	if !c.stream {
		var content []map[string]any
		if st.Text != "" {
			content = append(content, map[string]any{"type": "text", "text": st.Text})
		}
		for _, tc := range st.Calls {
			content = append(content, map[string]any{"type": "tool_use", "id": tc.ID, "name": tc.Name, "input": json.RawMessage(orEmptyObject(tc.Input))})
		}
		msg := map[string]any{
			"id": id, "type": "message", "role": "assistant", "model": c.model,
			"content": content, "stop_reason": anthropicStop(st), "stop_sequence": nil,
			"usage": anthropicUsage(st),
		}
		if st.Cut {
			b, _ := json.Marshal(msg)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", fmt.Sprint(len(b)))
			w.Write(b[:len(b)/2])
			abort(w)
		}
		writeJSON(w, http.StatusOK, msg)
		return
	}

	s := startSSE(w)
	start := anthropicUsage(st)
	start["output_tokens"] = 1
	s.event("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": id, "type": "message", "role": "assistant", "model": c.model,
		"content": []any{}, "stop_reason": nil, "stop_sequence": nil, "usage": start,
	}})
	s.event("ping", map[string]any{"type": "ping"})
	index := 0
	if st.Text != "" || st.Cut {
		s.event("content_block_start", map[string]any{"type": "content_block_start", "index": index,
			"content_block": map[string]any{"type": "text", "text": ""}})
		for i, chunk := range st.chunks() {
			if st.Cut && i == st.CutAfter {
				c.cut(w, st)
				return
			}
			s.event("content_block_delta", map[string]any{"type": "content_block_delta", "index": index,
				"delta": map[string]any{"type": "text_delta", "text": chunk}})
			time.Sleep(st.ChunkDelay)
		}
		if st.Cut {
			c.cut(w, st)
			return
		}
		s.event("content_block_stop", map[string]any{"type": "content_block_stop", "index": index})
		index++
	}
	for _, tc := range st.Calls {
		s.event("content_block_start", map[string]any{"type": "content_block_start", "index": index,
			"content_block": map[string]any{"type": "tool_use", "id": tc.ID, "name": tc.Name, "input": map[string]any{}}})
		for _, frag := range fragments(orEmptyObject(tc.Input)) {
			s.event("content_block_delta", map[string]any{"type": "content_block_delta", "index": index,
				"delta": map[string]any{"type": "input_json_delta", "partial_json": frag}})
		}
		s.event("content_block_stop", map[string]any{"type": "content_block_stop", "index": index})
		index++
	}
	s.event("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": anthropicStop(st), "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": st.usage().OutputTokens}})
	s.event("message_stop", map[string]any{"type": "message_stop"})
}

func orEmptyObject(s string) string {
	if s == "" {
		return "{}"
	}
	return s
}
