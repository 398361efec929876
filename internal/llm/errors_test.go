package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/llm"
)

func TestStatusErrorKinds(t *testing.T) {
	tests := []struct {
		status    int
		errType   string
		kind      llm.ErrorKind
		retryable bool
	}{
		{408, "", llm.KindConflict, true},
		{409, "", llm.KindConflict, true},
		{429, "rate_limit_error", llm.KindRateLimited, true},
		{500, "api_error", llm.KindServer, true},
		{502, "", llm.KindServer, true},
		{503, "", llm.KindServer, true},
		{529, "", llm.KindOverloaded, true},
		{500, "overloaded_error", llm.KindOverloaded, true},
		{400, "invalid_request_error", llm.KindBadRequest, false},
		{401, "", llm.KindAuth, false},
		{403, "", llm.KindAuth, false},
		{404, "", llm.KindBadRequest, false},
		{413, "", llm.KindBadRequest, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status, tt.errType), func(t *testing.T) {
			err := fmt.Errorf("turn: %w", llm.StatusError("anthropic:x", tt.status, nil, tt.errType, errors.New("boom")))
			if llm.KindOf(err) != tt.kind || llm.IsRetryable(err) != tt.retryable {
				t.Errorf("kind %s retryable %v, want %s %v", llm.KindOf(err), llm.IsRetryable(err), tt.kind, tt.retryable)
			}
		})
	}
}

func TestTransportErrorKinds(t *testing.T) {
	tests := []struct {
		name string
		err  error
		kind llm.ErrorKind
	}{
		{"caller cancel", fmt.Errorf("post: %w", context.Canceled), llm.KindCanceled},
		{"deadline", context.DeadlineExceeded, llm.KindTimeout},
		{"refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, llm.KindConnection},
		{"cut", io.ErrUnexpectedEOF, llm.KindStreamCut},
		{"bad json", fmt.Errorf("decode: %w", &jsonSyntax), llm.KindMalformed},
	}
	for _, tt := range tests {
		if got := llm.TransportError("p", tt.err).Kind; got != tt.kind {
			t.Errorf("%s: kind %s, want %s", tt.name, got, tt.kind)
		}
	}
	if llm.IsRetryable(nil) || llm.KindOf(nil) != "" {
		t.Error("nil error is not retryable and has no kind")
	}
	if llm.IsRetryable(errors.New("plain")) {
		t.Error("an unclassified error is not retryable")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"none", http.Header{}, 0},
		{"seconds", http.Header{"Retry-After": {"7"}}, 7 * time.Second},
		{"fractional seconds", http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond},
		{"ms wins", http.Header{"Retry-After": {"7"}, "Retry-After-Ms": {"250"}}, 250 * time.Millisecond},
		{"http date", http.Header{"Retry-After": {now.Add(30 * time.Second).Format(http.TimeFormat)}}, 30 * time.Second},
		{"date in the past", http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		{"negative", http.Header{"Retry-After": {"-3"}}, 0},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0},
		{"bad ms falls back to seconds", http.Header{"Retry-After": {"2"}, "Retry-After-Ms": {"x"}}, 2 * time.Second},
	}
	for _, tt := range tests {
		if got := llm.ParseRetryAfter(tt.h, now); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"7", "1.5", "-1", "Tue, 24 Nov 2026 08:00:30 GMT", "1e308", "NaN", ""} {
		f.Add(s, "")
		f.Add("", s)
	}
	f.Fuzz(func(t *testing.T, seconds, ms string) {
		h := http.Header{}
		h.Set("retry-after", seconds)
		h.Set("retry-after-ms", ms)
		if d := llm.ParseRetryAfter(h, time.Now()); d < 0 {
			t.Fatalf("negative wait %s for %q/%q", d, seconds, ms)
		}
	})
}

var jsonSyntax = func() json.SyntaxError {
	var v any
	err := json.Unmarshal([]byte("{"), &v)
	var se *json.SyntaxError
	errors.As(err, &se)
	return *se
}()
