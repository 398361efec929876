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

// A request's id, logger, reporter and claims live in one value, its
// *reqLog, so the context grows by one layer per request rather than four.
// keyClaims serves contexts made without withRequest.
const (
	keyRequest ctxKey = iota
	keyClaims
)

// ErrorReporter handles an error answered to a user: it logs it with the
// request's logger (a stack trace for unknown errors), counts it by category
// and alerts on unknown ones.
type ErrorReporter func(ctx context.Context, transport string, err error)

var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

func requestOf(ctx context.Context) *reqLog {
	l, _ := ctx.Value(keyRequest).(*reqLog)
	return l
}

func requestID(ctx context.Context) string {
	if l := requestOf(ctx); l != nil {
		return l.id
	}
	return ""
}

// reporterFrom returns the ErrorReporter for the request of ctx, or nil.
func reporterFrom(ctx context.Context) ErrorReporter {
	if l := requestOf(ctx); l != nil {
		return l.report
	}
	return nil
}

// Logger returns the request's logger (with request_id and user_id) or nil.
func Logger(ctx context.Context) *slog.Logger {
	if l := requestOf(ctx); l != nil {
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

// reqLog is what the middleware knows of a request: its id, its error
// reporter, the caller's claims once authenticated, and its logger, built on
// first use: most requests log nothing but their access line, and a logger
// with attributes costs a copy of every handler in the chain.
type reqLog struct {
	base   *slog.Logger
	id     string
	report ErrorReporter // nil: errors are logged here
	mu     sync.Mutex
	claims auth.Claims // set once the caller is authenticated
	authed bool
	l      *slog.Logger // built for lUser
	lUser  string
}

func (r *reqLog) setClaims(c auth.Claims) {
	r.mu.Lock()
	r.claims, r.authed = c, true
	r.mu.Unlock()
}

func (r *reqLog) authClaims() (auth.Claims, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.claims, r.authed
}

func (r *reqLog) userID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.claims.UserID
}

func (r *reqLog) logger() *slog.Logger {
	r.mu.Lock()
	defer r.mu.Unlock()
	if user := r.claims.UserID; r.l == nil || r.lUser != user {
		r.l, r.lUser = r.base.With("request_id", r.id), user
		if user != "" {
			r.l = r.l.With("user_id", user)
		}
	}
	return r.l
}

// authenticated records the caller's claims for the request of ctx and names
// the user in its logs. Within withRequest ctx itself is returned: the
// claims go in the request's reqLog.
func authenticated(ctx context.Context, c auth.Claims) context.Context {
	if l := requestOf(ctx); l != nil {
		l.setClaims(c)
		return ctx
	}
	return context.WithValue(ctx, keyClaims, c)
}

func claimsFrom(ctx context.Context) auth.Claims {
	if l := requestOf(ctx); l != nil {
		if c, ok := l.authClaims(); ok {
			return c
		}
	}
	c, _ := ctx.Value(keyClaims).(auth.Claims)
	return c
}

// withContext is r with ctx, r itself when ctx is already its context.
func withContext(r *http.Request, ctx context.Context) *http.Request {
	if ctx == r.Context() {
		return r
	}
	return r.WithContext(ctx)
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// headerRequestID is X-Request-ID in the canonical form net/http stores
// header names in, so reading and setting it needs no conversion.
const headerRequestID = "X-Request-Id"

// withRequest gives every request an id (the caller's when sane), a logger
// carrying it, its error reporter (nil: none), access logging and panic recovery.
func withRequest(log *slog.Logger, metrics Metrics, report ErrorReporter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get(headerRequestID)
			if !saneRequestID.MatchString(id) {
				id = newRequestID()
			}
			// The request's state, its status recorder and its id's header
			// value in one allocation.
			st := &struct {
				log      reqLog
				rec      statusRecorder
				idHeader [1]string
			}{reqLog{base: log, id: id, report: report}, statusRecorder{ResponseWriter: w, status: http.StatusOK}, [1]string{id}}
			w.Header()[headerRequestID] = st.idHeader[:] // as Header.Set, without its slice
			l, rec := &st.log, &st.rec
			ctx := context.WithValue(r.Context(), keyRequest, l)
			r = r.WithContext(ctx)
			start := time.Now()
			defer func() {
				if p := recover(); p != nil {
					l.logger().Error("panic", "panic", p, "stack", string(debug.Stack()))
					if !rec.wrote { // logged just above, not reported: as before the routes
						writeErrorTo(rec, r, pamerr.New(pamerr.Internal, "internal error"), nil)
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
		r = withContext(r, authenticated(r.Context(), c))
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
