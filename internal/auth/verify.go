package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pamtravel/pam/internal/pamerr"
)

// Verify checks an access token — PAM's own (HS256 only; iss, aud, exp, iat
// required) or, when configured, the outside identity provider's — and that it
// is not revoked (by id, family or user cut-off) and its session not idle.
func (s *Service) Verify(ctx context.Context, accessToken string) (Claims, error) {
	bad := func(cause error) (Claims, error) {
		return Claims{}, pamerr.Wrap(cause, pamerr.Unauthenticated, msgBadToken)
	}
	if accessToken == "" || len(accessToken) > 8192 {
		return bad(errors.New("missing or oversized token"))
	}
	var c Claims
	if s.external != nil && s.external.claimsIssuer(accessToken) {
		ec, email, err := s.external.verify(ctx, accessToken)
		if err != nil {
			return bad(err)
		}
		if err := s.provision(ctx, ec, email); err != nil {
			return Claims{}, fmt.Errorf("verify token: %w", err)
		}
		c = ec
	} else {
		lc, err := s.verifyLocal(accessToken)
		if err != nil {
			return bad(err)
		}
		c = lc
	}
	if err := s.checkRevoked(ctx, c); err != nil {
		if pamerr.CodeOf(err) == pamerr.Unauthenticated {
			return Claims{}, err
		}
		return Claims{}, fmt.Errorf("verify token: %w", err)
	}
	if s.idle(ctx, c.FamilyID, c.IssuedAt, s.now()) {
		return bad(errors.New("session idle"))
	}
	return c, nil
}

// verifyLocal checks a token PAM signed: its signature and claims the first
// time, then from the memory of tokens already verified (revocation and
// idleness are checked by the caller every time).
func (s *Service) verifyLocal(tok string) (Claims, error) {
	if c, ok := s.verified.get(tok, s.now()); ok {
		return c, nil
	}
	c, err := s.parseLocal(tok)
	if err == nil {
		s.verified.add(tok, c)
	}
	return c, err
}

func (s *Service) parseLocal(tok string) (Claims, error) {
	var body accessClaims
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(s.cfg.Issuer),
		jwt.WithAudience(s.cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.now),
		jwt.WithStrictDecoding(),
	)
	if _, err := p.ParseWithClaims(tok, &body, func(*jwt.Token) (any, error) { return s.cfg.Secret, nil }); err != nil {
		return Claims{}, err
	}
	if body.Type != accessType || body.Subject == "" || body.ID == "" || body.Family == "" || body.IssuedAt == nil {
		return Claims{}, errors.New("token lacks required claims")
	}
	issued := body.IssuedAt.Time
	if body.IssuedMs > 0 {
		issued = time.UnixMilli(body.IssuedMs)
	}
	return Claims{
		UserID: body.Subject, Role: body.Role, TokenID: body.ID, FamilyID: body.Family,
		IssuedAt: issued, ExpiresAt: body.ExpiresAt.Time, famKey: familyKey(body.Family),
	}, nil
}

func (s *Service) checkRevoked(ctx context.Context, c Claims) error {
	if err := s.checkKeyRevoked(ctx, c.TokenID); err != nil {
		return err
	}
	if c.FamilyID != "" {
		if err := s.checkKeyRevoked(ctx, c.familyRevocationKey()); err != nil {
			return err
		}
	}
	cut, err := s.rev.RevokedBefore(ctx, c.UserID)
	if err != nil {
		return err
	}
	if !cut.IsZero() && !c.IssuedAt.After(cut) {
		return pamerr.Wrap(errors.New("user tokens revoked"), pamerr.Unauthenticated, msgBadToken)
	}
	return nil
}

// checkKeyRevoked refuses a revoked token id or family key; "" is never revoked.
func (s *Service) checkKeyRevoked(ctx context.Context, key string) error {
	if key == "" {
		return nil
	}
	revoked, err := s.rev.IsRevoked(ctx, key)
	if err != nil {
		return err
	}
	if revoked {
		return pamerr.Wrap(errors.New("token revoked"), pamerr.Unauthenticated, msgBadToken)
	}
	return nil
}

// CheckRevoked reports whether c was revoked since it was verified (logout,
// a reused refresh token, an admin's revoke-all); turns check it before every
// tool call so a session ended mid-turn stops acting.
func (s *Service) CheckRevoked(ctx context.Context, c Claims) error { return s.checkRevoked(ctx, c) }

// maxVerified bounds the tokens remembered; past it the memory starts over.
const maxVerified = 10_000

// verifiedTokens remembers the claims of access tokens whose signature and
// claims were checked. The token string is the key, so only the exact bytes
// that verified match; an entry is used only before the token's expiry, so a
// remembered token never outlives its exp.
type verifiedTokens struct {
	mu sync.Mutex
	m  map[string]Claims
}

func (v *verifiedTokens) get(tok string, now time.Time) (Claims, bool) {
	v.mu.Lock()
	c, ok := v.m[tok]
	v.mu.Unlock()
	if !ok || !now.Before(c.ExpiresAt) {
		return Claims{}, false
	}
	return c, true
}

func (v *verifiedTokens) add(tok string, c Claims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= maxVerified {
		v.m = map[string]Claims{}
	}
	v.m[tok] = c
}
