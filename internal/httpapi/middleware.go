package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyLogger
	keyClaims
	keyReporter
)

// ErrorReporter handles an error answered to a user: it logs it with the
// request's logger (a stack trace for unknown errors), counts it by category
// and alerts on unknown ones.
type ErrorReporter func(ctx context.Context, transport string, err error)

var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// Logger returns the request's logger (with request_id and user_id) or nil.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(keyLogger).(*reqLog); ok {
		return l.logger()
	}
	return nil
}

func loggerFrom(ctx context.Context) *slog.Logger {
	if l := Logger(ctx); l != nil {
		return l
	}
	return slog.Default()
}

// reqLog is a request's logger, built on first use: most requests log
// nothing but their access line, and a logger with attributes costs a copy
// of every handler in the chain.
type reqLog struct {
	base  *slog.Logger
	id    string
	mu    sync.Mutex
	user  string       // set once the caller is authenticated
	l     *slog.Logger // built for lUser
	lUser string
}

func (r *reqLog) setUser(id string) {
	r.mu.Lock()
	r.user = id
	r.mu.Unlock()
}

func (r *reqLog) userID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.user
}

func (r *reqLog) logger() *slog.Logger {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.l == nil || r.lUser != r.user {
		r.l, r.lUser = r.base.With("request_id", r.id), r.user
		if r.user != "" {
			r.l = r.l.With("user_id", r.user)
		}
	}
	return r.l
}

// authenticated records the caller's claims on ctx and names the user in its logs.
func authenticated(ctx context.Context, c auth.Claims) context.Context {
	if l, ok := ctx.Value(keyLogger).(*reqLog); ok {
		l.setUser(c.UserID)
	}
	return context.WithValue(ctx, keyClaims, c)
}

func claimsFrom(ctx context.Context) auth.Claims {
	c, _ := ctx.Value(keyClaims).(auth.Claims)
	return c
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// withRequest gives every request an id (the caller's when sane), a logger
// carrying it, access logging and panic recovery.
func withRequest(log *slog.Logger, metrics Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-ID")
			if !saneRequestID.MatchString(id) {
				id = newRequestID()
			}
			w.Header().Set("X-Request-ID", id)
			l := &reqLog{base: log, id: id}
			ctx := context.WithValue(context.WithValue(r.Context(), keyRequestID, id), keyLogger, l)
			r = r.WithContext(ctx)
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			start := time.Now()
			defer func() {
				if p := recover(); p != nil {
					l.logger().Error("panic", "panic", p, "stack", string(debug.Stack()))
					if !rec.wrote {
						writeError(rec, r, pamerr.New(pamerr.Internal, "internal error"))
					}
				}
				d := time.Since(start)
				metrics.ObserveHTTP(routePattern(r), r.Method, rec.status, d)
				if log.Enabled(ctx, slog.LevelInfo) {
					log.LogAttrs(ctx, slog.LevelInfo, "http", slog.String("request_id", id), slog.String("method", r.Method),
						slog.String("path", redactPath(r.URL.Path)), slog.Int("status", rec.status),
						slog.Int64("duration_ms", d.Milliseconds()), slog.String("user_id", l.userID()))
				}
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

func routePattern(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return "other"
}

// redactPath hides tokens that old clients put in URLs.
func redactPath(p string) string {
	if i := strings.Index(p, "token="); i >= 0 {
		return p[:i] + "token=[REDACTED]"
	}
	return p
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController and websocket upgrades reach the real writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// bearer extracts a bearer token.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// requireAuth verifies the bearer token, puts its claims in the context and
// applies the per-user request limit.
func (s *server) requireAuth(next http.Handler) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		tok := bearer(r)
		if tok == "" {
			return pamerr.New(pamerr.Unauthenticated, "sign in first: send an Authorization: Bearer token")
		}
		c, err := s.auth.Verify(r.Context(), tok)
		if err != nil {
			return err
		}
		s.auth.Touch(r.Context(), c)
		r = r.WithContext(authenticated(r.Context(), c))
		if err := s.limitUser(r.Context(), c.UserID); err != nil {
			return err
		}
		next.ServeHTTP(w, r)
		return nil
	})
}

func (s *server) limitUser(ctx context.Context, userID string) error {
	ok, retry, err := s.limiter.Allow(ctx, "user:"+userID, s.cfg.UserPerMinute, time.Minute)
	if err != nil {
		loggerFrom(ctx).Warn("rate limiter unavailable", "error", err)
		return nil
	}
	if !ok {
		s.metrics.RateLimited("user")
		return &pamerr.Error{Code: pamerr.RateLimited, Message: "Too many requests; please slow down.", RetryAfter: retry}
	}
	return nil
}

// requireAdmin refuses non-admins. A PAM token's role claim is as old as the
// token (up to its 15-minute life), so the role is read again from the store:
// an admin who is demoted or deleted loses the admin routes at once. An
// outside provider's token is its own authority on the role.
func (s *server) requireAdmin(next http.Handler) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		c := claimsFrom(r.Context())
		if c.Role != "admin" {
			return pamerr.New(pamerr.Forbidden, "this needs an administrator")
		}
		if !c.External {
			u, err := s.store.UserByID(r.Context(), c.UserID)
			if err != nil && !store.IsNotFound(err) {
				return err
			}
			if err != nil || u.Role != "admin" {
				return pamerr.New(pamerr.Forbidden, "this needs an administrator")
			}
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r)
		s.auditAdmin(r, rec.status, time.Since(start))
		return nil
	})
}

// auditAdmin records every admin request in the audit log: who did what, when, from where.
func (s *server) auditAdmin(r *http.Request, status int, d time.Duration) {
	if s.audit == nil {
		return
	}
	outcome := "ok"
	if status >= 400 {
		outcome = "error " + strconv.Itoa(status)
	}
	rec := store.AuditRecord{
		UserID: claimsFrom(r.Context()).UserID, RequestID: requestID(r.Context()), Kind: "admin",
		Action: r.Method + " " + r.URL.Path, Outcome: outcome, DurationMs: d.Milliseconds(),
		ClientAddr: clientAddr(r), UserAgent: r.UserAgent(),
	}
	if err := s.audit(context.WithoutCancel(r.Context()), rec); err != nil {
		loggerFrom(r.Context()).Error("audit admin action", "error", err)
	}
}

// clientAddr is the peer address (a proxy's X-Forwarded-For is not trusted by default).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
