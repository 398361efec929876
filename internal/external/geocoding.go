package external

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/pamtravel/pam/internal/geo"
)

// Geocoder is the Open-Meteo geocoding client (https://open-meteo.com/en/docs/geocoding-api).
type Geocoder struct {
	src  *source
	base string
}

// GeoResult is one geocoding match.
type GeoResult struct {
	Name        string  `json:"name"`
	Lat         float64 `json:"lat"`
	Lng         float64 `json:"lng"`
	CountryCode string  `json:"country_code"`
	Country     string  `json:"country,omitempty"`
	Admin1      string  `json:"admin1,omitempty"`
	Population  int     `json:"population,omitempty"`
	TimeZone    string  `json:"time_zone,omitempty"`
}

// Label renders "Moab, Utah, United States".
func (r GeoResult) Label() string {
	parts := []string{r.Name}
	for _, p := range []string{r.Admin1, r.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// Search looks name up (a place name only: the API matches names, not "Moab, UT").
// No match is an empty list, not an error.
func (g *Geocoder) Search(ctx context.Context, name string, count int) ([]GeoResult, Meta, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return nil, Meta{Source: SourceGeocoding}, fmt.Errorf("geocoding: name must be 1–200 characters")
	}
	count = max(1, min(count, 10))
	key := strings.ToLower(name) + ":" + strconv.Itoa(count)
	var out []GeoResult
	meta, err := g.src.fetch(ctx, key, &out, func(ctx context.Context) ([]byte, error) {
		q := url.Values{}
		q.Set("name", name)
		q.Set("count", strconv.Itoa(count))
		q.Set("language", "en")
		q.Set("format", "json")
		body, err := g.src.get(ctx, g.base+"/v1/search?"+q.Encode())
		if err != nil {
			return nil, err
		}
		res, err := parseGeocoding(body)
		if err != nil {
			return nil, err
		}
		return json.Marshal(res)
	})
	return out, meta, err
}

type omGeoResult struct {
	Name        string   `json:"name"`
	Latitude    *float64 `json:"latitude"`
	Longitude   *float64 `json:"longitude"`
	CountryCode string   `json:"country_code"`
	Country     string   `json:"country"`
	Admin1      string   `json:"admin1"`
	Population  int      `json:"population"`
	Timezone    string   `json:"timezone"`
}

func parseGeocoding(body []byte) ([]GeoResult, error) {
	var raw struct {
		Results *[]omGeoResult `json:"results"`
		Error   bool           `json:"error"`
		Reason  string         `json:"reason"`
	}
	if err := decodeStrict(SourceGeocoding, body, &raw); err != nil {
		return nil, err
	}
	if raw.Error {
		return nil, invalid(SourceGeocoding, "service error: %s", raw.Reason)
	}
	out := []GeoResult{}
	if raw.Results == nil {
		return out, nil // Open-Meteo omits "results" when nothing matches
	}
	for i, r := range *raw.Results {
		if r.Name == "" || r.Latitude == nil || r.Longitude == nil {
			return nil, invalid(SourceGeocoding, "result %d lacks name or coordinates", i)
		}
		p := geo.Point{Lat: *r.Latitude, Lng: *r.Longitude}
		if err := p.Validate(); err != nil {
			return nil, invalid(SourceGeocoding, "result %d: %v", i, err)
		}
		out = append(out, GeoResult{Name: r.Name, Lat: p.Lat, Lng: p.Lng, CountryCode: r.CountryCode,
			Country: r.Country, Admin1: r.Admin1, Population: r.Population, TimeZone: r.Timezone})
	}
	return out, nil
}

func (g *Geocoder) ping(ctx context.Context) error {
	_, err := g.src.get(ctx, g.base+"/v1/search?name=Denver&count=1&format=json")
	return err
}
