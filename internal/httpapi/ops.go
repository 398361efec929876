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
