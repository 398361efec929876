package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pamtravel/pam/internal/audit"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

// Users is the part of store.Store the Service needs.
type Users interface {
	CreateUser(ctx context.Context, u *store.User) error
	UserByEmail(ctx context.Context, email string) (*store.User, error)
	UserByID(ctx context.Context, id string) (*store.User, error)
	CreateRefreshToken(ctx context.Context, t *store.RefreshToken) error
	RefreshTokenByHash(ctx context.Context, hash string) (*store.RefreshToken, error)
	UseRefreshToken(ctx context.Context, hash string, at time.Time) (bool, error)
	RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time) error
	RevokeUserRefreshTokens(ctx context.Context, userID string, at time.Time) error
}

// Session is what register, login and refresh hand the client.
type Session struct {
	User         store.User
	AccessToken  string
	RefreshToken string
	ExpiresIn    int // seconds until AccessToken expires
}

// Service issues, rotates, verifies and revokes tokens. Safe for concurrent use.
type Service struct {
	cfg      Config
	users    Users
	rev      Revocations
	now      func() time.Time
	activity Activity
	fails    LoginLimiter
	dummy    string // a hash checked for unknown emails so timing does not reveal them
	external *externalVerifier

	seenExternal provisioned    // outside subjects with a PAM account
	verified     verifiedTokens // local access tokens already checked
	audit        func(ctx context.Context, r store.AuditRecord) error
}

// Messages shown for refused credentials; the same for every cause.
const (
	msgBadCredentials = "invalid email or password"
	msgBadToken       = "invalid or expired token"
)

// NewService checks cfg and returns a Service. now may be nil for time.Now.
func NewService(cfg Config, users Users, rev Revocations, now func() time.Time) (*Service, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if users == nil || rev == nil {
		return nil, errors.New("auth: users and revocations are required")
	}
	if now == nil {
		now = time.Now
	}
	dummy, err := HashPasswordWith("not-a-real-password", cfg.Argon2)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	s := &Service{
		cfg: cfg, users: users, rev: rev, now: now,
		activity: NewMemoryActivity(cfg.IdleTimeout),
		fails:    newMemoryLimiter(cfg.MaxLoginFailures, cfg.LoginWindow),
		dummy:    dummy,
	}
	if cfg.External != nil {
		s.external = newExternalVerifier(cfg.External, now)
	}
	return s, nil
}

// WithActivity replaces the in-process idle tracker (e.g. with a Redis one) and returns s.
func (s *Service) WithActivity(a Activity) *Service {
	s.activity = a
	return s
}

// WithLoginLimiter replaces the in-process failed-login counter (e.g. with a
// RedisLoginLimiter built with the same MaxLoginFailures and LoginWindow) and returns s.
func (s *Service) WithLoginLimiter(l LoginLimiter) *Service {
	s.fails = l
	return s
}

// WithAudit records every sign-in attempt (kind "security", action "login";
// outcome ok, failure or denied) through record and returns s. The audit
// trail alerts on repeated failures for one account or address.
func (s *Service) WithAudit(record func(ctx context.Context, r store.AuditRecord) error) *Service {
	s.audit = record
	return s
}

// HashPassword hashes pw with the configured cost (for `pam user create`).
func (s *Service) HashPassword(pw string) (string, error) {
	if err := validPassword(pw); err != nil {
		return "", err
	}
	return HashPasswordWith(pw, s.cfg.Argon2)
}

// NormalizeEmail returns the canonical (trimmed, lower-case) form of a valid
// email address, or an INVALID_INPUT error.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || len(email) > 254 {
		return "", pamerr.Invalid("email", "a valid email address is required")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return "", pamerr.Invalid("email", "a valid email address is required")
	}
	at := strings.LastIndexByte(email, '@')
	if at < 1 || !strings.Contains(email[at+1:], ".") {
		return "", pamerr.Invalid("email", "a valid email address is required")
	}
	return email, nil
}

func validPassword(pw string) error {
	if utf8.RuneCountInString(pw) < 8 {
		return pamerr.Invalid("password", "the password must have at least 8 characters")
	}
	if len(pw) > maxPasswordBytes {
		return pamerr.Invalid("password", "the password must have at most %d bytes", maxPasswordBytes)
	}
	return nil
}

// Register creates a user account (role user) and logs it in.
func (s *Service) Register(ctx context.Context, email, password, displayName string) (*Session, error) {
	u, err := s.CreateUser(ctx, email, password, displayName, store.RoleUser)
	if err != nil {
		return nil, err
	}
	return s.issue(ctx, u, newID())
}

