package authztest

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/apptest"
)

// registeredRoutes parses the mux patterns out of internal/httpapi/routes.go.
// Patterns built at run time (the JSON 404 catch-alls, m+" /api/") are not
// string literals and are not routes of their own.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	src, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "httpapi", "routes.go"))
	if err != nil {
		t.Fatalf("read routes.go: %v", err)
	}
	re := regexp.MustCompile(`mux\.Handle(?:Func)?\(\s*"([A-Z]+ [^"]+)"`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		out = append(out, m[1])
	}
	if len(out) < 20 {
		t.Fatalf("found only %d routes in routes.go; the parser is out of date", len(out))
	}
	return out
}

// TestRouteTableCoversRoutes: a route added to routes.go without an
// authorization case here fails, and so does a case for a removed route.
func TestRouteTableCoversRoutes(t *testing.T) {
	inTable := map[string]bool{}
	for _, c := range routeTable {
		if inTable[c.pattern] {
			t.Errorf("route %q is in the table twice", c.pattern)
		}
		inTable[c.pattern] = true
	}
	registered := map[string]bool{}
	for _, p := range registeredRoutes(t) {
		registered[p] = true
		if !inTable[p] {
			t.Errorf("route %q of routes.go has no authorization case in routeTable", p)
		}
	}
	var stale []string
	for p := range inTable {
		if !registered[p] {
			stale = append(stale, p)
		}
	}
	sort.Strings(stale)
	for _, p := range stale {
		t.Errorf("routeTable has %q, which routes.go no longer registers", p)
	}
}

