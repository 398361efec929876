package trip

import (
	"context"
	"fmt"

	"github.com/pamtravel/pam/internal/external"
	"github.com/pamtravel/pam/internal/geo"
	"github.com/pamtravel/pam/internal/tools"
)

// routing is a driving distance and time, from OSRM or an offline estimate.
type routing struct {
	DistanceKm  float64             `json:"distance_km"`
	DurationMin int                 `json:"duration_min"`
	Estimated   bool                `json:"estimated"`
	Source      string              `json:"source"` // osrm, estimate
	Legs        []external.RouteLeg `json:"legs,omitempty"`
	Note        string              `json:"note,omitempty"`
	meta        external.Meta
	banner      string
}

// route drives through places in order: OSRM when it answers, else the
// labelled great-circle estimate. A definite "no road route" is no_results.
func (svc *service) route(ctx context.Context, places []place) (routing, error) {
	pts := make([]geo.Point, len(places))
	for i, p := range places {
		pts[i] = p.Point
	}
	if svc.Router != nil {
		rt, meta, err := svc.Router.Route(ctx, pts)
		switch {
		case err == nil && rt.Found:
			return routing{DistanceKm: rt.DistanceKm, DurationMin: rt.DurationMin, Source: "osrm", Legs: rt.Legs, meta: meta}, nil
		case err == nil:
			return routing{}, tools.Fail(tools.StatusNoResults, "The routing service found no road route between those places.")
		case ctx.Err() != nil:
			return routing{}, ctx.Err()
		}
		est, eerr := svc.estimate(pts)
		if eerr != nil {
			return routing{}, eerr
		}
		est.Note = "Live routing is unavailable, so this is an estimate from straight-line distance × " +
			fmt.Sprint(svc.Options.RoadFactor) + " at an average RV speed."
		est.banner = "Live routing is temporarily unavailable; trip distances are estimates."
		return est, nil
	}
	est, err := svc.estimate(pts)
	if err != nil {
		return routing{}, err
	}
	est.Note = "Offline estimate from straight-line distance × " + fmt.Sprint(svc.Options.RoadFactor) + " at an average RV speed."
	return est, nil
}

func (svc *service) estimate(pts []geo.Point) (routing, error) {
	e, err := geo.EstimateTrip(pts, geo.EstimateOptions{RoadFactor: svc.Options.RoadFactor, SpeedKmh: svc.Options.SpeedKmh})
	if err != nil {
		return routing{}, tools.Invalid("I can't estimate that trip: %v.", err)
	}
	r := routing{DistanceKm: e.DistanceKm, DurationMin: e.DurationMin, Estimated: true, Source: "estimate"}
	for i := 1; i < len(pts); i++ {
		le, _ := geo.EstimateTrip(pts[i-1:i+1], geo.EstimateOptions{RoadFactor: svc.Options.RoadFactor, SpeedKmh: svc.Options.SpeedKmh})
		r.Legs = append(r.Legs, external.RouteLeg{DistanceKm: le.DistanceKm, DurationMin: le.DurationMin})
	}
	return r, nil
}

type travelArgs struct {
	Origin      string   `json:"origin"`
	Destination string   `json:"destination"`
	Stops       []string `json:"stops"`
}

// resolveAll resolves origin, stops and destination in driving order.
func (svc *service) resolveAll(ctx context.Context, a travelArgs) ([]place, error) {
	names := append(append([]string{a.Origin}, a.Stops...), a.Destination)
	out := make([]place, 0, len(names))
	for _, n := range names {
		p, err := svc.resolveText(ctx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (svc *service) estimateTravelTime(ctx context.Context, call *tools.Call) (*tools.Result, error) {
	var a travelArgs
	if err := call.Bind(&a); err != nil {
		return nil, err
	}
	places, err := svc.resolveAll(ctx, travelArgs{Origin: a.Origin, Destination: a.Destination})
	if err != nil {
		return nil, err
	}
	r, err := svc.route(ctx, places)
	if err != nil {
		return nil, err
	}
	u := unitsOf(call)
	summary := fmt.Sprintf("%s to %s: %s, about %s of driving.", places[0].Label, places[1].Label, u.distance(r.DistanceKm), duration(r.DurationMin))
	if r.Estimated {
		summary += " " + r.Note
	}
	res := &tools.Result{
		Data: map[string]any{
			"origin": places[0], "destination": places[1],
			"distance_km": r.DistanceKm, "distance_mi": geo.Round(geo.KmToMiles(r.DistanceKm), 1),
			"duration_min": r.DurationMin, "estimated": r.Estimated, "source": r.Source, "note": r.Note,
		},
		Summary: summary,
		Banner:  r.banner,
	}
	applyMeta(res, r.meta)
	return res, nil
}
