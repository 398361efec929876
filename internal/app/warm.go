package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/external"
	"github.com/pamtravel/pam/internal/geo"
	"github.com/pamtravel/pam/internal/ratelimit"
)

// warmPlan is what the daily warming fetches: popular places (forecast and
// RV parks within the parks tool's default 40 km, so the tool's own cache
// keys are the ones warmed) and popular routes.
type warmPlan struct {
	places []geo.Place
	routes [][2]geo.Place
}

// parseWarmPlan resolves PAM_WARM_PLACES ("Moab UT; Quartzsite AZ") and
// PAM_WARM_ROUTES ("Denver CO > Moab UT; …") against the gazetteer.
func parseWarmPlan(places, routes string, g *geo.Gazetteer) (warmPlan, error) {
	var p warmPlan
	lookup := func(setting, name string) (geo.Place, error) {
		pl, ok := g.Lookup(strings.TrimSpace(name))
		if !ok {
			return geo.Place{}, fmt.Errorf("config: %s: unknown place %q", setting, strings.TrimSpace(name))
		}
		return pl, nil
	}
	for _, name := range strings.Split(places, ";") {
		if strings.TrimSpace(name) == "" {
			continue
		}
		pl, err := lookup("PAM_WARM_PLACES", name)
		if err != nil {
			return p, err
		}
		p.places = append(p.places, pl)
	}
	for _, r := range strings.Split(routes, ";") {
		if strings.TrimSpace(r) == "" {
			continue
		}
		from, to, ok := strings.Cut(r, ">")
		if !ok {
			return p, fmt.Errorf("config: PAM_WARM_ROUTES: %q is not \"From > To\"", strings.TrimSpace(r))
		}
		a, err := lookup("PAM_WARM_ROUTES", from)
		if err != nil {
			return p, err
		}
		b, err := lookup("PAM_WARM_ROUTES", to)
		if err != nil {
			return p, err
		}
		p.routes = append(p.routes, [2]geo.Place{a, b})
	}
	return p, nil
}

// nextWarm returns the next time the clock reads hour:00 UTC after now.
func nextWarm(now time.Time, hour int) time.Time {
	now = now.UTC()
	t := time.Date(now.Year(), now.Month(), now.Day(), hour, 0, 0, 0, time.UTC)
	if !t.After(now) {
		t = t.Add(24 * time.Hour)
	}
	return t
}

// warmJobs turns the plan into cache-warming jobs for the work queue.
func warmJobs(p warmPlan, x *external.Services) []func(ctx context.Context) {
	var jobs []func(ctx context.Context)
	for _, pl := range p.places {
		pt := geo.Point{Lat: pl.Lat, Lng: pl.Lng}
		jobs = append(jobs,
			func(ctx context.Context) { _ = x.Weather.Warm(ctx, pt) },
			func(ctx context.Context) { _, _, _ = x.Places.Near(ctx, external.KindCampsites, "", pt, 40) })
	}
	for _, r := range p.routes {
		pts := []geo.Point{{Lat: r[0].Lat, Lng: r[0].Lng}, {Lat: r[1].Lat, Lng: r[1].Lng}}
		jobs = append(jobs, func(ctx context.Context) { _, _, _ = x.Router.Route(ctx, pts) })
	}
	return jobs
}

// runWarming warms popular places and routes every day at PAM_WARM_HOUR
// (UTC), a low-traffic hour, as the lowest-priority work: shed under load.
// With Redis only one instance warms each day.
func (c *components) runWarming(ctx context.Context, cfg *config.Config) {
	if cfg.WarmHour < 0 || cfg.Offline || (cfg.WarmPlaces == "" && cfg.WarmRoutes == "") {
		return
	}
	g, err := geo.DefaultGazetteer()
	if err != nil {
		c.log.Warn("cache warming disabled", "error", err)
		return
	}
	plan, err := parseWarmPlan(cfg.WarmPlaces, cfg.WarmRoutes, g)
	if err != nil {
		c.log.Warn("cache warming disabled", "error", err)
		return
	}
	for {
		at := nextWarm(time.Now(), cfg.WarmHour)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(at)):
		}
		if !c.claimWarming(ctx, at) {
			continue
		}
		queued, shed := 0, 0
		for _, job := range warmJobs(plan, c.external) {
			if err := c.scale.work.Submit(ratelimit.CacheWarming, job); err != nil {
				shed++
			} else {
				queued++
			}
		}
		c.log.Info("cache warming queued", "jobs", queued, "skipped", shed)
	}
}

// claimWarming lets one instance warm per day (a Redis key); without Redis, this one.
func (c *components) claimWarming(ctx context.Context, at time.Time) bool {
	if c.scale.redis == nil {
		return true
	}
	key := c.scale.redis.Prefix + "warm:" + at.Format("2006-01-02")
	ok, err := c.scale.redis.RDB.SetNX(ctx, key, "1", 23*time.Hour).Result()
	return err == nil && ok
}
