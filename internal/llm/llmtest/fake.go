package llmtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/llm"
)

// Call is a scripted tool call: the model asks for tool Name with Input (a JSON object).
type Call struct {
	ID    string
	Name  string
	Input string
}

// Step is how a Fake answers one request.
type Step struct {
	Text         string        // answer text
	Calls        []Call        // tool calls after the text (parallel when more than one)
	Usage        llm.Usage     // reported usage; zero means a small default
	Status       int           // non-zero: answer this HTTP error instead
	ErrorType    string        // provider error type in the error body
	RetryAfter   string        // retry-after header value
	RetryAfterMs string        // retry-after-ms header value
	Header       http.Header   // extra response headers
	Malformed    bool          // answer 200 with a body that is not JSON
	Hang         bool          // never answer; return when the client gives up
	CutAfter     int           // with Cut: text fragments sent before the stream dies
	Cut          bool          // kill the connection mid-answer
	Stall        bool          // with Cut: stop sending and hang instead of closing
	Delay        time.Duration // wait before answering
	ChunkDelay   time.Duration // wait between streamed text fragments
	Chunks       []string      // explicit text fragments for streaming; default: word-sized
}

// Text answers text and ends the turn.
func Text(text string) Step { return Step{Text: text} }

// ToolUse asks for the calls (in parallel when more than one).
func ToolUse(calls ...Call) Step { return Step{Calls: calls} }

// Status answers an HTTP error with the provider's error body.
func Status(code int) Step { return Step{Status: code} }

// RateLimited answers 429 with a retry-after header (seconds) when
// retryAfter is not empty.
func RateLimited(retryAfter string) Step {
	return Step{Status: http.StatusTooManyRequests, ErrorType: "rate_limit_error", RetryAfter: retryAfter}
}

// RateLimitedMs answers 429 with a retry-after-ms header.
func RateLimitedMs(ms string) Step {
	return Step{Status: http.StatusTooManyRequests, ErrorType: "rate_limit_error", RetryAfterMs: ms}
}

// Overloaded answers 529 with an overloaded_error body, as Anthropic does.
func Overloaded() Step { return Step{Status: 529, ErrorType: "overloaded_error"} }

// Malformed answers 200 with a body that is not JSON.
func Malformed() Step { return Step{Malformed: true} }

// Hang never answers; the request ends when the client gives up.
func Hang() Step { return Step{Hang: true} }

// Cut streams text and kills the connection after n fragments (0: before the
// first). A non-streamed request gets half a body.
func Cut(text string, n int) Step { return Step{Text: text, Cut: true, CutAfter: n} }

// Stall streams n fragments of text and then goes silent, connection open,
// until the client gives up.
func Stall(text string, n int) Step { return Step{Text: text, Cut: true, CutAfter: n, Stall: true} }

// Request is a request the fake received.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	Stream bool
}

// Decode unmarshals the JSON body into v.
func (r Request) Decode(v any) error { return json.Unmarshal(r.Body, v) }

// JSON returns the body as a generic JSON object.
func (r Request) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

// Fake is a scripted provider server.
type Fake struct {
	// URL is the server's root URL.
	URL string

	t       testing.TB
	srv     *httptest.Server
	done    chan struct{}
	apiBase string
	write   writer

	mu     sync.Mutex
	steps  []Step
	def    *Step
	reqs   []Request
	served int
}

func newFake(t testing.TB, path, apiBase string, write writer) *Fake {
	t.Helper()
	f := &Fake{t: t, done: make(chan struct{}), write: write}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+path, f.serve)
	f.srv = httptest.NewServer(mux)
	f.URL = f.srv.URL
	f.apiBase = f.srv.URL + apiBase
	t.Cleanup(func() {
		close(f.done)
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
	return f
}

// BaseURL is the URL to configure the provider's SDK with: the host root for
// Anthropic, the root plus /v1 for OpenAI.
func (f *Fake) BaseURL() string { return f.apiBase }

// Push queues steps; each request takes the next one.
func (f *Fake) Push(steps ...Step) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.steps = append(f.steps, steps...)
}

// Always sets the step used once the queue is empty.
func (f *Fake) Always(st Step) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.def = &st
}

