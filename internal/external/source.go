package external

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/pamtravel/pam/internal/cache"
)

// maxBody caps what is read from a service (Overpass answers can be large).
const maxBody = 8 << 20

// source is one outside service: HTTP client, breaker, cache tier, health.
type source struct {
	name    string
	cfg     Config
	http    *http.Client
	cb      *gobreaker.CircuitBreaker[[]byte]
	cache   cache.Cache
	ttl     time.Duration
	ping    func(ctx context.Context) error // health probe, set by the client
	healthM sync.Mutex
	health  Status
}

func newSource(name string, cfg Config, c cache.Cache, ttl time.Duration) *source {
	s := &source{
		name:   name,
		cfg:    cfg,
		http:   &http.Client{Timeout: cfg.Timeout, Transport: cfg.Transport},
		cache:  c,
		ttl:    ttl,
		health: Status{State: StateUnknown},
	}
	if cfg.Offline {
		s.health.State = StateDisabled
	}
	s.cb = gobreaker.NewCircuitBreaker[[]byte](gobreaker.Settings{
		Name:        name,
		MaxRequests: 1,
		Timeout:     cfg.BreakerOpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= cfg.BreakerFailures },
		IsExcluded:  func(err error) bool { return errors.Is(err, errCallerGone) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			cfg.Logger.Warn("external breaker", "source", name, "from", from.String(), "to", to.String())
		},
	})
	return s
}

var errCallerGone = errors.New("caller gone")

// fetch answers key cache-first. On a miss it calls load through the breaker;
// load returns the normalized value's JSON (already validated). On failure a
// stale copy is served with a disclaimer. dst receives the value.
func (s *source) fetch(ctx context.Context, key string, dst any, load func(ctx context.Context) ([]byte, error)) (Meta, error) {
	meta := Meta{Source: s.name}
	if s.cfg.Offline {
		return meta, ErrOffline
	}
	key = "ext:" + s.name + ":" + key
	if raw, ok, err := s.cache.Get(ctx, key); err == nil && ok {
		if e, ok, _ := s.cache.GetStale(ctx, key); ok {
			meta.FetchedAt = e.StoredAt
		}
		if json.Unmarshal(raw, dst) == nil {
			meta.Cached = true
			return meta, nil
		}
	}
	raw, err := s.cb.Execute(func() ([]byte, error) {
		b, err := load(ctx)
		if err != nil && isCallerGone(ctx, err) {
			return nil, fmt.Errorf("%w: %w", errCallerGone, err)
		}
		return b, err
	})
	if err == nil {
		err = json.Unmarshal(raw, dst)
	}
	if err == nil {
		s.recordCall(nil)
		_ = s.cache.Set(ctx, key, raw, s.ttl) // a cache failure must not fail the answer
		meta.FetchedAt = s.cfg.Now()
		return meta, nil
	}
	if !errors.Is(err, errCallerGone) {
		s.recordCall(err)
		s.cfg.Logger.Warn("external call failed", "source", s.name, "err", err)
	}
	if e, ok, cerr := s.cache.GetStale(context.WithoutCancel(ctx), key); cerr == nil && ok && json.Unmarshal(e.Value, dst) == nil {
		meta.Stale = true
		meta.FetchedAt = e.StoredAt
		meta.Disclaimer = fmt.Sprintf("Live %s data is unavailable; this is saved data from %s ago and may be out of date.",
			humanNames[s.name], ago(s.cfg.Now().Sub(e.StoredAt)))
		return meta, nil
	}
	return meta, unavailable(s.name, err)
}

// humanNames name the sources in disclaimers.
var humanNames = map[string]string{
	SourceWeather: "weather", SourceGeocoding: "place search", SourceRouting: "routing",
	SourcePlaces: "OpenStreetMap", SourceFuelPrices: "fuel price",
}

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "moments"
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	case d < 2*time.Hour:
		return "about an hour"
	default:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
}

// get performs a GET and returns the body of a 2xx answer.
func (s *source) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	return s.do(req, nil)
}

// postForm performs a form POST.
func (s *source) postForm(ctx context.Context, url, body string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.do(req, nil)
}

// do sends req; okStatus lists extra non-2xx statuses whose body is still an answer (OSRM's 400 NoRoute).
func (s *source) do(req *http.Request, okStatus []int) ([]byte, error) {
	req.Header.Set("User-Agent", s.cfg.UserAgent)
	req.Header.Set("Accept", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("%s: reading answer: %w", s.name, err)
	}
	if resp.StatusCode/100 != 2 {
		for _, st := range okStatus {
			if resp.StatusCode == st {
				return body, nil
			}
		}
		return nil, fmt.Errorf("%s: HTTP %d: %s", s.name, resp.StatusCode, snippet(body))
	}
	return body, nil
}

func snippet(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 120 {
		b = b[:120]
	}
	return string(b)
}

// decodeStrict decodes one JSON value into v: wrong types, trailing data and
// malformed JSON are validation errors. Unknown fields are allowed — the
// services add fields over time, and PAM reads only what it needs.
func decodeStrict(source string, body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return &ValidationError{Source: source, Reason: "malformed or wrong-typed JSON", Err: err}
	}
	if dec.More() {
		return &ValidationError{Source: source, Reason: "trailing data after the JSON value"}
	}
	return nil
}

func invalid(source, format string, args ...any) error {
	return &ValidationError{Source: source, Reason: fmt.Sprintf(format, args...)}
}
