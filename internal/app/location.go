package app

import (
	"context"
	"time"

	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/geo"
	"github.com/pamtravel/pam/internal/tools"
	"github.com/pamtravel/pam/protocol"
)

// locator returns the turn's location fallback chain: fresh GPS from the
// message context, then the user's last known location, then nothing (the
// model or rules brain asks the user).
func locator(c cache.Cache) func(ctx context.Context, userID string, cc *protocol.ChatContext, now time.Time) *tools.Location {
	chain := geo.NewChain(geo.CacheLastKnown{Cache: c}, nil, geo.ChainOptions{})
	return func(ctx context.Context, userID string, cc *protocol.ChatContext, now time.Time) *tools.Location {
		var gps *geo.Fix
		if cc != nil && cc.Location != nil {
			at := cc.Location.Timestamp
			if at.IsZero() {
				at = now
			}
			gps = &geo.Fix{Point: geo.Point{Lat: cc.Location.Lat, Lng: cc.Location.Lng}, AccuracyM: cc.Location.AccuracyM, At: at, Source: "gps"}
		}
		res, err := chain.Resolve(ctx, userID, gps, "", now)
		if err != nil {
			return nil
		}
		f := res.Fix
		return &tools.Location{Lat: f.Lat, Lng: f.Lng, AccuracyM: f.AccuracyM, Source: f.Source, At: f.At}
	}
}
