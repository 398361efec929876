package fuel

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/money"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

func (svc *service) fuelTools() []tools.Tool {
	return []tools.Tool{
		{
			Name:        "add_fuel_entry",
			Description: "Log a fuel fill-up. Give any two of volume, price_per_unit and total; the third is computed. Odometer gives fuel economy since the last fill-up. Also logs a fuel expense.",
			Category:    tools.CategoryFuel,
			Writes:      true,
			Keywords:    []string{"fill-up", "filled up", "fill up"},
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"volume":{"type":["string","number"],"description":"fuel bought"},
				"volume_unit":{"type":"string","enum":["L","gal"],"description":"default: the user's units"},
				"price_per_unit":{"type":["string","number"]},
				"total":{"type":["string","number"]},
				"odometer":{"type":["string","number"],"description":"in the user's distance unit"},
				"station":{"type":"string","maxLength":200},
				"vehicle_id":{"type":"string"},
				"date":{"type":"string","description":"YYYY-MM-DD"}},
				"additionalProperties":false}`),
			Handler: svc.addFuelEntry,
		},
		{
			Name:        "get_fuel_stats",
			Description: "Fuel statistics for a period (default this month): fill-ups, volume, cost, average price and fuel economy.",
			Category:    tools.CategoryFuel,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"period":{"type":"string","enum":["today","yesterday","this_week","last_week","this_month","last_month","this_year","all"]},
				"vehicle_id":{"type":"string"}},
				"additionalProperties":false}`),
			Handler: svc.fuelStats,
		},
		{
			Name:        "calculate_gas_cost",
			Description: "Estimate the fuel needed and its cost for a distance. Consumption (mpg or L/100km) and fuel price default to the user's history.",
			Category:    tools.CategoryFuel,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"distance":{"type":["string","number"]},
				"distance_unit":{"type":"string","enum":["mi","km"]},
				"consumption":{"type":["string","number"],"description":"mpg (imperial users) or L/100km (metric users)"},
				"fuel_price":{"type":["string","number"],"description":"per gallon or litre, in the user's units"}},
				"required":["distance"],"additionalProperties":false}`),
			Handler: svc.calculateGasCost,
		},
	}
}

type fillArgs struct {
	Volume     any    `json:"volume"`
	VolumeUnit string `json:"volume_unit"`
	Price      any    `json:"price_per_unit"`
	Total      any    `json:"total"`
	Odometer   any    `json:"odometer"`
	Station    string `json:"station"`
	VehicleID  string `json:"vehicle_id"`
	Date       string `json:"date"`
}

// fill is a fill-up's three quantities after completing the missing one.
type fill struct {
	volume, price, total decimal.Decimal
}

// completeFill computes the missing one of volume, price and total (total and
// price to cents, volume to thousandths) and checks that three given agree.
func completeFill(a fillArgs, unit string) (fill, error) {
	vol, hasVol, err := positiveArg("volume", a.Volume, 5000)
	if err != nil {
		return fill{}, err
	}
	var price, total decimal.Decimal
	hasPrice, hasTotal := a.Price != nil, a.Total != nil
	if hasPrice {
		// Pump prices have tenths of a cent (3.459): keep them for the total.
		if price, err = tools.DecimalArg(a.Price); err != nil {
			return fill{}, tools.Invalid("The price per %s must be a number like 3.459 (%v).", unitWord(unit), err)
		}
		if price.LessThan(money.MinAmount) || price.GreaterThan(money.MaxAmount) {
			return fill{}, tools.Invalid("The price per %s must be between 0.01 and 999,999.99.", unitWord(unit))
		}
	}
	if hasTotal {
		if total, err = tools.AmountArg("total", a.Total); err != nil {
			return fill{}, err
		}
	}
	switch {
	case hasVol && hasPrice && hasTotal:
		want := vol.Mul(price).Round(2)
		tolerance := decimal.RequireFromString("0.01").Add(vol.Mul(decimal.RequireFromString("0.005")))
		if want.Sub(total).Abs().GreaterThan(tolerance) {
			return fill{}, tools.Invalid("Those numbers don't agree: %s %s at %s is %s, not %s. Which one should I correct?",
				vol.String(), unit, price.StringFixed(2), want.StringFixed(2), total.StringFixed(2))
		}
	case hasVol && hasPrice:
		total = vol.Mul(price).Round(2)
	case hasVol && hasTotal:
		price = total.Div(vol).Round(2)
	case hasPrice && hasTotal:
		vol = total.Div(price).Round(3)
	default:
		return fill{}, tools.Invalid("Tell me two of these: how much fuel, the price per %s, or the total paid.", unitWord(unit))
	}
	if total.LessThan(money.MinAmount) || total.GreaterThan(money.MaxAmount) {
		return fill{}, tools.Invalid("The total must be between 0.01 and 999,999.99; %s is not.", total.StringFixed(2))
	}
	if price.LessThan(money.MinAmount) {
		return fill{}, tools.Invalid("The price per %s must be at least 0.01.", unitWord(unit))
	}
	return fill{volume: vol, price: price, total: total}, nil
}

func unitWord(unit string) string {
	if unit == "gal" {
		return "gallon"
	}
	return "litre"
}

func (svc *service) addFuelEntry(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a fillArgs
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	unit := a.VolumeUnit
	if unit == "" {
		unit = volumeUnit(c)
	}
	f, err := completeFill(a, unit)
	if err != nil {
		return nil, err
	}
	odo, hasOdo, err := positiveArg("odometer", a.Odometer, 10_000_000)
	if err != nil {
		return nil, err
	}
	day, err := c.DayArg(a.Date)
	if err != nil {
		return nil, err
	}
	v, err := svc.vehicle(ctx, c, a.VehicleID)
	if err != nil {
		return nil, err
	}
	cur, _ := c.CurrencyArg("")
	entry := &store.FuelEntry{
		UserID: c.UserID, Date: day, Volume: f.volume, VolumeUnit: unit,
		PricePerUnit: money.New(f.price, cur), Total: money.New(f.total, cur),
		Station: strings.TrimSpace(a.Station),
	}
	if v != nil {
		entry.VehicleID = v.ID
	}
	if hasOdo {
		entry.Odometer = decimal.NullDecimal{Decimal: odo, Valid: true}
		entry.OdometerUnit = distanceUnit(c)
	}
	var econ *consumption
	expense := &store.Expense{UserID: c.UserID, Amount: entry.Total, Category: "fuel", Merchant: entry.Station,
		Description: fmt.Sprintf("Fuel: %s %s", f.volume.String(), unit), Date: day}
	err = svc.s.InTx(ctx, func(tx store.Store) error {
		if hasOdo {
			prev, err := tx.LastFuelEntry(ctx, c.UserID, entry.VehicleID)
			if err != nil && !store.IsNotFound(err) {
				return fmt.Errorf("last fuel entry: %w", err)
			}
			if prev != nil && prev.Odometer.Valid {
				prevOdo := convertDistance(prev.Odometer.Decimal, prev.OdometerUnit, entry.OdometerUnit)
				econ = economy(c, odo.Sub(prevOdo), convertVolume(f.volume, unit, volumeUnit(c)))
			}
		}
		if err := tx.AddFuelEntry(ctx, entry); err != nil {
			return fmt.Errorf("add fuel entry: %w", err)
		}
		if err := tx.CreateExpense(ctx, expense); err != nil {
			return fmt.Errorf("record fuel expense: %w", err)
		}
		if v != nil && hasOdo && (!v.Odometer.Valid || odo.GreaterThan(v.Odometer.Decimal)) {
			v.Odometer = decimal.NullDecimal{Decimal: odo, Valid: true}
			if err := tx.UpdateVehicle(ctx, v); err != nil {
				return fmt.Errorf("update odometer: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	svc.ledger.Calc(ctx, c, "fuel_fill", map[string]string{
		"volume": tools.ArgText(a.Volume), "price_per_unit": tools.ArgText(a.Price), "total": tools.ArgText(a.Total), "unit": unit,
	}, fmt.Sprintf("volume=%s price=%s total=%s", f.volume, f.price.StringFixed(2), f.total.StringFixed(2)))
	summary := fmt.Sprintf("Logged %s %s at %s/%s (%s)", f.volume.String(), unit, entry.PricePerUnit.Format(), unit, entry.Total.Format())
	if entry.Station != "" {
		summary += " at " + entry.Station
	}
	summary += " on " + c.DayText(day) + "."
	data := map[string]any{"entry": entry, "expense_id": expense.ID}
	if econ != nil {
		data["consumption"] = econ
		summary += fmt.Sprintf(" That's %s %s over %s %s since your last fill-up.", econ.Value, econ.Unit, quantity(decimal.RequireFromString(econ.Distance), 1), distanceUnit(c))
	}
	return &tools.Result{
		Data:    data,
		Summary: summary,
		UIActions: []tools.UIAction{
			tools.Reload(tools.ReloadFuel, "fuel_entry", entry.ID, "Fuel at "+orDash(entry.Station)),
			tools.Reload(tools.ReloadExpenses, "expense", expense.ID, "fuel"),
		},
		Cost: entry.Total.Amount.StringFixed(2),
	}, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// listFuel reads every fill-up in the range (up to 5000), newest first.
func (svc *service) listFuel(ctx context.Context, userID, from, to string) ([]store.FuelEntry, error) {
	var out []store.FuelEntry
	cursor := ""
	for len(out) < 5000 {
		page, next, err := svc.s.ListFuelEntries(ctx, userID, from, to, store.Page{Limit: 100, Cursor: cursor})
		if err != nil {
			return nil, fmt.Errorf("list fuel entries: %w", err)
		}
		out = append(out, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	return out, nil
}

// stats aggregates fill-ups in the user's units.
type stats struct {
	FillUps     int          `json:"fill_ups"`
	TotalVolume string       `json:"total_volume"`
	VolumeUnit  string       `json:"volume_unit"`
	TotalCost   money.Money  `json:"total_cost"`
	AvgPrice    *money.Money `json:"avg_price,omitempty"`
	Consumption *consumption `json:"consumption,omitempty"`
}

func aggregate(c *tools.Call, entries []store.FuelEntry) (stats, decimal.Decimal) {
	cur, _ := c.CurrencyArg("")
	unit := volumeUnit(c)
	vol, cost := decimal.Zero, decimal.Zero
	type reading struct{ odo, vol decimal.Decimal }
	var readings []reading
	for _, e := range entries {
		v := convertVolume(e.Volume, e.VolumeUnit, unit)
		vol = vol.Add(v)
		cost = cost.Add(e.Total.Amount)
		if e.Odometer.Valid {
			readings = append(readings, reading{convertDistance(e.Odometer.Decimal, e.OdometerUnit, distanceUnit(c)), v})
		}
	}
	st := stats{FillUps: len(entries), TotalVolume: vol.Round(2).String(), VolumeUnit: unit, TotalCost: money.New(cost, cur)}
	var avg decimal.Decimal
	if vol.IsPositive() {
		avg = cost.Div(vol).Round(2)
		m := money.New(avg, cur)
		st.AvgPrice = &m
	}
	if len(readings) >= 2 {
		sort.Slice(readings, func(i, j int) bool { return readings[i].odo.LessThan(readings[j].odo) })
		burned := decimal.Zero
		for _, r := range readings[1:] { // the first fill-up's fuel was burned before the first reading
			burned = burned.Add(r.vol)
		}
		st.Consumption = economy(c, readings[len(readings)-1].odo.Sub(readings[0].odo), burned)
	}
	return st, avg
}

func (svc *service) fuelStats(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		Period    string `json:"period"`
		VehicleID string `json:"vehicle_id"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	r, err := c.ResolvePeriod(a.Period, "", "")
	if err != nil {
		return nil, err
	}
	if a.VehicleID != "" {
		if _, err := svc.vehicle(ctx, c, a.VehicleID); err != nil {
			return nil, err
		}
	}
	all, err := svc.listFuel(ctx, c.UserID, r.From, r.To)
	if err != nil {
		return nil, err
	}
	var entries []store.FuelEntry
	for _, e := range all {
		if a.VehicleID == "" || e.VehicleID == a.VehicleID {
			entries = append(entries, e)
		}
	}
	st, avg := aggregate(c, entries)
	svc.ledger.Calc(ctx, c, "fuel_stats", map[string]string{"from": r.From, "to": r.To, "fill_ups": fmt.Sprint(st.FillUps)}, "total="+st.TotalCost.Amount.StringFixed(2)+" avg="+avg.StringFixed(2))
	if st.FillUps == 0 {
		return &tools.Result{Status: tools.StatusNoResults, Data: st, Summary: fmt.Sprintf("No fill-ups logged %s.", r.Label)}, nil
	}
	summary := fmt.Sprintf("%s %s: %s %s for %s", capitalize(r.Label), tools.Plural(st.FillUps, "fill-up", "fill-ups"), st.TotalVolume, st.VolumeUnit, st.TotalCost.Format())
	if st.AvgPrice != nil {
		summary += fmt.Sprintf(", averaging %s/%s", st.AvgPrice.Format(), st.VolumeUnit)
	}
	summary += "."
	if st.Consumption != nil {
		summary += fmt.Sprintf(" Fuel economy: %s %s.", st.Consumption.Value, st.Consumption.Unit)
	}
	return &tools.Result{Data: st, Summary: summary}, nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Typical motorhome economy, used when the user has no history.
