package external

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/geo"
)

// FuelFeed reads a station price feed in the format of the UK Competition and
// Markets Authority's road fuel prices open-data scheme, which retailers
// publish keyless as one JSON file:
//
//	{"last_updated":"24/11/2026 07:30:00","stations":[{"site_id":"…","brand":"…",
//	  "address":"…","postcode":"…","location":{"latitude":51.5,"longitude":-0.1},
//	  "prices":{"E10":139.9,"E5":149.9,"B7":146.9,"SDV":155.9}}]}
//
// Prices are pence per litre; PAM turns them into GBP per litre. The feed is
// cached whole for the fuel price tier (1 h) and filtered by distance.
type FuelFeed struct {
	src *source
	url string
}

// FuelStation is a station with its current prices per litre.
type FuelStation struct {
	ID         string                     `json:"id"`
	Brand      string                     `json:"brand"`
	Address    string                     `json:"address,omitempty"`
	Postcode   string                     `json:"postcode,omitempty"`
	Lat        float64                    `json:"lat"`
	Lng        float64                    `json:"lng"`
	DistanceKm float64                    `json:"distance_km"`
	Prices     map[string]decimal.Decimal `json:"prices"` // per Unit in Currency, by grade: regular, premium, diesel, premium_diesel
	Currency   string                     `json:"currency"`
	Unit       string                     `json:"unit"` // "L"
	UpdatedAt  time.Time                  `json:"updated_at"`
}

// cmaGrades maps the CMA fuel codes to PAM's grade names.
var cmaGrades = map[string]string{"E10": "regular", "E5": "premium", "B7": "diesel", "SDV": "premium_diesel"}

// Name names the source.
func (f *FuelFeed) Name() string { return SourceFuelPrices }

// Stations returns the feed's stations within radiusKm of p, nearest first.
func (f *FuelFeed) Stations(ctx context.Context, p geo.Point, radiusKm float64) ([]FuelStation, Meta, error) {
	if err := p.Validate(); err != nil {
		return nil, Meta{Source: SourceFuelPrices}, fmt.Errorf("fuel prices: %w", err)
	}
	var all []FuelStation
	meta, err := f.src.fetch(ctx, f.url, &all, func(ctx context.Context) ([]byte, error) {
		body, err := f.src.get(ctx, f.url)
		if err != nil {
			return nil, err
		}
		st, err := parseCMAFeed(body)
		if err != nil {
			return nil, err
		}
		return json.Marshal(st)
	})
	if err != nil {
		return nil, meta, err
	}
	var near []FuelStation
	for _, s := range all {
		s.DistanceKm = geo.Round(geo.DistanceKm(p, geo.Point{Lat: s.Lat, Lng: s.Lng}), 1)
		if s.DistanceKm <= radiusKm {
			near = append(near, s)
		}
	}
	sort.SliceStable(near, func(i, j int) bool { return near[i].DistanceKm < near[j].DistanceKm })
	return near, meta, nil
}

type cmaFeed struct {
	LastUpdated *string `json:"last_updated"`
	Stations    *[]struct {
		SiteID   string `json:"site_id"`
		Brand    string `json:"brand"`
		Address  string `json:"address"`
		Postcode string `json:"postcode"`
		Location *struct {
			Latitude  *json.Number `json:"latitude"`
			Longitude *json.Number `json:"longitude"`
		} `json:"location"`
		Prices map[string]*json.Number `json:"prices"`
	} `json:"stations"`
}

var (
	minPence = decimal.NewFromInt(50)  // below 50p/L is a data error
	maxPence = decimal.NewFromInt(500) // above £5/L is a data error
	hundred  = decimal.NewFromInt(100)
)

func parseCMAFeed(body []byte) ([]FuelStation, error) {
	var raw cmaFeed
	if err := decodeStrict(SourceFuelPrices, body, &raw); err != nil {
		return nil, err
	}
	if raw.LastUpdated == nil || raw.Stations == nil {
		return nil, invalid(SourceFuelPrices, "missing last_updated or stations")
	}
	updated, err := time.Parse("02/01/2006 15:04:05", *raw.LastUpdated)
	if err != nil {
		return nil, invalid(SourceFuelPrices, "last_updated %q is not dd/mm/yyyy hh:mm:ss", *raw.LastUpdated)
	}
	out := []FuelStation{}
	for i, s := range *raw.Stations {
		if s.SiteID == "" || s.Location == nil || s.Location.Latitude == nil || s.Location.Longitude == nil {
			return nil, invalid(SourceFuelPrices, "station %d lacks site_id or location", i)
		}
		lat, err1 := s.Location.Latitude.Float64()
		lng, err2 := s.Location.Longitude.Float64()
		p := geo.Point{Lat: lat, Lng: lng}
		if err1 != nil || err2 != nil || p.Validate() != nil {
			return nil, invalid(SourceFuelPrices, "station %s has bad coordinates", s.SiteID)
		}
		st := FuelStation{ID: s.SiteID, Brand: strings.TrimSpace(s.Brand), Address: s.Address, Postcode: s.Postcode,
			Lat: lat, Lng: lng, Prices: map[string]decimal.Decimal{}, Currency: "GBP", Unit: "L", UpdatedAt: updated}
		for code, v := range s.Prices {
			grade, ok := cmaGrades[code]
			if !ok || v == nil {
				continue
			}
			pence, err := decimal.NewFromString(v.String())
			if err != nil || pence.LessThan(minPence) || pence.GreaterThan(maxPence) {
				continue // one implausible price drops that grade, not the station
			}
			st.Prices[grade] = pence.Div(hundred) // pence → pounds, exact
		}
		out = append(out, st)
	}
	return out, nil
}

func (f *FuelFeed) ping(ctx context.Context) error {
	_, err := f.src.get(ctx, f.url)
	return err
}
