package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// headerWriter is a ResponseWriter that keeps nothing but its header map,
// emptied for each request.
type headerWriter struct{ h http.Header }

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) WriteHeader(int)             {}
func (w *headerWriter) Write(b []byte) (int, error) { return len(b), nil }

// Every response carries its own request id and the JSON content type,
// whatever another response did to its header values, and setting them
// costs no allocation of its own.
func TestResponseHeaderValues(t *testing.T) {
	h := withRequest(slog.New(slog.DiscardHandler), nopMetrics{}, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encode(w, http.StatusOK, struct{}{})
		w.Header().Add("Content-Type", "text/plain") // a handler's own mistake stays its own
		w.Header().Add(headerRequestID, "other")
	}))
	for _, id := range []string{"request-one", "request-two"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set(headerRequestID, id)
		h.ServeHTTP(rec, req)
		if got := rec.Result().Header; got.Get("Content-Type") != "application/json; charset=utf-8" || got.Get(headerRequestID) != id {
			t.Fatalf("headers %v", got)
		}
		if got := rec.Header(); len(got["Content-Type"]) != 2 || len(got[headerRequestID]) != 2 || got[headerRequestID][0] != id {
			t.Fatalf("headers after the handler %v", got)
		}
	}
	if len(jsonContentType) != 1 || jsonContentType[0] != "application/json; charset=utf-8" {
		t.Fatalf("shared content type changed: %q", jsonContentType)
	}
	if raceEnabled {
		return
	}
	plain := withRequest(slog.New(slog.DiscardHandler), nopMetrics{}, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encode(w, http.StatusOK, nil)
	}))
	w := &headerWriter{h: http.Header{}}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set(headerRequestID, "request-one")
	// The request's context value, its copy with that context and the
	// request's state: the header values add nothing.
	if n := testing.AllocsPerRun(100, func() { clear(w.h); plain.ServeHTTP(w, req) }); n > 3 {
		t.Fatalf("a request through withRequest and encode: %v allocations, want at most 3", n)
	}
}
