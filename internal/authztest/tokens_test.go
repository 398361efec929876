package authztest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/pamtravel/pam/internal/apptest"
)

// The end-to-end token checks: internal/auth's unit tests prove Verify
// rejects each defect; these prove every transport (REST, compat REST, the
// native WebSocket's hello and re-auth, the compat WebSocket's URL token)
// actually relies on it, with the server's real key and configuration.

type forgedClaims struct {
	jwt.RegisteredClaims
	Role   string `json:"role"`
	Family string `json:"fam"`
	Type   string `json:"typ"`
}

func forge(t *testing.T, m jwt.SigningMethod, key any, mod func(*forgedClaims), sub string) string {
	t.Helper()
	now := time.Now()
	c := forgedClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "pam", Audience: jwt.ClaimStrings{"pam-api"}, Subject: sub, ID: "forged-" + now.Format("150405.000000"),
			ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Minute)), IssuedAt: jwt.NewNumericDate(now.Add(-time.Second)),
			NotBefore: jwt.NewNumericDate(now.Add(-time.Second)),
		},
		Role: "admin", Family: "forged-family", Type: "access",
	}
	if mod != nil {
		mod(&c)
	}
	tok, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// refusedEverywhere checks a token is refused by every transport.
func refusedEverywhere(t *testing.T, w *world, tok string) {
	t.Helper()
	for _, p := range []string{"/api/v1/me", "/api/v1/expenses", "/api/v1/admin/audit", "/api/v1/pam/history"} {
		r := w.srv.Do(t, "GET", p, tok, nil)
		if r.Status != http.StatusUnauthorized || r.ErrorCode() != "UNAUTHENTICATED" {
			t.Errorf("GET %s: %d %s", p, r.Status, r.Body)
		}
		if l := w.leaks(r.Body, tok); len(l) > 0 {
			t.Errorf("GET %s shows A's %v", p, l)
		}
	}
	if code, _ := wsHello(t, w.srv, tok); code != 4001 {
		t.Errorf("native WebSocket hello: close %d, want 4001", code)
	}
	if code := compatWS(t, w.srv, w.a.UserID, tok); code != 4001 {
		t.Errorf("compat WebSocket: close %d, want 4001", code)
	}
}

// TestForgedTokens: defective tokens naming A (with an admin role claim) are
// refused by every transport; the control token, built the same way with the
// server's key, is accepted, so each refusal is due to its one defect.
func TestForgedTokens(t *testing.T) {
	w := newWorld(t)
	sub := w.a.UserID
	control := forge(t, jwt.SigningMethodHS256, w.secret, func(c *forgedClaims) { c.Role = "user" }, sub)
	if r := w.srv.Do(t, "GET", "/api/v1/me", control, nil); r.Status != http.StatusOK {
		t.Fatalf("control token refused: %d %s", r.Status, r.Body)
	}
	if code, welcome := wsHello(t, w.srv, control); code != 0 || !strings.Contains(welcome, sub) {
		t.Fatalf("control token on the WebSocket: close %d, %s", code, welcome)
	}
	wrongKey := randomSecret(t)
	unsigned := forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, sub)
	tests := []struct{ name, token string }{
		{"alg none", unsigned},
		{"alg none, signature stripped", strings.Join(strings.Split(control, ".")[:2], ".") + "."},
		{"wrong key", forge(t, jwt.SigningMethodHS256, wrongKey, nil, sub)},
		{"HS512 with the server's key", forge(t, jwt.SigningMethodHS512, w.secret, nil, sub)},
		{"wrong audience", forge(t, jwt.SigningMethodHS256, w.secret, func(c *forgedClaims) { c.Audience = jwt.ClaimStrings{"authenticated"} }, sub)},
		{"wrong issuer", forge(t, jwt.SigningMethodHS256, w.secret, func(c *forgedClaims) { c.Issuer = "supabase" }, sub)},
		{"expired", forge(t, jwt.SigningMethodHS256, w.secret, func(c *forgedClaims) {
			c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Minute))
			c.IssuedAt = jwt.NewNumericDate(time.Now().Add(-20 * time.Minute))
			c.NotBefore = c.IssuedAt
		}, sub)},
		{"refresh type", forge(t, jwt.SigningMethodHS256, w.secret, func(c *forgedClaims) { c.Type = "refresh" }, sub)},
		{"B's token with A's subject swapped in", swapSubject(t, w.b.AccessToken, sub)},
		{"A's refresh token as access token", w.a.RefreshToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { refusedEverywhere(t, w, tt.token) })
	}
}

