package geo

import (
	"errors"
	"math"
)

// EstimateOptions tune offline estimates. Zero fields take the defaults.
type EstimateOptions struct {
	RoadFactor float64 // road distance / great-circle distance; default 1.25
	SpeedKmh   float64 // average RV speed; default 88 km/h (55 mph)
}

// Defaults of EstimateOptions.
const (
	DefaultRoadFactor = 1.25
	DefaultSpeedKmh   = 88.0
)

func (o EstimateOptions) withDefaults() EstimateOptions {
	if o.RoadFactor <= 0 {
		o.RoadFactor = DefaultRoadFactor
	}
	if o.SpeedKmh <= 0 {
		o.SpeedKmh = DefaultSpeedKmh
	}
	return o
}

// Estimate is an offline distance and driving time; always Estimated.
type Estimate struct {
	DistanceKm  float64 `json:"distance_km"`
	DurationMin int     `json:"duration_min"`
	Estimated   bool    `json:"estimated"`
	Method      string  `json:"method"`
}

// EstimateTrip estimates driving a → b → … through the points in order:
// great-circle distance × road factor at an average RV speed.
func EstimateTrip(points []Point, o EstimateOptions) (Estimate, error) {
	if len(points) < 2 {
		return Estimate{}, errors.New("an estimate needs at least two points")
	}
	o = o.withDefaults()
	var km float64
	for i := 1; i < len(points); i++ {
		if err := points[i].Validate(); err != nil {
			return Estimate{}, err
		}
		km += DistanceKm(points[i-1], points[i]) * o.RoadFactor
	}
	return Estimate{
		DistanceKm:  Round(km, 1),
		DurationMin: int(math.Round(km / o.SpeedKmh * 60)),
		Estimated:   true,
		Method:      "great-circle distance × road factor at average RV speed",
	}, nil
}
