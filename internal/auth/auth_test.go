package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

var fastArgon = Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}

func testSecret(t testing.TB) []byte {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

type fixture struct {
	svc   *Service
	users *memUsers
	clk   *clock
	cfg   Config
}

func newFixture(t testing.TB, mod func(*Config)) *fixture {
	t.Helper()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	cfg := Config{Issuer: "pam-test", Audience: "pam-api", Secret: testSecret(t), Argon2: fastArgon}
	if mod != nil {
		mod(&cfg)
	}
	users := newMemUsers()
	rev := NewMemoryRevocations()
	rev.now = clk.now
	svc, err := NewService(cfg, users, rev, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, users: users, clk: clk, cfg: svc.cfg}
}

func wantCode(t *testing.T, err error, code pamerr.Code) {
	t.Helper()
	if got := pamerr.CodeOf(err); got != code {
		t.Fatalf("error %v has code %q, want %q", err, got, code)
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPasswordWith("correct horse", fastArgon)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	h2, _ := HashPasswordWith("correct horse", fastArgon)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	tests := []struct {
		hash, pw string
		want     bool
	}{
		{h, "correct horse", true},
		{h, "correct horsE", false},
		{h, "", false},
		{strings.Replace(h, "argon2id", "argon2i", 1), "correct horse", false},
		{strings.Replace(h, "m=64", "m=999999999", 1), "correct horse", false},
		{"plain", "plain", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := CheckPassword(tt.hash, tt.pw); got != tt.want {
			t.Errorf("CheckPassword(%q, %q) = %v", tt.hash, tt.pw, got)
		}
	}
}

func TestRegisterAndLogin(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	s, err := f.svc.Register(ctx, " Ann@Example.com ", "longenough", "Ann")
	if err != nil {
		t.Fatal(err)
	}
	if s.User.Email != "ann@example.com" || s.User.Role != "user" || s.ExpiresIn != 900 {
		t.Fatalf("session = %+v", s)
	}
	if !strings.HasPrefix(f.users.users[s.User.ID].PasswordHash, "$argon2id$") {
		t.Fatal("stored password is not an argon2id hash")
	}
	for h := range f.users.tokens {
		if strings.Contains(s.RefreshToken, h) || h == s.RefreshToken {
			t.Fatal("refresh token stored in the clear")
		}
	}
	c, err := f.svc.Verify(ctx, s.AccessToken)
	if err != nil || c.UserID != s.User.ID || c.Role != "user" || c.External {
		t.Fatalf("Verify = %+v, %v", c, err)
	}

	tests := []struct {
		name, email, pw string
		code            pamerr.Code
	}{
		{"taken email, other case", "ANN@example.com", "longenough", pamerr.Conflict},
		{"bad email", "ann-at-example", "longenough", pamerr.InvalidInput},
		{"email with name", "Ann <ann2@example.com>", "longenough", pamerr.InvalidInput},
		{"short password", "bob@example.com", "short7!", pamerr.InvalidInput},
		{"short in runes", "bob@example.com", "ééééééé", pamerr.InvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Register(ctx, tt.email, tt.pw, "")
			wantCode(t, err, tt.code)
		})
	}

	if _, err := f.svc.Login(ctx, "ann@EXAMPLE.com", "longenough", "10.0.0.1"); err != nil {
		t.Fatalf("login: %v", err)
	}
	_, errUnknown := f.svc.Login(ctx, "nobody@example.com", "longenough", "10.0.0.1")
	_, errWrong := f.svc.Login(ctx, "ann@example.com", "wrongpassword", "10.0.0.1")
	wantCode(t, errUnknown, pamerr.Unauthenticated)
	wantCode(t, errWrong, pamerr.Unauthenticated)
	if pamerr.MessageOf(errUnknown) != pamerr.MessageOf(errWrong) {
		t.Fatalf("messages differ: %q vs %q", pamerr.MessageOf(errUnknown), pamerr.MessageOf(errWrong))
	}
}

func TestCreateUserWithRole(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	u, err := f.svc.CreateUser(ctx, "root@example.com", "longenough", "Root", "admin")
	if err != nil || u.Role != "admin" || u.ID == "" {
		t.Fatalf("CreateUser = %+v, %v", u, err)
	}
	s, err := f.svc.Login(ctx, "root@example.com", "longenough", "")
	if err != nil {
		t.Fatal(err)
	}
	if c, err := f.svc.Verify(ctx, s.AccessToken); err != nil || c.Role != "admin" {
		t.Fatalf("admin claims = %+v, %v", c, err)
	}
	_, err = f.svc.CreateUser(ctx, "x@example.com", "longenough", "", "superuser")
	wantCode(t, err, pamerr.InvalidInput)
}

func TestLoginRateLimit(t *testing.T) {
	ctx := context.Background()
	t.Run("per account", func(t *testing.T) {
		f := newFixture(t, nil)
		if _, err := f.svc.Register(ctx, "ann@example.com", "longenough", ""); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			_, err := f.svc.Login(ctx, "ann@example.com", "wrong-password", "10.0.0."+string(rune('1'+i)))
			wantCode(t, err, pamerr.Unauthenticated)
		}
		_, err := f.svc.Login(ctx, "ann@example.com", "longenough", "10.9.9.9")
		wantCode(t, err, pamerr.RateLimited)
		if ra := pamerr.RetryAfterOf(err); ra <= 0 || ra > 5*time.Minute {
			t.Fatalf("RetryAfter = %v", ra)
		}
		f.clk.add(5*time.Minute + time.Second)
		if _, err := f.svc.Login(ctx, "ann@example.com", "longenough", "10.9.9.9"); err != nil {
			t.Fatalf("login after the window: %v", err)
		}
	})
	t.Run("per address", func(t *testing.T) {
		f := newFixture(t, nil)
		if _, err := f.svc.Register(ctx, "ann@example.com", "longenough", ""); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			_, err := f.svc.Login(ctx, "user"+string(rune('a'+i))+"@example.com", "whatever-pw", "10.0.0.1")
			wantCode(t, err, pamerr.Unauthenticated)
		}
		_, err := f.svc.Login(ctx, "ann@example.com", "longenough", "10.0.0.1")
		wantCode(t, err, pamerr.RateLimited)
		if _, err := f.svc.Login(ctx, "ann@example.com", "longenough", "10.0.0.2"); err != nil {
			t.Fatalf("another address: %v", err)
		}
	})
}

