// Package httpapi owns PAM's HTTP surface: routes.go shows the whole API in
// one place; each concern has its own file. Handlers return errors that are
// mapped once to the error envelope with a stable code.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/compat"
	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/internal/ratelimit"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

// Authenticator is the token service as the HTTP layer uses it.
type Authenticator interface {
	Register(ctx context.Context, email, password, displayName string) (*auth.Session, error)
	Login(ctx context.Context, email, password, clientAddr string) (*auth.Session, error)
	Refresh(ctx context.Context, refreshToken string) (*auth.Session, error)
	Logout(ctx context.Context, c auth.Claims, refreshToken string) error
	Verify(ctx context.Context, accessToken string) (auth.Claims, error)
	Touch(ctx context.Context, c auth.Claims)
	CheckRevoked(ctx context.Context, c auth.Claims) error
}

// ToolLister lists and confirms tools.
type ToolLister interface {
	Definitions(role string, available func(source string) bool) []*tools.Tool
}

// Metrics receives HTTP measurements; the observability package implements it.
type Metrics interface {
	ObserveHTTP(route, method string, status int, d time.Duration)
	RateLimited(scope string)
}

// Readiness reports dependency health for /readyz.
type Readiness func(ctx context.Context) (status string, checks map[string]string)

// Config holds the limits the HTTP layer enforces.
type Config struct {
	UserPerMinute int
	Heartbeat     time.Duration
	HelloTimeout  time.Duration
	IdleClose     time.Duration
	Version       string
	// WebSocket limits (defaults: 32-frame send queue, 20 frames/s with bursts of
	// 40, close 4008 after 30 refused frames in a minute).
	WSSendQueue    int
	WSFrameRate    int
	WSFrameBurst   int
	WSAbuseStrikes int
	// Compatibility surface (/api/v1/pam): how long a re-sent chat with the
	// same session_id and text counts as the first [2m; negative disables],
	// and how long its WebSocket lives without a pong [70s].
	CompatDedupeWindow time.Duration
	CompatPongTimeout  time.Duration
}

// Deps are the server's dependencies.
type Deps struct {
	Log      *slog.Logger
	Store    store.Store
	Auth     Authenticator
	Delivery *delivery.Service
	Tools    ToolLister
	Limiter  ratelimit.Limiter
	Metrics  Metrics
	Ready    Readiness
	// Report handles errors answered to users (the error taxonomy); nil logs them.
	Report ErrorReporter
	// Audit records admin actions in the append-only audit log; nil records nothing.
	Audit  func(ctx context.Context, r store.AuditRecord) error
	Web    http.Handler // the chat page
	Prom   http.Handler // /metrics
	Config Config
	// Connections counts open WebSockets (observe.Metrics.Connections).
	Connections Gauge
	// OnShutdown registers the drain of WebSockets and long-polls, to run
	// before http.Server.Shutdown (which does not close hijacked connections).
	OnShutdown func(func(ctx context.Context))
	// Ops serve voice, savings, analytics, feedback and operator routes (ops.go).
	Ops Ops
	// Shared is the cache every instance sees (Redis); nil when this instance
	// runs alone. The compatibility surface keeps its session memos there.
	Shared compat.Backing
}

type server struct {
	log      *slog.Logger
	store    store.Store
	auth     Authenticator
	delivery *delivery.Service
	tools    ToolLister
	limiter  ratelimit.Limiter
	metrics  Metrics
	ready    Readiness
	cfg      Config
	rt       *realtime
	ops      Ops
	audit    func(ctx context.Context, r store.AuditRecord) error
	shared   compat.Backing
}

// NewServer returns PAM's HTTP handler.
func NewServer(d Deps) http.Handler {
	s := &server{log: d.Log, store: d.Store, auth: d.Auth, delivery: d.Delivery, tools: d.Tools,
		limiter: d.Limiter, metrics: d.Metrics, ready: d.Ready, cfg: d.Config, audit: d.Audit, shared: d.Shared}
	if s.metrics == nil {
		s.metrics = nopMetrics{}
	}
	if s.limiter == nil {
		s.limiter = ratelimit.NewMemory()
	}
	if s.cfg.UserPerMinute <= 0 {
		s.cfg.UserPerMinute = 100
	}
	s.cfg = realtimeDefaults(s.cfg)
	s.ops = d.Ops.withDefaults()
	s.rt = newRealtime(d.Connections)
	if d.OnShutdown != nil {
		d.OnShutdown(func(ctx context.Context) { s.rt.shutdown(ctx, s.delivery.Drain) })
	}
	mux := http.NewServeMux()
	s.routes(mux, d.Web, d.Prom)
	return withRequest(s.log, s.metrics, d.Report)(mux)
}

