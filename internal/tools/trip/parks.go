package trip

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/external"
	"github.com/pamtravel/pam/internal/tools"
)

// Amenities find_rv_parks understands, and the OSM tags that show them.
var amenityTags = map[string]func(t map[string]string) bool{
	"power":   func(t map[string]string) bool { return yes(t["power_supply"]) },
	"water":   func(t map[string]string) bool { return yes(t["drinking_water"]) },
	"dump":    func(t map[string]string) bool { return yes(t["sanitary_dump_station"]) },
	"showers": func(t map[string]string) bool { return yes(t["shower"]) },
	"toilets": func(t map[string]string) bool { return yes(t["toilets"]) },
	"wifi":    func(t map[string]string) bool { v := t["internet_access"]; return v != "" && v != "no" },
	"pets":    func(t map[string]string) bool { return t["dog"] == "yes" || t["dog"] == "leashed" },
	"rv": func(t map[string]string) bool {
		return t["tourism"] == "caravan_site" || yes(t["caravans"]) || yes(t["motorhome"])
	},
}

// AmenityNames lists them in a stable order (the schema's enum).
var AmenityNames = []string{"power", "water", "dump", "showers", "toilets", "wifi", "pets", "rv"}

func yes(v string) bool { return v != "" && v != "no" && v != "none" }

type park struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"` // rv_park, campground
	Lat        float64  `json:"lat"`
	Lng        float64  `json:"lng"`
	DistanceKm float64  `json:"distance_km"`
	Amenities  []string `json:"amenities"`
	Price      string   `json:"price,omitempty"` // per night, as tagged in OpenStreetMap
	Currency   string   `json:"currency,omitempty"`
	Free       bool     `json:"free,omitempty"`
	Website    string   `json:"website,omitempty"`
	Operator   string   `json:"operator,omitempty"`
}

// chargeRe reads OSM charge tags: "65 USD", "USD 65", "$42", "30 EUR/night".
var chargeRe = regexp.MustCompile(`^\s*(?:([A-Z]{3})\s*|([$€£]))?\s*(\d{1,6}(?:\.\d{1,2})?)\s*([A-Z]{3})?`)

// parseCharge returns the first price in an OSM charge tag, if it has a currency.
func parseCharge(s string) (decimal.Decimal, string, bool) {
	m := chargeRe.FindStringSubmatch(s)
	if m == nil {
		return decimal.Zero, "", false
	}
	cur := m[1]
	if cur == "" {
		cur = m[4]
	}
	if cur == "" {
		cur = map[string]string{"$": "USD", "€": "EUR", "£": "GBP"}[m[2]]
	}
	if cur == "" {
		return decimal.Zero, "", false
	}
	d, err := decimal.NewFromString(m[3])
	if err != nil {
		return decimal.Zero, "", false
	}
	return d, cur, true
}

type parksArgs struct {
	whereArgs
	RadiusKm  *float64 `json:"radius_km"`
	Amenities []string `json:"amenities"`
	MaxPrice  any      `json:"max_price"`
}

func (svc *service) findRVParks(ctx context.Context, call *tools.Call) (*tools.Result, error) {
	var a parksArgs
	if err := call.Bind(&a); err != nil {
		return nil, err
	}
	for _, am := range a.Amenities {
		if amenityTags[am] == nil {
			return nil, tools.Invalid("I don't know the amenity %q; use %s.", am, strings.Join(AmenityNames, ", "))
		}
	}
	maxPrice, hasMax, err := tools.OptionalDecimal(a.MaxPrice)
	if err != nil {
		return nil, tools.Invalid("max_price must be a number like 40 (%v).", err)
	}
	if svc.Places == nil {
		return notConfigured("RV parks"), nil
	}
	where, err := svc.resolveWhere(ctx, call, a.whereArgs)
	if err != nil {
		return nil, err
	}
	radius := radiusOr(a.RadiusKm, 40)
	found, meta, err := svc.Places.Near(ctx, external.KindCampsites, "", where.Point, radius)
	if err != nil {
		if external.IsUnavailable(err) {
			return unavailable("RV parks", "RV park search is temporarily unavailable."), nil
		}
		return nil, err
	}
	cur := call.Settings.Currency
	var parks []park
	unpriced := 0
	for _, f := range found {
		p := toPark(f)
		if !hasAll(f.Tags, a.Amenities) {
			continue
		}
		if hasMax {
			switch {
			case p.Free:
			case p.Price == "" || p.Currency != cur:
				unpriced++ // kept: the price is not tagged (or not in the user's currency)
			case decimal.RequireFromString(p.Price).GreaterThan(maxPrice):
				continue
			}
		}
		parks = append(parks, p)
		if len(parks) == 25 {
			break
		}
	}
	u := unitsOf(call)
	res := &tools.Result{Data: map[string]any{"near": where, "radius_km": radius, "parks": nonNil(parks)}}
	if len(parks) == 0 {
		res.Status = tools.StatusNoResults
		res.Summary = fmt.Sprintf("I found no RV parks or campgrounds matching that within %s of %s in OpenStreetMap.", u.distance(radius), where.Label)
	} else {
		names := firstFew(parks, func(p park) string { return fmt.Sprintf("%s (%s)", p.Name, u.distance(p.DistanceKm)) })
		res.Summary = fmt.Sprintf("Found %s near %s: %s.", tools.Plural(len(parks), "place to stay", "places to stay"), where.Label, names)
		if hasMax && unpriced > 0 {
			res.Summary += fmt.Sprintf(" %d of them list no price, so check before you go.", unpriced)
		}
	}
	applyMeta(res, meta)
	return res, nil
}