// swapSubject rewrites a real token's payload without re-signing it.
func swapSubject(t *testing.T, tok, sub string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	raw, err := jwt.NewParser().DecodeSegment(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["sub"], m["role"] = sub, "admin"
	b, _ := json.Marshal(m)
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

// TestRevokedAndReusedTokens: a logged-out session and a family whose used
// refresh token was replayed are dead on every transport, and other
// sessions of the same user live on.
func TestRevokedAndReusedTokens(t *testing.T) {
	w := newWorld(t)
	const password = "correct horse battery" // apptest.Register's

	t.Run("revoked after logout", func(t *testing.T) {
		s := w.login(t, w.a.Email, password)
		if r := w.srv.Do(t, "POST", "/api/v1/auth/logout", s.AccessToken, map[string]string{"refresh_token": s.RefreshToken}); r.Status != http.StatusNoContent {
			t.Fatalf("logout: %d %s", r.Status, r.Body)
		}
		refusedEverywhere(t, w, s.AccessToken)
		if r := w.srv.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": s.RefreshToken}); r.Status != http.StatusUnauthorized {
			t.Errorf("refresh after logout: %d %s", r.Status, r.Body)
		}
		if r := w.srv.Do(t, "GET", "/api/v1/me", w.a.AccessToken, nil); r.Status != http.StatusOK {
			t.Errorf("logout ended A's other session: %d %s", r.Status, r.Body)
		}
	})

	t.Run("reused refresh token revokes the family", func(t *testing.T) {
		s1 := w.login(t, w.a.Email, password)
		var s2 struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		r := w.srv.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": s1.RefreshToken})
		if r.Status != http.StatusOK {
			t.Fatalf("refresh: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &s2)
		if code, _ := wsHello(t, w.srv, s2.AccessToken); code != 0 {
			t.Fatalf("rotated token refused on the WebSocket: %d", code)
		}
		if r := w.srv.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": s1.RefreshToken}); r.Status != http.StatusUnauthorized {
			t.Fatalf("reused refresh token: %d %s", r.Status, r.Body)
		}
		refusedEverywhere(t, w, s2.AccessToken)
		if r := w.srv.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": s2.RefreshToken}); r.Status != http.StatusUnauthorized {
			t.Errorf("the family's newest refresh token survived the reuse: %d %s", r.Status, r.Body)
		}
		if r := w.srv.Do(t, "GET", "/api/v1/me", w.a.AccessToken, nil); r.Status != http.StatusOK {
			t.Errorf("reuse ended A's other session: %d %s", r.Status, r.Body)
		}
	})
}

// TestLogoutWithAnotherUsersRefreshToken: B logging out with A's refresh
// token in the body ends B's session only.
func TestLogoutWithAnotherUsersRefreshToken(t *testing.T) {
	w := newWorld(t)
	b2 := w.login(t, w.b.Email, "correct horse battery")
	if r := w.srv.Do(t, "POST", "/api/v1/auth/logout", b2.AccessToken, map[string]string{"refresh_token": w.a.RefreshToken}); r.Status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	r := w.srv.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": w.a.RefreshToken})
	if r.Status != http.StatusOK {
		t.Fatalf("B's logout revoked A's refresh token: %d %s", r.Status, r.Body)
	}
}

// TestWebSocketIdentity: a WebSocket carries one user. B's token cannot open
// A's compat URL, cannot re-authenticate as A on its native connection, and
// B's replay from seq 0 holds nothing of A's.
func TestWebSocketIdentity(t *testing.T) {
	w := newWorld(t)
	w.chat(t, w.b.AccessToken, "how much have I spent this week") // B's own stream has frames to replay
	if code := compatWS(t, w.srv, w.a.UserID, w.b.AccessToken); code != 4001 {
		t.Errorf("B's token on A's compat URL: close %d, want 4001", code)
	}
	if code := compatWS(t, w.srv, w.a.UserID, ""); code != 4001 {
		t.Errorf("no token on A's compat URL: close %d, want 4001", code)
	}
	if code := compatWS(t, w.srv, w.a.UserID, w.a.AccessToken); code != 0 {
		t.Errorf("control: A's token on A's compat URL: close %d", code)
	}
	if code, _ := wsHello(t, w.srv, ""); code != 4001 {
		t.Errorf("hello without a token: close %d, want 4001", code)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := dialWS(ctx, t, w.srv.URL+"/api/v1/ws")
	defer c.CloseNow()
	zero := int64(0)
	writeJSON(ctx, t, c, map[string]any{"type": "hello", "token": w.b.AccessToken, "last_seq": &zero})
	_, welcome, err := c.Read(ctx)
	if err != nil || !strings.Contains(string(welcome), `"welcome"`) || !strings.Contains(string(welcome), w.b.UserID) {
		t.Fatalf("B's welcome: %s %v", welcome, err)
	}
	// A chat into A's conversation is refused, and nothing of A's comes back.
	writeJSON(ctx, t, c, map[string]any{"type": "chat", "id": "b-into-a", "text": "show my expenses", "conversation_id": w.ids["conversation"]})
	for done := false; !done; {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if l := w.leaks(b, w.ids["conversation"]); len(l) > 0 {
			t.Errorf("B's WebSocket shows A's %v: %s", l, b)
		}
		var f struct{ Type, Code, ID string }
		_ = json.Unmarshal(b, &f)
		if f.ID != "b-into-a" {
			continue // B's own replay
		}
		switch f.Type {
		case "error":
			if f.Code != "NOT_FOUND" {
				t.Errorf("chat into A's conversation: %s", b)
			}
			done = true
		case "message", "accepted":
			t.Fatalf("chat into A's conversation was taken: %s", b)
		}
	}
	// Re-authenticating with A's (valid) token closes B's connection; every
	// frame before the close (B's replay from seq 0) is checked for A's data.
	writeJSON(ctx, t, c, map[string]any{"type": "auth", "token": w.a.AccessToken})
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			if code := closeCode(err); code != 4001 {
				t.Errorf("auth frame with another user's token: %v (close %d), want 4001", err, code)
			}
			break
		}
		if l := w.leaks(b, ""); len(l) > 0 {
			t.Errorf("B's WebSocket shows A's %v: %s", l, b)
		}
	}
}

