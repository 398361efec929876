package trip

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/external"
	"github.com/pamtravel/pam/internal/geo"
	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/tools"
)

// place is a resolved position with a label for people and where it came from.
type place struct {
	geo.Point
	Label  string `json:"label"`
	Source string `json:"source"` // coordinates, gazetteer, geocoding, gps, last_known, ip
}

// whereArgs are the common place arguments: free text or lat/lng.
type whereArgs struct {
	Near     string   `json:"near"`
	Location string   `json:"location"`
	Lat      *float64 `json:"lat"`
	Lng      *float64 `json:"lng"`
}

// resolveWhere picks the place a search is about: lat/lng, then the text, then
// the call's location (GPS, last known).
func (svc *service) resolveWhere(ctx context.Context, call *tools.Call, w whereArgs) (place, error) {
	if w.Lat != nil || w.Lng != nil {
		if w.Lat == nil || w.Lng == nil {
			return place{}, tools.Invalid("Give both lat and lng, or a place name.")
		}
		p := geo.Point{Lat: *w.Lat, Lng: *w.Lng}
		if err := p.Validate(); err != nil {
			return place{}, tools.Invalid("Those coordinates are not valid: %v.", err)
		}
		return place{Point: p, Label: fmt.Sprintf("%.4f, %.4f", p.Lat, p.Lng), Source: "coordinates"}, nil
	}
	text := strings.TrimSpace(w.Near)
	if text == "" {
		text = strings.TrimSpace(w.Location)
	}
	if text != "" {
		return svc.resolveText(ctx, text)
	}
	if l := call.Location; l != nil {
		p := geo.Point{Lat: l.Lat, Lng: l.Lng}
		if p.Validate() == nil {
			return place{Point: p, Label: "your location", Source: l.Source}, nil
		}
	}
	return place{}, tools.Invalid("Where should I look? Share your location or name a place (for example \"Moab, UT\").")
}

// resolveText finds a named place: the offline gazetteer first (towns), then
// geocoding (anything else the service knows).
func (svc *service) resolveText(ctx context.Context, text string) (place, error) {
	if len(text) > 200 {
		return place{}, tools.Invalid("That place name is too long.")
	}
	if p, ok := svc.gaz.Lookup(text); ok {
		return place{Point: p.Point, Label: p.Label(), Source: "gazetteer"}, nil
	}
	if svc.Geocoder != nil {
		name, _, _ := strings.Cut(text, ",")
		res, _, err := svc.Geocoder.Search(ctx, name, 5)
		if err == nil && len(res) > 0 {
			r := res[0]
			return place{Point: geo.Point{Lat: r.Lat, Lng: r.Lng}, Label: r.Label(), Source: "geocoding"}, nil
		}
		if err != nil && external.IsUnavailable(err) {
			return place{}, tools.Fail(tools.StatusNotAvailable,
				fmt.Sprintf("I couldn't look up %q: the place search service is unavailable and it is not in my offline list of towns.", text))
		}
	}
	return place{}, tools.Invalid("I couldn't find a place called %q. Try a nearby town with its state or country, e.g. \"Moab, UT\".", text)
}

// units helps render the user's units.
type units struct{ imperial bool }

func unitsOf(call *tools.Call) units { return units{imperial: call.Settings.Units != "metric"} }

func (u units) distance(km float64) string {
	if u.imperial {
		return fmt.Sprintf("%s mi", trim(geo.KmToMiles(km)))
	}
	return fmt.Sprintf("%s km", trim(km))
}

func (u units) temp(c float64) string {
	if u.imperial {
		c = c*9/5 + 32
	}
	v := math.Round(c)
	if v == 0 {
		v = 0 // not "-0°C"
	}
	if u.imperial {
		return fmt.Sprintf("%.0f°F", v)
	}
	return fmt.Sprintf("%.0f°C", v)
}

// perUnit renders a fuel price with its precision: "$3.899/gal", "£1.347/L".
func perUnit(price decimal.Decimal, currency, unit string) string {
	digits := int32(2)
	if !price.Equal(price.Round(2)) {
		digits = 3
	}
	zero := money.Money{Amount: decimal.Zero, Currency: currency}.Format() // "$0.00", "0.00 CHF"
	return strings.Replace(zero, "0.00", price.StringFixed(digits), 1) + "/" + unit
}

func (u units) speed(kmh float64) string {
	if u.imperial {
		return fmt.Sprintf("%.0f mph", geo.KmToMiles(kmh))
	}
	return fmt.Sprintf("%.0f km/h", kmh)
}

func trim(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", math.Round(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// duration renders minutes as "5 h 14 min".
func duration(min int) string {
	if min < 60 {
		return fmt.Sprintf("%d min", min)
	}
	if min%60 == 0 {
		return fmt.Sprintf("%d h", min/60)
	}
	return fmt.Sprintf("%d h %d min", min/60, min%60)
}

// unavailable is the not_available answer for a source that is down, with a
// banner for the reply.
func unavailable(what, banner string) *tools.Result {
	return &tools.Result{
		Status: tools.StatusNotAvailable,
		Error:  fmt.Sprintf("I can't get %s right now: the service is unavailable and I have no saved copy.", what),
		Banner: banner,
	}
}

// notConfigured is the not_available answer when no real source exists (offline mode).
func notConfigured(what string) *tools.Result {
	return &tools.Result{
		Status: tools.StatusNotAvailable,
		Error:  fmt.Sprintf("I have no source for %s here (outside data services are turned off), so I won't guess.", what),
	}
}

// applyMeta marks a result served from a stale copy.
func applyMeta(r *tools.Result, m external.Meta) {
	if m.Stale {
		r.Stale = true
		r.Disclaimer = m.Disclaimer
		r.Summary = strings.TrimSpace(r.Summary + " (" + m.Disclaimer + ")")
	}
}

const locationSchema = `"near": {"type": "string", "maxLength": 200, "description": "a place name, e.g. \"Moab, UT\"; default: the user's location"},
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "lng": {"type": "number", "minimum": -180, "maximum": 180},
    "radius_km": {"type": "number", "minimum": 1, "maximum": 100}`
