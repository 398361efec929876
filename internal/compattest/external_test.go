package compattest_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/internal/compattest"
)

const supabaseIssuer = "https://project.supabase.co/auth/v1"

func appClaims(sub string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"iss": supabaseIssuer, "aud": "authenticated", "sub": sub, "email": "rv-" + sub[:8] + "@example.com",
		"role": "authenticated", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
}

// chatAsAppUser proves an outside token works end to end: the WebSocket
// accepts it, the user is created on first sight, a chat writes an expense
// and the REST surface sees it.
func chatAsAppUser(t *testing.T, srv *apptest.Server, sub, token string) {
	t.Helper()
	c := compattest.New(compattest.Options{BaseURL: srv.URL, UserID: sub, Token: token, SessionID: "s1"})
	if err := c.Connect(ctxT(t)); err != nil {
		t.Fatalf("connect with the app's token: %v", err)
	}
	defer c.Close()
	r, err := c.Chat(ctxT(t), diesel, compattest.ChatOptions{})
	if err != nil || r.Type != "chat_response" || !strings.Contains(r.Text, "45.20") || len(r.UIActions) != 1 {
		t.Fatalf("chat as app user: %+v %v", r, err)
	}
	if n := expenseCount(t, srv, token); n != 1 {
		t.Fatalf("expenses = %d", n)
	}
	// Another subject's id in the URL is refused.
	other := compattest.New(compattest.Options{BaseURL: srv.URL, UserID: uuid.NewString(), Token: token})
	var ce *compattest.CloseError
	if err := other.Connect(ctxT(t)); err == nil || !asClose(err, &ce) || ce.Code != 4001 {
		t.Fatalf("mismatched subject: %v", err)
	}
}

func asClose(err error, ce **compattest.CloseError) bool {
	e, ok := err.(*compattest.CloseError)
	*ce = e
	return ok
}

func TestAppTokenHS256(t *testing.T) {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	srv := apptest.Start(t, map[string]string{"PAM_EXTERNAL_JWT_SECRET": hex.EncodeToString(secret), "PAM_EXTERNAL_ISSUER": supabaseIssuer})
	sub := uuid.NewString()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, appClaims(sub)).SignedString([]byte(hex.EncodeToString(secret)))
	if err != nil {
		t.Fatal(err)
	}
	chatAsAppUser(t, srv, sub, tok)
	// A token for the wrong audience is refused.
	bad := appClaims(sub)
	bad["aud"] = "anon"
	badTok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, bad).SignedString([]byte(hex.EncodeToString(secret)))
	c := compattest.New(compattest.Options{BaseURL: srv.URL, UserID: sub, Token: badTok})
	var ce *compattest.CloseError
	if err := c.Connect(ctxT(t)); !asClose(err, &ce) || ce.Code != 4001 {
		t.Fatalf("wrong audience: %v", err)
	}
}

func TestAppTokenES256FromJWKS(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	point, err := key.PublicKey.Bytes() // 0x04 ‖ X ‖ Y, 32 bytes each
	if err != nil {
		t.Fatal(err)
	}
	coord := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kty": "EC", "crv": "P-256", "kid": "k1", "use": "sig", "alg": "ES256",
			"x": coord(point[1:33]), "y": coord(point[33:65]),
		}}})
	}))
	t.Cleanup(jwks.Close)
	srv := apptest.Start(t, map[string]string{"PAM_EXTERNAL_JWKS_URL": jwks.URL, "PAM_EXTERNAL_ISSUER": supabaseIssuer})
	sub := uuid.NewString()
	tk := jwt.NewWithClaims(jwt.SigningMethodES256, appClaims(sub))
	tk.Header["kid"] = "k1"
	tok, err := tk.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	chatAsAppUser(t, srv, sub, tok)
}