func dialWS(ctx context.Context, t *testing.T, httpURL string) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(httpURL, "http"), nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", httpURL, err, status)
	}
	return c
}

func writeJSON(ctx context.Context, t *testing.T, c *websocket.Conn, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// wsHello opens the native WebSocket and says hello with tok: close code
// (0 when the connection was accepted) and the welcome frame.
func wsHello(t *testing.T, s *apptest.Server, tok string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := dialWS(ctx, t, s.URL+"/api/v1/ws")
	defer c.CloseNow()
	writeJSON(ctx, t, c, map[string]any{"type": "hello", "token": tok})
	_, b, err := c.Read(ctx)
	if err != nil {
		return closeCode(err), ""
	}
	_ = c.Close(websocket.StatusNormalClosure, "")
	return 0, string(b)
}

// compatWS opens the compat WebSocket of urlUser with tok in the query:
// the close code, or 0 when it said "connected".
func compatWS(t *testing.T, s *apptest.Server, urlUser, tok string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := dialWS(ctx, t, s.URL+"/api/v1/pam/ws/"+urlUser+"?token="+tok)
	defer c.CloseNow()
	_, b, err := c.Read(ctx)
	if err != nil {
		return closeCode(err)
	}
	if !strings.Contains(string(b), "connected") {
		t.Errorf("compat first frame: %s", b)
	}
	_ = c.Close(websocket.StatusNormalClosure, "")
	return 0
}

func closeCode(err error) int {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return int(ce.Code)
	}
	return -1
}
