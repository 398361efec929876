// Package trip owns PAM's trips-and-places tools: plan_trip,
// estimate_travel_time, find_rv_parks, find_attractions, get_weather_forecast,
// find_cheap_gas and save_favorite_spot. Places are resolved from the offline
// gazetteer, then geocoding; routes come from OSRM or, when routing is down or
// PAM is offline, from a labelled great-circle estimate. No data is invented:
// without a real source a tool answers not_available and says why.
package trip

import (
	"context"
	"fmt"

	"github.com/pamtravel/pam/internal/external"
	"github.com/pamtravel/pam/internal/geo"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

// The outside services the tools use, declared here where they are used;
// *external.Services' clients satisfy them.
type (
	WeatherSource interface {
		Forecast(ctx context.Context, p geo.Point, days int) (external.Forecast, external.Meta, error)
	}
	GeocodeSource interface {
		Search(ctx context.Context, name string, count int) ([]external.GeoResult, external.Meta, error)
	}
	RouteSource interface {
		Route(ctx context.Context, points []geo.Point) (external.Route, external.Meta, error)
	}
	PlaceSource interface {
		Near(ctx context.Context, kind, sub string, p geo.Point, radiusKm float64) ([]external.OSMPlace, external.Meta, error)
	}
	FuelPriceSource interface {
		Stations(ctx context.Context, p geo.Point, radiusKm float64) ([]external.FuelStation, external.Meta, error)
	}
)

// Deps are what the tools need. A nil source means it is not configured
// (or PAM is offline); the tools then use their offline path or say not_available.
type Deps struct {
	Store      store.Store
	Gazetteer  *geo.Gazetteer // nil: the embedded one
	Weather    WeatherSource
	Geocoder   GeocodeSource
	Router     RouteSource
	Places     PlaceSource
	FuelPrices FuelPriceSource
	Options    Options
}

// Options tune the planning arithmetic. Zero fields take the defaults.
type Options struct {
	RoadFactor        float64 // offline estimate: road / great-circle distance [1.25]
	SpeedKmh          float64 // offline estimate: average RV speed [88 km/h = 55 mph]
	OvernightEveryMi  float64 // plan an overnight stop every this many miles of driving [300]
	DefaultMPG        float64 // consumption when the user's fuel log cannot tell [10 mpg]
	DefaultFillGallon float64 // a typical fill, for savings, when the log cannot tell [40 gal]
}

func (o Options) withDefaults() Options {
	if o.RoadFactor <= 0 {
		o.RoadFactor = geo.DefaultRoadFactor
	}
	if o.SpeedKmh <= 0 {
		o.SpeedKmh = geo.DefaultSpeedKmh
	}
	if o.OvernightEveryMi <= 0 {
		o.OvernightEveryMi = 300
	}
	if o.DefaultMPG <= 0 {
		o.DefaultMPG = 10
	}
	if o.DefaultFillGallon <= 0 {
		o.DefaultFillGallon = 40
	}
	return o
}

// FromServices fills the sources of d from s; nil s (offline) leaves them nil.
func (d Deps) FromServices(s *external.Services) Deps {
	if s == nil || s.Offline() {
		return d
	}
	d.Weather, d.Geocoder, d.Router, d.Places = s.Weather, s.Geocoder, s.Router, s.Places
	if s.FuelFeeds != nil {
		d.FuelPrices = s.FuelFeeds
	}
	return d
}

type service struct {
	Deps
	gaz *geo.Gazetteer
}

// Register adds the trip tools to r.
func Register(r *tools.Registry, deps Deps) error {
	if deps.Store == nil {
		return fmt.Errorf("trip: a store is required")
	}
	svc := &service{Deps: deps}
	svc.Options = deps.Options.withDefaults()
	svc.gaz = deps.Gazetteer
	if svc.gaz == nil {
		g, err := geo.DefaultGazetteer()
		if err != nil {
			return fmt.Errorf("trip: %w", err)
		}
		svc.gaz = g
	}
	if err := tools.RegisterAll(r, svc.definitions()...); err != nil {
		return fmt.Errorf("trip: %w", err)
	}
	return nil
}

// ReloadTrips tells clients to refresh trips (and saved spots).
const ReloadTrips = "reload_trips"
