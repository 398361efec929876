package geo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/cache"
)

type fakeIP struct{ fix Fix }

func (f fakeIP) Locate(context.Context, string) (Fix, error) { return f.fix, nil }

func TestChainResolve(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	moab := Point{38.5733, -109.5498}
	denver := Point{39.7392, -104.9903} // ~350 mi from Moab
	sydney := Point{-33.8679, 151.2073}
	type step struct {
		gps        *Fix
		ip         string
		wantSource string
		wantPoint  Point
		rejected   bool
		wantErr    error
	}
	gps := func(p Point, age time.Duration) *Fix { return &Fix{Point: p, At: now.Add(-age)} }
	tests := []struct {
		name  string
		ipLoc IPLocator
		steps []step
	}{
		{"nothing known asks the user", nil, []step{{wantErr: ErrLocationUnknown}}},
		{"fresh gps then remembered", nil, []step{
			{gps: gps(moab, time.Minute), wantSource: SourceGPS, wantPoint: moab},
			{wantSource: SourceLastKnown, wantPoint: moab},
		}},
		{"stale gps is not used", nil, []step{
			{gps: gps(moab, 11*time.Minute), wantErr: ErrLocationUnknown, rejected: true},
		}},
		{"invalid gps is not used", nil, []step{
			{gps: gps(Point{123, 0}, 0), wantErr: ErrLocationUnknown, rejected: true},
		}},
		{"ip when nothing else", fakeIP{Fix{Point: denver}}, []step{
			{ip: "203.0.113.9", wantSource: SourceIP, wantPoint: denver},
		}},
		{"teleport rejected keeps previous", nil, []step{
			{gps: &Fix{Point: moab, At: now.Add(-9 * time.Minute)}, wantSource: SourceGPS, wantPoint: moab},
			{gps: gps(sydney, 0), wantSource: SourceLastKnown, wantPoint: moab, rejected: true},
		}},
		{"plausible drive accepted", nil, []step{
			{gps: &Fix{Point: moab, At: now.Add(-9 * time.Minute)}, wantSource: SourceGPS, wantPoint: moab},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			c := NewChain(CacheLastKnown{Cache: cache.NewMemory(cache.MemoryOptions{})}, tt.ipLoc, ChainOptions{})
			for i, s := range tt.steps {
				res, err := c.Resolve(ctx, "u1", s.gps, s.ip, now)
				if !errors.Is(err, s.wantErr) {
					t.Fatalf("step %d: err %v, want %v", i, err, s.wantErr)
				}
				if (res.Rejected != "") != s.rejected {
					t.Fatalf("step %d: rejected %q, want %v", i, res.Rejected, s.rejected)
				}
				if err == nil && (res.Fix.Source != s.wantSource || res.Fix.Point != s.wantPoint) {
					t.Fatalf("step %d: %+v, want %s %v", i, res.Fix, s.wantSource, s.wantPoint)
				}
			}
		})
	}
}

func TestChain500MphRule(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	moab := Fix{Point: Point{38.5733, -109.5498}, At: t0}
	denverAfter := func(d time.Duration) *Fix {
		return &Fix{Point: Point{39.7392, -104.9903}, At: t0.Add(d)} // ~240 mi great circle
	}
	tests := []struct {
		after  time.Duration
		accept bool
	}{
		{4 * time.Hour, true},     // ~60 mph
		{40 * time.Minute, true},  // ~360 mph: generous, accepted
		{20 * time.Minute, false}, // ~720 mph: rejected
		{0, false},
	}
	t.Run("previous fix from a skewed clock does not block", func(t *testing.T) {
		ctx := context.Background()
		store := CacheLastKnown{Cache: cache.NewMemory(cache.MemoryOptions{})}
		future := moab
		future.At = t0.Add(48 * time.Hour)
		_ = store.SetLastKnown(ctx, "u", future)
		res, err := NewChain(store, nil, ChainOptions{}).Resolve(ctx, "u", denverAfter(time.Hour), "", t0.Add(time.Hour))
		if err != nil || res.Fix.Source != SourceGPS {
			t.Fatalf("%+v %v", res, err)
		}
	})
	for _, tt := range tests {
		ctx := context.Background()
		store := CacheLastKnown{Cache: cache.NewMemory(cache.MemoryOptions{})}
		_ = store.SetLastKnown(ctx, "u", moab)
		c := NewChain(store, nil, ChainOptions{})
		res, err := c.Resolve(ctx, "u", denverAfter(tt.after), "", t0.Add(tt.after))
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Fix.Source == SourceGPS; got != tt.accept {
			t.Errorf("after %s: accepted=%v (%s), want %v", tt.after, got, res.Rejected, tt.accept)
		}
	}
}
