package app

import (
	"context"
	"fmt"
	"time"

	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/external"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
	"github.com/pamtravel/pam/internal/tools/admin"
	"github.com/pamtravel/pam/internal/tools/budget"
	"github.com/pamtravel/pam/internal/tools/calendar"
	"github.com/pamtravel/pam/internal/tools/fuel"
	"github.com/pamtravel/pam/internal/tools/knowledge"
	"github.com/pamtravel/pam/internal/tools/profile"
	"github.com/pamtravel/pam/internal/tools/trip"
)

// buildTools registers every tool in the one registry and builds the executor.
func (c *components) buildTools(ctx context.Context) error {
	reg := tools.NewRegistry()
	// The audit log itself, not a wrapper: as a tools.BatchAuditor it lets the
	// executor append a call's ledger rows and its own row in one transaction.
	auditor := c.audit
	for _, r := range []struct {
		name     string
		register func(*tools.Registry, store.Store, tools.Auditor, ...tools.RegisterOption) error
	}{
		{"budget", budget.Register}, {"fuel", fuel.Register}, {"calendar", calendar.Register},
		{"profile", profile.Register}, {"knowledge", knowledge.Register}, {"admin", c.registerAdmin},
	} {
		if err := r.register(reg, c.toolStore(), auditor, tools.WithLogger(c.log), tools.WithAlerter(c.moneyAlerts())); err != nil {
			return fmt.Errorf("tools: %s: %w", r.name, err)
		}
	}
	if err := c.registerTrip(reg); err != nil {
		return fmt.Errorf("tools: trip: %w", err)
	}
	c.registry = reg
	c.executor = tools.NewExecutor(reg, tools.ExecutorOptions{
		DefaultTimeout: c.cfg.ToolTimeout, Auditor: auditor, Logger: c.log, Now: time.Now,
		Results: c.toolStore(),                  // the tools' own store chain, so their writes join the call's transaction
		Pending: tools.StorePending{S: c.store}, // a "yes" confirms on any instance, and after a restart
	})
	return nil
}

// registerTrip wires the outside data services and the trip, places and weather tools.
func (c *components) registerTrip(reg *tools.Registry) error {
	if c.cache == nil {
		c.cache = cache.NewMemory(cache.MemoryOptions{})
	}
	c.external = external.New(external.Config{
		Offline: c.cfg.Offline, Replay: c.cfg.DevRecord, OpenMeteoURL: c.cfg.OpenMeteoURL, GeocodeURL: c.cfg.GeocodeURL,
		OSRMURL: c.cfg.OSRMURL, OverpassURL: c.cfg.OverpassURL, FuelPriceURL: c.cfg.FuelPriceURL,
		Transport: c.externalTransport(),
	}, c.cache)
	x := c.external
	deps := trip.Deps{Store: c.toolStore(), Weather: x.Weather, Geocoder: x.Geocoder, Router: x.Router, Places: x.Places}
	if x.FuelFeeds != nil { // a nil pointer must not become a non-nil interface
		deps.FuelPrices = x.FuelFeeds
	}
	return trip.Register(reg, deps)
}

// registerAdmin registers the admin tools over a store whose DeleteUser also
// ends the deleted user's sessions, so their tokens stop working at once.
func (c *components) registerAdmin(r *tools.Registry, s store.Store, a tools.Auditor, opts ...tools.RegisterOption) error {
	return admin.Register(r, revokingStore{Store: s, revoke: c.auth.RevokeUser}, a, opts...)
}

type revokingStore struct {
	store.Store
	revoke func(ctx context.Context, userID string) error
}

func (s revokingStore) DeleteUser(ctx context.Context, id string) error {
	if err := s.Store.DeleteUser(ctx, id); err != nil {
		return err
	}
	return s.revoke(ctx, id)
}
