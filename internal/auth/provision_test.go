package auth

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pamtravel/pam/internal/store/storage"
)

// TestExternalUserCreatedOnFirstSight: the subject becomes a PAM account on
// its first token (with the token's email when free), later tokens reuse it,
// and an outside account never takes over a local one with the same email.
func TestExternalUserCreatedOnFirstSight(t *testing.T) {
	ctx := context.Background()
	st, err := storage.Open(ctx, filepath.Join(t.TempDir(), "pam.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	idp := testSecret(t)
	svc, err := NewService(Config{Secret: testSecret(t), External: &ExternalConfig{Issuer: "supabase", Audience: "authenticated", Secret: idp}},
		st, NewMemoryRevocations(), nil)
	if err != nil {
		t.Fatal(err)
	}
	local, err := svc.CreateUser(ctx, "taken@example.com", "longenough-pass", "Local", "user")
	if err != nil {
		t.Fatal(err)
	}
	tok := func(sub, email string) string {
		now := time.Now()
		return sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": "supabase", "aud": "authenticated", "sub": sub, "email": email,
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}, idp)
	}
	tests := []struct {
		name, sub, email, wantEmail string
	}{
		{"free email", "6f1c2a3e-0000-4000-8000-000000000001", "rv@example.com", "rv@example.com"},
		{"local account's email", "6f1c2a3e-0000-4000-8000-000000000002", "taken@example.com", "ext-6f1c2a3e-0000-4000-8000-000000000002@users.external.invalid"},
		{"no email", "6f1c2a3e-0000-4000-8000-000000000003", "", "ext-6f1c2a3e-0000-4000-8000-000000000003@users.external.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // the second token finds the account
				c, err := svc.Verify(ctx, tok(tt.sub, tt.email))
				if err != nil {
					t.Fatal(err)
				}
				if c.UserID != tt.sub {
					t.Fatalf("user id = %s, want the subject", c.UserID)
				}
			}
			u, err := st.UserByID(ctx, tt.sub)
			if err != nil {
				t.Fatalf("account not created: %v", err)
			}
			if u.Email != tt.wantEmail || u.PasswordHash != "" || u.Role != "user" {
				t.Fatalf("account = %+v", u)
			}
		})
	}
	for _, pw := range []string{"", "anything-at-all"} { // no password: only the provider signs it in
		if _, err := svc.Login(ctx, "rv@example.com", pw, ""); err == nil {
			t.Fatalf("password login to a provider account with %q succeeded", pw)
		}
	}
	if u, err := st.UserByEmail(ctx, "taken@example.com"); err != nil || u.ID != local.ID {
		t.Fatalf("the local account changed: %+v %v", u, err)
	}
}
