package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/geo"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/voice"
)

// userCacheKeys are the prefixes under which the cache holds one user's
// data: the assembled user context and the last known location.
func userCacheKeys(id string) []string { return []string{"ctx:" + id + ":", "loc:last:" + id} }

type cacheStatus struct {
	Kind    string         `json:"kind"` // memory, redis, …
	Entries *int           `json:"entries,omitempty"`
	Hits    *int64         `json:"hits,omitempty"`
	Misses  *int64         `json:"misses,omitempty"`
	HitRate string         `json:"hit_rate,omitempty"`
	Tiers   map[string]any `json:"ttl_tiers"`
}

// handleCacheStatus: GET /api/v1/admin/cache.
func (s *server) handleCacheStatus(w http.ResponseWriter, r *http.Request) error {
	c := s.ops.Cache
	if c == nil {
		return unavailable("the cache")
	}
	t := cache.DefaultTiers()
	st := cacheStatus{Kind: "shared", Tiers: map[string]any{
		"user_context": t.UserContext.String(), "weather": t.Weather.String(), "fuel_prices": t.FuelPrices.String(),
		"places": t.Places.String(), "routes": t.Routes.String(), "geocoding": t.Geocoding.String(), "stale": t.Stale.String(),
	}}
	if m, ok := c.(interface {
		Stats() (hits, misses int64)
		Len() int
	}); ok {
		st.Kind = "memory"
		hits, misses := m.Stats()
		n := m.Len()
		st.Entries, st.Hits, st.Misses = &n, &hits, &misses
		if hits+misses > 0 {
			st.HitRate = decimal.NewFromInt(hits).Div(decimal.NewFromInt(hits + misses)).StringFixed(4)
		}
	} else if strings.Contains(strings.ToLower(fmt.Sprintf("%T", c)), "redis") {
		st.Kind = "redis"
	}
	encode(w, http.StatusOK, st)
	return nil
}

type invalidateIn struct {
	UserID string `json:"user_id,omitempty"`
	// Pattern is a key prefix, optionally ending in "*" ("weather:*", "ext:osrm:").
	Pattern string `json:"pattern,omitempty"`
}

var cachePattern = regexp.MustCompile(`^[A-Za-z0-9_.:/-]{2,200}\*?$`)

// handleCacheInvalidate: POST /api/v1/admin/cache/invalidate {user_id} or {pattern}.
func (s *server) handleCacheInvalidate(w http.ResponseWriter, r *http.Request) error {
	c := s.ops.Cache
	if c == nil {
		return unavailable("the cache")
	}
	in, err := decode[invalidateIn](r)
	if err != nil {
		return err
	}
	var prefixes []string
	switch {
	case in.UserID != "" && in.Pattern != "":
		return pamerr.Invalid("body", "give user_id or pattern, not both")
	case in.UserID != "":
		if len(in.UserID) > 128 || strings.ContainsAny(in.UserID, ":* ") {
			return pamerr.Invalid("user_id", "user_id is not valid")
		}
		prefixes = userCacheKeys(in.UserID)
	case in.Pattern != "":
		if !cachePattern.MatchString(in.Pattern) || strings.Count(in.Pattern, "*") > 1 {
			return pamerr.Invalid("pattern", "pattern must be a key prefix of at least 2 characters, optionally ending in *")
		}
		prefixes = []string{strings.TrimSuffix(in.Pattern, "*")}
	default:
		return pamerr.Invalid("body", "give user_id or pattern")
	}
	for _, p := range prefixes {
		if err := c.DeletePrefix(r.Context(), p); err != nil {
			return pamerr.Wrap(err, pamerr.UpstreamUnavailable, "the cache did not answer")
		}
		// Spoken audio has a cache of its own (voice.CachePrefix).
		if s.ops.Voice != nil && strings.HasPrefix(voice.CachePrefix, p) {
			if err := s.ops.Voice.ClearCache(r.Context()); err != nil {
				return pamerr.Wrap(err, pamerr.UpstreamUnavailable, "the speech cache did not answer")
			}
		}
	}
	loggerFrom(r.Context()).Info("cache invalidated", "prefixes", prefixes, "by", userID(r))
	encode(w, http.StatusOK, map[string]any{"invalidated": prefixes})
	return nil
}

// handleCacheClear: POST /api/v1/admin/cache/clear — every key, fresh or stale.
func (s *server) handleCacheClear(w http.ResponseWriter, r *http.Request) error {
	c := s.ops.Cache
	if c == nil {
		return unavailable("the cache")
	}
	if err := c.DeletePrefix(r.Context(), ""); err != nil {
		return pamerr.Wrap(err, pamerr.UpstreamUnavailable, "the cache did not answer")
	}
	if s.ops.Voice != nil {
		if err := s.ops.Voice.ClearCache(r.Context()); err != nil {
			return pamerr.Wrap(err, pamerr.UpstreamUnavailable, "the speech cache did not answer")
		}
	}
	loggerFrom(r.Context()).Warn("cache cleared", "by", userID(r))
	encode(w, http.StatusOK, map[string]bool{"cleared": true})
	return nil
}

type warmIn struct {
	Locations []geo.Point `json:"locations"`
}

type warmResult struct {
	Lat   float64 `json:"lat"`
	Lng   float64 `json:"lng"`
	OK    bool    `json:"ok"`
	Error string  `json:"error,omitempty"`
}

// handleCacheWarm: POST /api/v1/admin/cache/warm {locations:[{lat,lng}]} —
// fetches the weather for up to 20 places (busy campgrounds, rally sites)
// into the cache before travellers ask.
func (s *server) handleCacheWarm(w http.ResponseWriter, r *http.Request) error {
	if s.ops.WarmWeather == nil {
		return unavailable("cache warming")
	}
	in, err := decode[warmIn](r)
	if err != nil {
		return err
	}
	if len(in.Locations) == 0 || len(in.Locations) > 20 {
		return pamerr.Invalid("locations", "give 1 to 20 locations")
	}
	for i, p := range in.Locations {
		if p.Lat < -90 || p.Lat > 90 || p.Lng < -180 || p.Lng > 180 {
			return pamerr.Invalid("locations", "location %d is not a valid coordinate", i)
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	res := make([]warmResult, len(in.Locations))
	warmed := 0
	for i, p := range in.Locations {
		res[i] = warmResult{Lat: p.Lat, Lng: p.Lng, OK: true}
		if err := s.ops.WarmWeather(ctx, p); err != nil {
			res[i].OK, res[i].Error = false, pamerr.MessageOf(err)
			continue
		}
		warmed++
	}
	encode(w, http.StatusOK, map[string]any{"warmed": warmed, "results": res})
	return nil
}
