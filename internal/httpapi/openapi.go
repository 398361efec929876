package httpapi

import (
	"net/http"
	"sort"
	"strings"
)

// apiRoute is one documented REST operation.
type apiRoute struct {
	method, path, summary string
	auth                  bool
}

// documented lists the REST surface for /openapi.json; routes.go registers the same paths.
var documented = []apiRoute{
	{"get", "/healthz", "Liveness", false},
	{"get", "/readyz", "Readiness with dependency checks", false},
	{"post", "/api/v1/auth/register", "Create an account; returns a token pair", false},
	{"post", "/api/v1/auth/login", "Log in; returns a token pair", false},
	{"post", "/api/v1/auth/refresh", "Rotate the token pair", false},
	{"post", "/api/v1/auth/logout", "Revoke the session", true},
	{"get", "/api/v1/me", "The signed-in user", true},
	{"post", "/api/v1/chat", "One chat turn (JSON, or Server-Sent Events with Accept: text/event-stream)", true},
	{"get", "/api/v1/conversations", "Conversations, newest first", true},
	{"get", "/api/v1/conversations/{id}/messages", "Messages of a conversation, oldest first", true},
	{"get", "/api/v1/events", "Long-poll durable frames after a seq", true},
	{"get", "/api/v1/tools", "Tools this caller may use", true},
	{"get", "/api/v1/expenses", "Expenses", true},
	{"post", "/api/v1/expenses", "Record an expense", true},
	{"get", "/api/v1/budgets", "Budgets", true},
	{"get", "/api/v1/fuel", "Fuel log", true},
	{"get", "/api/v1/trips", "Trips", true},
	{"get", "/api/v1/calendar", "Calendar events", true},
	{"get", "/api/v1/vehicles", "Vehicles", true},
	{"get", "/api/v1/admin/dead-letters", "Dead-lettered work (admin)", true},
	{"post", "/api/v1/admin/dead-letters/{id}/retry", "Run a dead-lettered turn again (admin)", true},
	{"delete", "/api/v1/admin/dead-letters/{id}", "Discard a dead letter (admin)", true},
	{"get", "/api/v1/admin/audit", "Audit log (admin)", true},
}

func (s *server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	paths := map[string]map[string]any{}
	for _, rt := range documented {
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		op := map[string]any{
			"summary": rt.summary,
			"responses": map[string]any{
				"200":     map[string]any{"description": "OK"},
				"default": map[string]any{"description": "Error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}},
			},
		}
		if rt.auth {
			op["security"] = []map[string][]string{{"bearer": {}}}
		}
		paths[rt.path][rt.method] = op
	}
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	encode(w, http.StatusOK, map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "PAM API", "version": strings.TrimPrefix(s.cfg.Version, "v")},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
			"schemas": map[string]any{"Error": map[string]any{
				"type": "object", "required": []string{"error"},
				"properties": map[string]any{"error": map[string]any{"type": "object", "required": []string{"code", "message", "request_id"},
					"properties": map[string]any{"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}, "request_id": map[string]any{"type": "string"}}}},
			}},
		},
	})
	return nil
}