func (s *server) routes(mux *http.ServeMux, web, prom http.Handler) {
	authed := s.requireAuth
	admin := func(h http.Handler) http.Handler { return authed(s.requireAdmin(h)) }

	mux.Handle("GET /healthz", handlerFunc(s.handleHealth))
	mux.Handle("GET /readyz", handlerFunc(s.handleReady))
	if prom != nil {
		mux.Handle("GET /metrics", prom)
	}
	mux.Handle("GET /openapi.json", handlerFunc(s.handleOpenAPI))
	if web != nil {
		mux.Handle("GET /", web)
	}

	mux.Handle("POST /api/v1/auth/register", handlerFunc(s.handleRegister))
	mux.Handle("POST /api/v1/auth/login", handlerFunc(s.handleLogin))
	mux.Handle("POST /api/v1/auth/refresh", handlerFunc(s.handleRefresh))
	mux.Handle("POST /api/v1/auth/logout", authed(handlerFunc(s.handleLogout)))
	mux.Handle("GET /api/v1/me", authed(handlerFunc(s.handleMe)))

	mux.Handle("POST /api/v1/chat", authed(handlerFunc(s.handleChat)))
	mux.Handle("GET /api/v1/ws", handlerFunc(s.handleWS)) // the token travels in the first frame
	mux.Handle("GET /api/v1/events", authed(handlerFunc(s.handleEvents)))
	mux.Handle("GET /api/v1/conversations", authed(handlerFunc(s.handleConversations)))
	mux.Handle("GET /api/v1/conversations/{id}/messages", authed(handlerFunc(s.handleMessages)))
	mux.Handle("GET /api/v1/tools", authed(handlerFunc(s.handleTools)))

	mux.Handle("GET /api/v1/expenses", authed(handlerFunc(s.handleListExpenses)))
	mux.Handle("POST /api/v1/expenses", authed(handlerFunc(s.handleCreateExpense)))
	mux.Handle("GET /api/v1/budgets", authed(handlerFunc(s.handleBudgets)))
	mux.Handle("GET /api/v1/fuel", authed(handlerFunc(s.handleFuel)))
	mux.Handle("GET /api/v1/trips", authed(handlerFunc(s.handleTrips)))
	mux.Handle("GET /api/v1/calendar", authed(handlerFunc(s.handleCalendar)))
	mux.Handle("GET /api/v1/vehicles", authed(handlerFunc(s.handleVehicles)))

	mux.Handle("GET /api/v1/admin/dead-letters", admin(handlerFunc(s.handleDeadLetters)))
	mux.Handle("POST /api/v1/admin/dead-letters/{id}/retry", admin(handlerFunc(s.handleRetryDeadLetter)))
	mux.Handle("DELETE /api/v1/admin/dead-letters/{id}", admin(handlerFunc(s.handleDiscardDeadLetter)))
	mux.Handle("GET /api/v1/admin/audit", admin(handlerFunc(s.handleAudit)))
	mux.Handle("GET /api/v1/observability/metrics", admin(handlerFunc(s.handleObservability)))

	// The original Wheels & Wins app's protocol on the same engine (compat*.go,
	// docs/compat.md). Its WebSocket token is in the URL; logs never show queries.
	pam := newCompatAPI(s)
	pamAuthed := func(h compatHandler) http.Handler { return pam.cors(pam.compatAuth(h)) }
	mux.Handle("GET /api/v1/pam/ws/{user_id}", handlerFunc(pam.handleWS))
	mux.Handle("POST /api/v1/pam/chat", pamAuthed(pam.handleChat))
	mux.Handle("GET /api/v1/pam/history", pamAuthed(pam.handleHistory))
	mux.Handle("DELETE /api/v1/pam/history", pamAuthed(pam.handleClearHistory))
	mux.Handle("GET /api/v1/pam/context", pamAuthed(pam.handleGetContext))
	mux.Handle("PUT /api/v1/pam/context", pamAuthed(pam.handlePutContext))
	mux.Handle("POST /api/v1/pam/feedback", pamAuthed(pam.handleFeedback))
	mux.Handle("GET /api/v1/pam/health", pam.cors(compatHandler(pam.handleHealth)))
	mux.Handle("GET /api/v1/pam/savings/monthly", pamAuthed(pam.handleSavingsMonthly))
	mux.Handle("GET /api/v1/pam/savings/recent", pamAuthed(pam.handleSavingsRecent))
	mux.Handle("GET /api/v1/pam/savings/guarantee-status", pamAuthed(pam.handleGuarantee))
	mux.Handle("POST /api/v1/pam/savings/record", pamAuthed(pam.handleSavingsRecord))
	mux.Handle("OPTIONS /api/v1/pam/", pam.cors(http.NotFoundHandler()))

	// Voice, savings, analytics, feedback and operator routes (issue 9):
	// voice.go, analytics.go, feedback.go, cache.go, security.go; deps in ops.go.
	mux.Handle("POST /api/v1/voice/speak", authed(handlerFunc(s.handleVoiceSpeak)))
	mux.Handle("GET /api/v1/voice/status", authed(handlerFunc(s.handleVoiceStatus)))
	mux.Handle("POST /api/v1/voice/test", admin(handlerFunc(s.handleVoiceTest)))
	mux.Handle("POST /api/v1/voice/transcribe", authed(handlerFunc(s.handleVoiceTranscribe)))
	mux.Handle("GET /api/v1/savings/monthly", authed(handlerFunc(s.handleSavingsMonthly)))
	mux.Handle("GET /api/v1/savings/recent", authed(handlerFunc(s.handleSavingsRecent)))
	mux.Handle("GET /api/v1/savings/analytics", authed(handlerFunc(s.handleSavingsAnalytics)))
	mux.Handle("GET /api/v1/savings/guarantee", authed(handlerFunc(s.handleSavingsGuarantee)))
	mux.Handle("POST /api/v1/analytics/events", authed(handlerFunc(s.handleClientEvents)))
	mux.Handle("POST /api/v1/messages/{id}/feedback", authed(handlerFunc(s.handleMessageFeedback)))
	mux.Handle("GET /api/v1/admin/usage", admin(handlerFunc(s.handleAdminUsage)))
	mux.Handle("GET /api/v1/admin/feedback", admin(handlerFunc(s.handleAdminFeedback)))
	mux.Handle("GET /api/v1/admin/cache", admin(handlerFunc(s.handleCacheStatus)))
	mux.Handle("POST /api/v1/admin/cache/invalidate", admin(handlerFunc(s.handleCacheInvalidate)))
	mux.Handle("POST /api/v1/admin/cache/warm", admin(handlerFunc(s.handleCacheWarm)))
	mux.Handle("POST /api/v1/admin/cache/clear", admin(handlerFunc(s.handleCacheClear)))
	mux.Handle("GET /api/v1/admin/security", admin(handlerFunc(s.handleSecurityStatus)))
	mux.Handle("GET /api/v1/admin/security/status", admin(handlerFunc(s.handleSecurityStatus)))
	mux.Handle("POST /api/v1/admin/security/reset", admin(handlerFunc(s.handleSecurityReset)))
	mux.Handle("GET /api/v1/admin/ratelimit/{user_id}", admin(handlerFunc(s.handleRateLimitStatus)))

	// Unknown API routes answer the JSON 404 rather than the chat page; one
	// pattern per method, since a method-less "/api/" conflicts with "GET /".
	apiNotFound := handlerFunc(func(w http.ResponseWriter, r *http.Request) error { return notFound("route") })
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		mux.Handle(m+" /api/", apiNotFound)
	}
}

type nopMetrics struct{}

func (nopMetrics) ObserveHTTP(string, string, int, time.Duration) {}
func (nopMetrics) RateLimited(string)                             {}
