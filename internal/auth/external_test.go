package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pamtravel/pam/internal/pamerr"
)

var jwtEncoding = base64.RawURLEncoding

// jwksServer serves a real JWKS document for the keys.
func jwksServer(t *testing.T, keys map[string]*rsa.PublicKey) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		var set struct {
			Keys []map[string]string `json:"keys"`
		}
		for kid, k := range keys {
			set.Keys = append(set.Keys, map[string]string{
				"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
				"n": jwtEncoding.EncodeToString(k.N.Bytes()),
				"e": jwtEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
			})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestExternalJWKS(t *testing.T) {
	key, otherKey := rsaKey(t), rsaKey(t)
	srv, hits := jwksServer(t, map[string]*rsa.PublicKey{"k1": &key.PublicKey})
	f := newFixture(t, func(c *Config) {
		c.External = &ExternalConfig{Issuer: "https://idp.example", Audience: "pam", JWKSURL: srv.URL, RoleClaim: "pam_role"}
	})
	now := f.clk.now()
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": "https://idp.example", "aud": "pam", "sub": "ext-42", "jti": "e1",
			"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "pam_role": "admin"}
		if mod != nil {
			mod(c)
		}
		return c
	}
	rs := func(kid string, k *rsa.PrivateKey, c jwt.MapClaims) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ctx := context.Background()
	c, err := f.svc.Verify(ctx, rs("k1", key, claims(nil)))
	if err != nil {
		t.Fatalf("valid external token: %v", err)
	}
	if !c.External || c.UserID != "ext-42" || c.Role != "admin" || c.TokenID != "e1" {
		t.Fatalf("claims = %+v", c)
	}
	// Public key bytes used as an HMAC secret: the classic algorithm confusion.
	pubAsHMAC := sign(t, jwt.SigningMethodHS256, claims(nil), key.PublicKey.N.Bytes())
	tests := []struct{ name, token string }{
		{"signed by another key", rs("k1", otherKey, claims(nil))},
		{"unknown key id", rs("k9", otherKey, claims(nil))},
		{"wrong audience", rs("k1", key, claims(func(c jwt.MapClaims) { c["aud"] = "other" }))},
		{"expired", rs("k1", key, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }))},
		{"no expiry", rs("k1", key, claims(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"HS256 confusion", pubAsHMAC},
		{"alg none", sign(t, jwt.SigningMethodNone, claims(nil), jwt.UnsafeAllowNoneSignatureType)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Verify(ctx, tt.token)
			wantCode(t, err, pamerr.Unauthenticated)
		})
	}
	if n := hits.Load(); n > 2 {
		t.Fatalf("JWKS fetched %d times; unknown key ids must not flood the provider", n)
	}
	// An external token can be revoked by its id too.
	if err := f.svc.Logout(ctx, c, ""); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Verify(ctx, rs("k1", key, claims(nil)))
	wantCode(t, err, pamerr.Unauthenticated)
}

func TestExternalHS256(t *testing.T) {
	idpSecret := testSecret(t)
	f := newFixture(t, func(c *Config) {
		c.External = &ExternalConfig{Issuer: "supabase", Audience: "authenticated", Secret: idpSecret}
	})
	now := f.clk.now()
	claims := jwt.MapClaims{"iss": "supabase", "aud": "authenticated", "sub": "u-9", "role": "admin",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	ctx := context.Background()
	c, err := f.svc.Verify(ctx, sign(t, jwt.SigningMethodHS256, claims, idpSecret))
	if err != nil {
		t.Fatal(err)
	}
	if c.UserID != "u-9" || c.Role != "user" || !c.External {
		t.Fatalf("claims = %+v (role must not come from an unconfigured claim)", c)
	}
	_, err = f.svc.Verify(ctx, sign(t, jwt.SigningMethodHS256, claims, f.cfg.Secret))
	wantCode(t, err, pamerr.Unauthenticated)
	_, err = f.svc.Verify(ctx, sign(t, jwt.SigningMethodHS512, claims, idpSecret))
	wantCode(t, err, pamerr.Unauthenticated)
}
