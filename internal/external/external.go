// Package external owns PAM's clients for outside data services that need no
// key — Open-Meteo (forecast and geocoding), OSRM (routes), OpenStreetMap
// Overpass (RV parks, fuel stations, attractions) and fuel price feeds in the
// UK CMA open-data format. Every client is cache-first with a TTL tier, keeps
// a stale copy for 24 h and serves it (Meta.Stale, with a disclaimer) when the
// service fails, sits behind a circuit breaker, decodes strictly, and reports
// health for /readyz and for dropping the tools of a down source. Offline mode
// disables them all; replay mode answers from recorded responses (development).
package external

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/pamerr"
)

// Source names, as tools list them in tools.Tool.Sources and /readyz shows them.
const (
	SourceWeather    = "openmeteo"
	SourceGeocoding  = "geocoding"
	SourceRouting    = "osrm"
	SourcePlaces     = "overpass"
	SourceFuelPrices = "fuel_prices"
)

// Config configures the clients. Zero fields take the defaults.
type Config struct {
	Offline      bool // PAM_OFFLINE: every client answers ErrOffline
	Replay       bool // answer from recorded responses (development; see replay.go)
	OpenMeteoURL string
	GeocodeURL   string
	OSRMURL      string
	OverpassURL  string // the interpreter endpoint
	FuelPriceURL string // a UK CMA-format station feed; empty = no fuel price source

	Timeout         time.Duration // per request; default 5 s
	Tiers           cache.Tiers
	HealthInterval  time.Duration // default 5 min
	BreakerFailures uint32        // consecutive failures that open a breaker; default 5
	BreakerOpenFor  time.Duration // default 30 s
	UserAgent       string
	Transport       http.RoundTripper // default http.DefaultTransport (or the replay transport)
	Logger          *slog.Logger
	Now             func() time.Time
}

// Defaults of the public endpoints.
const (
	DefaultOpenMeteoURL = "https://api.open-meteo.com"
	DefaultGeocodeURL   = "https://geocoding-api.open-meteo.com"
	DefaultOSRMURL      = "https://router.project-osrm.org"
	DefaultOverpassURL  = "https://overpass-api.de/api/interpreter"
)

func (c Config) withDefaults() Config {
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&c.OpenMeteoURL, DefaultOpenMeteoURL)
	def(&c.GeocodeURL, DefaultGeocodeURL)
	def(&c.OSRMURL, DefaultOSRMURL)
	def(&c.OverpassURL, DefaultOverpassURL)
	def(&c.UserAgent, "PAM-RV-companion/1.0 (+https://github.com/pamtravel/pam)")
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.HealthInterval <= 0 {
		c.HealthInterval = 5 * time.Minute
	}
	if c.BreakerFailures == 0 {
		c.BreakerFailures = 5
	}
	if c.BreakerOpenFor <= 0 {
		c.BreakerOpenFor = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Transport == nil {
		c.Transport = http.DefaultTransport
		if c.Replay {
			c.Transport = ReplayTransport()
		}
	}
	c.Tiers = c.Tiers.WithDefaults()
	return c
}

// Services are the outside data clients.
type Services struct {
	cfg     Config
	sources map[string]*source

	Weather   *Weather
	Geocoder  *Geocoder
	Router    *Router
	Places    *Places
	FuelFeeds *FuelFeed // nil when no feed is configured
}

// New builds the clients over c (the shared cache). It does no I/O; call Run
// (or CheckNow) to start health checks.
func New(cfg Config, c cache.Cache) *Services {
	cfg = cfg.withDefaults()
	s := &Services{cfg: cfg, sources: map[string]*source{}}
	add := func(name string, ttl time.Duration) *source {
		src := newSource(name, cfg, c, ttl)
		s.sources[name] = src
		return src
	}
	s.Weather = &Weather{src: add(SourceWeather, cfg.Tiers.Weather), base: cfg.OpenMeteoURL}
	s.Geocoder = &Geocoder{src: add(SourceGeocoding, cfg.Tiers.Geocoding), base: cfg.GeocodeURL}
	s.Router = &Router{src: add(SourceRouting, cfg.Tiers.Routes), base: cfg.OSRMURL}
	s.Places = &Places{src: add(SourcePlaces, cfg.Tiers.Places), endpoint: cfg.OverpassURL}
	if cfg.FuelPriceURL != "" || cfg.Replay {
		url := cfg.FuelPriceURL
		if url == "" {
			url = replayFuelFeedURL
		}
		s.FuelFeeds = &FuelFeed{src: add(SourceFuelPrices, cfg.Tiers.FuelPrices), url: url}
		s.FuelFeeds.src.ping = s.FuelFeeds.ping
	}
	s.Weather.src.ping = s.Weather.ping
	s.Geocoder.src.ping = s.Geocoder.ping
	s.Router.src.ping = s.Router.ping
	s.Places.src.ping = s.Places.ping
	return s
}

// Offline reports whether outside services are disabled.
func (s *Services) Offline() bool { return s.cfg.Offline }

// Meta says where an answer came from.
type Meta struct {
	Source     string    `json:"source"`
	Cached     bool      `json:"cached,omitempty"` // served from the cache, fresh
	Stale      bool      `json:"stale,omitempty"`  // served from a stale copy because the service failed
	FetchedAt  time.Time `json:"fetched_at"`
	Disclaimer string    `json:"disclaimer,omitempty"`
}

// ErrOffline is returned by every client in offline mode.
var ErrOffline = &pamerr.Error{Code: pamerr.UpstreamUnavailable, Message: "outside data services are turned off (offline mode)"}

// ValidationError is a payload that is malformed, wrong-typed or implausible.
type ValidationError struct {
	Source string
	Reason string
	Err    error
}

func (e *ValidationError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: invalid payload: %s: %v", e.Source, e.Reason, e.Err)
	}
	return fmt.Sprintf("%s: invalid payload: %s", e.Source, e.Reason)
}

func (e *ValidationError) Unwrap() error { return e.Err }

// IsUnavailable reports whether err means the source could not answer (down,
// slow, open breaker, bad payload without a stale copy, or offline).
func IsUnavailable(err error) bool {
	return pamerr.CodeOf(err) == pamerr.UpstreamUnavailable
}

func unavailable(source string, err error) error {
	return pamerr.Wrap(err, pamerr.UpstreamUnavailable, source+" is unavailable right now")
}

// isCallerGone reports an error caused by the caller giving up, which says nothing about the service.
func isCallerGone(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}