// sign signs claims with a method and key, for forging tokens.
func sign(t *testing.T, m jwt.SigningMethod, claims jwt.Claims, key any) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerifyRejectsForgedTokens(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	s, err := f.svc.Register(ctx, "ann@example.com", "longenough", "")
	if err != nil {
		t.Fatal(err)
	}
	now := f.clk.now()
	good := func() accessClaims {
		return accessClaims{
			RegisteredClaims: jwt.RegisteredClaims{
				Issuer: f.cfg.Issuer, Subject: s.User.ID, Audience: jwt.ClaimStrings{f.cfg.Audience},
				ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)), IssuedAt: jwt.NewNumericDate(now), ID: "jti-1",
			},
			Role: "admin", Family: "fam-x", Type: accessType,
		}
	}
	with := func(mod func(*accessClaims)) accessClaims { c := good(); mod(&c); return c }

	// The control: a token built here with the real key verifies, so each
	// rejection below is due to its one defect.
	if _, err := f.svc.Verify(ctx, sign(t, jwt.SigningMethodHS256, good(), f.cfg.Secret)); err != nil {
		t.Fatalf("control token rejected: %v", err)
	}
	unsigned := sign(t, jwt.SigningMethodNone, good(), jwt.UnsafeAllowNoneSignatureType)
	parts := strings.Split(s.AccessToken, ".")
	tampered := parts[0] + "." + strings.TrimRight(jwtSeg(t, `{"sub":"`+s.User.ID+`","role":"admin"}`), "=") + "." + parts[2]

	tests := []struct{ name, token string }{
		{"alg none", unsigned},
		{"alg none, empty signature", strings.TrimSuffix(unsigned, ".") + "."},
		{"wrong key", sign(t, jwt.SigningMethodHS256, good(), testSecret(t))},
		{"HS512 with the right key (alg not pinned)", sign(t, jwt.SigningMethodHS512, good(), f.cfg.Secret)},
		{"wrong audience", sign(t, jwt.SigningMethodHS256, with(func(c *accessClaims) { c.Audience = jwt.ClaimStrings{"other"} }), f.cfg.Secret)},
		{"wrong issuer", sign(t, jwt.SigningMethodHS256, with(func(c *accessClaims) { c.Issuer = "evil" }), f.cfg.Secret)},
		{"expired", sign(t, jwt.SigningMethodHS256, with(func(c *accessClaims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Second)) }), f.cfg.Secret)},
		{"no expiry", sign(t, jwt.SigningMethodHS256, with(func(c *accessClaims) { c.ExpiresAt = nil }), f.cfg.Secret)},
		{"issued in the future", sign(t, jwt.SigningMethodHS256, with(func(c *accessClaims) { c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour)) }), f.cfg.Secret)},
		{"no token id", sign(t, jwt.SigningMethodHS256, with(func(c *accessClaims) { c.ID = "" }), f.cfg.Secret)},
		{"not an access token", sign(t, jwt.SigningMethodHS256, with(func(c *accessClaims) { c.Type = "refresh" }), f.cfg.Secret)},
		{"payload swapped", tampered},
		{"garbage", "not.a.jwt"},
		{"empty", ""},
		{"refresh token as access token", s.RefreshToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Verify(ctx, tt.token)
			wantCode(t, err, pamerr.Unauthenticated)
		})
	}
}