// Requests returns the requests received so far, oldest first.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.reqs...)
}

// Count returns how many requests were received.
func (f *Fake) Count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var probe struct {
		Stream bool   `json:"stream"`
		Model  string `json:"model"`
	}
	_ = json.Unmarshal(body, &probe)

	f.mu.Lock()
	f.reqs = append(f.reqs, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, Stream: probe.Stream})
	f.served++
	n := f.served
	var st Step
	ok := true
	switch {
	case len(f.steps) > 0:
		st, f.steps = f.steps[0], f.steps[1:]
	case f.def != nil:
		st = *f.def
	default:
		ok = false
	}
	f.mu.Unlock()

	if !ok {
		f.t.Errorf("llmtest: request %d to %s has no scripted step", n, r.URL.Path)
		http.Error(w, `{"error":{"type":"api_error","message":"llmtest: no scripted step"}}`, http.StatusInternalServerError)
		return
	}
	if st.Delay > 0 {
		select {
		case <-time.After(st.Delay):
		case <-r.Context().Done():
			return
		case <-f.done:
			return
		}
	}
	if st.Hang {
		select {
		case <-r.Context().Done():
		case <-f.done:
		}
		return
	}
	for k, vs := range st.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("request-id", fmt.Sprintf("req_fake_%d", n))
	if st.Status != 0 {
		if st.RetryAfter != "" {
			w.Header().Set("retry-after", st.RetryAfter)
		}
		if st.RetryAfterMs != "" {
			w.Header().Set("retry-after-ms", st.RetryAfterMs)
		}
	}
	if st.Malformed {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id": "msg_broken", "content": [ this is not json`)
		return
	}
	gone := make(chan struct{})
	stop := context.AfterFunc(r.Context(), func() { close(gone) })
	defer stop()
	go func() {
		select {
		case <-f.done:
			if stop() {
				close(gone)
			}
		case <-gone:
		}
	}()
	f.write(w, st, call{stream: probe.Stream, model: probe.Model, n: n, gone: gone})
}

// call is what a writer needs to know about the request it answers.
type call struct {
	stream bool
	model  string
	n      int             // 1 for the first request
	gone   <-chan struct{} // closed when the client or the fake is gone
}

// cut ends a streamed answer mid-way: the connection dies, or with Stall the
// stream goes silent until the client gives up.
func (c call) cut(w http.ResponseWriter, st Step) {
	if st.Stall {
		_ = http.NewResponseController(w).Flush()
		<-c.gone
		return
	}
	abort(w)
}

// writer answers one request in a provider's wire format.
type writer func(w http.ResponseWriter, st Step, c call)

// chunks splits the step's text into streamed fragments.
func (st Step) chunks() []string {
	if st.Chunks != nil {
		return st.Chunks
	}
	var out []string
	rest := st.Text
	for rest != "" {
		i := strings.IndexByte(rest[1:], ' ')
		if i < 0 {
			out = append(out, rest)
			break
		}
		out = append(out, rest[:i+1])
		rest = rest[i+1:]
	}
	return out
}

// fragments splits a JSON argument string into a few pieces, as providers stream them.
func fragments(s string) []string {
	if len(s) < 4 {
		return []string{s}
	}
	third := len(s) / 3
	return []string{s[:third], s[third : 2*third], s[2*third:]}
}

func (st Step) usage() llm.Usage {
	if st.Usage != (llm.Usage{}) {
		return st.Usage
	}
	return llm.Usage{InputTokens: 100, OutputTokens: 20}
}

// abort kills the connection without finishing the response.
func abort(w http.ResponseWriter) {
	_ = http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// sse writes Server-Sent Events.
type sse struct {
	w http.ResponseWriter
	c *http.ResponseController
}

func startSSE(w http.ResponseWriter) *sse {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	return &sse{w: w, c: http.NewResponseController(w)}
}

func (s *sse) event(name string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	s.raw(name, string(b))
}

func (s *sse) raw(name, data string) {
	if name != "" {
		io.WriteString(s.w, "event: "+name+"\n")
	}
	io.WriteString(s.w, "data: "+data+"\n\n")
	_ = s.c.Flush()
}
