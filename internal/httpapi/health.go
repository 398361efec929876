package httpapi

import (
	"net/http"
)

func (s *server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	encode(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// handleReady answers ready, degraded (working with a fallback) or unavailable.
func (s *server) handleReady(w http.ResponseWriter, r *http.Request) error {
	status, checks := "ready", map[string]string{}
	if s.ready != nil {
		status, checks = s.ready(r.Context())
	}
	code := http.StatusOK
	if status == "unavailable" {
		code = http.StatusServiceUnavailable
	}
	encode(w, code, map[string]any{"status": status, "checks": checks})
	return nil
}
