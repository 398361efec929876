package chaos

import (
	"io"
	"net/http"
	"strings"
)

// ModelTransport wraps the model providers' transport: with their rates it
// answers 429 (retry-after 1 s), 529 overloaded, or hangs until the caller
// gives up — each in the provider's own error format (Anthropic's Messages
// API or OpenAI's Chat Completions), so the real SDK and resilience code
// handle it.
func (i *Injector) ModelTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	if i == nil {
		return next
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		anthropic := strings.HasSuffix(r.URL.Path, "/messages")
		switch {
		case i.Hit(Model429):
			return modelError(r, anthropic, http.StatusTooManyRequests, "rate_limit_error", "Rate limited (chaos).", "1"), nil
		case i.Hit(Model529):
			typ := "overloaded_error"
			return modelError(r, anthropic, 529, typ, "Overloaded (chaos).", ""), nil
		case i.Hit(ModelTimeout):
			<-r.Context().Done()
			return nil, r.Context().Err()
		}
		return next.RoundTrip(r)
	})
}

// ExternalTransport wraps the outside data services' transport: with the
// external_invalid rate a call answers 200 with a payload that is not what
// the service sends (truncated JSON or the wrong shape).
func (i *Injector) ExternalTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	if i == nil {
		return next
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		if i.Hit(ExternalInvalid) {
			body := `{"results": [{"latitude": "not a number"`
			if i.float() < 0.5 {
				body = `{"unexpected":"shape","elements":"none"}`
			}
			return response(r, http.StatusOK, "application/json", body, nil), nil
		}
		return next.RoundTrip(r)
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func modelError(r *http.Request, anthropic bool, status int, typ, msg, retryAfter string) *http.Response {
	var body string
	if anthropic {
		body = `{"type":"error","error":{"type":"` + typ + `","message":"` + msg + `"}}`
	} else {
		body = `{"error":{"message":"` + msg + `","type":"` + typ + `","param":null,"code":null}}`
	}
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return response(r, status, "application/json", body, h)
}

func response(r *http.Request, status int, ctype, body string, h http.Header) *http.Response {
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", ctype)
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		Status: http.StatusText(status), StatusCode: status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r,
	}
}
