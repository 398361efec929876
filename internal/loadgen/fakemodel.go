package loadgen

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// FakeModel is a simulated model for load tests: an OpenAI-compatible Chat
// Completions server (POST /v1/chat/completions, JSON or Server-Sent Events)
// on loopback that answers every request with a short text after Latency,
// so PAM's real provider, resilience and streaming code run under load
// without a paid model. Point PAM at it with
// PAM_MODEL=openai-compatible:sim and PAM_OPENAI_BASE_URL=URL().
type FakeModel struct {
	Latency  time.Duration
	srv      *http.Server
	ln       net.Listener
	requests atomic.Int64
}

// StartFakeModel listens on a free loopback port.
func StartFakeModel(latency time.Duration) (*FakeModel, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake model: %w", err)
	}
	f := &FakeModel{Latency: latency, ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", f.serve)
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = f.srv.Serve(ln) }()
	return f, nil
}

// URL is the base URL ending in /v1, as the OpenAI SDK takes it.
func (f *FakeModel) URL() string { return "http://" + f.ln.Addr().String() + "/v1" }

// Requests counts the requests answered.
func (f *FakeModel) Requests() int64 { return f.requests.Load() }

// Close stops the server.
func (f *FakeModel) Close() error { return f.srv.Close() }

func (f *FakeModel) serve(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model    string `json:"model"`
		Stream   bool   `json:"stream"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"message":"invalid JSON body","type":"invalid_request_error","param":null,"code":null}}`))
		return
	}
	f.requests.Add(1)
	t := time.NewTimer(f.Latency)
	select {
	case <-r.Context().Done():
		t.Stop()
		return
	case <-t.C:
	}
	text := "Got it — here is what I found for your trip. Safe travels!"
	id := fmt.Sprintf("chatcmpl-sim%d", f.requests.Load())
	usage := map[string]any{"prompt_tokens": 420, "completion_tokens": 18, "total_tokens": 438}
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": id, "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "logprobs": nil,
				"message": map[string]any{"role": "assistant", "content": text, "refusal": nil}}},
			"usage": usage,
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fl, _ := w.(http.Flusher)
	event := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
	}
	chunk := func(delta map[string]any, finish any) {
		event(map[string]any{"id": id, "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": nil}}})
	}
	chunk(map[string]any{"role": "assistant", "content": ""}, nil)
	for _, word := range strings.SplitAfter(text, " ") {
		chunk(map[string]any{"content": word}, nil)
	}
	chunk(map[string]any{}, "stop")
	event(map[string]any{"id": id, "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": req.Model, "choices": []any{}, "usage": usage})
	fmt.Fprint(w, "data: [DONE]\n\n")
	if fl != nil {
		fl.Flush()
	}
}
