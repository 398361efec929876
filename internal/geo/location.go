package geo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pamtravel/pam/internal/cache"
)

// Sources of a Fix.
const (
	SourceGPS       = "gps"
	SourceLastKnown = "last_known"
	SourceIP        = "ip"
)

// Fix is a position with its accuracy, time and source.
type Fix struct {
	Point
	AccuracyM float64   `json:"accuracy_m,omitempty"`
	At        time.Time `json:"at"`
	Source    string    `json:"source"`
}

// ErrLocationUnknown means every source failed: ask the user where they are.
var ErrLocationUnknown = errors.New("location unknown: ask the user to share their location or name a place")

// LastKnownStore keeps each user's last accepted fix.
type LastKnownStore interface {
	LastKnown(ctx context.Context, userID string) (Fix, bool, error)
	SetLastKnown(ctx context.Context, userID string, f Fix) error
}

// IPLocator turns a client address into an approximate fix. Off unless configured.
type IPLocator interface {
	Locate(ctx context.Context, ip string) (Fix, error)
}

// ChainOptions tune the fallback chain. Zero fields take the defaults.
type ChainOptions struct {
	MaxGPSAge   time.Duration // default 10 min
	MaxSpeedMph float64       // a jump implying more is rejected; default 500
}

// Chain resolves a user's position: fresh GPS → last known → IP → ErrLocationUnknown.
type Chain struct {
	last LastKnownStore
	ip   IPLocator // nil: off
	opts ChainOptions
}

// NewChain returns a chain; ip may be nil (IP geolocation off, the default).
func NewChain(last LastKnownStore, ip IPLocator, o ChainOptions) *Chain {
	if o.MaxGPSAge <= 0 {
		o.MaxGPSAge = 10 * time.Minute
	}
	if o.MaxSpeedMph <= 0 {
		o.MaxSpeedMph = 500
	}
	return &Chain{last: last, ip: ip, opts: o}
}

// Resolution is the chain's answer; Rejected says why a GPS fix was not used.
type Resolution struct {
	Fix      Fix
	Rejected string `json:",omitempty"`
}

// Resolve picks the best position for userID. gps is the message context's
// fix, or nil. An accepted GPS fix becomes the user's last known location.
func (c *Chain) Resolve(ctx context.Context, userID string, gps *Fix, clientIP string, now time.Time) (Resolution, error) {
	var res Resolution
	prev, havePrev, err := c.last.LastKnown(ctx, userID)
	if err != nil {
		havePrev = false // a cache failure only loses the last-known step
	}
	if gps != nil {
		if reason := c.checkGPS(*gps, prev, havePrev, now); reason != "" {
			res.Rejected = reason
		} else {
			f := *gps
			f.Source = SourceGPS
			_ = c.last.SetLastKnown(ctx, userID, f) // best effort; the fix is still good now
			return Resolution{Fix: f}, nil
		}
	}
	if havePrev {
		prev.Source = SourceLastKnown
		res.Fix = prev
		return res, nil
	}
	if c.ip != nil && clientIP != "" {
		if f, err := c.ip.Locate(ctx, clientIP); err == nil && f.Validate() == nil {
			f.Source = SourceIP
			res.Fix = f
			return res, nil
		}
	}
	return res, ErrLocationUnknown
}

func (c *Chain) checkGPS(f, prev Fix, havePrev bool, now time.Time) string {
	if err := f.Validate(); err != nil {
		return "invalid coordinates: " + err.Error()
	}
	if f.At.IsZero() {
		return "fix has no timestamp"
	}
	if age := now.Sub(f.At); age > c.opts.MaxGPSAge {
		return fmt.Sprintf("fix is %s old (limit %s)", age.Round(time.Second), c.opts.MaxGPSAge)
	}
	// A previous fix stamped in the future (a skewed device clock) cannot judge speed.
	if havePrev && !prev.At.After(now) {
		if mph := ImpliedSpeedMph(prev, f); mph > c.opts.MaxSpeedMph {
			return fmt.Sprintf("jump implies %.0f mph from the previous fix (limit %.0f)", mph, c.opts.MaxSpeedMph)
		}
	}
	return ""
}

// ImpliedSpeedMph is the speed needed to travel from a to b in the time between them.
// Moving at all in zero time (or backwards in time) counts as infinitely fast.
func ImpliedSpeedMph(a, b Fix) float64 {
	miles := KmToMiles(DistanceKm(a.Point, b.Point))
	hours := b.At.Sub(a.At).Hours()
	if hours <= 0 {
		if miles < 0.1 {
			return 0
		}
		return 1e9
	}
	return miles / hours
}

// CacheLastKnown keeps last known locations in a cache.Cache under "loc:last:{user}".
type CacheLastKnown struct {
	Cache cache.Cache
	TTL   time.Duration // default 7 days
}

func (s CacheLastKnown) key(userID string) string { return "loc:last:" + userID }

// LastKnown implements LastKnownStore.
func (s CacheLastKnown) LastKnown(ctx context.Context, userID string) (Fix, bool, error) {
	e, ok, err := s.Cache.GetStale(ctx, s.key(userID))
	if err != nil || !ok {
		return Fix{}, false, err
	}
	var f Fix
	if err := json.Unmarshal(e.Value, &f); err != nil || f.Validate() != nil {
		return Fix{}, false, fmt.Errorf("last known location: corrupt entry")
	}
	return f, true, nil
}

// SetLastKnown implements LastKnownStore.
func (s CacheLastKnown) SetLastKnown(ctx context.Context, userID string, f Fix) error {
	ttl := s.TTL
	if ttl <= 0 {
		ttl = 7 * 24 * time.Hour
	}
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("last known location: %w", err)
	}
	return s.Cache.Set(ctx, s.key(userID), b, ttl)
}
