package external

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/pamtravel/pam/internal/geo"
)

// Places is the OpenStreetMap Overpass API client (https://wiki.openstreetmap.org/wiki/Overpass_API).
type Places struct {
	src      *source
	endpoint string
}

// OSMPlace is one map feature near a point.
type OSMPlace struct {
	ID         string            `json:"id"` // "node/123", "way/456"
	Name       string            `json:"name,omitempty"`
	Lat        float64           `json:"lat"`
	Lng        float64           `json:"lng"`
	DistanceKm float64           `json:"distance_km"`
	Tags       map[string]string `json:"tags,omitempty"`
}

// Kinds of features PAM asks Overpass for.
const (
	KindCampsites   = "campsites"
	KindFuel        = "fuel"
	KindAttractions = "attractions"
)

// attractionKinds maps find_attractions' kind to Overpass filters.
var attractionKinds = map[string][]string{
	"museum":     {`["tourism"="museum"]`},
	"viewpoint":  {`["tourism"="viewpoint"]`},
	"park":       {`["leisure"="nature_reserve"]`, `["boundary"="national_park"]`},
	"historic":   {`["historic"~"^(monument|memorial|castle|ruins|fort|archaeological_site)$"]`},
	"attraction": {`["tourism"~"^(attraction|theme_park|zoo|aquarium)$"]`},
}

// AttractionKinds lists the kinds find_attractions accepts.
func AttractionKinds() []string {
	var out []string
	for k := range attractionKinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func overpassQuery(kind, sub string, p geo.Point, radiusM int) (string, error) {
	var filters []string
	switch kind {
	case KindCampsites:
		filters = []string{`["tourism"~"^(caravan_site|camp_site)$"]`}
	case KindFuel:
		filters = []string{`["amenity"="fuel"]`}
	case KindAttractions:
		if sub == "" {
			for _, k := range AttractionKinds() {
				filters = append(filters, attractionKinds[k]...)
			}
		} else if f, ok := attractionKinds[sub]; ok {
			filters = f
		} else {
			return "", fmt.Errorf("unknown attraction kind %q", sub)
		}
	default:
		return "", fmt.Errorf("unknown place kind %q", kind)
	}
	var b strings.Builder
	b.WriteString("[out:json][timeout:20];(")
	for _, f := range filters {
		fmt.Fprintf(&b, "nwr%s(around:%d,%.4f,%.4f);", f, radiusM, p.Lat, p.Lng)
	}
	b.WriteString(");out center tags 80;")
	return b.String(), nil
}

// Near returns features of kind (sub: attraction kind, or "") within radiusKm of p, nearest first.
func (pl *Places) Near(ctx context.Context, kind, sub string, p geo.Point, radiusKm float64) ([]OSMPlace, Meta, error) {
	if err := p.Validate(); err != nil {
		return nil, Meta{Source: SourcePlaces}, fmt.Errorf("places: %w", err)
	}
	radiusKm = max(1, min(radiusKm, 100))
	// Round the centre to ~1 km so nearby requests share a cache entry.
	c := geo.Point{Lat: geo.Round(p.Lat, 2), Lng: geo.Round(p.Lng, 2)}
	q, err := overpassQuery(kind, sub, c, int(radiusKm*1000))
	if err != nil {
		return nil, Meta{Source: SourcePlaces}, err
	}
	key := fmt.Sprintf("%s:%s:%.2f,%.2f:%d", kind, sub, c.Lat, c.Lng, int(radiusKm))
	var out []OSMPlace
	meta, err := pl.src.fetch(ctx, key, &out, func(ctx context.Context) ([]byte, error) {
		body, err := pl.src.postForm(ctx, pl.endpoint, "data="+url.QueryEscape(q))
		if err != nil {
			return nil, err
		}
		places, err := parseOverpass(body, c)
		if err != nil {
			return nil, err
		}
		return json.Marshal(places)
	})
	if err != nil {
		return nil, meta, err
	}
	for i := range out { // distances from the caller's exact point
		out[i].DistanceKm = geo.Round(geo.DistanceKm(p, geo.Point{Lat: out[i].Lat, Lng: out[i].Lng}), 1)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].DistanceKm < out[j].DistanceKm })
	return out, meta, nil
}

// keptTags are the OSM tags PAM uses; the rest are dropped to keep answers small.
var keptTags = map[string]bool{
	"name": true, "tourism": true, "amenity": true, "historic": true, "leisure": true, "boundary": true,
	"brand": true, "operator": true, "website": true, "phone": true, "opening_hours": true,
	"fee": true, "charge": true, "power_supply": true, "drinking_water": true, "sanitary_dump_station": true,
	"shower": true, "toilets": true, "internet_access": true, "maxlength": true, "capacity": true,
	"caravans": true, "motorhome": true, "dog": true, "addr:city": true, "addr:street": true,
	"description": true, "fuel:diesel": true, "fuel:lpg": true, "hgv": true,
}

type overpassResponse struct {
	Elements *[]struct {
		Type   string                      `json:"type"`
		ID     int64                       `json:"id"`
		Lat    *float64                    `json:"lat"`
		Lon    *float64                    `json:"lon"`
		Center *struct{ Lat, Lon float64 } `json:"center"`
		Tags   map[string]string           `json:"tags"`
	} `json:"elements"`
	Remark string `json:"remark"`
}

func parseOverpass(body []byte, from geo.Point) ([]OSMPlace, error) {
	var raw overpassResponse
	if err := decodeStrict(SourcePlaces, body, &raw); err != nil {
		return nil, err
	}
	if strings.Contains(raw.Remark, "error") {
		return nil, invalid(SourcePlaces, "service remark: %s", snippet([]byte(raw.Remark)))
	}
	if raw.Elements == nil {
		return nil, invalid(SourcePlaces, "missing elements")
	}
	out := []OSMPlace{}
	for i, e := range *raw.Elements {
		var p geo.Point
		switch {
		case e.Lat != nil && e.Lon != nil:
			p = geo.Point{Lat: *e.Lat, Lng: *e.Lon}
		case e.Center != nil:
			p = geo.Point{Lat: e.Center.Lat, Lng: e.Center.Lon}
		default:
			continue // a way without "out center": no position to offer
		}
		if e.Type == "" || e.ID == 0 {
			return nil, invalid(SourcePlaces, "element %d lacks type or id", i)
		}
		if err := p.Validate(); err != nil {
			return nil, invalid(SourcePlaces, "element %d: %v", i, err)
		}
		tags := map[string]string{}
		for k, v := range e.Tags {
			if keptTags[k] {
				tags[k] = v
			}
		}
		out = append(out, OSMPlace{
			ID: fmt.Sprintf("%s/%d", e.Type, e.ID), Name: e.Tags["name"], Lat: p.Lat, Lng: p.Lng,
			DistanceKm: geo.Round(geo.DistanceKm(from, p), 1), Tags: tags,
		})
	}
	return out, nil
}

func (pl *Places) ping(ctx context.Context) error {
	// A trivial query; Overpass's /api/status is text and varies by instance.
	_, err := pl.src.postForm(ctx, pl.endpoint, "data="+url.QueryEscape("[out:json][timeout:5];node(1);out ids;"))
	return err
}
