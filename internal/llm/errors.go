package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrorKind says why a model call failed; the resilience policy decides
// retries, breaker counts and fallbacks from it.
type ErrorKind string

// Error kinds, normalized across providers.
const (
	KindConnection  ErrorKind = "connection"   // dial, reset, EOF before an answer
	KindTimeout     ErrorKind = "timeout"      // attempt timeout or turn deadline
	KindRateLimited ErrorKind = "rate_limited" // 429
	KindOverloaded  ErrorKind = "overloaded"   // 529, overloaded_error
	KindServer      ErrorKind = "server"       // 5xx
	KindConflict    ErrorKind = "conflict"     // 408, 409: the provider asks for a retry
	KindAuth        ErrorKind = "auth"         // 401, 403: configuration, never retried
	KindBadRequest  ErrorKind = "bad_request"  // other 4xx: the request itself is wrong
	KindMalformed   ErrorKind = "malformed"    // a body that does not decode
	KindStreamCut   ErrorKind = "stream_cut"   // a stream that ended before its end event
	KindBreakerOpen ErrorKind = "breaker_open" // the provider's circuit breaker is open
	KindBudget      ErrorKind = "budget"       // a spend ceiling is reached
	KindCanceled    ErrorKind = "canceled"     // the caller gave up
	KindUnknown     ErrorKind = "unknown"
)

// ProviderError is the error every provider and the resilience policy return
// for a failed model call.
type ProviderError struct {
	Provider   string        // "anthropic:claude-…", "openai:gpt-…"
	Kind       ErrorKind     // why it failed
	Status     int           // HTTP status, 0 when there was no response
	RetryAfter time.Duration // from retry-after-ms / retry-after, 0 when absent
	Err        error         // the cause (an SDK error, a net error…)
}

func (e *ProviderError) Error() string {
	var b strings.Builder
	b.WriteString("llm")
	if e.Provider != "" {
		b.WriteString(" " + e.Provider)
	}
	b.WriteString(": " + string(e.Kind))
	if e.Status != 0 {
		fmt.Fprintf(&b, " (status %d)", e.Status)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *ProviderError) Unwrap() error { return e.Err }

// KindOf returns the kind of err: the Kind of a wrapped *ProviderError,
// KindCanceled for a context error, KindUnknown otherwise, "" for nil.
func KindOf(err error) ErrorKind {
	if err == nil {
		return ""
	}
	var pe *ProviderError
	if errors.As(err, &pe) {
		return pe.Kind
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return KindCanceled
	}
	return KindUnknown
}

// IsRetryable reports whether the same request may succeed if sent again:
// connection errors, timeouts, stream cuts, 408, 409, 429, 5xx and 529.
func IsRetryable(err error) bool {
	switch KindOf(err) {
	case KindConnection, KindTimeout, KindStreamCut, KindRateLimited, KindOverloaded, KindServer, KindConflict:
		return true
	}
	return false
}

// countsAgainstBreaker reports whether err says the provider is unhealthy
// (as opposed to the request being wrong or the caller giving up).
func countsAgainstBreaker(err error) bool {
	switch KindOf(err) {
	case KindBadRequest, KindAuth, KindCanceled, KindBudget, KindBreakerOpen:
		return false
	}
	return true
}

// StatusError builds the *ProviderError for an HTTP error answer. errType is
// the provider's error type from the body ("overloaded_error"), may be empty.
func StatusError(provider string, status int, h http.Header, errType string, cause error) *ProviderError {
	e := &ProviderError{Provider: provider, Status: status, RetryAfter: ParseRetryAfter(h, time.Now()), Err: cause}
	switch {
	case status == 529 || errType == "overloaded_error":
		e.Kind = KindOverloaded
	case status == http.StatusTooManyRequests:
		e.Kind = KindRateLimited
	case status == http.StatusRequestTimeout || status == http.StatusConflict:
		e.Kind = KindConflict
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = KindAuth
	case status >= 500:
		e.Kind = KindServer
	case status >= 400:
		e.Kind = KindBadRequest
	default:
		e.Kind = KindUnknown
	}
	return e
}

// TransportError builds the *ProviderError for a call that got no usable HTTP
// error answer: a context error, a network error, an undecodable body.
func TransportError(provider string, cause error) *ProviderError {
	e := &ProviderError{Provider: provider, Err: cause}
	var (
		netErr    net.Error
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(cause, context.Canceled):
		e.Kind = KindCanceled
	case errors.Is(cause, context.DeadlineExceeded), errors.Is(cause, errAttemptTimeout):
		e.Kind = KindTimeout
	case errors.As(cause, &syntaxErr), errors.As(cause, &typeErr):
		e.Kind = KindMalformed
	case errors.Is(cause, io.ErrUnexpectedEOF), errors.Is(cause, io.EOF):
		e.Kind = KindStreamCut
	case errors.As(cause, &netErr):
		e.Kind = KindConnection
	default:
		// The SDKs report decoding failures with their own error types; an
		// error that is neither network nor context is a body we could not use.
		e.Kind = KindMalformed
	}
	return e
}

// ParseRetryAfter reads the retry hint of an HTTP answer: retry-after-ms
// (milliseconds, as Anthropic and OpenAI send it) wins over retry-after
// (seconds or an HTTP date). It returns 0 when there is no usable hint.
func ParseRetryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	if v := strings.TrimSpace(h.Get("retry-after-ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e9 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("retry-after"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 && s < 1e6 {
			return time.Duration(s * float64(time.Second))
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
