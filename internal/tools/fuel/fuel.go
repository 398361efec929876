// Package fuel owns PAM's fuel and vehicle tools: fill-ups (with the missing
// one of volume, price and total computed and consumption derived from the
// odometer), fuel statistics, trip fuel cost, vehicles and their maintenance.
// A fill-up or a paid service is also recorded as an expense so that spending
// totals include it.
package fuel

import (
	"context"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

type service struct {
	s      store.Store
	ledger *tools.Ledger
}

// Register adds the fuel, vehicle and maintenance tools to r.
func Register(r *tools.Registry, s store.Store, a tools.Auditor, opts ...tools.RegisterOption) error {
	svc := &service{s: s, ledger: tools.NewLedger(a, opts...)}
	if err := tools.RegisterAll(r, svc.fuelTools()...); err != nil {
		return fmt.Errorf("fuel: %w", err)
	}
	if err := tools.RegisterAll(r, svc.vehicleTools()...); err != nil {
		return fmt.Errorf("fuel: %w", err)
	}
	return nil
}

// Unit conversions, exact to the definitions of the units.
var (
	litresPerGallon = decimal.RequireFromString("3.785411784")
	kmPerMile       = decimal.RequireFromString("1.609344")
	hundred         = decimal.NewFromInt(100)
)

func metric(c *tools.Call) bool { return c.Settings.Units == "metric" }

// volumeUnit is the user's volume unit: "L" or "gal".
func volumeUnit(c *tools.Call) string {
	if metric(c) {
		return "L"
	}
	return "gal"
}

// distanceUnit is the user's distance unit: "km" or "mi".
func distanceUnit(c *tools.Call) string {
	if metric(c) {
		return "km"
	}
	return "mi"
}

// convertVolume converts v from unit to want ("L" or "gal").
func convertVolume(v decimal.Decimal, unit, want string) decimal.Decimal {
	switch {
	case unit == want:
		return v
	case unit == "gal":
		return v.Mul(litresPerGallon)
	default:
		return v.Div(litresPerGallon)
	}
}

// convertDistance converts d from unit to want ("km" or "mi").
func convertDistance(d decimal.Decimal, unit, want string) decimal.Decimal {
	switch {
	case unit == want || unit == "":
		return d
	case unit == "mi":
		return d.Mul(kmPerMile)
	default:
		return d.Div(kmPerMile)
	}
}

// consumption is fuel economy in the user's units: mpg (distance per volume)
// or L/100km (volume per distance).
type consumption struct {
	Value    string `json:"value"`
	Unit     string `json:"unit"` // "mpg" or "L/100km"
	Distance string `json:"distance,omitempty"`
}

// economy computes consumption from a distance and the fuel it took, both in the user's units.
func economy(c *tools.Call, distance, volume decimal.Decimal) *consumption {
	if !distance.IsPositive() || !volume.IsPositive() {
		return nil
	}
	if metric(c) {
		return &consumption{Value: volume.Div(distance).Mul(hundred).Round(1).StringFixed(1), Unit: "L/100km", Distance: distance.Round(1).String()}
	}
	return &consumption{Value: distance.Div(volume).Round(1).StringFixed(1), Unit: "mpg", Distance: distance.Round(1).String()}
}

// vehicle resolves the vehicle a call is about: the given id (the caller's
// only), else the user's only vehicle, else none.
func (svc *service) vehicle(ctx context.Context, c *tools.Call, id string) (*store.Vehicle, error) {
	if id != "" {
		v, err := svc.s.VehicleByID(ctx, c.UserID, id)
		if store.IsNotFound(err) {
			return nil, tools.NotFound("vehicle")
		} else if err != nil {
			return nil, fmt.Errorf("load vehicle: %w", err)
		}
		return v, nil
	}
	vs, err := svc.s.ListVehicles(ctx, c.UserID)
	if err != nil {
		return nil, fmt.Errorf("list vehicles: %w", err)
	}
	if len(vs) == 1 {
		return &vs[0], nil
	}
	return nil, nil
}

// quantity formats a decimal with thousands separators: "45,000".
func quantity(d decimal.Decimal, places int32) string {
	s := d.Round(places).String()
	intPart, frac, hasFrac := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	var b strings.Builder
	if strings.HasPrefix(s, "-") {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// positiveArg parses an optional non-money quantity in (0, max].
func positiveArg(name string, v any, max int64) (decimal.Decimal, bool, error) {
	d, ok, err := tools.OptionalDecimal(v)
	if err != nil {
		return d, false, tools.Invalid("The %s must be a number (%v).", name, err)
	}
	if ok && (!d.IsPositive() || d.GreaterThan(decimal.NewFromInt(max))) {
		return d, false, tools.Invalid("The %s must be more than 0 and at most %s.", name, quantity(decimal.NewFromInt(max), 0))
	}
	return d, ok, nil
}