func jwtSeg(t *testing.T, s string) string {
	t.Helper()
	return strings.TrimRight(jwtEncoding.EncodeToString([]byte(s)), "=")
}

func TestLogoutRevokes(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	s, _ := f.svc.Register(ctx, "ann@example.com", "longenough", "")
	other, _ := f.svc.Login(ctx, "ann@example.com", "longenough", "")
	c, err := f.svc.Verify(ctx, s.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Logout(ctx, c, s.RefreshToken); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Verify(ctx, s.AccessToken)
	wantCode(t, err, pamerr.Unauthenticated)
	_, err = f.svc.Refresh(ctx, s.RefreshToken)
	wantCode(t, err, pamerr.Unauthenticated)
	if _, err := f.svc.Verify(ctx, other.AccessToken); err != nil {
		t.Fatalf("logout ended another session: %v", err)
	}

	f.clk.add(time.Millisecond)
	if err := f.svc.RevokeUser(ctx, other.User.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Verify(ctx, other.AccessToken)
	wantCode(t, err, pamerr.Unauthenticated)
	_, err = f.svc.Refresh(ctx, other.RefreshToken)
	wantCode(t, err, pamerr.Unauthenticated)
	f.clk.add(time.Millisecond)
	fresh, err := f.svc.Login(ctx, "ann@example.com", "longenough", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Verify(ctx, fresh.AccessToken); err != nil {
		t.Fatalf("token issued after RevokeUser rejected: %v", err)
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	s1, _ := f.svc.Register(ctx, "ann@example.com", "longenough", "")
	f.clk.add(time.Second)
	s2, err := f.svc.Refresh(ctx, s1.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if s2.RefreshToken == s1.RefreshToken || s2.AccessToken == s1.AccessToken {
		t.Fatal("refresh did not rotate")
	}
	c1, _ := f.svc.Verify(ctx, s1.AccessToken)
	c2, err := f.svc.Verify(ctx, s2.AccessToken)
	if err != nil || c2.FamilyID != c1.FamilyID {
		t.Fatalf("rotated token: %+v, %v", c2, err)
	}
	// Reusing the first (used) token is theft: the whole family dies.
	_, err = f.svc.Refresh(ctx, s1.RefreshToken)
	wantCode(t, err, pamerr.Unauthenticated)
	_, err = f.svc.Refresh(ctx, s2.RefreshToken)
	wantCode(t, err, pamerr.Unauthenticated)
	_, err = f.svc.Verify(ctx, s2.AccessToken)
	wantCode(t, err, pamerr.Unauthenticated)

	_, err = f.svc.Refresh(ctx, "rt_unknown")
	wantCode(t, err, pamerr.Unauthenticated)

	s3, _ := f.svc.Login(ctx, "ann@example.com", "longenough", "")
	f.clk.add(721 * time.Hour)
	_, err = f.svc.Refresh(ctx, s3.RefreshToken)
	wantCode(t, err, pamerr.Unauthenticated)
}

func TestIdleTimeout(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.AccessTTL = 2 * time.Hour })
	ctx := context.Background()
	s, _ := f.svc.Register(ctx, "ann@example.com", "longenough", "")
	for i := 0; i < 3; i++ { // active every 20 minutes: stays in
		f.clk.add(20 * time.Minute)
		c, err := f.svc.Verify(ctx, s.AccessToken)
		if err != nil {
			t.Fatalf("active session rejected after %d×20m: %v", i+1, err)
		}
		f.svc.Touch(ctx, c)
	}
	f.clk.add(31 * time.Minute)
	_, err := f.svc.Verify(ctx, s.AccessToken)
	wantCode(t, err, pamerr.Unauthenticated)
	_, err = f.svc.Refresh(ctx, s.RefreshToken)
	wantCode(t, err, pamerr.Unauthenticated)
}

func TestConfigRejectsWeakSecret(t *testing.T) {
	_, err := NewService(Config{Secret: []byte("short")}, newMemUsers(), NewMemoryRevocations(), nil)
	if err == nil {
		t.Fatal("short secret accepted")
	}
	_, err = NewService(Config{Secret: testSecret(t), External: &ExternalConfig{Issuer: "idp", Audience: "a", Secret: testSecret(t), Algorithms: []string{"none"}}}, newMemUsers(), NewMemoryRevocations(), nil)
	if err == nil {
		t.Fatal("alg none accepted for the external provider")
	}
}

func TestErrorsAreTyped(t *testing.T) {
	f := newFixture(t, nil)
	_, err := f.svc.Verify(context.Background(), "x")
	var pe *pamerr.Error
	if !errors.As(err, &pe) {
		t.Fatalf("%T is not *pamerr.Error", err)
	}
}

// The store's contract satisfies Users, so the real store plugs in unchanged.
var _ Users = store.Store(nil)

func BenchmarkVerify(b *testing.B) {
	f := newFixture(b, nil)
	s, err := f.svc.Register(context.Background(), "bench@example.com", "longenough", "")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.Verify(context.Background(), s.AccessToken); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHashPasswordDefaultCost(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzVerify: no input but a token PAM signed verifies, and nothing panics.
// Seeds in testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f, nil)
	s, err := fx.svc.Register(context.Background(), "fuzz@example.com", "longenough", "")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(s.AccessToken)
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := fx.svc.Verify(context.Background(), tok)
		if err == nil && (tok != s.AccessToken || c.UserID != s.User.ID) {
			t.Fatalf("Verify accepted %q as %+v", tok, c)
		}
		if err != nil && pamerr.CodeOf(err) != pamerr.Unauthenticated {
			t.Fatalf("Verify(%q) error code %s", tok, pamerr.CodeOf(err))
		}
	})
}

// A token verified once is remembered, but never past its expiry.
func TestRememberedTokenStillExpires(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	s, err := f.svc.Register(ctx, "exp@example.com", "longenough", "")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second call is answered from memory
		if _, err := f.svc.Verify(ctx, s.AccessToken); err != nil {
			t.Fatalf("fresh token: %v", err)
		}
	}
	f.clk.add(f.cfg.AccessTTL + time.Second)
	_, err = f.svc.Verify(ctx, s.AccessToken)
	wantCode(t, err, pamerr.Unauthenticated)
}

// Every sign-in attempt is in the audit trail: who (the account, or the
// typed email when there is none), from where, and how it ended.
func TestLoginAttemptsAreAudited(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MaxLoginFailures = 2 })
	var got []store.AuditRecord
	f.svc.WithAudit(func(_ context.Context, r store.AuditRecord) error { got = append(got, r); return nil })
	ctx := context.Background()
	s, err := f.svc.Register(ctx, "aud@example.com", "longenough", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Login(ctx, "AUD@example.com", "longenough", "10.0.0.9"); err != nil {
		t.Fatal(err)
	}
	_, _ = f.svc.Login(ctx, "nobody@example.com", "whatever1", "10.0.0.9")
	_, _ = f.svc.Login(ctx, "aud@example.com", "wrong-one", "10.0.0.9")
	_, err = f.svc.Login(ctx, "aud@example.com", "longenough", "10.0.0.9") // the address is now blocked
	wantCode(t, err, pamerr.RateLimited)
	want := []struct{ outcome, user, args string }{
		{"ok", s.User.ID, ""},
		{"failure", "", `{"email":"nobody@example.com"}`},
		{"failure", s.User.ID, ""},
		{"denied", "", `{"email":"aud@example.com"}`},
	}
	if len(got) != len(want) {
		t.Fatalf("%d audit records, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		r := got[i]
		if r.Kind != "security" || r.Action != "login" || r.Outcome != w.outcome || r.UserID != w.user || string(r.Args) != w.args || r.ClientAddr != "10.0.0.9" {
			t.Errorf("record %d = %+v, want %+v", i, r, w)
		}
	}
}

// A token is refused when its own id or its login session (family) is
// revoked, each on its own.
func TestCheckRevokedByTokenOrFamily(t *testing.T) {
	ctx := context.Background()
	for _, which := range []string{"token", "family", "none"} {
		t.Run(which, func(t *testing.T) {
			f := newFixture(t, nil)
			s, err := f.svc.Register(ctx, "rev@example.com", "longenough", "")
			if err != nil {
				t.Fatal(err)
			}
			c, err := f.svc.Verify(ctx, s.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			until := f.clk.now().Add(time.Hour)
			switch which {
			case "token":
				err = f.svc.rev.Revoke(ctx, c.TokenID, until)
			case "family":
				err = f.svc.rev.Revoke(ctx, familyKey(c.FamilyID), until)
			}
			if err != nil {
				t.Fatal(err)
			}
			err = f.svc.CheckRevoked(ctx, c)
			if which == "none" {
				if err != nil {
					t.Fatalf("unrevoked token refused: %v", err)
				}
				return
			}
			wantCode(t, err, pamerr.Unauthenticated)
		})
	}
}
