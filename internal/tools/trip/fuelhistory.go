package trip

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

// Exact conversion constants.
var (
	litresPerGallon = decimal.RequireFromString("3.785411784")
	kmPerMile       = decimal.RequireFromString("1.609344")
)

// fuelHistory is what the user's own recent fill-ups say: the average price
// paid, a typical fill and (with odometer readings) the consumption.
type fuelHistory struct {
	Entries   int
	Currency  string
	Unit      string          // "gal" or "L": the unit of AvgPrice, AvgFill and KmPerUnit
	AvgPrice  decimal.Decimal // per Unit: total paid / volume bought
	AvgFill   decimal.Decimal
	KmPerUnit decimal.Decimal // zero when the log cannot tell
}

// historyWindowDays bounds "recent" fill-ups.
const historyWindowDays = 120

// fuelHistoryOf reads the user's fill-ups of the last historyWindowDays. ok is
// false when there are none.
func (svc *service) fuelHistoryOf(ctx context.Context, call *tools.Call) (fuelHistory, bool, error) {
	from := call.LocalNow().AddDate(0, 0, -historyWindowDays).Format(tools.DayLayout)
	entries, _, err := svc.Store.ListFuelEntries(ctx, call.UserID, from, "", store.Page{Limit: 100})
	if err != nil {
		return fuelHistory{}, false, fmt.Errorf("fuel history: %w", err)
	}
	if len(entries) == 0 {
		return fuelHistory{}, false, nil
	}
	// Use the newest entry's currency and unit; others cannot be averaged with it.
	h := fuelHistory{Currency: entries[0].Total.Currency, Unit: entries[0].VolumeUnit}
	var vol, paid decimal.Decimal
	var withOdo []store.FuelEntry
	for _, e := range entries {
		if e.Total.Currency != h.Currency || e.VolumeUnit != h.Unit || !e.Volume.IsPositive() {
			continue
		}
		h.Entries++
		vol = vol.Add(e.Volume)
		paid = paid.Add(e.Total.Amount)
		if e.Odometer.Valid && (e.OdometerUnit == "mi" || e.OdometerUnit == "km") {
			withOdo = append(withOdo, e)
		}
	}
	if h.Entries == 0 || !vol.IsPositive() {
		return fuelHistory{}, false, nil
	}
	n := decimal.NewFromInt(int64(h.Entries))
	h.AvgPrice = paid.Div(vol).Round(3)
	h.AvgFill = vol.Div(n).Round(1)
	h.KmPerUnit = consumption(withOdo)
	return h, true, nil
}

// consumption is distance per volume unit between the lowest and highest
// odometer readings (same odometer unit), counting the fuel of every fill but
// the first (a full-to-full method). Zero when there are fewer than two readings.
func consumption(es []store.FuelEntry) decimal.Decimal {
	if len(es) < 2 {
		return decimal.Zero
	}
	unit := es[0].OdometerUnit
	var same []store.FuelEntry
	for _, e := range es {
		if e.OdometerUnit == unit {
			same = append(same, e)
		}
	}
	if len(same) < 2 {
		return decimal.Zero
	}
	sort.Slice(same, func(i, j int) bool { return same[i].Odometer.Decimal.LessThan(same[j].Odometer.Decimal) })
	dist := same[len(same)-1].Odometer.Decimal.Sub(same[0].Odometer.Decimal)
	var vol decimal.Decimal
	for _, e := range same[1:] {
		vol = vol.Add(e.Volume)
	}
	if !dist.IsPositive() || !vol.IsPositive() {
		return decimal.Zero
	}
	if unit == "mi" {
		dist = dist.Mul(kmPerMile)
	}
	per := dist.Div(vol)
	// Reject nonsense (a typo'd odometer): RVs do roughly 4–30 mpg.
	perGal := per
	if strings.EqualFold(es[0].VolumeUnit, "L") {
		perGal = per.Mul(litresPerGallon)
	}
	if perGal.LessThan(decimal.NewFromInt(6)) || perGal.GreaterThan(decimal.NewFromInt(50)) { // km per gallon
		return decimal.Zero
	}
	return per.Round(3)
}

// defaultKmPerUnit is the default consumption (Options.DefaultMPG) per unit.
func (svc *service) defaultKmPerUnit(unit string) decimal.Decimal {
	perGal := decimal.NewFromFloat(svc.Options.DefaultMPG).Mul(kmPerMile)
	if unit == "L" {
		return perGal.Div(litresPerGallon).Round(4)
	}
	return perGal.Round(4)
}

// consumptionText renders km-per-unit in the user's units ("10.0 mpg", "23.5 L/100 km").
func consumptionText(kmPerUnit decimal.Decimal, unit string, u units) string {
	perGal := kmPerUnit
	if unit == "L" {
		perGal = kmPerUnit.Mul(litresPerGallon)
	}
	if u.imperial {
		return perGal.Div(kmPerMile).StringFixed(1) + " mpg"
	}
	perL := perGal.Div(litresPerGallon)
	if !perL.IsPositive() {
		return "unknown consumption"
	}
	return decimal.NewFromInt(100).Div(perL).StringFixed(1) + " L/100 km"
}