func toPark(f external.OSMPlace) park {
	p := park{ID: f.ID, Name: f.Name, Lat: f.Lat, Lng: f.Lng, DistanceKm: f.DistanceKm,
		Website: f.Tags["website"], Operator: f.Tags["operator"], Amenities: []string{}}
	p.Kind = "campground"
	if f.Tags["tourism"] == "caravan_site" {
		p.Kind = "rv_park"
	}
	if p.Name == "" {
		p.Name = "Unnamed " + strings.ReplaceAll(p.Kind, "_", " ")
	}
	for _, am := range AmenityNames {
		if amenityTags[am](f.Tags) {
			p.Amenities = append(p.Amenities, am)
		}
	}
	if f.Tags["fee"] == "no" {
		p.Free = true
	} else if d, cur, ok := parseCharge(f.Tags["charge"]); ok {
		p.Price, p.Currency = d.StringFixed(2), cur
	}
	return p
}

func hasAll(tags map[string]string, want []string) bool {
	for _, am := range want {
		if !amenityTags[am](tags) {
			return false
		}
	}
	return true
}

func radiusOr(r *float64, def float64) float64 {
	if r == nil || *r <= 0 {
		return def
	}
	return min(*r, 100)
}

// firstFew renders the first three items for a summary, comma-separated.
func firstFew[T any](items []T, render func(T) string) string {
	var out []string
	for _, it := range items[:min(3, len(items))] {
		out = append(out, render(it))
	}
	return strings.Join(out, ", ")
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type attraction struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Kind       string  `json:"kind"`
	Lat        float64 `json:"lat"`
	Lng        float64 `json:"lng"`
	DistanceKm float64 `json:"distance_km"`
	Website    string  `json:"website,omitempty"`
	Hours      string  `json:"opening_hours,omitempty"`
}

type attractionArgs struct {
	whereArgs
	RadiusKm *float64 `json:"radius_km"`
	Kind     string   `json:"kind"`
}

func (svc *service) findAttractions(ctx context.Context, call *tools.Call) (*tools.Result, error) {
	var a attractionArgs
	if err := call.Bind(&a); err != nil {
		return nil, err
	}
	if svc.Places == nil {
		return notConfigured("attractions"), nil
	}
	where, err := svc.resolveWhere(ctx, call, a.whereArgs)
	if err != nil {
		return nil, err
	}
	radius := radiusOr(a.RadiusKm, 30)
	found, meta, err := svc.Places.Near(ctx, external.KindAttractions, a.Kind, where.Point, radius)
	if err != nil {
		if external.IsUnavailable(err) {
			return unavailable("attractions", "Attraction search is temporarily unavailable."), nil
		}
		return nil, tools.Invalid("%v", err)
	}
	var out []attraction
	for _, f := range found {
		if f.Name == "" {
			continue // an unnamed viewpoint is not something to suggest
		}
		out = append(out, attraction{ID: f.ID, Name: f.Name, Kind: attractionKind(f.Tags), Lat: f.Lat, Lng: f.Lng,
			DistanceKm: f.DistanceKm, Website: f.Tags["website"], Hours: f.Tags["opening_hours"]})
		if len(out) == 25 {
			break
		}
	}
	u := unitsOf(call)
	res := &tools.Result{Data: map[string]any{"near": where, "radius_km": radius, "attractions": nonNil(out)}}
	if len(out) == 0 {
		res.Status = tools.StatusNoResults
		res.Summary = fmt.Sprintf("I found no attractions within %s of %s in OpenStreetMap.", u.distance(radius), where.Label)
	} else {
		names := firstFew(out, func(x attraction) string { return fmt.Sprintf("%s (%s, %s)", x.Name, x.Kind, u.distance(x.DistanceKm)) })
		res.Summary = fmt.Sprintf("Things to see near %s: %s.", where.Label, names)
	}
	applyMeta(res, meta)
	return res, nil
}

func attractionKind(t map[string]string) string {
	switch {
	case t["boundary"] == "national_park" || t["leisure"] == "nature_reserve":
		return "park"
	case t["tourism"] == "museum":
		return "museum"
	case t["tourism"] == "viewpoint":
		return "viewpoint"
	case t["historic"] != "":
		return "historic"
	default:
		return "attraction"
	}
}
