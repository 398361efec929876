package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pamtravel/pam/internal/store"
)

// externalVerifier checks tokens of the outside identity provider.
type externalVerifier struct {
	cfg    *ExternalConfig
	now    func() time.Time
	parser *jwt.Parser

	mu        sync.Mutex
	keys      map[string]crypto.PublicKey // *rsa.PublicKey or *ecdsa.PublicKey
	fetchedAt time.Time
	triedAt   time.Time
}

func newExternalVerifier(cfg *ExternalConfig, now func() time.Time) *externalVerifier {
	return &externalVerifier{
		cfg: cfg, now: now,
		parser: jwt.NewParser(
			jwt.WithValidMethods(cfg.Algorithms),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithTimeFunc(now),
			jwt.WithLeeway(30*time.Second), // clocks of two parties
		),
	}
}

// claimsIssuer reports whether the (not yet verified) token names the external
// issuer. Only routing depends on it; verify checks everything again.
func (e *externalVerifier) claimsIssuer(tok string) bool {
	var rc jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &rc); err != nil {
		return false
	}
	return rc.Issuer == e.cfg.Issuer
}

// verify checks tok and returns its claims and its email claim ("" when absent).
func (e *externalVerifier) verify(ctx context.Context, tok string) (Claims, string, error) {
	mc := jwt.MapClaims{}
	_, err := e.parser.ParseWithClaims(tok, mc, func(t *jwt.Token) (any, error) {
		if len(e.cfg.Secret) > 0 {
			return e.cfg.Secret, nil
		}
		kid, _ := t.Header["kid"].(string)
		return e.key(ctx, kid)
	})
	if err != nil {
		return Claims{}, "", fmt.Errorf("external token: %w", err)
	}
	sub, _ := mc.GetSubject()
	if sub == "" || len(sub) > 128 {
		return Claims{}, "", errors.New("external token has no usable subject")
	}
	iat, _ := mc.GetIssuedAt()
	exp, _ := mc.GetExpirationTime()
	c := Claims{UserID: sub, Role: store.RoleUser, FamilyID: "ext:" + sub, External: true}
	if iat != nil {
		c.IssuedAt = iat.Time
	}
	if exp != nil {
		c.ExpiresAt = exp.Time
	}
	if jti, ok := mc["jti"].(string); ok {
		c.TokenID = jti
	}
	if e.cfg.RoleClaim != "" {
		if r, ok := mc[e.cfg.RoleClaim].(string); ok && (r == store.RoleAdmin || r == store.RoleUser) {
			c.Role = r
		}
	}
	email, _ := mc["email"].(string)
	return c, email, nil
}

// key returns the JWKS key with the id, fetching the set when it is stale or
// lacks the id (at most every 30 s, so unknown ids cannot flood the provider).
func (e *externalVerifier) key(ctx context.Context, kid string) (crypto.PublicKey, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	k, ok := e.keys[kid]
	fresh := now.Sub(e.fetchedAt) < e.cfg.JWKSRefresh
	if ok && fresh {
		return k, nil
	}
	if e.keys == nil || !fresh || now.Sub(e.triedAt) >= 30*time.Second {
		e.triedAt = now
		keys, err := fetchJWKS(ctx, e.cfg.HTTPClient, e.cfg.JWKSURL)
		if err != nil {
			if ok { // keep using a known key while the provider is unreachable
				return k, nil
			}
			return nil, err
		}
		e.keys, e.fetchedAt = keys, now
	}
	if k, ok := e.keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("no JWKS key with id %q", kid)
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"` // EC
	X   string `json:"x"`
	Y   string `json:"y"`
}

// ecKey reads a P-256 public key (for ES256) of a JWK.
func ecKey(k jwk) (*ecdsa.PublicKey, bool) {
	if k.Crv != "P-256" {
		return nil, false
	}
	x, err1 := base64.RawURLEncoding.DecodeString(k.X)
	y, err2 := base64.RawURLEncoding.DecodeString(k.Y)
	if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
		return nil, false
	}
	// The uncompressed point encoding; ParseUncompressedPublicKey checks it is on the curve.
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return nil, false
	}
	return pub, true
}

// fetchJWKS reads the RSA and P-256 signing keys of a JSON Web Key Set (RFC 7517).
func fetchJWKS(ctx context.Context, hc *http.Client, url string) (map[string]crypto.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch jwks: status %d", resp.StatusCode)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("decode jwks: %w", err)
	}
	keys := map[string]crypto.PublicKey{}
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if k.Kty == "EC" {
			if pub, ok := ecKey(k); ok {
				keys[k.Kid] = pub
			}
			continue
		}
		if k.Kty != "RSA" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		ex, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(ex) == 0 || len(ex) > 4 {
			continue
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(ex).Int64())}
		if pub.N.BitLen() < 2048 {
			continue
		}
		keys[k.Kid] = pub
	}
	if len(keys) == 0 {
		return nil, errors.New("jwks has no usable RSA or P-256 signing keys")
	}
	return keys, nil
}
