package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/safety"
)

// handleSecurityStatus: GET /api/v1/admin/security — users with recent
// injection attempts or an abuse block, most attempts first.
func (s *server) handleSecurityStatus(w http.ResponseWriter, r *http.Request) error {
	if s.ops.Abuse == nil {
		return unavailable("the abuse tracker")
	}
	users := s.ops.Abuse.Status()
	if users == nil {
		users = []safety.AbuseStatus{}
	}
	blocked := 0
	for _, u := range users {
		if u.Blocked {
			blocked++
		}
	}
	encode(w, http.StatusOK, map[string]any{"users": users, "blocked": blocked})
	return nil
}

type securityResetIn struct {
	UserID string `json:"user_id"`
}

// handleSecurityReset: POST /api/v1/admin/security/reset {user_id} — forgets
// the user's attempts and lifts any block.
func (s *server) handleSecurityReset(w http.ResponseWriter, r *http.Request) error {
	if s.ops.Abuse == nil {
		return unavailable("the abuse tracker")
	}
	in, err := decode[securityResetIn](r)
	if err != nil {
		return err
	}
	if in.UserID == "" || len(in.UserID) > 128 {
		return pamerr.Invalid("user_id", "user_id is required")
	}
	s.ops.Abuse.Reset(in.UserID)
	loggerFrom(r.Context()).Warn("abuse standing reset", "target_user_id", in.UserID, "by", userID(r))
	encode(w, http.StatusOK, map[string]any{"user_id": in.UserID, "reset": true})
	return nil
}

// limitPeeker is a limiter that can report a key's usage without counting
// (ratelimit.Memory).
type limitPeeker interface {
	Peek(ctx context.Context, key string, limit int, window time.Duration) (used int, retryAfter time.Duration, err error)
}

type limitStatus struct {
	Scope        string `json:"scope"`
	Limit        int    `json:"limit"`
	Window       string `json:"window"`
	Used         int    `json:"used"`
	Remaining    int    `json:"remaining"`
	RetryAfterMs int64  `json:"retry_after_ms"`
}

// handleRateLimitStatus: GET /api/v1/admin/ratelimit/{user_id} — the user's
// standing against each per-user limit on this instance.
func (s *server) handleRateLimitStatus(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("user_id")
	if id == "" || len(id) > 128 || strings.ContainsAny(id, ": ") {
		return pamerr.Invalid("user_id", "user_id is not valid")
	}
	p, ok := s.limiter.(limitPeeker)
	if !ok {
		encode(w, http.StatusOK, map[string]any{"user_id": id, "supported": false,
			"message": "this limiter cannot report usage without counting"})
		return nil
	}
	scopes := []struct {
		scope string
		limit int
	}{{"user", s.cfg.UserPerMinute}, {"voice", s.ops.VoicePerMinute}, {"analytics", s.ops.EventsPerMinute}}
	out := make([]limitStatus, 0, len(scopes))
	for _, sc := range scopes {
		used, retry, err := p.Peek(r.Context(), sc.scope+":"+id, sc.limit, time.Minute)
		if err != nil {
			return pamerr.Wrap(err, pamerr.UpstreamUnavailable, "the rate limiter did not answer")
		}
		out = append(out, limitStatus{Scope: sc.scope, Limit: sc.limit, Window: time.Minute.String(), Used: used,
			Remaining: max(0, sc.limit-used), RetryAfterMs: retry.Milliseconds()})
	}
	var blocked bool
	var blockedFor time.Duration
	if b, ok := s.ops.Abuse.(interface {
		Blocked(string) (bool, time.Duration)
	}); ok {
		blocked, blockedFor = b.Blocked(id)
	}
	encode(w, http.StatusOK, map[string]any{"user_id": id, "supported": true, "limits": out,
		"abuse_blocked": blocked, "abuse_retry_after_ms": blockedFor.Milliseconds()})
	return nil
}