// fill replaces {A:name} placeholders with A's ids.
func (w *world) fill(s string) string {
	pairs := []string{"{A:user}", w.a.UserID, "{A:email}", w.a.Email}
	for k, v := range w.ids {
		pairs = append(pairs, "{A:"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

func (w *world) fillBody(body any) any {
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return w.fill(b)
	case map[string]string:
		out := map[string]string{}
		for k, v := range b {
			out[k] = w.fill(v)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, v := range b {
			out[k] = w.fillBody(v)
		}
		return out
	case []map[string]any:
		out := make([]any, len(b))
		for i, v := range b {
			out[i] = w.fillBody(v)
		}
		return out
	default:
		return b
	}
}

// concretePath is the route's path with A's ids in its wildcards.
func (w *world) concretePath(c routeCase) (method, path string) {
	method, path, _ = strings.Cut(c.pattern, " ")
	if c.path != "" {
		path = c.path
	}
	return method, w.fill(path)
}

func sentText(path string, body any) string {
	s := path
	if body != nil {
		s += " " + strings.ReplaceAll(strings.ReplaceAll(jsonString(body), `\u0026`, "&"), `\"`, `"`)
	}
	return s
}

// TestCrossUserRoutes: B calls every route with A's ids in paths, queries
// and bodies; each is refused or acts on B's own data, no answer shows A's
// ids or text, and A's data is unchanged afterwards.
func TestCrossUserRoutes(t *testing.T) {
	w := newWorld(t)
	before := w.snapshotA(t)
	// The control: A's own answers trip the leak check, so it is not vacuous.
	for _, p := range []string{"/api/v1/expenses", "/api/v1/calendar?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z", "/api/v1/pam/savings/recent"} {
		if l := w.leaks(w.srv.Do(t, "GET", p, w.a.AccessToken, nil).Body, ""); len(l) == 0 {
			t.Fatalf("leak check finds nothing in A's own %s", p)
		}
	}
	b := w.b.AccessToken
	for _, c := range routeTable {
		attacks := c.attacks
		if c.access == admin {
			method, path := w.concretePath(c)
			attacks = []attack{{method: method, path: path, body: map[string]string{"user_id": "{A:user}"}, want: http.StatusForbidden}}
		}
		for _, at := range attacks {
			path, body := w.fill(at.path), w.fillBody(at.body)
			name := c.pattern + " ← " + at.method + " " + at.path
			// Later answers may echo what B sent earlier (its own turn ids).
			sentBefore := w.ids["client_message"]
			t.Run(name, func(t *testing.T) {
				token := b
				if c.access == public {
					token = ""
				}
				r := w.srv.Do(t, at.method, path, token, body)
				checkRefusedOrOwn(t, r, at.want)
				if c.access == admin && r.ErrorCode() != "FORBIDDEN" {
					t.Errorf("admin route as a plain user: code %q, want FORBIDDEN", r.ErrorCode())
				}
				if l := w.leaks(r.Body, sentText(path, body)+sentBefore); len(l) > 0 {
					t.Errorf("answer to B shows A's %v: %.600s", l, r.Body)
				}
			})
		}
	}
	// The streaming variant of the chat refuses A's conversation the same way.
	t.Run("POST /api/v1/chat as text/event-stream into A's conversation", func(t *testing.T) {
		req, _ := http.NewRequest("POST", w.srv.URL+"/api/v1/chat", strings.NewReader(`{"message":"show my expenses","conversation_id":"`+w.ids["conversation"]+`"}`))
		req.Header.Set("Authorization", "Bearer "+b)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusNotFound && !strings.Contains(string(raw), "NOT_FOUND") {
			t.Errorf("SSE chat into A's conversation: %d %s", resp.StatusCode, raw)
		}
		if l := w.leaks(raw, w.ids["conversation"]); len(l) > 0 {
			t.Errorf("SSE answer shows A's %v: %s", l, raw)
		}
	})
	// B's own lists and history hold nothing of A's, whatever B did above.
	for _, p := range []string{"/api/v1/expenses", "/api/v1/budgets", "/api/v1/fuel", "/api/v1/trips", "/api/v1/vehicles",
		"/api/v1/calendar?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z", "/api/v1/conversations",
		"/api/v1/pam/history", "/api/v1/pam/savings/recent", "/api/v1/pam/context", "/api/v1/savings/recent",
		"/api/v1/events?after=0&wait=0s", "/api/v1/me"} {
		r := w.srv.Do(t, "GET", p, b, nil)
		if r.Status != http.StatusOK {
			t.Errorf("B's %s: %d %s", p, r.Status, r.Body)
		}
		sent := w.ids["client_message"] // B reused it as its own turn's id above
		if strings.HasPrefix(p, "/api/v1/pam/context") {
			sent += w.a.UserID // B stored {"user_id": A} in its own context above
		}
		if l := w.leaks(r.Body, sent); len(l) > 0 {
			t.Errorf("B's %s shows A's %v: %.600s", p, l, r.Body)
		}
	}
	before.diff(t, w.snapshotA(t))
}

// checkRefusedOrOwn accepts the wanted status, or else a refusal or a
// success; a server error or an authentication failure of a valid token is
// a finding.
func checkRefusedOrOwn(t *testing.T, r *apptest.Response, want int) {
	t.Helper()
	if want != 0 {
		if r.Status != want {
			t.Errorf("status %d, want %d: %.400s", r.Status, want, r.Body)
		}
		return
	}
	switch {
	case r.Status >= 200 && r.Status < 300:
	case r.Status == 400, r.Status == 403, r.Status == 404, r.Status == 409, r.Status == 413, r.Status == 415, r.Status == 422:
	case r.Status == 503 && r.ErrorCode() != "": // a feature that is off (voice offline) refuses cleanly
	default:
		t.Errorf("status %d: %.400s", r.Status, r.Body)
	}
}

// TestPlainUserOnAdminRoutes: every admin route answers a plain user 403
// FORBIDDEN, and the admin gets past the role check on the same request.
func TestPlainUserOnAdminRoutes(t *testing.T) {
	w := newWorld(t)
	for _, c := range routeTable {
		if c.access != admin {
			continue
		}
		method, path := w.concretePath(c)
		t.Run(c.pattern, func(t *testing.T) {
			r := w.srv.Do(t, method, path, w.b.AccessToken, map[string]string{"user_id": w.a.UserID})
			if r.Status != http.StatusForbidden || r.ErrorCode() != "FORBIDDEN" {
				t.Errorf("plain user: %d %s", r.Status, r.Body)
			}
			r = w.srv.Do(t, method, path, w.admin.AccessToken, map[string]string{"user_id": w.a.UserID})
			if r.Status == http.StatusForbidden || r.Status == http.StatusUnauthorized {
				t.Errorf("admin refused: %d %s", r.Status, r.Body)
			}
		})
	}
}

// TestNoTokenIsUnauthenticated: every route that needs a user answers 401
// UNAUTHENTICATED without a token (and with a malformed header), before
// reading the body or the path's ids.
func TestNoTokenIsUnauthenticated(t *testing.T) {
	w := newWorld(t)
	for _, c := range routeTable {
		if c.access != user && c.access != admin {
			continue
		}
		method, path := w.concretePath(c)
		t.Run(c.pattern, func(t *testing.T) {
			for _, hdr := range []string{"", "Bearer", "Bearer ", "Basic " + w.a.AccessToken, "bearer"} {
				r := doHeader(t, w.srv, method, path, hdr, `{"user_id":"`+w.a.UserID+`"}`)
				if r.Status != http.StatusUnauthorized || r.ErrorCode() != "UNAUTHENTICATED" {
					t.Errorf("Authorization %q: %d %s", hdr, r.Status, r.Body)
				}
				if l := w.leaks(r.Body, path); len(l) > 0 {
					t.Errorf("unauthenticated answer shows A's %v", l)
				}
			}
		})
	}
	// The public routes answer without a token and show nothing of A's.
	for _, c := range routeTable {
		if c.access != public {
			continue
		}
		method, path := w.concretePath(c)
		if method == "POST" {
			continue // covered by the attacks in TestCrossUserRoutes
		}
		r := w.srv.Do(t, method, path, "", nil)
		if r.Status == http.StatusUnauthorized {
			t.Errorf("public %s asks for a token: %s", c.pattern, r.Body)
		}
		if l := w.leaks(r.Body, ""); len(l) > 0 {
			t.Errorf("public %s shows A's %v", c.pattern, l)
		}
	}
}
