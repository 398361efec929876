package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/pamerr"
)

// Inside withRequest a handler finds the request id, a logger naming the
// request and, once authenticated, the user and their claims, all in one
// context layer; errors go to the reporter, a panic only to the log.
func TestWithRequestCarriesIDLoggerClaimsAndReporter(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	var reported []string
	report := func(ctx context.Context, transport string, err error) {
		reported = append(reported, requestID(ctx)+" "+transport+" "+pamerr.MessageOf(err))
	}
	claims := auth.Claims{UserID: "u-1", Role: "user", FamilyID: "f-1"}
	mux := http.NewServeMux()
	mux.Handle("GET /ok", handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if got := claimsFrom(r.Context()); got.UserID != "" {
			t.Errorf("claims before authentication: %+v", got)
		}
		ctx := authenticated(r.Context(), claims)
		if ctx != r.Context() {
			t.Error("authenticated added a context layer inside withRequest")
		}
		if got := claimsFrom(ctx); got != claims {
			t.Errorf("claims %+v, want %+v", got, claims)
		}
		Logger(ctx).Info("hello")
		return pamerr.New(pamerr.NotFound, "nothing here")
	}))
	mux.Handle("GET /panic", handlerFunc(func(http.ResponseWriter, *http.Request) error { panic("boom") }))
	h := withRequest(log, nopMetrics{}, report)(mux)

	req := httptest.NewRequest("GET", "/ok", nil)
	req.Header.Set("X-Request-ID", "caller-id-123")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound || rec.Header().Get("X-Request-ID") != "caller-id-123" || !strings.Contains(rec.Body.String(), `"request_id":"caller-id-123"`) {
		t.Fatalf("response %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if len(reported) != 1 || reported[0] != "caller-id-123 http nothing here" {
		t.Fatalf("reported %q", reported)
	}
	if !strings.Contains(logs.String(), `"msg":"hello","request_id":"caller-id-123","user_id":"u-1"`) {
		t.Fatalf("logs %s", logs.String())
	}

	req = httptest.NewRequest("GET", "/panic", nil)
	req.Header.Set("X-Request-ID", "bad id!")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	id := rec.Header().Get("X-Request-ID")
	if rec.Code != http.StatusInternalServerError || id == "" || id == "bad id!" || !strings.Contains(rec.Body.String(), id) {
		t.Fatalf("panic response %d %q %s", rec.Code, id, rec.Body)
	}
	if len(reported) != 1 {
		t.Fatalf("a panic was reported: %q", reported)
	}
	if !strings.Contains(logs.String(), `"msg":"panic"`) {
		t.Fatalf("panic not logged: %s", logs.String())
	}
}

// Outside withRequest the claims still reach the handler through the context.
func TestAuthenticatedWithoutWithRequest(t *testing.T) {
	c := auth.Claims{UserID: "u-2"}
	ctx := authenticated(context.Background(), c)
	if claimsFrom(ctx) != c || requestID(ctx) != "" || Logger(ctx) != nil || reporterFrom(ctx) != nil {
		t.Fatal("context outside withRequest")
	}
}

func TestReadBodyMatchesMaxBytesReader(t *testing.T) {
	big := strings.Repeat("x", maxBody)
	for _, tc := range []struct {
		name string
		body string
		size int64
	}{
		{"empty", "", 0},
		{"announced", `{"message":"hi"}`, 16},
		{"unknown size", `{"message":"hi"}`, -1},
		{"announced short", `{"message":"hi"}`, 4},
		{"announced long", `{"message":"hi"}`, 400},
		{"at the limit", big, maxBody},
		{"over the limit", big + "y", maxBody + 1},
		{"over the limit, unknown size", big + "y", -1},
		{"over the limit, announced short", big + "yz", 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, wrap := range []func(io.Reader) io.Reader{
				func(r io.Reader) io.Reader { return r }, iotest.OneByteReader, iotest.HalfReader, iotest.DataErrReader,
			} {
				want, wantErr := io.ReadAll(http.MaxBytesReader(nil, io.NopCloser(wrap(strings.NewReader(tc.body))), maxBody))
				got, err := readBody(wrap(strings.NewReader(tc.body)), tc.size)
				var wantTooBig, gotTooBig *http.MaxBytesError
				if (wantErr == nil) != (err == nil) || errors.As(wantErr, &wantTooBig) != errors.As(err, &gotTooBig) {
					t.Fatalf("error %v, MaxBytesReader %v", err, wantErr)
				}
				if err == nil && !bytes.Equal(got, want) {
					t.Fatalf("read %d bytes, MaxBytesReader %d", len(got), len(want))
				}
			}
		})
	}
	_, err := readBody(iotest.ErrReader(errors.New("reset")), 10)
	if err == nil || err.Error() != "reset" {
		t.Fatalf("read error %v", err)
	}
}
