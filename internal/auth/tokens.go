package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims is what a verified access token says.
type Claims struct {
	UserID    string
	Role      string
	TokenID   string
	FamilyID  string // the login session; refresh keeps it, logout revokes it
	IssuedAt  time.Time
	ExpiresAt time.Time
	External  bool // issued by the outside identity provider

	famKey string // familyKey(FamilyID), made once when a local token is first verified
}

// familyRevocationKey is familyKey(c.FamilyID): the one made when the token
// was verified (the claims are remembered, so every later request and tool
// call checks the family without building the key again), or a new one for
// claims made otherwise or whose FamilyID was changed since.
func (c *Claims) familyRevocationKey() string {
	const prefix = len(familyKeyPrefix)
	if k := c.famKey; len(k) == prefix+len(c.FamilyID) && k[prefix:] == c.FamilyID {
		return k
	}
	return familyKey(c.FamilyID)
}

// accessClaims is the JWT body of PAM's access tokens.
type accessClaims struct {
	jwt.RegisteredClaims
	Role     string `json:"role"`
	Family   string `json:"fam"`
	IssuedMs int64  `json:"iat_ms"` // sub-second issue time, for per-user revocation cut-offs
	Type     string `json:"typ"`
}

const accessType = "access"

// newID returns 128 random bits as text.
func newID() string { return rand.Text() }

// newRefreshToken returns an opaque refresh token (256 random bits).
func newRefreshToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "rt_" + hex.EncodeToString(b), nil
}

// hashRefreshToken is how refresh tokens are stored: SHA-256, hex. A fast hash
// is enough because the token carries 256 random bits.
func hashRefreshToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

func (s *Service) signAccess(userID, role, family string, now time.Time) (string, Claims, error) {
	c := Claims{UserID: userID, Role: role, TokenID: newID(), FamilyID: family, IssuedAt: now, ExpiresAt: now.Add(s.cfg.AccessTTL)}
	body := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.cfg.Issuer,
			Subject:   userID,
			Audience:  jwt.ClaimStrings{s.cfg.Audience},
			ExpiresAt: jwt.NewNumericDate(c.ExpiresAt),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ID:        c.TokenID,
		},
		Role: role, Family: family, IssuedMs: now.UnixMilli(), Type: accessType,
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, body).SignedString(s.cfg.Secret)
	return tok, c, err
}
