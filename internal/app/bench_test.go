package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/config"
)

// BenchmarkRESTTurn measures PAM's server time for one REST chat turn through
// the rules brain on SQLite: auth, validation, safety, durable accept, one tool
// write, both messages and the durable event persisted. The requests and
// response recorders are built before the clock starts, so the figures are
// the server's alone (building a request costs the harness about 20
// allocations a turn).
//
//	go test -run '^$' -bench BenchmarkRESTTurn -benchmem ./internal/app
func BenchmarkRESTTurn(b *testing.B) {
	c := startComponents(b, map[string]string{"PAM_LIMIT_USER_PER_MIN": "100000000"})
	tok := benchRegister(b, c.handler)
	reqs, recs := benchTurns(b.N, tok)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.handler.ServeHTTP(recs[i], reqs[i])
		if recs[i].Code != http.StatusOK {
			b.Fatalf("%d %s", recs[i].Code, recs[i].Body)
		}
	}
}

// benchTurns builds n chat requests (distinct amounts and client ids) and a
// recorder for each.
func benchTurns(n int, tok string) ([]*http.Request, []*httptest.ResponseRecorder) {
	reqs := make([]*http.Request, n)
	recs := make([]*httptest.ResponseRecorder, n)
	for i := range reqs {
		body := fmt.Sprintf(`{"message":"I spent $%d.25 on groceries at Walmart","client_message_id":"b%d"}`, i%500+1, i)
		reqs[i] = httptest.NewRequest("POST", "/api/v1/chat", strings.NewReader(body))
		reqs[i].Header.Set("Authorization", "Bearer "+tok)
		recs[i] = httptest.NewRecorder()
	}
	return reqs, recs
}

func benchRegister(b testing.TB, h http.Handler) string {
	req := httptest.NewRequest("POST", "/api/v1/auth/register", bytes.NewBufferString(`{"email":"bench@example.com","password":"correct horse battery"}`))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.AccessToken == "" {
		b.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	return out.AccessToken
}

// startComponents builds PAM in-process (no listener) on SQLite in a
// temporary directory, offline, with env's settings added; closed at the end.
func startComponents(tb testing.TB, env map[string]string) *components {
	tb.Helper()
	all := map[string]string{"PAM_DATA_DIR": tb.TempDir(), "PAM_OFFLINE": "true", "PAM_LOG_LEVEL": "error"}
	for k, v := range env {
		all[k] = v
	}
	cfg, _, err := config.Load(nil, func(k string) string { return all[k] }, nil, io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := build(context.Background(), cfg, Env{Stderr: io.Discard})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}
