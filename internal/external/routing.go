package external

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/pamtravel/pam/internal/geo"
)

// Router is the OSRM route-service client (http://project-osrm.org/docs/v5.24.0/api/#route-service).
type Router struct {
	src  *source
	base string
}

// Route is a driving route. Found is false when OSRM says there is no road route.
type Route struct {
	Found       bool       `json:"found"`
	DistanceKm  float64    `json:"distance_km"`
	DurationMin int        `json:"duration_min"`
	Legs        []RouteLeg `json:"legs,omitempty"`
}

// RouteLeg is the stretch between two consecutive waypoints.
type RouteLeg struct {
	DistanceKm  float64 `json:"distance_km"`
	DurationMin int     `json:"duration_min"`
}

// Route asks for the driving route through points in order (2–25 points).
func (r *Router) Route(ctx context.Context, points []geo.Point) (Route, Meta, error) {
	if len(points) < 2 || len(points) > 25 {
		return Route{}, Meta{Source: SourceRouting}, fmt.Errorf("route: need 2–25 points, got %d", len(points))
	}
	coords := make([]string, len(points))
	for i, p := range points {
		if err := p.Validate(); err != nil {
			return Route{}, Meta{Source: SourceRouting}, fmt.Errorf("route point %d: %w", i, err)
		}
		coords[i] = fmt.Sprintf("%.5f,%.5f", p.Lng, p.Lat) // OSRM takes lng,lat
	}
	path := strings.Join(coords, ";")
	var out Route
	meta, err := r.src.fetch(ctx, path, &out, func(ctx context.Context) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet,
			r.base+"/route/v1/driving/"+path+"?overview=false&steps=false", nil)
		if err != nil {
			return nil, fmt.Errorf("osrm: %w", err)
		}
		// OSRM answers NoRoute with HTTP 400 and a JSON body.
		body, err := r.src.do(req, []int{http.StatusBadRequest})
		if err != nil {
			return nil, err
		}
		rt, err := parseRoute(body, len(points)-1)
		if err != nil {
			return nil, err
		}
		return json.Marshal(rt)
	})
	return out, meta, err
}

type osrmResponse struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Routes  []struct {
		Distance *float64 `json:"distance"`
		Duration *float64 `json:"duration"`
		Legs     []struct {
			Distance *float64 `json:"distance"`
			Duration *float64 `json:"duration"`
		} `json:"legs"`
	} `json:"routes"`
}

func parseRoute(body []byte, wantLegs int) (Route, error) {
	var raw osrmResponse
	if err := decodeStrict(SourceRouting, body, &raw); err != nil {
		return Route{}, err
	}
	switch raw.Code {
	case "Ok":
	case "NoRoute", "NoSegment":
		return Route{Found: false}, nil
	case "":
		return Route{}, invalid(SourceRouting, "missing code")
	default:
		return Route{}, invalid(SourceRouting, "service code %s: %s", raw.Code, raw.Message)
	}
	if len(raw.Routes) == 0 {
		return Route{}, invalid(SourceRouting, "code Ok without routes")
	}
	best := raw.Routes[0]
	if best.Distance == nil || best.Duration == nil || *best.Distance < 0 || *best.Duration < 0 {
		return Route{}, invalid(SourceRouting, "route lacks distance or duration")
	}
	if len(best.Legs) != wantLegs {
		return Route{}, invalid(SourceRouting, "route has %d legs, want %d", len(best.Legs), wantLegs)
	}
	rt := Route{Found: true, DistanceKm: geo.Round(*best.Distance/1000, 1), DurationMin: int(*best.Duration/60 + 0.5)}
	for i, l := range best.Legs {
		if l.Distance == nil || l.Duration == nil {
			return Route{}, invalid(SourceRouting, "leg %d lacks distance or duration", i)
		}
		rt.Legs = append(rt.Legs, RouteLeg{DistanceKm: geo.Round(*l.Distance/1000, 1), DurationMin: int(*l.Duration/60 + 0.5)})
	}
	return rt, nil
}

func (r *Router) ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		r.base+"/route/v1/driving/-104.99000,39.74000;-104.98000,39.75000?overview=false", nil)
	if err != nil {
		return err
	}
	_, err = r.src.do(req, nil)
	return err
}
