package auth

import (
	"context"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
)

// TestFamilyRevocationKey: the key made at verification serves only the
// family it was made for; claims made otherwise, or whose family was changed
// since, get theirs built, so a revoked family is refused either way.
func TestFamilyRevocationKey(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	s, err := f.svc.Register(ctx, "fam@example.com", "longenough", "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.Verify(ctx, s.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.familyRevocationKey(), familyKey(c.FamilyID); got != want {
		t.Fatalf("verified claims' family key %q, want %q", got, want)
	}
	moved := c
	moved.FamilyID = c.FamilyID + "x"
	if got, want := moved.familyRevocationKey(), familyKey(moved.FamilyID); got != want {
		t.Errorf("claims with a changed family: key %q, want %q", got, want)
	}
	plain := Claims{UserID: c.UserID, FamilyID: "other"}
	if got, want := plain.familyRevocationKey(), familyKey("other"); got != want {
		t.Errorf("claims made by hand: key %q, want %q", got, want)
	}

	if err := f.svc.rev.Revoke(ctx, familyKey(moved.FamilyID), f.clk.now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.CheckRevoked(ctx, c); err != nil {
		t.Fatalf("another family's revocation refused the token: %v", err)
	}
	wantCode(t, f.svc.CheckRevoked(ctx, moved), pamerr.Unauthenticated)
}

// TestCheckRevokedReusesFamilyKey: checking a verified token's family, done
// on every request and before every tool call, builds no key.
func TestCheckRevokedReusesFamilyKey(t *testing.T) {
	if raceEnabled || testing.CoverMode() != "" {
		t.Skip("allocation counts differ under the race detector and coverage")
	}
	ctx := context.Background()
	f := newFixture(t, nil)
	s, err := f.svc.Register(ctx, "fam2@example.com", "longenough", "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.Verify(ctx, s.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	byHand := Claims{UserID: c.UserID, Role: c.Role, TokenID: c.TokenID, FamilyID: c.FamilyID, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt}
	verified := testing.AllocsPerRun(50, func() { _ = f.svc.CheckRevoked(ctx, c) })
	built := testing.AllocsPerRun(50, func() { _ = f.svc.CheckRevoked(ctx, byHand) })
	if verified >= built {
		t.Errorf("CheckRevoked: %v allocations with the verified claims, %v with claims made by hand; want fewer", verified, built)
	}
}
