package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/pamtravel/pam/internal/analytics"
	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/geo"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/safety"
	"github.com/pamtravel/pam/internal/voice"
)

// Ops are the dependencies of the voice, savings, analytics, feedback and
// operator routes (voice.go, analytics.go, feedback.go, cache.go,
// security.go). A nil service answers UPSTREAM_UNAVAILABLE on its routes.
type Ops struct {
	Voice     *voice.Service
	Analytics *analytics.Service
	Cache     cache.Cache
	Abuse     AbuseTracker
	// WarmWeather fetches a forecast into the cache (external.Weather.Warm).
	WarmWeather func(ctx context.Context, p geo.Point) error

	VoicePerMinute  int   // speak and transcribe requests a minute per user [10]
	EventsPerMinute int   // analytics event posts a minute per user [60]
	MaxAudioBytes   int64 // largest upload to transcribe [10 MiB]
}

func (o Ops) withDefaults() Ops {
	if o.VoicePerMinute <= 0 {
		o.VoicePerMinute = 10
	}
	if o.EventsPerMinute <= 0 {
		o.EventsPerMinute = 60
	}
	if o.MaxAudioBytes <= 0 {
		o.MaxAudioBytes = 10 << 20
	}
	return o
}

// AbuseTracker is the safety layer's per-user abuse standing (safety.Abuse).
type AbuseTracker interface {
	Status() []safety.AbuseStatus
	Reset(userID string)
}

// limitKey applies a per-user limit of its own (on top of the API-wide one).
func (s *server) limitKey(ctx context.Context, scope, userID string, perMinute int) error {
	ok, retry, err := s.limiter.Allow(ctx, scope+":"+userID, perMinute, time.Minute)
	if err != nil {
		loggerFrom(ctx).Warn("rate limiter unavailable", "scope", scope, "error", err)
		return nil
	}
	if !ok {
		s.metrics.RateLimited(scope)
		return &pamerr.Error{Code: pamerr.RateLimited, Message: "Too many requests; please slow down.", RetryAfter: retry}
	}
	return nil
}

// intQuery reads an optional whole-number query parameter within [lo, hi].
func intQuery(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, pamerr.Invalid(name, "%s must be a whole number from %d to %d", name, lo, hi)
	}
	return n, nil
}

func unavailable(what string) error {
	return pamerr.New(pamerr.UpstreamUnavailable, "%s is not configured on this server", what)
}

// opsDocumented describes the routes of Ops for /openapi.json.
var opsDocumented = []apiRoute{
	{"post", "/api/v1/voice/speak", "Speak text {text, voice?, format?}: audio from the engine chain (10 a minute)", true},
	{"get", "/api/v1/voice/status", "Speech engines and their health", true},
	{"post", "/api/v1/voice/test", "Speak a sample with every engine and time it (admin)", true},
	{"post", "/api/v1/voice/transcribe", "Transcribe an audio upload, or be told to use the browser's recognition", true},
	{"get", "/api/v1/savings/monthly", "Savings of a month (?month=2026-07), by category", true},
	{"get", "/api/v1/savings/recent", "Latest savings events (?days=&limit=)", true},
	{"get", "/api/v1/savings/analytics", "Savings by category and month (?months=)", true},
	{"get", "/api/v1/savings/guarantee", "This month's savings against the subscription price", true},
	{"post", "/api/v1/analytics/events", "Client analytics events {events:[{name, props?}]}", true},
	{"post", "/api/v1/messages/{id}/feedback", "Thumbs up or down on an answer {rating, note?}", true},
	{"get", "/api/v1/admin/usage", "Turns, tools, models and costs per day (admin)", true},
	{"get", "/api/v1/admin/feedback", "Feedback on answers (admin)", true},
	{"get", "/api/v1/admin/cache", "Cache status (admin)", true},
	{"post", "/api/v1/admin/cache/invalidate", "Invalidate a user's or a key prefix's cache entries (admin)", true},
	{"post", "/api/v1/admin/cache/warm", "Warm the weather cache for places (admin)", true},
	{"post", "/api/v1/admin/cache/clear", "Clear the cache (admin)", true},
	{"get", "/api/v1/admin/security", "Users with injection attempts or abuse blocks (admin)", true},
	{"post", "/api/v1/admin/security/reset", "Reset a user's abuse standing (admin)", true},
	{"get", "/api/v1/admin/ratelimit/{user_id}", "A user's standing against the per-user limits (admin)", true},
}

func init() { documented = append(documented, opsDocumented...) }