// CreateUser validates and creates an account with the role (store.RoleUser
// or store.RoleAdmin) without logging it in; `pam user create` uses it.
// Errors are as for Register.
func (s *Service) CreateUser(ctx context.Context, email, password, displayName, role string) (*store.User, error) {
	if role != store.RoleUser && role != store.RoleAdmin {
		return nil, pamerr.Invalid("role", "the role must be %q or %q", store.RoleUser, store.RoleAdmin)
	}
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if err := validPassword(password); err != nil {
		return nil, err
	}
	displayName = strings.TrimSpace(displayName)
	if utf8.RuneCountInString(displayName) > 100 {
		return nil, pamerr.Invalid("display_name", "the display name must have at most 100 characters")
	}
	hash, err := HashPasswordWith(password, s.cfg.Argon2)
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	u := &store.User{Email: email, DisplayName: displayName, Role: role, PasswordHash: hash, Settings: store.DefaultSettings()}
	if err := s.users.CreateUser(ctx, u); err != nil {
		if store.IsConflict(err) {
			return nil, pamerr.Wrap(err, pamerr.Conflict, "an account with this email already exists")
		}
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// Login checks the credentials and starts a session. Unknown emails and wrong
// passwords get the same error and take the same time. After
// MaxLoginFailures failures in LoginWindow for the account or the client
// address, attempts get RATE_LIMITED with RetryAfter.
func (s *Service) Login(ctx context.Context, email, password, clientAddr string) (*Session, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	sess, userID, err := s.login(ctx, email, password, clientAddr)
	s.auditLogin(ctx, email, userID, clientAddr, err)
	return sess, err
}

func (s *Service) login(ctx context.Context, email, password, clientAddr string) (_ *Session, userID string, _ error) {
	now := s.now()
	keys := []string{"acct:" + email}
	if clientAddr != "" {
		keys = append(keys, "addr:"+clientAddr)
	}
	for _, k := range keys {
		wait, err := s.fails.Blocked(ctx, k, now)
		if err != nil { // a limiter that cannot tell must not lock everyone out
			wait = 0
		}
		if wait > 0 {
			return nil, "", &pamerr.Error{Code: pamerr.RateLimited, Message: "too many failed logins; try again later", RetryAfter: wait}
		}
	}
	fail := func(cause error) (*Session, string, error) {
		for _, k := range keys {
			_ = s.fails.Fail(ctx, k, now)
		}
		return nil, userID, pamerr.Wrap(cause, pamerr.Unauthenticated, msgBadCredentials)
	}
	if len(password) > maxPasswordBytes {
		return fail(errors.New("password too long"))
	}
	u, err := s.users.UserByEmail(ctx, email)
	if err != nil {
		if !store.IsNotFound(err) {
			return nil, "", fmt.Errorf("login: %w", err)
		}
		CheckPassword(s.dummy, password)
		return fail(errors.New("unknown email"))
	}
	userID = u.ID
	if !CheckPassword(u.PasswordHash, password) {
		return fail(errors.New("wrong password"))
	}
	_ = s.fails.Reset(ctx, "acct:"+email)
	sess, err := s.issue(ctx, u, newID())
	return sess, userID, err
}

// auditLogin records a sign-in attempt: the account when the email is
// known, the email itself only when it is not (a typo'd or guessed address).
func (s *Service) auditLogin(ctx context.Context, email, userID, clientAddr string, err error) {
	if s.audit == nil {
		return
	}
	outcome := audit.OutcomeOK
	switch pamerr.CodeOf(err) {
	case "":
	case pamerr.Unauthenticated:
		outcome = audit.OutcomeFailure
	case pamerr.RateLimited:
		outcome = audit.OutcomeDenied
	default:
		return // the store failed: nothing was decided about the caller
	}
	rec := store.AuditRecord{Kind: audit.KindSecurity, Action: audit.ActionLogin, Outcome: outcome, UserID: userID, ClientAddr: clientAddr}
	if userID == "" {
		rec.Args, _ = json.Marshal(map[string]string{"email": email})
	}
	if aerr := s.audit(context.WithoutCancel(ctx), rec); aerr != nil {
		slog.ErrorContext(ctx, "audit login", "error", aerr)
	}
}

// issue signs an access token and stores a fresh refresh token in the family.
func (s *Service) issue(ctx context.Context, u *store.User, family string) (*Session, error) {
	now := s.now()
	access, _, err := s.signAccess(u.ID, u.Role, family, now)
	if err != nil {
		return nil, fmt.Errorf("sign access token: %w", err)
	}
	refresh, err := newRefreshToken()
	if err != nil {
		return nil, fmt.Errorf("refresh token: %w", err)
	}
	rt := &store.RefreshToken{Hash: hashRefreshToken(refresh), UserID: u.ID, FamilyID: family, ExpiresAt: now.Add(s.cfg.RefreshTTL), CreatedAt: now}
	if err := s.users.CreateRefreshToken(ctx, rt); err != nil {
		return nil, fmt.Errorf("store refresh token: %w", err)
	}
	s.activity.Touch(ctx, family, now)
	// User keeps PasswordHash (its JSON tag keeps it out of responses) so a
	// caller that saves the user back with UpdateUser does not erase it.
	return &Session{User: *u, AccessToken: access, RefreshToken: refresh, ExpiresIn: int(s.cfg.AccessTTL / time.Second)}, nil
}

// Refresh exchanges a refresh token for a new pair (rotation). A token that
// was already used means it was stolen or replayed: its whole family, and the
// family's access tokens, are revoked.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (*Session, error) {
	now := s.now()
	bad := func(cause error) (*Session, error) {
		return nil, pamerr.Wrap(cause, pamerr.Unauthenticated, msgBadToken)
	}
	if refreshToken == "" || len(refreshToken) > 256 {
		return bad(errors.New("missing or oversized refresh token"))
	}
	hash := hashRefreshToken(refreshToken)
	rt, err := s.users.RefreshTokenByHash(ctx, hash)
	if err != nil {
		if store.IsNotFound(err) {
			return bad(err)
		}
		return nil, fmt.Errorf("refresh: %w", err)
	}
	switch {
	case rt.RevokedAt != nil:
		return bad(errors.New("refresh token revoked"))
	case rt.UsedAt != nil:
		if err := s.revokeFamily(ctx, rt.FamilyID, now); err != nil {
			return nil, err
		}
		return bad(errors.New("refresh token reused; family revoked"))
	case !now.Before(rt.ExpiresAt):
		return bad(errors.New("refresh token expired"))
	}
	if s.idle(ctx, rt.FamilyID, time.Time{}, now) {
		if err := s.revokeFamily(ctx, rt.FamilyID, now); err != nil {
			return nil, err
		}
		return bad(errors.New("session idle"))
	}
	ok, err := s.users.UseRefreshToken(ctx, hash, now)
	if err != nil {
		return nil, fmt.Errorf("refresh: %w", err)
	}
	if !ok { // lost a race with another use of the same token
		if err := s.revokeFamily(ctx, rt.FamilyID, now); err != nil {
			return nil, err
		}
		return bad(errors.New("refresh token reused concurrently; family revoked"))
	}
	u, err := s.users.UserByID(ctx, rt.UserID)
	if err != nil {
		if store.IsNotFound(err) {
			return bad(err)
		}
		return nil, fmt.Errorf("refresh: %w", err)
	}
	return s.issue(ctx, u, rt.FamilyID)
}

// familyKey is the revocation entry covering every access token of a family.
func familyKey(family string) string { return familyKeyPrefix + family }

const familyKeyPrefix = "fam:"

func (s *Service) revokeFamily(ctx context.Context, family string, now time.Time) error {
	if err := s.users.RevokeRefreshFamily(ctx, family, now); err != nil {
		return fmt.Errorf("revoke token family: %w", err)
	}
	if err := s.rev.Revoke(ctx, familyKey(family), now.Add(s.cfg.AccessTTL)); err != nil {
		return fmt.Errorf("revoke token family: %w", err)
	}
	return nil
}

// Logout revokes the access token c and its session's refresh family, and
// the family of refreshToken when it is another of the same user's.
func (s *Service) Logout(ctx context.Context, c Claims, refreshToken string) error {
	now := s.now()
	until := c.ExpiresAt
	if until.IsZero() {
		until = now.Add(s.cfg.AccessTTL)
	}
	if c.TokenID != "" {
		if err := s.rev.Revoke(ctx, c.TokenID, until); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
	}
	if c.FamilyID != "" && !c.External {
		if err := s.revokeFamily(ctx, c.FamilyID, now); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
	}
	if refreshToken != "" && len(refreshToken) <= 256 {
		rt, err := s.users.RefreshTokenByHash(ctx, hashRefreshToken(refreshToken))
		switch {
		case err == nil && rt.UserID == c.UserID && rt.FamilyID != c.FamilyID:
			if err := s.revokeFamily(ctx, rt.FamilyID, now); err != nil {
				return fmt.Errorf("logout: %w", err)
			}
		case err != nil && !store.IsNotFound(err):
			return fmt.Errorf("logout: %w", err)
		}
	}
	return nil
}

// RevokeUser ends every session of the user: refresh tokens and every access
// token issued until now (password change, account compromise, deletion).
func (s *Service) RevokeUser(ctx context.Context, userID string) error {
	now := s.now()
	if err := s.users.RevokeUserRefreshTokens(ctx, userID, now); err != nil {
		return fmt.Errorf("revoke user tokens: %w", err)
	}
	if err := s.rev.RevokeUser(ctx, userID, now, now.Add(s.cfg.AccessTTL)); err != nil {
		return fmt.Errorf("revoke user tokens: %w", err)
	}
	return nil
}

// Touch records activity on c's session for the idle timeout.
func (s *Service) Touch(ctx context.Context, c Claims) {
	if c.FamilyID != "" {
		s.activity.Touch(ctx, c.FamilyID, s.now())
	}
}

// idle reports whether the session has been unused longer than IdleTimeout.
// Activity unknown to this instance counts from issued (the token's own issue time).
func (s *Service) idle(ctx context.Context, family string, issued, now time.Time) bool {
	last, ok := s.activity.LastActive(ctx, family)
	if !ok || issued.After(last) {
		if issued.IsZero() {
			return false
		}
		last = issued
	}
	return now.Sub(last) > s.cfg.IdleTimeout
}
