package authztest

// access says who may call a route.
type access int

const (
	public access = iota // no token needed (documented public routes)
	user                 // any signed-in user, on their own data only
	admin                // admins only
	wsAuth               // authenticates in the WebSocket handshake or first frame (tokens_test.go)
)

// attack is one request as B. Paths and bodies name A's things with
// {A:name} placeholders (world.ids, plus {A:user}, {A:client_message}).
type attack struct {
	method, path string
	body         any
	// want, when set, is the only acceptable status; otherwise a refusal
	// (400/403/404/422) or a success that only touched B's data passes.
	want int
}

// routeCase is one mux pattern of internal/httpapi/routes.go.
type routeCase struct {
	pattern string // exactly as registered
	access  access
	// path is the concrete path used for the no-token and plain-user checks
	// (defaults to the pattern's path when it has no wildcard).
	path    string
	attacks []attack
}

// routeTable covers every route of routes.go; TestRouteTableCoversRoutes
// fails when a route is added there without an authorization case here.
var routeTable = []routeCase{
	{pattern: "GET /healthz", access: public},
	{pattern: "GET /readyz", access: public},
	{pattern: "GET /metrics", access: public},
	{pattern: "GET /openapi.json", access: public},
	{pattern: "GET /", access: public},

	{pattern: "POST /api/v1/auth/register", access: public, attacks: []attack{
		{method: "POST", path: "/api/v1/auth/register", body: map[string]string{"email": "{A:email}", "password": "another long password", "display_name": "Impostor"}},
	}},
	{pattern: "POST /api/v1/auth/login", access: public, attacks: []attack{
		{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "{A:email}", "password": "not the password"}, want: 401},
	}},
	{pattern: "POST /api/v1/auth/refresh", access: public, attacks: []attack{
		{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": "rt_{A:user}"}, want: 401},
	}},
	{pattern: "POST /api/v1/auth/logout", access: user}, // B with A's refresh token: TestLogoutWithAnotherUsersRefreshToken
	{pattern: "GET /api/v1/me", access: user, attacks: []attack{
		{method: "GET", path: "/api/v1/me?user_id={A:user}"},
	}},

	{pattern: "POST /api/v1/chat", access: user, attacks: []attack{
		{method: "POST", path: "/api/v1/chat", body: map[string]string{"message": "show my expenses", "conversation_id": "{A:conversation}"}, want: 404},
		{method: "POST", path: "/api/v1/chat", body: map[string]string{"message": "show my expenses", "client_message_id": "{A:client_message}"}},
		{method: "POST", path: "/api/v1/chat", body: map[string]any{"message": "show my expenses", "context": map[string]string{"user_id": "{A:user}"}}},
		{method: "POST", path: "/api/v1/chat", body: map[string]string{"message": "what's on my calendar this week"}},
		{method: "POST", path: "/api/v1/chat", body: map[string]string{"message": "yes"}},
		{method: "POST", path: "/api/v1/chat", body: map[string]string{"message": "delete my last expense"}},
		{method: "POST", path: "/api/v1/chat", body: map[string]string{"message": "yes"}},
		{method: "POST", path: "/api/v1/chat", body: map[string]string{"message": "what maintenance is due?"}},
		{method: "POST", path: "/api/v1/chat", body: map[string]string{"message": "what's my fuel economy?"}},
		{method: "POST", path: "/api/v1/chat", body: map[string]string{"message": "how much have I saved this month"}},
	}},
	{pattern: "GET /api/v1/ws", access: wsAuth},
	{pattern: "GET /api/v1/events", access: user, attacks: []attack{
		{method: "GET", path: "/api/v1/events?after=0&wait=0s&user_id={A:user}"},
	}},
	{pattern: "GET /api/v1/conversations", access: user, attacks: []attack{
		{method: "GET", path: "/api/v1/conversations?user_id={A:user}"},
		{method: "GET", path: "/api/v1/conversations?cursor={A:conversation}"},
	}},
	{pattern: "GET /api/v1/conversations/{id}/messages", access: user, path: "/api/v1/conversations/{A:conversation}/messages", attacks: []attack{
		{method: "GET", path: "/api/v1/conversations/{A:conversation}/messages", want: 404},
		{method: "GET", path: "/api/v1/conversations/{A:conversation}/messages?cursor={A:message}", want: 404},
	}},
	{pattern: "GET /api/v1/tools", access: user, attacks: []attack{
		{method: "GET", path: "/api/v1/tools?role=admin"},
	}},

	{pattern: "GET /api/v1/expenses", access: user, attacks: []attack{
		{method: "GET", path: "/api/v1/expenses?user_id={A:user}&category=fuel"},
		{method: "GET", path: "/api/v1/expenses?cursor={A:expense}"},
		{method: "GET", path: "/api/v1/expenses?cursor={A:expense_chat}&from=2000-01-01&to=2100-01-01"},
	}},
	{pattern: "POST /api/v1/expenses", access: user, attacks: []attack{
		{method: "POST", path: "/api/v1/expenses", body: map[string]any{"id": "{A:expense}", "user_id": "{A:user}",
			"amount": map[string]string{"amount": "1.00", "currency": "USD"}, "category": "food", "description": "B's own snack"}},
	}},
	{pattern: "GET /api/v1/budgets", access: user, attacks: []attack{{method: "GET", path: "/api/v1/budgets?user_id={A:user}"}}},
	{pattern: "GET /api/v1/fuel", access: user, attacks: []attack{
		{method: "GET", path: "/api/v1/fuel?user_id={A:user}&vehicle_id={A:vehicle}"},
		{method: "GET", path: "/api/v1/fuel?cursor={A:expense}&from=2000-01-01&to=2100-01-01"},
	}},
	{pattern: "GET /api/v1/trips", access: user, attacks: []attack{
		{method: "GET", path: "/api/v1/trips?user_id={A:user}"},
		{method: "GET", path: "/api/v1/trips?cursor={A:trip}"},
	}},
	{pattern: "GET /api/v1/calendar", access: user, attacks: []attack{
		{method: "GET", path: "/api/v1/calendar?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&user_id={A:user}"},
	}},
	{pattern: "GET /api/v1/vehicles", access: user, attacks: []attack{{method: "GET", path: "/api/v1/vehicles?user_id={A:user}&id={A:vehicle}"}}},

	{pattern: "GET /api/v1/admin/dead-letters", access: admin},
	{pattern: "POST /api/v1/admin/dead-letters/{id}/retry", access: admin, path: "/api/v1/admin/dead-letters/none/retry"},
	{pattern: "DELETE /api/v1/admin/dead-letters/{id}", access: admin, path: "/api/v1/admin/dead-letters/none"},
	{pattern: "GET /api/v1/admin/audit", access: admin},
	{pattern: "GET /api/v1/observability/metrics", access: admin},

	{pattern: "GET /api/v1/pam/ws/{user_id}", access: wsAuth},
	{pattern: "POST /api/v1/pam/chat", access: user, attacks: []attack{
		{method: "POST", path: "/api/v1/pam/chat", body: map[string]string{"message": "show my expenses", "conversation_id": "{A:conversation}"}},
		{method: "POST", path: "/api/v1/pam/chat", body: map[string]string{"message": "what's coming up", "session_id": "sess-a"}},
		{method: "POST", path: "/api/v1/pam/chat", body: map[string]any{"message": "show my expenses", "context": map[string]string{"user_id": "{A:user}"}}},
	}},
	{pattern: "GET /api/v1/pam/history", access: user, attacks: []attack{
		{method: "GET", path: "/api/v1/pam/history?session_id=sess-a"},
		{method: "GET", path: "/api/v1/pam/history?session_id={A:conversation}&user_id={A:user}"},
	}},
	{pattern: "DELETE /api/v1/pam/history", access: user, attacks: []attack{
		{method: "DELETE", path: "/api/v1/pam/history?session_id=sess-a"},
		{method: "DELETE", path: "/api/v1/pam/history?session_id={A:conversation}"},
		{method: "DELETE", path: "/api/v1/pam/history?user_id={A:user}"},
	}},
	{pattern: "GET /api/v1/pam/context", access: user, attacks: []attack{{method: "GET", path: "/api/v1/pam/context?user_id={A:user}"}}},
	{pattern: "PUT /api/v1/pam/context", access: user, attacks: []attack{
		{method: "PUT", path: "/api/v1/pam/context?user_id={A:user}", body: map[string]string{"user_id": "{A:user}", "current_page": "b-page"}},
	}},
	{pattern: "POST /api/v1/pam/feedback", access: user, attacks: []attack{
		{method: "POST", path: "/api/v1/pam/feedback", body: map[string]any{"message_id": "{A:reply}", "rating": 1, "feedback": "B's opinion"}},
	}},
	{pattern: "GET /api/v1/pam/health", access: public},
	{pattern: "GET /api/v1/pam/savings/monthly", access: user, attacks: []attack{{method: "GET", path: "/api/v1/pam/savings/monthly?user_id={A:user}"}}},
	{pattern: "GET /api/v1/pam/savings/recent", access: user, attacks: []attack{{method: "GET", path: "/api/v1/pam/savings/recent?user_id={A:user}&limit=50"}}},
	{pattern: "GET /api/v1/pam/savings/guarantee-status", access: user, attacks: []attack{{method: "GET", path: "/api/v1/pam/savings/guarantee-status?user_id={A:user}"}}},
	{pattern: "POST /api/v1/pam/savings/record", access: user, attacks: []attack{
		{method: "POST", path: "/api/v1/pam/savings/record", body: map[string]any{"user_id": "{A:user}", "amount_saved": "1.00", "baseline_cost": "2.00",
			"optimized_cost": "1.00", "category": "fuel", "description": "B's own saving"}},
	}},
	{pattern: "OPTIONS /api/v1/pam/", access: public}, // CORS preflight answers 404/204 without data

	{pattern: "POST /api/v1/voice/speak", access: user, attacks: []attack{{method: "POST", path: "/api/v1/voice/speak", body: map[string]string{"text": "hello", "user_id": "{A:user}"}}}},
	{pattern: "GET /api/v1/voice/status", access: user, attacks: []attack{{method: "GET", path: "/api/v1/voice/status?user_id={A:user}"}}},
	{pattern: "POST /api/v1/voice/test", access: admin},
	{pattern: "POST /api/v1/voice/transcribe", access: user, attacks: []attack{{method: "POST", path: "/api/v1/voice/transcribe?user_id={A:user}", body: "not audio"}}},
	{pattern: "GET /api/v1/savings/monthly", access: user, attacks: []attack{{method: "GET", path: "/api/v1/savings/monthly?user_id={A:user}"}}},
	{pattern: "GET /api/v1/savings/recent", access: user, attacks: []attack{{method: "GET", path: "/api/v1/savings/recent?user_id={A:user}"}}},
	{pattern: "GET /api/v1/savings/analytics", access: user, attacks: []attack{{method: "GET", path: "/api/v1/savings/analytics?user_id={A:user}"}}},
	{pattern: "GET /api/v1/savings/guarantee", access: user, attacks: []attack{{method: "GET", path: "/api/v1/savings/guarantee?user_id={A:user}"}}},
	{pattern: "POST /api/v1/analytics/events", access: user, attacks: []attack{
		{method: "POST", path: "/api/v1/analytics/events", body: map[string]any{"user_id": "{A:user}", "events": []map[string]any{{"name": "page_view", "props": map[string]string{"user_id": "{A:user}"}}}}},
	}},
	{pattern: "POST /api/v1/messages/{id}/feedback", access: user, path: "/api/v1/messages/{A:reply}/feedback", attacks: []attack{
		{method: "POST", path: "/api/v1/messages/{A:reply}/feedback", body: map[string]string{"rating": "down", "note": "B was here"}, want: 404},
		{method: "POST", path: "/api/v1/messages/{A:message}/feedback", body: map[string]string{"rating": "down"}, want: 404},
	}},
	{pattern: "GET /api/v1/admin/usage", access: admin},
	{pattern: "GET /api/v1/admin/feedback", access: admin},
	{pattern: "GET /api/v1/admin/cache", access: admin},
	{pattern: "POST /api/v1/admin/cache/invalidate", access: admin},
	{pattern: "POST /api/v1/admin/cache/warm", access: admin},
	{pattern: "POST /api/v1/admin/cache/clear", access: admin},
	{pattern: "GET /api/v1/admin/security", access: admin},
	{pattern: "GET /api/v1/admin/security/status", access: admin},
	{pattern: "POST /api/v1/admin/security/reset", access: admin},
	{pattern: "GET /api/v1/admin/ratelimit/{user_id}", access: admin, path: "/api/v1/admin/ratelimit/{A:user}"},
}