var (
	typicalMPG    = decimal.NewFromInt(10)
	typicalL100km = decimal.RequireFromString("23.5")
)

func (svc *service) calculateGasCost(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		Distance     any    `json:"distance"`
		DistanceUnit string `json:"distance_unit"`
		Consumption  any    `json:"consumption"`
		FuelPrice    any    `json:"fuel_price"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	dist, _, err := positiveArg("distance", a.Distance, 100_000)
	if err != nil {
		return nil, err
	}
	if a.DistanceUnit == "" {
		a.DistanceUnit = distanceUnit(c)
	}
	dist = convertDistance(dist, a.DistanceUnit, distanceUnit(c))
	econ, hasEcon, err := positiveArg("consumption", a.Consumption, 500)
	if err != nil {
		return nil, err
	}
	var notes []string
	var history []store.FuelEntry
	if !hasEcon || a.FuelPrice == nil {
		if history, err = svc.listFuel(ctx, c.UserID, "", ""); err != nil {
			return nil, err
		}
	}
	st, _ := aggregate(c, history)
	if !hasEcon {
		if st.Consumption != nil {
			econ = decimal.RequireFromString(st.Consumption.Value)
			notes = append(notes, "fuel economy from your fill-ups")
		} else if metric(c) {
			econ = typicalL100km
			notes = append(notes, "a typical motorhome's 23.5 L/100km")
		} else {
			econ = typicalMPG
			notes = append(notes, "a typical motorhome's 10 mpg")
		}
	}
	var price decimal.Decimal
	if a.FuelPrice != nil {
		if price, err = tools.AmountArg("fuel price", a.FuelPrice); err != nil {
			return nil, err
		}
	} else if len(history) > 0 {
		last := history[0]
		price = convertPricePerUnit(last.PricePerUnit.Amount, last.VolumeUnit, volumeUnit(c))
		notes = append(notes, "your last fill-up's price")
	} else {
		return nil, tools.Invalid("What does fuel cost per %s where you are? I have no fill-ups to go by.", unitWord(volumeUnit(c)))
	}
	var needed decimal.Decimal
	if metric(c) {
		needed = dist.Mul(econ).Div(hundred)
	} else {
		needed = dist.Div(econ)
	}
	needed = needed.Round(2)
	cost := needed.Mul(price).Round(2)
	cur, _ := c.CurrencyArg("")
	unitEcon := "mpg"
	if metric(c) {
		unitEcon = "L/100km"
	}
	svc.ledger.Calc(ctx, c, "gas_cost", map[string]string{"distance": dist.String(), "consumption": econ.String() + " " + unitEcon, "price": price.String()}, cost.StringFixed(2))
	summary := fmt.Sprintf("%s %s needs about %s %s of fuel, costing about %s", quantity(dist, 1), distanceUnit(c), needed.String(), volumeUnit(c), money.New(cost, cur).Format())
	if len(notes) > 0 {
		summary += " (using " + strings.Join(notes, " and ") + ")"
	}
	return &tools.Result{
		Data: map[string]any{
			"distance": dist.Round(1).String(), "distance_unit": distanceUnit(c),
			"fuel_needed": needed.String(), "volume_unit": volumeUnit(c),
			"consumption": econ.String(), "consumption_unit": unitEcon,
			"fuel_price": money.New(price, cur), "cost": money.New(cost, cur), "assumptions": notes,
		},
		Summary: summary + ".",
	}, nil
}

// convertPricePerUnit converts a price per unit to a price per want.
func convertPricePerUnit(p decimal.Decimal, unit, want string) decimal.Decimal {
	switch {
	case unit == want:
		return p
	case unit == "gal": // per gallon -> per litre
		return p.Div(litresPerGallon).Round(3)
	default:
		return p.Mul(litresPerGallon).Round(3)
	}
}
