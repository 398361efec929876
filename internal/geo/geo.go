// Package geo owns PAM's geography: coordinates and their validation,
// great-circle distances, the embedded offline gazetteer of towns (GeoNames,
// CC BY 4.0) with trip estimates built on it, and the location fallback chain
// (fresh GPS → last known → IP geolocation → ask the user).
package geo

import (
	"fmt"
	"math"
)

// Point is a WGS84 position in decimal degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// Validate reports whether p is a real position: lat in [-90,90], lng in [-180,180], finite.
func (p Point) Validate() error {
	if math.IsNaN(p.Lat) || math.IsInf(p.Lat, 0) || p.Lat < -90 || p.Lat > 90 {
		return fmt.Errorf("latitude %v is outside [-90, 90]", p.Lat)
	}
	if math.IsNaN(p.Lng) || math.IsInf(p.Lng, 0) || p.Lng < -180 || p.Lng > 180 {
		return fmt.Errorf("longitude %v is outside [-180, 180]", p.Lng)
	}
	return nil
}

// Unit conversions.
const (
	EarthRadiusKm = 6371.0088
	KmPerMile     = 1.609344
)

// DistanceKm is the great-circle (haversine) distance between a and b.
func DistanceKm(a, b Point) float64 {
	const rad = math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLng := (b.Lng - a.Lng) * rad
	s := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(s)))
}

// KmToMiles converts kilometres to miles.
func KmToMiles(km float64) float64 { return km / KmPerMile }

// Round rounds v to n decimals (for display and stable cache keys).
func Round(v float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(v*p) / p
}
