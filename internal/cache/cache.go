// Package cache owns PAM's cache contract — Get/Set/Delete/DeletePrefix plus
// reads of stale copies — with its TTL tiers (user context 5 min, weather
// 30 min, fuel prices 1 h, routes 24 h, geocoding 7 days; stale copies kept
// 24 h), and the in-process memory implementation. A Redis implementation
// satisfies the same interface.
package cache

import (
	"context"
	"time"
)

// Entry is a cached value with when it was stored and whether it is still fresh.
type Entry struct {
	Value    []byte
	StoredAt time.Time
	Fresh    bool
}

// Cache stores byte values under string keys. Set keeps a value fresh for ttl
// and then as a stale copy for the implementation's stale window (24 h by
// default); GetStale reads either, for serving old data when a source fails.
// A shared implementation (Redis) can keep one key with expiry ttl + window
// holding the value and its store time, and answer Get only while
// now < stored + ttl. Implementations are safe for concurrent use.
type Cache interface {
	// Get returns a fresh value; ok is false on a miss or when only a stale copy is left.
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	// GetStale returns the value fresh or stale; ok is false once the stale window has passed.
	GetStale(ctx context.Context, key string) (e Entry, ok bool, err error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Delete(ctx context.Context, key string) error
	// DeletePrefix removes every key starting with prefix ("ctx:u1:"), fresh or stale.
	DeletePrefix(ctx context.Context, prefix string) error
}

// Tiers are the TTLs of each kind of cached data. Zero fields take the defaults.
type Tiers struct {
	UserContext time.Duration // default 5 min
	Weather     time.Duration // default 30 min
	FuelPrices  time.Duration // default 1 h
	Places      time.Duration // RV parks, attractions, stations; default 6 h
	Routes      time.Duration // default 24 h
	Geocoding   time.Duration // default 7 days
	Stale       time.Duration // how long a stale copy outlives its TTL; default 24 h
}

// DefaultTiers are the hardening plan's TTLs.
func DefaultTiers() Tiers {
	return Tiers{
		UserContext: 5 * time.Minute,
		Weather:     30 * time.Minute,
		FuelPrices:  time.Hour,
		Places:      6 * time.Hour,
		Routes:      24 * time.Hour,
		Geocoding:   7 * 24 * time.Hour,
		Stale:       24 * time.Hour,
	}
}

// WithDefaults fills zero fields from DefaultTiers.
func (t Tiers) WithDefaults() Tiers {
	d := DefaultTiers()
	fill := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	fill(&t.UserContext, d.UserContext)
	fill(&t.Weather, d.Weather)
	fill(&t.FuelPrices, d.FuelPrices)
	fill(&t.Places, d.Places)
	fill(&t.Routes, d.Routes)
	fill(&t.Geocoding, d.Geocoding)
	fill(&t.Stale, d.Stale)
	return t
}
